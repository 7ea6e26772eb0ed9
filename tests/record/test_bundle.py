"""Evidence bundles: one finding proven to a signed checkpoint, checked with no workspace,
and any single changed byte (in any member, header or the directory) fails the check."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ceasefire.errors import CeasefireError, InputError, LedgerError, NotFound
from ceasefire.record import bundle_format, keys
from ceasefire.record import verify as record
from ceasefire.record.bundle import write_bundle
from ceasefire.record.bundle_check import check_bundle
from ceasefire.record.bundle_format import dump_json, read_zip, write_zip
from ceasefire.services import findings
from ceasefire.workspace import Workspace
from tests.record.ledger_data import assessed_finding as _finding


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    tmp = tmp_path_factory.mktemp("bundle")
    with Workspace.init(tmp / "ws") as ws:
        finding_id = _finding(ws, tmp)
        summary = write_bundle(ws, finding_id, tmp / "b.zip")
        assert summary.entries >= 5 and summary.checkpoint_size >= 6
    return tmp / "b.zip", (tmp / "b.zip").read_bytes(), finding_id


def test_bundle_verifies_in_an_empty_directory(cli, made, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, data, finding_id = made
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "b.zip").write_bytes(data)
    monkeypatch.chdir(empty)
    monkeypatch.delenv("CEASEFIRE_WORKSPACE", raising=False)
    result = cli("verify-bundle", "b.zip", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["finding_id"] == finding_id and report["reports"] == 2
    assert report["evidence_files"] == 1
    assert sorted(p.name for p in empty.iterdir()) == ["b.zip"]  # nothing extracted
    assert cli("verify-bundle", "b.zip", "--log-id", report["log_id"]).exit_code == 0
    wrong = cli("verify-bundle", "b.zip", "--log-id", "0" * 16)
    assert wrong.exit_code == 1 and "trusted log" in wrong.stderr
    # and as a separate process, as an outsider would run it
    env = {k: v for k, v in os.environ.items() if k != "CEASEFIRE_WORKSPACE"}
    tool = Path(sys.executable).parent / "ceasefire"
    done = subprocess.run([str(tool), "verify-bundle", "b.zip"], cwd=empty, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("bundle OK") and finding_id in done.stdout
    assert sorted(p.name for p in empty.iterdir()) == ["b.zip"]


def test_bundle_contents(made) -> None:  # type: ignore[no-untyped-def]
    _, data, finding_id = made
    members = read_zip(data, "b.zip")
    rows = json.loads(members["rows.json"])
    assert rows["findings"][0]["finding_id"] == finding_id
    assert len(rows["reports"]) == 2 and all("rid" not in r for r in rows["reports"])
    assert {e["action"] for e in rows["finding_events"]} == {"confirm"}
    assert rows["agreements"][0]["agreement_id"] == "easter-truce-2025"
    assert "README.txt" in members and "checkpoint.sig" in members
    assert any(n.startswith("keys/") and n.endswith(".pem") for n in members)
    assert b"openssl pkeyutl -verify" in members["README.txt"]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _fails(data: bytes) -> None:
    with pytest.raises(CeasefireError):
        check_bundle(data)


def test_one_changed_byte_in_every_member_fails(made) -> None:  # type: ignore[no-untyped-def]
    """Change one byte at the start, middle and end of every member, twice: in place in the
    archive (caught by CRC and the rebuild), and re-zipped with correct CRCs (caught by the
    manifest, or for the manifest itself by the content checks)."""
    _, data, _ = made
    members = read_zip(data, "b.zip")
    offsets = {info.filename: info.header_offset + 30 + len(info.filename)
               for info in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    for name, content in members.items():
        for at in sorted({0, len(content) // 2, len(content) - 1}):
            _fails(_flip(data, offsets[name] + at))
            _fails(write_zip({**members, name: _flip(content, at)}))


def test_one_changed_byte_in_the_manifest_fields_fails(made) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = made
    members = read_zip(data, "b.zip")
    text = members["manifest.json"]
    for at in range(len(text)):  # every byte of the manifest, re-zipped with good CRCs
        with pytest.raises(CeasefireError):
            check_bundle(write_zip({**members, "manifest.json": _flip(text, at)}))


def test_one_changed_byte_anywhere_in_the_archive_fails(made) -> None:  # type: ignore[no-untyped-def]
    _, data, _ = made
    rng = random.Random(11)
    directory = data.rfind(b"PK\x01\x02")
    spots = set(rng.sample(range(len(data)), 300))
    spots |= set(range(directory, len(data)))  # every byte of the directory and its end
    for at in sorted(spots):
        _fails(_flip(data, at))


def test_resigned_content_with_a_foreign_key_fails(made) -> None:  # type: ignore[no-untyped-def]
    """Rewriting the rows and re-hashing the manifest is not enough: the proofs lead to the
    signed root, and a new key would start a different log."""
    _, data, _ = made
    members = read_zip(data, "b.zip")
    rows = json.loads(members["rows.json"])
    rows["findings"][0]["verdict"] = "not_a_violation"
    forged = {**members, "rows.json": dump_json(rows)}
    manifest = json.loads(forged["manifest.json"])
    manifest["members"]["rows.json"] = hashlib.sha256(forged["rows.json"]).hexdigest()
    forged["manifest.json"] = dump_json(manifest)
    with pytest.raises(LedgerError, match="differs from the one proven"):
        check_bundle(write_zip(forged))


def test_unsafe_archives_are_refused(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", b"\0" * (50 << 20))
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(InputError, match="compressed"):
        read_zip(bomb.getvalue(), "bomb.zip")
    for name in ("../evil", "/etc/passwd", "a/../../b", "C:\\x", "a\\..\\b", ".hidden/../x"):
        raw = io.BytesIO()
        with zipfile.ZipFile(raw, "w") as z:
            z.writestr(zipfile.ZipInfo(name), b"x")
        with pytest.raises(InputError, match="unsafe"):
            read_zip(raw.getvalue(), "evil.zip")
    for junk in (b"", b"PK", b"not a zip", b"PK\x05\x06" + b"\0" * 18):
        with pytest.raises(CeasefireError):
            check_bundle(junk, "junk.zip")
    with pytest.raises(InputError):
        read_zip(b"\0" * (bundle_format.MAX_BUNDLE_BYTES + 1), "huge.zip")
    with pytest.raises(InputError, match="canonical|JSON"):
        bundle_format.load_json("x.json", b"[" * 100_000)


def test_cli_errors_are_one_line(cli, tmp_path: Path, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04junk")
    for args, code in [(("verify-bundle", tmp_path / "junk.zip"), 2),
                       (("verify-bundle", tmp_path / "missing.zip"), 2),
                       (("bundle", "nope", "-o", tmp_path / "x.zip", "-w", workspace.root), 2)]:
        result = cli(*args)
        assert result.exit_code == code, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_bundle_signs_a_new_checkpoint_when_needed(workspace: Workspace, tmp_path: Path) -> None:
    finding_id = _finding(workspace, tmp_path)
    assert keys.active(workspace.store) is None
    write_bundle(workspace, finding_id, tmp_path / "a.zip")
    first = keys.active(workspace.store)
    assert first is not None  # the first bundle created the key
    findings.act(workspace, finding_id, "publish", actor="ana", role="analyst",
                 note=None)
    summary = write_bundle(workspace, finding_id, tmp_path / "b.zip")
    assert summary.checkpoint_size == workspace.store.count("ledger")
    report = check_bundle((tmp_path / "b.zip").read_bytes())
    assert report.entries == summary.entries
    assert record.verify_record(workspace).checkpoints.checkpoints == 2
    with pytest.raises(NotFound):
        write_bundle(workspace, "no-such-finding", tmp_path / "c.zip")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_signature_checks_by_hand_with_openssl(made, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The README's openssl command verifies the real signature and rejects a changed one."""
    _, data, _ = made
    members = read_zip(data, "b.zip")
    for name, content in members.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    key = next(n for n in members if n.startswith("keys/"))

    def openssl(statement: str) -> int:
        return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key,
                               "-rawin", "-in", statement, "-sigfile", "checkpoint.sig"],
                              cwd=tmp_path, capture_output=True, check=False).returncode

    assert openssl("checkpoint.txt") == 0
    (tmp_path / "forged.txt").write_bytes(members["checkpoint.txt"].replace(b"size", b"sizE"))
    assert openssl("forged.txt") != 0
