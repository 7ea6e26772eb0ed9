"""Installed size of ``pip install ceasefire`` (no extras) at two commits, in throwaway venvs.

    python bench/bench_install_size.py [BEFORE_REF] [AFTER_REF]    # default: HEAD~ HEAD

For each ref: ``git archive`` of the commit into a temporary folder, a fresh ``python -m venv``,
``pip install <folder>`` (a regular, non-editable install from the package indexes pip is
configured with), then the size of site-packages on disk (``du``-style: allocated blocks)
minus that of an empty venv (pip and setuptools), and the largest distributions. Prints a
Markdown table. Everything lives under a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def disk_kib(path: Path) -> int:
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder


def install(ref: str, work: Path) -> tuple[str, int, dict[str, int]]:
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref],
                            capture_output=True, text=True, check=True).stdout.strip()
    src = work / f"src-{commit}"
    src.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", commit],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    env = venv(work / f"venv-{commit}")
    subprocess.run([str(env / "bin" / "pip"), "install", "-q", str(src)], check=True,
                   stderr=subprocess.DEVNULL)
    site = site_packages(env)
    sizes: dict[str, int] = {}
    for child in site.iterdir():
        if child.name.endswith((".dist-info", ".pth")) or child.name == "__pycache__":
            continue
        key = child.name.split(".")[0]  # scipy.libs counts with scipy
        sizes[key] = sizes.get(key, 0) + disk_kib(child)
    return commit, disk_kib(site), sizes


def main() -> int:
    before, after = (sys.argv[1:3] + ["HEAD~", "HEAD"][len(sys.argv[1:3]):])[:2]
    with tempfile.TemporaryDirectory(prefix="ceasefire-size-") as tmp:
        work = Path(tmp)
        empty = disk_kib(site_packages(venv(work / "empty")))
        results = [install(ref, work) for ref in (before, after)]
    print(f"empty venv (pip, setuptools): {empty / 1024:.1f} MiB, subtracted below\n")
    print("| commit | installed (MiB) | vs first | largest distributions (MiB) |")
    print("|---|---:|---:|---|")
    first = results[0][1] - empty
    for commit, total, sizes in results:
        net = total - empty
        top = sorted(((k, v) for k, v in sizes.items() if k not in ("pip", "setuptools",
                                                                     "_distutils_hack",
                                                                     "pkg_resources")),
                     key=lambda kv: -kv[1])[:8]
        print(f"| `{commit}` | {net / 1024:.1f} | {net / first:.3f}× | "
              + ", ".join(f"{k} {v / 1024:.1f}" for k, v in top) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
