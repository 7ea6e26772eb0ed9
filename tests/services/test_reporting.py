"""The report's numbers are the `ceasefire findings aggregate` numbers for the same window."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ceasefire.reports.render import write_report
from ceasefire.services.agreements import add_agreement
from ceasefire.services.assess import assess
from ceasefire.services.reporting import build_report
from ceasefire.workspace import Workspace
from tests.services.test_assess import EXAMPLES, _seed


def test_report_numbers_equal_findings_aggregates(workspace: Workspace, cli, tmp_path: Path  # type: ignore[no-untyped-def]
                                                  ) -> None:
    _seed(workspace)
    add_agreement(workspace, EXAMPLES / "energy_moratorium_2025.yaml")
    assess(workspace, "energy-moratorium-2025")
    report = build_report(workspace, "energy-moratorium-2025", date(2025, 3, 18),
                          date(2025, 4, 17))
    root = workspace.root
    workspace.close()
    window = ["--agreement", "energy-moratorium-2025", "--from", "2025-03-18", "--to",
              "2025-04-17", "-w", root, "--json"]

    by_party_day = json.loads(cli("findings", "aggregate", "--by", "party,day", *window).stdout)
    assert by_party_day, "the seeded incidents must give violating findings"
    from_cli = {(r["party"], r["day"]): r["count"] for r in by_party_day}
    from_report = {(p, d): n for p, days in report.daily_by_party.items() for d, n in days.items()}
    assert from_report == from_cli

    flat = [arg for v in ("violation", "likely", "possible", "not_a_violation", "undetermined")
            for arg in ("--verdict", v)]
    for key, table in (("party", 0), ("day", 1), ("zone", 2), ("provision", 3)):
        rows = json.loads(cli("findings", "aggregate", "--by", f"{key},verdict", *window,
                              *flat).stdout)
        expected = {(r[key], r["verdict"]): r["count"] for r in rows}
        got = {(row.key[0], verdict): n for row in report.tables[table].rows
               for verdict, n in row.counts.items()}
        assert got == expected, key
    assert report.summary["violations (violation + likely)"] == sum(from_cli.values())

    files = write_report(report, tmp_path, ["json", "md"])
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["daily_by_party"] == report.daily_by_party
    assert any(f.suffix == ".md" for f in files)
