"""`ceasefire init`, workspace resolution and `ceasefire verify` through the real CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ceasefire.record import ledger
from ceasefire.workspace import ENV_VAR, Workspace


def test_help_on_every_command(cli) -> None:  # type: ignore[no-untyped-def]
    from ceasefire.cli import cli as group

    assert cli("--help").exit_code == 0

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.stdout
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(group, [])


def test_init_creates_wal_database_with_schema_version(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("init", tmp_path / "op")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "op" / "ceasefire.toml").exists()
    conn = sqlite3.connect(tmp_path / "op" / "ceasefire.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 1
    conn.close()
    again = cli("init", tmp_path / "op")
    assert again.exit_code == 2 and "already" in again.stderr


def test_workspace_resolution_order(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    Workspace.init(tmp_path / "a").close()
    Workspace.init(tmp_path / "b").close()
    Workspace.init(tmp_path / "c").close()
    monkeypatch.chdir(tmp_path / "c")
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert cli("verify").exit_code == 0  # current directory
    monkeypatch.chdir(tmp_path)
    assert cli("verify").exit_code == 2  # tmp_path is no workspace
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "b"))
    assert cli("verify").exit_code == 0  # environment
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    assert cli("verify", "-w", tmp_path / "a").exit_code == 0  # option beats environment


def test_verify_names_the_first_bad_entry(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    ledger.record(workspace.store, actor="t", action="sources.add", rows={"sources": [
        {"source_id": "s1", "name": "S1", "kind": "monitor", "affiliation": "neutral",
         "reliability": "A", "origin_group": "s1"}]})
    workspace.close()
    assert cli("verify", "-w", workspace.root).exit_code == 0
    conn = sqlite3.connect(workspace.database_location)
    conn.execute("UPDATE sources SET reliability = 'F'")
    conn.commit()
    conn.close()
    result = cli("verify", "-w", workspace.root)
    assert result.exit_code == 1
    assert "entry 1" in result.stderr and "Traceback" not in result.stderr
