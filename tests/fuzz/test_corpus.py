"""The hostile corpus against every reader: through its Python API and through the CLI.

Every variant of :mod:`tests.fuzz.hostile` is fed to every loader of :mod:`tests.fuzz.loaders`
(about 400 files). A reader may accept a file (it reads what is valid) or raise
:class:`~ceasefire.errors.InputError`; any other exception is a bug the test shows. Through
``ceasefire ingest`` the exit code must be 0, 2 or 3 and every stderr line a one-line
``error: FILE...`` message (or the quarantine hint), never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire.errors import InputError
from tests.conftest import REPO_ROOT
from tests.fuzz.hostile import variants
from tests.fuzz.loaders import FUZZ_DATA, LOADERS, Loader

CASES = [(name, variant) for name, loader in LOADERS.items() for variant in variants(loader)]
INGEST = [name for name, loader in LOADERS.items() if loader.ingest_format]
QUARANTINE_HINT = "rejected rows are in the quarantine"


def _write(tmp_path: Path, loader: Loader, variant: str) -> Path:
    path = tmp_path / f"{variant}{loader.suffix}"
    path.write_bytes(variants(loader)[variant])
    return path


@pytest.mark.parametrize(("name", "variant"), CASES, ids=[f"{n}-{v}" for n, v in CASES])
def test_reader_accepts_or_raises_input_error(tmp_path: Path, name: str, variant: str) -> None:
    loader = LOADERS[name]
    path = _write(tmp_path, loader, variant)
    try:
        loader.load(path)
    except InputError as exc:
        assert exc.problems, "an InputError must say what is wrong"
        assert all(p.message and "Traceback" not in p.message for p in exc.problems)


def test_valid_samples_read(tmp_path: Path) -> None:
    """The baseline: each sample is valid, so a variant's failure is the variant's doing."""
    for name, loader in LOADERS.items():
        path = tmp_path / f"{name}{loader.suffix}"
        sample = loader.sample()
        path.write_bytes(sample.encode() if isinstance(sample, str) else sample)
        assert loader.load(path), name


# the alias bomb takes ~2 s per YAML loader and is already run per loader above
COMMITTED = sorted(p for p in FUZZ_DATA.rglob("*") if p.is_file() and p.parent != FUZZ_DATA
                   and p.stem != "billion_laughs")


@pytest.mark.parametrize("path", COMMITTED, ids=[str(p.relative_to(FUZZ_DATA)) for p in COMMITTED])
def test_committed_corpus_against_every_loader_of_its_kind(tmp_path: Path, path: Path) -> None:
    kind = path.parent.name
    for name, loader in LOADERS.items():
        if kind not in (loader.kind, "any"):
            continue
        copy = tmp_path / name / f"{path.stem}{loader.suffix}"
        copy.parent.mkdir()
        copy.write_bytes(path.read_bytes())
        try:
            loader.load(copy)
        except InputError:
            pass


# -- through `ceasefire ingest` ------------------------------------------------------------------
@pytest.fixture(scope="module")
def ingest_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ceasefire.cli import run

    ws = tmp_path_factory.mktemp("fuzz-ws") / "ws"
    assert run(["init", str(ws)]) == 0
    assert run(["sources", "add", "-w", str(ws), str(FUZZ_DATA / "sources.csv")]) == 0
    return ws


def _ingest_args(loader: Loader, ws: Path, path: Path) -> list[str]:
    args = ["ingest", "-q", "--json", "-w", str(ws), "--format", str(loader.ingest_format)]
    if loader.ingest_format == "mapping":
        args += ["--mapping", str(FUZZ_DATA / "mapping.yaml")]
    if loader.ingest_format in ("canonical", "geojson", "hxl", "mapping"):
        args += ["--source-id", "fuzz_src"]
    return [*args, str(path)]


def check_cli_outcome(code: int, stdout: str, stderr: str, path: Path) -> None:
    """Exit 0/2/3, one-line errors naming the file, accounting that adds up."""
    assert code in (0, 2, 3), (code, stderr)
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    for line in lines:
        assert line.startswith(("error: ", QUARANTINE_HINT)), line
    if code == 2:
        assert any(str(path) in line for line in lines), lines
    for line in stdout.splitlines():
        summary = json.loads(line)
        assert summary["read"] == summary["added"] + summary["duplicates"] + summary["rejected"]
    if code == 3:
        assert any(line.startswith(QUARANTINE_HINT) for line in lines)


INGEST_CASES = [(n, v) for n, v in CASES if n in INGEST]


@pytest.mark.parametrize(("name", "variant"), INGEST_CASES,
                         ids=[f"{n}-{v}" for n, v in INGEST_CASES])
def test_ingest_cli_exit_code_and_one_line_errors(tmp_path: Path, ingest_ws: Path, cli,  # type: ignore[no-untyped-def]
                                                  name: str, variant: str) -> None:
    loader = LOADERS[name]
    path = _write(tmp_path, loader, variant)
    result = cli(*_ingest_args(loader, ingest_ws, path))
    check_cli_outcome(result.exit_code, result.stdout, result.stderr, path)


def test_good_rows_stored_bad_rows_quarantined(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Nothing valid is lost: the canonical sample's two rows survive every hostile row."""
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    assert cli("sources", "add", "-w", ws, FUZZ_DATA / "sources.csv").exit_code == 0
    loader = LOADERS["canonical"]
    path = _write(tmp_path, loader, "non_finite_coordinates")
    result = cli(*_ingest_args(loader, ws, path))
    assert result.exit_code == 3, result.stderr
    [summary] = [json.loads(line) for line in result.stdout.splitlines()]
    hostile = 2 * 12  # NON_FINITE values x (lat, lon); the empty cell is "no coordinates"
    assert (summary["read"], summary["added"]) == (2 + hostile, 2)
    assert summary["duplicates"] + summary["rejected"] == hostile
    conn = sqlite3.connect(ws / "ceasefire.db")
    try:
        stored = {r[0] for r in conn.execute("SELECT report_id FROM reports")}
        quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    finally:
        conn.close()
    assert stored == {"c-1", "c-2"}
    assert quarantined == summary["rejected"] > 0


@pytest.mark.parametrize("variant", ["binary_garbage", "unterminated_quote"])
def test_real_process_stderr_is_one_line(tmp_path: Path, ingest_ws: Path, variant: str) -> None:
    """The installed entry point, in its own process: no traceback reaches the terminal."""
    loader = LOADERS["canonical"]
    path = _write(tmp_path, loader, variant)
    entry = Path(sys.executable).parent / "ceasefire"
    done = subprocess.run([str(entry), *_ingest_args(loader, ingest_ws, path)],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
                          check=False)
    check_cli_outcome(done.returncode, done.stdout, done.stderr, path)
