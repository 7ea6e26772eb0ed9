"""The renderers: every format is written, complete and self-contained."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import LineString, box

from ceasefire.reports.model import (
    ClaimLine,
    CountRow,
    CountTable,
    DataSource,
    MapLayers,
    MissionReport,
    NotableIncident,
    SourceLine,
)
from ceasefire.reports.render import write_report


def _report() -> MissionReport:
    table = CountTable("By party", ("party",), ("violation", "likely"),
                       (CountRow(("RU",), {"violation": 3, "likely": 1}),
                        CountRow(("UA",), {"violation": 2})))
    inc = NotableIncident("inc-1", "2025-04-20T10:00Z", 48.1, 37.7, "shelling", 0.93,
                          "confirmed", "RU", ("p1: violation (p=0.91)",),
                          (SourceLine("OSCE", "monitor", "A", 2, "2025-04-20T10:00Z",
                                      "Shelling <script>alert(1)</script>"),))
    return MissionReport(
        title="Daily report", agreement_id="easter", agreement_title="Easter truce",
        agreement_status="expired", window="2025-04-19T18:00+03:00 / 2025-04-21T00:00+03:00",
        period_from="2025-04-19", period_to="2025-04-21", generated_at="2025-04-21T09:00Z",
        workspace="demo", summary={"incidents": 5, "violations": 5}, tables=(table,),
        daily_by_party={"RU": {"2025-04-19": 1, "2025-04-20": 3}, "UA": {"2025-04-20": 2}},
        territory_series=(("2025-04-19", 112137.0), ("2025-04-21", 112160.0)),
        territory_change={"RU gained": 23.0, "RU lost": 0.0}, notable=(inc,),
        claims=(ClaimLine("c1", "UA", "2,935 violations", "not_verifiable", "214", "0.07",
                          "news reports count incidents, not shots"),),
        methods=("Fusion as in docs/scoring.md",),
        data_sources=(DataSource("VIINA", "ODbL 1.0", "Contains information from VIINA"),),
        ledger_seq=12, ledger_hash="ab" * 32,
        map_layers=MapLayers(national=box(22, 44, 40, 52), controlled={"RU": box(36, 46, 40, 49)},
                             contact_line=LineString([(36, 46), (36, 49)]),
                             incidents=((37.7, 48.1, "confirmed"), (37.0, 47.5, "possible"))),
    )


def test_all_formats_are_written(tmp_path: Path) -> None:
    files = write_report(_report(), tmp_path, ["html", "md", "json", "pdf"])
    names = {f.name for f in files}
    assert {"report.html", "report.md", "report.json", "report.pdf"} <= names
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3
    assert "http://" not in html and "https://" not in html  # nothing to fetch
    assert "<script>alert" not in html  # report text is escaped
    assert "ab" * 32 in html
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["tables"][0]["rows"][0]["total"] == 4
    md = (tmp_path / "report.md").read_text()
    assert "| RU | 3 | 1 | 4 |" in md and (tmp_path / "report_map.png").exists()


def test_markdown_passes_no_raw_html_from_reports_or_sources() -> None:
    """Issue 18 (low): report text and source names went into the Markdown as raw HTML."""
    from dataclasses import replace

    from ceasefire.reports.render import to_markdown

    report = _report()
    inc = report.notable[0]
    source = replace(inc.sources[0], source="<img src=x onerror=alert(1)>",
                     text="a | b\n\n<iframe src='https://evil.example'></iframe>")
    report = replace(report, notable=(replace(inc, sources=(source,)),))
    md = to_markdown(report, {"map": "m.png", "daily": "d.png", "territory": "t.png"})
    assert "<img" not in md and "<iframe" not in md and "<script" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "a \\| b" in md  # no cell split, and the text stays on its list item's line
