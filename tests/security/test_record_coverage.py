"""Issue 18 item 5: ``verify`` covers the derived and access tables.

The review's reproductions, by plain SQL on the database: a forged, published finding under
a never-assessed agreement id; a user's role raised to admin; an alert's owner and webhook
redirected; a token slipped in. Each must make ``ceasefire verify`` fail.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from ceasefire.web.alerts import create_alert
from ceasefire.web.users import add_user, new_token
from ceasefire.workspace import Workspace
from tests.record.ledger_data import assessed_finding

FORGED_FINDING = """INSERT INTO findings (finding_id, agreement_id, agreement_version, provision_id,
    verdict, probability, attributed_party, rationale, published, created_at)
    VALUES ('f-forged', 'never-assessed', 1, 'p1', 'violation', 0.99, 'UA', '{}', 1,
    '2025-04-20T00:00:00Z')"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("coverage")
    with Workspace.init(tmp / "ws") as ws:
        assessed_finding(ws, tmp)
        add_user(ws.store, "ana", "analyst")
        add_user(ws.store, "lia", "liaison", "UA")
        new_token(ws.store, "lia")
        create_alert(ws.store, "lia", "mine", {"kinds": ["incident"]}, "https://example.org/hook",
                     allow_private=True)  # no lookup: this test is about the record
    return tmp / "ws"


@pytest.mark.parametrize("sql, match", [
    (FORGED_FINDING, "1 findings row.s. lie outside every state"),
    ("UPDATE findings SET published = 1 - published", "findings .*no longer matches"),
    ("UPDATE users SET role = 'admin' WHERE name = 'ana'", "users {} no longer matches"),
    ("INSERT INTO users VALUES ('eve', 'admin', NULL, '2025-01-01T00:00:00Z')",
     "users {} no longer matches"),
    ("UPDATE alerts SET owner = 'ana', webhook_url = 'https://evil.example/x'",
     "alerts {} no longer matches"),
    ("INSERT INTO tokens VALUES ('" + "ab" * 32 + "', 'ana', '2025-01-01T00:00:00Z', 0)",
     "tokens {} no longer matches"),
    ("UPDATE tokens SET revoked = 0, name = 'ana'", "tokens {} no longer matches"),
    ("DELETE FROM incidents", "incidents {} no longer matches"),
])
def test_forged_derived_and_access_rows_fail_verify(cli, base: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    sql: str, match: str) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(base, ws)
    assert cli("verify", "-w", ws).exit_code == 0
    conn = sqlite3.connect(ws / "ceasefire.db")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(sql)
    conn.commit()
    conn.close()
    result = cli("verify", "-w", ws)
    assert result.exit_code == 1
    assert re.search(match, result.stderr), result.stderr


def test_access_writes_through_the_tool_keep_verify_passing(cli, base: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    shutil.copytree(base, ws)
    assert cli("users", "add", "mo", "--role", "monitor", "-w", ws).exit_code == 0
    assert cli("users", "token", "mo", "--revoke-old", "-w", ws).exit_code == 0
    assert cli("verify", "-w", ws).exit_code == 0
