"""The authorization matrix: every endpoint of the web API × every role, declared once.

The routes ask this table (``gate(name)``), the docs are generated from it
(:func:`render_markdown` → ``docs/access.md``) and a test walks every endpoint × role
against it, so the three cannot drift apart.

A cell is one of:

* ``yes``: the role may use the endpoint and sees everything it serves;
* ``limited``: the role may use it, but what it sees or may do is narrowed (the endpoint's
  ``limit`` says how: a liaison's own submissions, findings about its own party ...);
* ``no``: refused: 401 for anonymous requests, 403 for signed-in users.

Roles follow DESIGN.md: ``admin``, ``monitor`` (field staff who submit), ``analyst``
(reviews findings), ``liaison`` (a party's officer; one party per user) and ``public``
(anyone without a token). No web imports here: the CLI and the docs use it too.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("admin", "monitor", "analyst", "liaison", "public")
PARTIES: tuple[str, ...] = ("UA", "RU", "US")
CELLS = ("yes", "limited", "no")

YES, LIMITED, NO = CELLS


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: its name (used by the route), method, path and who may use it."""

    name: str
    method: str
    path: str
    cells: tuple[str, str, str, str, str]  # in ROLES order
    summary: str
    limit: str = ""

    def cell(self, role: str) -> str:
        return self.cells[ROLES.index(role)]

    def allows(self, role: str) -> bool:
        return self.cell(role) != NO


def _e(name: str, method: str, path: str, cells: str, summary: str, limit: str = "") -> Endpoint:
    """Compact declaration: ``cells`` is five letters, Y/L/N in ROLES order."""
    codes = {"Y": YES, "L": LIMITED, "N": NO}
    parsed = tuple(codes[c] for c in cells)
    assert len(parsed) == len(ROLES), name
    return Endpoint(name, method, path, parsed, summary, limit)  # type: ignore[arg-type]


_PUBLIC_VIEW = ("public: no report ids or sources, no confidence breakdown or attribution "
                "basis; locations with a sensitive report blurred to a 0.1° grid")
_OWN_REPORTS = "liaison: only reports it submitted itself"
_SUBMIT = "liaison: only as a source affiliated with its own party"
_FINDINGS = ("liaison: published findings and findings attributed to its party; "
             "public: published findings only")
_ALERTS = "non-admins: only alerts they created"

#: (name, method, path, admin monitor analyst liaison public, summary, limit)
ENDPOINTS: tuple[Endpoint, ...] = (
    _e("me", "GET", "/api/v1/me", "YYYYY", "who the token belongs to"),
    _e("sources.list", "GET", "/api/v1/sources", "YYYNN", "list sources"),
    _e("sources.get", "GET", "/api/v1/sources/{source_id}", "YYYNN", "one source"),
    _e("sources.add", "POST", "/api/v1/sources", "YYNNN", "register a source"),
    _e("reports.list", "GET", "/api/v1/reports", "YYYLN", "list reports (filters, pages)",
       _OWN_REPORTS),
    _e("reports.get", "GET", "/api/v1/reports/{report_gid}", "YYYLN", "one report",
       _OWN_REPORTS),
    _e("reports.submit", "POST", "/api/v1/reports", "YYNLN",
       "submit one report (Idempotency-Key)", _SUBMIT),
    _e("reports.batch", "POST", "/api/v1/reports/batch", "YYNLN",
       "submit reports in a batch (Idempotency-Key)", _SUBMIT),
    _e("evidence.upload", "POST", "/api/v1/reports/{report_gid}/evidence", "YYNLN",
       "attach a photo, video or document to a report", _OWN_REPORTS),
    _e("evidence.list", "GET", "/api/v1/reports/{report_gid}/evidence", "YYYLN",
       "evidence files of a report", _OWN_REPORTS),
    _e("evidence.get", "GET", "/api/v1/evidence/{sha256}", "YYYLN",
       "download an evidence file", "liaison: only files attached to its own reports"),
    _e("incidents.list", "GET", "/api/v1/incidents", "YYYYL",
       "list incidents (filters, pages)", _PUBLIC_VIEW),
    _e("incidents.get", "GET", "/api/v1/incidents/{incident_id}", "YYYYL", "one incident",
       _PUBLIC_VIEW),
    _e("findings.list", "GET", "/api/v1/findings", "YYYLL", "list findings (filters, pages)",
       _FINDINGS),
    _e("findings.get", "GET", "/api/v1/findings/{finding_id}", "YYYLL", "one finding",
       _FINDINGS),
    _e("findings.events", "GET", "/api/v1/findings/{finding_id}/events", "YYYLN",
       "the review trail of a finding", _FINDINGS),
    _e("findings.review", "POST", "/api/v1/findings/{finding_id}/review", "YYYNN",
       "confirm, reject or dispute a finding, with a note"),
    _e("findings.reply", "POST", "/api/v1/findings/{finding_id}/reply", "NNNLN",
       "the accused party's reply", "liaison: only findings attributed to its party"),
    _e("findings.publish", "POST", "/api/v1/findings/{finding_id}/publish", "YNYNN",
       "publish a finding"),
    _e("agreements.list", "GET", "/api/v1/agreements", "YYYYY", "list agreements"),
    _e("agreements.get", "GET", "/api/v1/agreements/{agreement_id}", "YYYYY",
       "one agreement (latest or ?version=)"),
    _e("agreements.zones", "GET", "/api/v1/agreements/{agreement_id}/zones", "YYYYY",
       "an agreement's zones as GeoJSON (?date= for contact-line buffers)"),
    _e("territory.snapshots", "GET", "/api/v1/territory/snapshots", "YYYYY",
       "control snapshots: dates, sides, areas"),
    _e("territory.control", "GET", "/api/v1/territory/control", "YYYYY",
       "control polygons on a date (GeoJSON)"),
    _e("territory.contact_line", "GET", "/api/v1/territory/contact-line", "YYYYY",
       "the contact line on a date (GeoJSON)"),
    _e("territory.change", "GET", "/api/v1/territory/change", "YYYYY",
       "areas that changed hands between two dates (GeoJSON)"),
    _e("claims.check", "POST", "/api/v1/claims/check", "YYYYY",
       "check a claims document against the evidence (verdicts are aggregates)"),
    _e("alerts.create", "POST", "/api/v1/alerts", "YYYYN", "save an alert (filter + webhook)"),
    _e("alerts.list", "GET", "/api/v1/alerts", "YLLLN", "list alerts", _ALERTS),
    _e("alerts.get", "GET", "/api/v1/alerts/{alert_id}", "YLLLN", "one alert", _ALERTS),
    _e("alerts.feed", "GET", "/api/v1/alerts/{alert_id}/atom", "YLLLN",
       "Atom feed of an alert's matches", _ALERTS),
    _e("alerts.deliveries", "GET", "/api/v1/alerts/{alert_id}/deliveries", "YLLLN",
       "webhook delivery log", _ALERTS),
    _e("alerts.delete", "DELETE", "/api/v1/alerts/{alert_id}", "YLLLN",
       "delete an alert with its matches and delivery log", _ALERTS),
    _e("events.stream", "GET", "/api/v1/events", "YYYYL",
       "Server-Sent Events: new incidents and findings",
       "public: incidents in the public view, findings only once published"),
    _e("ogc.landing", "GET", "/ogc", "YYYYY", "OGC API landing page"),
    _e("ogc.conformance", "GET", "/ogc/conformance", "YYYYY", "conformance classes"),
    _e("ogc.api", "GET", "/ogc/api", "YYYYY", "OpenAPI definition (service-desc)"),
    _e("ogc.collections", "GET", "/ogc/collections", "YYYYL", "feature collections",
       "lists only the collections the role may read"),
    *(
        _e(f"ogc.{cid}.{part}", "GET", f"/ogc/collections/{cid}{suffix}", cells,
           f"{cid}: {what}", limit)
        for cid, cells, limit in (
            ("incidents", "YYYYL", _PUBLIC_VIEW),
            ("findings", "YYYLL", _FINDINGS),
            ("reports", "YYYLN", _OWN_REPORTS + "; never served to the public"),
            ("control_snapshots", "YYYYY", ""),
        )
        for part, suffix, what in (
            ("collection", "", "collection metadata"),
            ("schema", "/schema", "feature schema (JSON Schema, per role)"),
            ("queryables", "/queryables", "queryable properties (JSON Schema)"),
            ("items", "/items", "features (bbox, datetime, limit/offset)"),
            ("item", "/items/{fid}", "one feature"),
        )
    ),
    _e("docs", "GET", "/docs", "YYYYY", "interactive API documentation"),
    _e("openapi", "GET", "/openapi.json", "YYYYY", "OpenAPI definition"),
)

BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}


def endpoint(name: str) -> Endpoint:
    return BY_NAME[name]


def render_markdown() -> str:
    """``docs/access.md``: the matrix as a table (regenerate with ``python -m ceasefire.web.access``)."""
    lines = [
        "# Access: who may use which endpoint",
        "",
        "Generated from `src/ceasefire/web/access.py` by `python -m ceasefire.web.access`; a",
        "test fails when this file and the code disagree. Roles are described in DESIGN.md:",
        "`admin`, `monitor` (field staff), `analyst` (reviews findings), `liaison` (one party's",
        "officer) and `public` (any request without a token).",
        "",
        "`yes`: allowed, full view. `limited`: allowed, narrowed as the last column says.",
        "`no`: refused, with 401 for anonymous requests and 403 for signed-in users.",
        "",
        "| endpoint | method | path | " + " | ".join(ROLES) + " | limits |",
        "|---|---|---|" + "---|" * len(ROLES) + "---|",
    ]
    for e in ENDPOINTS:
        lines.append(f"| {e.name} | {e.method} | `{e.path}` | " + " | ".join(e.cells)
                     + f" | {e.limit} |")
    lines += [
        "",
        "Sensitive locations: a report submitted with `sensitive: true` is never shown to",
        "the public, and an incident that contains one is shown to the public at the centre",
        "of its 0.1° grid cell (about 11 km north–south, 7 km east–west at 48°N) with a",
        "location uncertainty of at least 8 km. A public `bbox` filter is tested against the",
        "blurred location, so narrowing boxes cannot place it more finely than its cell.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - regenerates the doc
    import sys
    from pathlib import Path

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/access.md")
    from ceasefire.fsutil import write_text_atomic

    write_text_atomic(target, render_markdown())
    print(f"wrote {target}")
