"""A small real workspace for the ledger tests: sources, two ingests, fusion, an agreement,
assessment, an uploaded evidence file and a review, ending with a finding whose incident
has two reports (tests/record/test_bundle.py, tests/record/test_tamper.py)."""

from __future__ import annotations

import io
from pathlib import Path

from ceasefire.formats.registry import get_reader
from ceasefire.services import agreements, assess, evidence, findings, fusion, ingest, sources
from ceasefire.workspace import Workspace
from tests.conftest import EXAMPLES, TEST_DATA


def flip_first_byte(column: str) -> str:
    """SQL that changes the first byte of a hex column.  A fixed '00' prefix is a no-op for
    1 value in 256 (a CI run hit one), so the tampering tests would fail now and then."""
    return (f"CASE WHEN substr({column}, 1, 2) = '00' THEN 'ff' ELSE '00' END "
            f"|| substr({column}, 3)")


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
EXTRA = """report_id,source_id,observed_at,time_uncertainty_min,lat,lon,location_uncertainty_m,\
place,category,perpetrator,target_class,weapon_class,count,credibility,text
k-1,smm,2025-04-20T06:20:00+03:00,10,47.8390,35.1400,300,,drone_strike,RU,energy,drone,1,2,\
"Patrol saw the drone hit the substation; formula =HYPERLINK(""x"")"
"""


def assessed_finding(ws: Workspace, tmp: Path) -> str:
    """Ingest, fuse and assess the Easter truce; return the finding with two reports."""
    sources.add_sources_file(ws, TEST_DATA / "ingest" / "sources.csv")
    reader = get_reader("canonical")
    ingest.ingest_file(ws, TEST_DATA / "ingest" / "mixed_reports.csv", reader)
    extra = tmp / "extra.csv"
    extra.write_text(EXTRA)
    ingest.ingest_file(ws, extra, reader)
    fusion.fuse_workspace(ws)
    agreements.add_agreement(ws, EXAMPLES / "agreements" / "easter_truce_2025.yaml")
    assess.assess(ws, "easter-truce-2025")
    best = max(ws.store.select("findings"), key=lambda f: f["probability"])
    incident = next(ws.store.select("incidents", {"incident_id": best["incident_id"]}))
    assert incident["n_reports"] == 2
    report = next(ws.store.select("incident_reports", {"incident_id": best["incident_id"]}))
    row = next(ws.store.select("reports", {"rid": report["rid"]}))
    evidence.store_upload(ws, io.BytesIO(PNG), source_id=row["source_id"],
                          report_id=row["report_id"], filename="photo.png", actor="ana")
    findings.act(ws, best["finding_id"], "confirm", actor="ana", role="analyst",
                 note="two sources agree")
    return str(best["finding_id"])


