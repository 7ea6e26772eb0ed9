"""Issue 18 item 4: signed checkpoints cannot be stripped or replaced unseen.

Each test runs one of the outside review's attacks (tests/security/attacks.py) on a
workspace made by ``ceasefire init`` with default settings, with write access to the
database only, and checks that ``ceasefire verify`` fails and names the cause.
"""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.security.attacks import recompute_chain, strip_signatures

DATA = REPO_ROOT / "tests" / "data" / "ingest"


def _default_workspace(cli, path: Path) -> tuple[Path, str]:  # type: ignore[no-untyped-def]
    assert cli("init", path).exit_code == 0
    assert cli("sources", "add", DATA / "sources.csv", "-w", path).exit_code == 0
    assert cli("ingest", "-q", "-w", path, DATA / "mixed_reports.csv").exit_code in (0, 3)
    log_id = tomllib.loads((path / "ceasefire.toml").read_text())["workspace"]["log_id"]
    assert (path / "keys" / f"{log_id}.key").exists()
    assert cli("verify", "-w", path).exit_code == 0
    return path / "ceasefire.db", log_id


def _edit_a_report(db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("UPDATE reports SET text = 'forged' WHERE report_id = 'm-001'").rowcount
    conn.commit()
    conn.close()


def test_init_creates_a_key_and_pins_its_log_id(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, log_id = _default_workspace(cli, tmp_path / "ws")
    result = cli("verify", "--json", "-w", tmp_path / "ws")
    assert f'"log_id": "{log_id}"' in result.stdout


def test_strip_and_recompute_fails_verify_naming_the_cause(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, log_id = _default_workspace(cli, tmp_path / "ws")
    _edit_a_report(db)
    strip_signatures(db)
    result = cli("verify", "-w", tmp_path / "ws")
    assert result.exit_code == 1
    assert f"pins log {log_id}, but the database has no signing keys" in result.stderr
    # the pin gone too (an attacker who can also edit ceasefire.toml): the key file remains
    toml = tmp_path / "ws" / "ceasefire.toml"
    toml.write_text(toml.read_text().replace(f'log_id = "{log_id}"\n', ""))
    result = cli("verify", "-w", tmp_path / "ws")
    assert result.exit_code == 1
    assert f"{log_id}.key is in the workspace, but key {log_id} is not among" in result.stderr
    # and an outside verifier who pinned the published log id
    shutil.rmtree(tmp_path / "ws" / "keys")
    result = cli("verify", "--log-id", log_id, "-w", tmp_path / "ws")
    assert result.exit_code == 1 and "--log-id pins log" in result.stderr


def test_resigning_with_a_new_key_is_seen(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, log_id = _default_workspace(cli, tmp_path / "ws")
    _edit_a_report(db)
    strip_signatures(db)
    # the attacker signs the forged ledger with a key of their own, in their own folder
    attacker = tmp_path / "attacker"
    assert cli("init", "--no-key", attacker).exit_code == 0
    (attacker / "ceasefire.db").unlink()
    shutil.copy(db, attacker / "ceasefire.db")
    assert cli("keys", "init", "-w", attacker).exit_code == 0
    assert cli("verify", "-w", attacker).exit_code == 0  # self-consistent in their folder
    result = cli("verify", "--log-id", log_id, "-w", attacker)
    assert result.exit_code == 1 and "the signing keys were replaced" in result.stderr
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(attacker / "ceasefire.db", db)
    result = cli("verify", "-w", tmp_path / "ws")
    assert result.exit_code == 1
    assert f"ceasefire.toml pins log {log_id}, but the database's log is" in result.stderr


def test_entries_after_the_last_checkpoint_are_sealed_by_verify_checkpoint(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, _ = _default_workspace(cli, tmp_path / "ws")
    result = cli("verify", "--checkpoint", "-w", tmp_path / "ws")
    assert result.exit_code == 0 and "signed checkpoint of entries 1..3" in result.stdout
    _edit_a_report(db)
    recompute_chain(db)
    result = cli("verify", "-w", tmp_path / "ws")
    assert result.exit_code == 1
    assert "entry 3 was rewritten after checkpoint of 3 signed it" in result.stderr


def test_a_workspace_without_a_key_says_what_it_cannot_detect(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--no-key", tmp_path / "ws").exit_code == 0
    result = cli("verify", "-w", tmp_path / "ws")
    assert result.exit_code == 0
    assert "can be rewritten with a recomputed chain unseen" in result.stdout


def test_pinning_the_log_id_keeps_the_rest_of_ceasefire_toml(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    assert cli("init", "--no-key", ws).exit_code == 0
    toml = ws / "ceasefire.toml"
    toml.write_text(toml.read_text() + "\n# the mission's own note\n[mission]\nbanner = \"test\"\n")
    assert cli("keys", "init", "-w", ws).exit_code == 0
    text = toml.read_text()
    assert "# the mission's own note" in text and 'banner = "test"' in text
    assert tomllib.loads(text)["workspace"]["log_id"]


def test_init_on_a_database_with_keys_pins_them_and_makes_no_new_key(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, log_id = _default_workspace(cli, tmp_path / "ws")
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(db, restored / "ceasefire.db")
    result = cli("init", restored)
    assert result.exit_code == 0 and f"already has signing keys of log {log_id}" in result.stdout
    assert tomllib.loads((restored / "ceasefire.toml").read_text())["workspace"]["log_id"] == log_id
    assert not (restored / "keys").exists()
    assert cli("verify", "-w", restored).exit_code == 0
