"""``ceasefire users add|token|list``: roles, parties, tokens shown once and stored hashed."""

from __future__ import annotations

import hashlib

from ceasefire.web.users import authenticate
from ceasefire.workspace import Workspace


def test_add_token_list(workspace: Workspace, cli) -> None:  # type: ignore[no-untyped-def]
    w = str(workspace.root)
    r = cli("users", "add", "lira", "--role", "liaison", "--party", "RU", "-w", w)
    assert r.exit_code == 0 and "liaison, party RU" in r.stdout
    r = cli("users", "token", "lira", "-w", w)
    assert r.exit_code == 0
    token = r.stdout.strip()
    assert token.startswith("cf_") and len(token) > 40
    stored = [row["token_hash"] for row in workspace.store.select("tokens")]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    principal = authenticate(workspace.store, token)
    assert principal is not None and (principal.role, principal.party) == ("liaison", "RU")
    second = cli("users", "token", "lira", "--revoke-old", "-w", w).stdout.strip()
    assert authenticate(workspace.store, token) is None
    assert authenticate(workspace.store, second) is not None
    r = cli("users", "list", "--json", "-w", w)
    assert '"tokens": 1' in r.stdout and token not in r.stdout


def test_bad_input_is_one_line_and_exit_2(workspace: Workspace, cli) -> None:  # type: ignore[no-untyped-def]
    w = str(workspace.root)
    r = cli("users", "add", "x", "--role", "liaison", "-w", w)
    assert r.exit_code == 2 and "--party" in r.stderr
    r = cli("users", "add", "y", "--role", "analyst", "--party", "UA", "-w", w)
    assert r.exit_code == 2
    assert cli("users", "add", "z", "--role", "admin", "-w", w).exit_code == 0
    r = cli("users", "add", "z", "--role", "admin", "-w", w)
    assert r.exit_code == 2 and "already exists" in r.stderr
    r = cli("users", "token", "nobody", "-w", w)
    assert r.exit_code == 2 and "no user" in r.stderr
    assert "Traceback" not in r.stderr
