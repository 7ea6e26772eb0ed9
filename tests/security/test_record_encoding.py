"""Issue 18 item 3: one write must not break ``ceasefire verify`` for good.

The outside review's reproduction: a report with ``"lon": -0.0`` was hashed as ``-0.0`` and
stored by SQLite as ``0.0``, so ``verify`` exited 1 from then on. The property test over
every column type is ``tests/store/test_roundtrip.py``; these are the named cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.errors import InputError
from ceasefire.record import ledger
from tests.conftest import REPO_ROOT
from tests.web.conftest import client, world  # noqa: F401  (fixtures of the API test)

SOURCES = REPO_ROOT / "tests" / "data" / "ingest" / "sources.csv"
HEADER = "report_id,source_id,observed_at,lat,lon,category,text\n"


def _workspace(cli, tmp_path: Path, rows: str) -> Path:  # type: ignore[no-untyped-def]
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    assert cli("sources", "add", SOURCES, "-w", ws).exit_code == 0
    (tmp_path / "r.csv").write_text(HEADER + rows, encoding="utf-8")
    assert cli("ingest", "-q", "-w", ws, tmp_path / "r.csv").exit_code == 0
    return ws


def test_negative_zero_longitude_keeps_verify_passing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = _workspace(cli, tmp_path, "z1,smm,2025-04-19T21:40:00Z,51.4769,-0.0,shelling,Greenwich\n"
                                   "z2,smm,2025-04-19T21:41:00Z,-0.0,-0.0,shelling,Null Island\n")
    result = cli("verify", "-w", ws)
    assert result.exit_code == 0, result.stderr


def test_long_integers_never_share_an_encoding() -> None:
    # repr(float(n)) made 2**53 and 2**53 + 1 one value: an edit between them went unseen
    assert ledger.encode_row({"n": 2**53 + 1}) != ledger.encode_row({"n": 2**53})
    assert ledger.encode_row({"n": 2**53 + 1}) == b"9007199254740993"
    assert ledger.encode_row({"n": 1e16}) == ledger.encode_row({"n": 10**16})  # by value
    assert ledger.encode_rows([{"n": 2**60 + 1}]) == [ledger.encode_row({"n": 2**60 + 1})]


def test_null_and_the_nul_character_never_share_an_encoding() -> None:
    with pytest.raises(InputError, match="U\\+0000") as caught:
        ledger.encode_row({"note": "\x00"})
    assert caught.value.problems[0].field == "note"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**63, "\ud800"])
def test_values_no_backend_returns_as_written_are_refused(value: object) -> None:
    with pytest.raises(InputError) as caught:
        ledger.encode_rows([{"a": 1, "b": value}])
    assert caught.value.problems[0].field == "b"


def test_negative_zero_by_api_keeps_verify_passing(client, world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from ceasefire.record.verify import verify_record
    from tests.web.conftest import report

    r = client.post("/api/v1/reports", headers=world.headers("monitor"),
                    json=report("neg-zero", lon=-0.0, lat=-0.0))
    assert r.status_code == 201, r.text
    verify_record(world.ws)
    r = client.post("/api/v1/reports", headers=world.headers("monitor"),
                    json=report("too-long", count=2**64))
    assert r.status_code in (400, 422), r.text  # refused, not stored unverifiably
    verify_record(world.ws)
