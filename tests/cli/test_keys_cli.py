"""`ceasefire keys`, `ceasefire checkpoint` and the checkpoint part of `ceasefire verify`."""

from __future__ import annotations

import json
import sqlite3

from ceasefire.workspace import Workspace


def test_checkpoint_rotate_verify(cli, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    root = workspace.root
    workspace.close()
    first = cli("checkpoint", "-w", root, "--json")
    assert first.exit_code == 0, first.stderr
    cp = json.loads(first.stdout)
    assert cp["tree_size"] == 1 and "PRIVATE" not in first.stdout + first.stderr
    assert cli("keys", "init", "-w", root).exit_code == 2  # one first key only
    rotated = cli("keys", "rotate", "-w", root, "--json")
    assert rotated.exit_code == 0, rotated.stderr
    assert json.loads(rotated.stdout)["old_key_id"] == cp["key_id"]
    listed = json.loads(cli("keys", "list", "-w", root, "--json").stdout)
    assert listed["log_id"] == cp["key_id"] and len(listed["keys"]) == 2
    assert [k["private_key_here"] for k in listed["keys"]] == [False, True]
    assert cli("checkpoint", "-w", root).exit_code == 0
    ok = cli("verify", "-w", root, "--json")
    assert ok.exit_code == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["checkpoints"] == 2 and report["keys"] == 2 and report["signed_entries"] == 2
    text = cli("verify", "-w", root)
    assert "ledger OK" in text.stdout and "checkpoints OK" in text.stdout
    conn = sqlite3.connect(root / "ceasefire.db")
    conn.execute("UPDATE checkpoints SET time = '2000-01-01T00:00:00Z' WHERE tree_size = 1")
    conn.commit()
    conn.close()
    bad = cli("verify", "-w", root)
    assert bad.exit_code == 1 and "checkpoint of 1" in bad.stderr
    assert "Traceback" not in bad.stderr
