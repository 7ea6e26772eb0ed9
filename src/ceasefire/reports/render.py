"""Render a :class:`~ceasefire.reports.model.MissionReport` as HTML, Markdown, JSON or PDF.

HTML is self-contained (images inlined as data URIs, no external asset) so that it opens
offline; PDF is that HTML through WeasyPrint (a real layout engine using Debian's pango).
Every file is written atomically.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ceasefire.errors import CeasefireError
from ceasefire.fsutil import write_bytes_atomic, write_text_atomic
from ceasefire.reports.model import MissionReport

FORMATS = ("html", "md", "json", "pdf")

_env = Environment(loader=PackageLoader("ceasefire.reports", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                   lstrip_blocks=True)


def images(report: MissionReport) -> dict[str, bytes]:
    """The PNG images of a report: the map and the two charts."""
    # matplotlib is imported here, not at module level: it costs ~0.3 s, and every
    # `ceasefire` command imports this module through the CLI
    from ceasefire.reports import charts

    return {
        "map": charts.situation_map(report.map_layers, f"{report.agreement_title}: "
                                    f"{report.period_from} to {report.period_to}"),
        "daily": charts.daily_counts_chart(report.daily_by_party,
                                           "Findings per day and attributed party"),
        "territory": charts.territory_chart(report.territory_series,
                                            "Occupied area (km², clipped to the border)"),
    }


def to_html(report: MissionReport, pngs: dict[str, bytes] | None = None) -> str:
    pngs = pngs or images(report)
    encoded = {k: base64.b64encode(v).decode("ascii") for k, v in pngs.items()}
    return _env.get_template("report.html.j2").render(r=report, images=encoded)


def md(value: object) -> str:
    """Text from reports, sources, claims or agreements made inert in Markdown: HTML is
    escaped (a report's text must not become markup in a viewer that renders HTML), a
    ``|`` cannot split a table cell, and a line break cannot start a new block."""
    text = html.escape(str(value), quote=False).replace("|", "\\|")
    return " ".join(text.splitlines())


def to_markdown(report: MissionReport, image_names: dict[str, str]) -> str:
    r = report
    e = md
    out = [f"# {e(r.title)}", "",
           (f"{e(r.agreement_title)} (`{e(r.agreement_id)}`, {e(r.agreement_status)}), window "
            f"{e(r.window)}. Period {r.period_from} to {r.period_to}; generated "
            f"{r.generated_at}."), "",
           "## Summary", ""]
    out += [f"- **{e(k)}**: {e(v)}" for k, v in r.summary.items()]
    out += ["", "## Violations", ""]
    for t in r.tables:
        out += [f"### {e(t.title)}", "",
                "| " + " | ".join(e(c) for c in [*t.key_names, *t.columns, "total"]) + " |",
                "|" + "---|" * (len(t.key_names) + len(t.columns) + 1)]
        for row in t.rows:
            cells = [*row.key, *(str(row.counts.get(c, 0)) for c in t.columns), str(row.total)]
            out.append("| " + " | ".join(e(c) for c in cells) + " |")
        out.append("")
    out += ["## Map", "", f"![map]({image_names['map']})", "", "## Charts", "",
            f"![daily]({image_names['daily']})", "", f"![territory]({image_names['territory']})",
            ""]
    if r.territory_change:
        out.append("Territorial change: " + "; ".join(
            f"{e(k)} {v:,.1f} km²" for k, v in r.territory_change.items()) + ".")
        out.append("")
    out += ["## Notable incidents", ""]
    for inc in r.notable:
        out.append(f"- **{e(inc.incident_id)}** {e(inc.time)} {e(inc.category)} ({inc.lat:.4f}, "
                   f"{inc.lon:.4f}), confidence {inc.confidence:.2f} ({e(inc.band)}), attributed "
                   f"to {e(inc.attributed_party or 'undetermined')}")
        out += [f"  - {e(f)}" for f in inc.findings]
        out += [f"  - {e(s.source)} ({e(s.kind)}, {e(s.reliability)}): {e(s.text)}"
                for s in inc.sources]
    out += ["", "## Claims against the evidence", "",
            "| claim | claimant | verdict | measured | coverage | reason |", "|---|---|---|---|---|---|"]
    out += ["| " + " | ".join(e(v) for v in (c.claim_id, c.claimant, c.verdict, c.measured,
                                              c.coverage, c.reason)) + " |" for c in r.claims]
    out += _accusations_markdown(r)
    out += ["", "## Methods", ""] + [f"- {e(m)}" for m in r.methods]
    out += ["", "### Data sources and licences", ""]
    out += [f"- **{e(d.name)}**: {e(d.licence)}. {e(d.attribution)}" for d in r.data_sources]
    out += ["", "## Verification", "",
            (f"Built on ledger entry {r.ledger_seq}, hash `{e(r.ledger_hash)}` "
             "(check with `ceasefire verify`)."), ""]
    return "\n".join(out)


def _accusations_markdown(r: MissionReport) -> list[str]:
    """The section "Accusations by each party" in Markdown (the HTML has the same); text from
    the evidence (places, bases, claimants) is escaped like the rest of the report."""
    e = md
    out = ["", "## Accusations by each party", ""]
    if not r.accusations:
        return [*out, "No party report naming its adversary in this window."]
    for a in r.accusations:
        out += [f"### {e(a.accuser)} accuses {e(a.accused)}", "",
                " · ".join(f"{n} {e(s)}" for s, n in a.counts.items()), "",
                "| observed (UTC) | place | what | count | status | confidence | basis |",
                "|---|---|---|---|---|---|---|"]
        out += ["| " + " | ".join(e(v) for v in (i.observed_at, i.place, i.what, i.count,
                                                  i.status, i.confidence, i.basis)) + " |"
                for i in a.strongest]
        if a.published:
            header = ("| claim | date | by | claimed | period | accusation reports in the "
                      "evidence | of which corroborated |")
            out += ["", header, "|---|---|---|---|---|---|---|"]
            out += ["| " + " | ".join(e(v) for v in (t.claim_id, t.date, t.claimant, t.claimed,
                                                      t.period, t.listed, t.corroborated)) + " |"
                    for t in a.published]
        out.append("")
    return out + [f"- {e(n)}" for n in r.accusation_notes]


def write_report(report: MissionReport, out_dir: Path, formats: list[str],
                 stem: str = "report") -> list[Path]:
    """Write the report in each format into ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pngs = images(report) if set(formats) & {"html", "md", "pdf"} else {}
    if "md" in formats:
        names = {}
        for key, data in pngs.items():
            name = f"{stem}_{key}.png"
            write_bytes_atomic(out_dir / name, data)
            names[key] = name
            written.append(out_dir / name)
        path = out_dir / f"{stem}.md"
        write_text_atomic(path, to_markdown(report, names))
        written.append(path)
    html = to_html(report, pngs) if {"html", "pdf"} & set(formats) else ""
    if "html" in formats:
        path = out_dir / f"{stem}.html"
        write_text_atomic(path, html)
        written.append(path)
    if "json" in formats:
        path = out_dir / f"{stem}.json"
        write_text_atomic(path, json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        written.append(path)
    if "pdf" in formats:
        path = out_dir / f"{stem}.pdf"
        write_bytes_atomic(path, html_to_pdf(html))
        written.append(path)
    return written


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: pango missing
        raise CeasefireError(
            "PDF needs WeasyPrint and pango: pip install 'ceasefire[pdf]' and "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0") from exc
    return HTML(string=html).write_pdf()
