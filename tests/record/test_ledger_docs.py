"""docs/ledger.md's by-hand recipe works: its Python script (standard library only) and its
sha256sum line check a real bundle, and the script fails on a changed row."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire.record.bundle import write_bundle
from ceasefire.record.bundle_format import read_zip
from ceasefire.workspace import Workspace
from tests.conftest import REPO_ROOT
from tests.record.ledger_data import assessed_finding

DOC = REPO_ROOT / "docs" / "ledger.md"


def _block(pattern: str) -> str:
    text = DOC.read_text()
    match = re.search(r"```python\n(# check_by_hand\.py.*?)```", text, re.DOTALL) if pattern == "py" \
        else re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert match, pattern
    return match.group(1)


@pytest.fixture(scope="module")
def unzipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("byhand")
    with Workspace.init(tmp / "ws") as ws:
        finding_id = assessed_finding(ws, tmp)
        write_bundle(ws, finding_id, tmp / "b.zip")
    out = tmp / "b"
    for name, data in read_zip((tmp / "b.zip").read_bytes(), "b.zip").items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    (tmp / "check_by_hand.py").write_text(_block("py"))
    return out


def _run(folder: Path, script: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", str(script), str(folder)], capture_output=True,
                          text=True, check=False, timeout=60)


def test_script_checks_a_real_bundle(unzipped: Path) -> None:
    done = _run(unzipped, unzipped.parent / "check_by_hand.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK:")


def test_script_fails_on_a_changed_row(unzipped: Path, tmp_path: Path) -> None:
    copy = tmp_path / "b"
    shutil.copytree(unzipped, copy)
    rows = json.loads((copy / "rows.json").read_text())
    rows["reports"][0]["text"] = "forged"
    (copy / "rows.json").write_text(json.dumps(rows, sort_keys=True, indent=1) + "\n")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["members"]["rows.json"] = hashlib.sha256((copy / "rows.json").read_bytes()
                                                      ).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest))
    done = _run(copy, unzipped.parent / "check_by_hand.py")
    assert done.returncode != 0 and "AssertionError" in done.stderr


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_manifest_line_checks_members(unzipped: Path) -> None:
    line = next(x for x in _block("sh").splitlines() if "sha256sum -c" in x)
    done = subprocess.run(["bash", "-c", line], cwd=unzipped, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
