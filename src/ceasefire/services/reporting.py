"""Build a mission report (:class:`~ceasefire.reports.model.MissionReport`) from a workspace.

The numbers come from :func:`ceasefire.services.findings.aggregate`, the function behind
``ceasefire findings aggregate``, so a report and the command agree by construction (and a
test checks it). Territory comes from the control snapshots, the map from the bundled
boundaries; nothing is fetched.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from ceasefire.core.claims import Verdict
from ceasefire.core.contact_line import contact_line
from ceasefire.core.territory import control_change
from ceasefire.errors import InputError
from ceasefire.record import ledger
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
from ceasefire.services import findings as fsvc
from ceasefire.services import territory as territory_service
from ceasefire.services.accusation_report import accusation_sections
from ceasefire.services.agreements import get_agreement
from ceasefire.store import Between, In
from ceasefire.workspace import Workspace

VERDICT_COLUMNS = ("violation", "likely", "possible", "undetermined", "not_a_violation")
NOTABLE = 8
KNOWN_SOURCES: dict[str, DataSource] = {
    "viina": DataSource("VIINA 2.0 (Zhukov)", "ODbL 1.0",
                        "Contains information from VIINA, which is made available here under "
                        "the Open Database License (ODbL)."),
    "viina-energy": DataSource("VIINA energy/strategic-infrastructure strike screen",
                               "ODbL 1.0", "Derived from VIINA 2.0 (wolfgangkrugmo-del/"
                               "viina-data-extraction)."),
    "ru-mod": DataSource("RU Ministry of Defence Telegram posts (400-character snippets)",
                         "public statements; the scraping repository has no licence",
                         "Минобороны России (t.me/mod_russia), via "
                         "Androm2018/ukraine-drone-weather-analysis."),
    "ua-airforce": DataSource("UA Air Force reports of missile/drone waves", "attribution "
                              "required (Kaggle)", "piterfm / Ukrainian Air Force (Kaggle "
                              "\"Massive Missile Attacks on Ukraine\")."),
    "deepstate": DataSource("DeepStateMap control polygons", "no data licence published",
                            "Geometry by DeepStateMap (deepstatemap.live), via "
                            "cyterat/deepstate-map-data (GPL-3.0)."),
}
STATIC_SOURCES = (
    DataSource("Ukraine oblasts and outline (Minregion 2020)", "CC BY-SA",
               "© Мінрегіон (Ministry for Communities and Territories Development of Ukraine)."),
    DataSource("Global Power Plant Database v1.3", "CC BY 4.0",
               "World Resources Institute (2021)."),
    DataSource("Russian regions, approximate areas from GeoNames settlements", "CC BY 4.0",
               "Data © GeoNames (geonames.org)."),
)
METHODS = (
    ("Reports are fused into incidents by space-time blocking with non-chaining assignment; "
    "an incident's confidence combines its independent origin groups (docs/scoring.md)."),
    ("Attribution sums log-odds evidence: perpetrators named by reports (weighted by who "
    "names them), the side controlling the impact area and its depth behind the contact "
    "line, observed points of origin and weapon class."),
    ("A finding's probability is P(incident real) × P(responsible party bound) × P(inside "
    "zone and window, given the uncertainty of place and time) × P(target class); "
    "verdicts: violation ≥ 0.8, likely ≥ 0.6, possible ≥ 0.3."),
    ("Areas are geodesic on the WGS84 ellipsoid, clipped to the Minregion national outline; "
    "the contact line is the occupied area's boundary inside the country."),
    ("Counts are of news-derived incidents, not of individual shots or shells: they are "
    "not comparable with the parties' own violation counts."),
)


def _table(store: Any, flt: fsvc.FindingFilter, key: str, title: str) -> CountTable:
    counts = fsvc.aggregate(store, flt, [key, "verdict"])
    rows: dict[tuple[str, ...], dict[str, int]] = {}
    for (k, verdict), n in counts.items():
        rows.setdefault((k,), {})[verdict] = n
    return CountTable(title, (key,), VERDICT_COLUMNS,
                      tuple(CountRow(k, v) for k, v in sorted(rows.items())))


def severity(members: list[dict[str, Any]]) -> float:
    """How grave an incident is, from its reports: energy targets and harm to people weigh
    most (the moratorium's subject, and casualties), then any other damage."""
    score = 1.0
    if any(r.get("target_class") == "energy" for r in members):
        score += 1.0
    if any(r.get("category") == "civilian_harm" or r.get("target_class") == "civilian"
           for r in members):
        score += 0.5
    deaths = 0.0
    for r in members:
        extra = r.get("extra")
        if extra:
            data = json.loads(extra) if isinstance(extra, str) else extra
            if isinstance(data, dict):
                value = data.get("fatalities", data.get("best"))
                if isinstance(value, int | float):
                    deaths = max(deaths, float(value))
    return score + min(deaths, 10.0) / 10.0


def _notable(ws: Workspace, flt: fsvc.FindingFilter) -> tuple[NotableIncident, ...]:
    """The incidents most worth a reader's attention: ranked by significance, the finding's
    probability × the incident's confidence × its :func:`severity` (not by id)."""
    store = ws.store
    seen: dict[str, list[dict[str, Any]]] = {}
    for row in store.select("findings", flt.where(), order_by=["-probability", "finding_id"]):
        if row["incident_id"]:
            seen.setdefault(row["incident_id"], []).append(row)
    candidates = list(seen)
    incidents: dict[str, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    for i in range(0, len(candidates), 500):
        part = candidates[i:i + 500]
        incidents.update({r["incident_id"]: r
                          for r in store.select("incidents", {"incident_id": In(part)})})
        links += list(store.select("incident_reports", {"incident_id": In(part)}))
    rids = sorted({x["rid"] for x in links})
    reports: dict[int, dict[str, Any]] = {}
    for i in range(0, len(rids), 500):
        reports.update({r["rid"]: r for r in store.select("reports", {"rid": In(rids[i:i + 500])})})
    by_incident: dict[str, list[dict[str, Any]]] = {}
    for link in sorted(links, key=lambda x: x["rid"]):
        by_incident.setdefault(link["incident_id"], []).append(reports[link["rid"]])

    def significance(iid: str) -> float:
        best = max(float(f["probability"]) for f in seen[iid])
        return best * float(incidents[iid]["confidence"]) * severity(by_incident.get(iid, []))

    ids = sorted((i for i in candidates if i in incidents),
                 key=lambda i: (-significance(i), i))[:NOTABLE]
    links = [x for x in links if x["incident_id"] in set(ids)]
    sources = {s["source_id"]: s for s in store.select("sources")}
    notable = []
    for iid in ids:
        inc = incidents[iid]
        lines = []
        for link in [x for x in links if x["incident_id"] == iid][:5]:
            rep = reports[link["rid"]]
            # typed: a row value is Any, and .get(key, <Any>) would read as "maybe None";
            # reports.source_id is TEXT NOT NULL, so the fallback name is a str
            source_id: str = rep["source_id"]
            src = sources.get(source_id, {})
            lines.append(SourceLine(src.get("name", source_id), src.get("kind", "?"),
                                    src.get("reliability", "?"), rep.get("credibility"),
                                    rep["observed_at"], (rep.get("text") or "")[:300]))
        notable.append(NotableIncident(
            iid, datetime.fromtimestamp((inc["t_start"] + inc["t_end"]) / 2, UTC)
            .isoformat(timespec="minutes"), inc["lat"], inc["lon"], inc["category"],
            inc["confidence"], inc["band"], inc.get("attributed_party"),
            tuple(f"{f['provision_id']}: {f['verdict']} (p={f['probability']:.2f})"
                  for f in seen[iid]), tuple(lines)))
    return tuple(notable)


def _territory(ws: Workspace, start: date, end: date) -> tuple[
        tuple[tuple[str, float], ...], dict[str, float], MapLayers, list[str]]:
    national = territory_service.national_territory()
    regions = tuple(r.geometry for r in national.regions)
    notes: list[str] = []
    try:
        maps = territory_service.controls_between(ws, start, end)
    except InputError as exc:
        notes.append(str(exc))
        return (), {}, MapLayers(national=national.outline, regions=regions), notes
    last = maps[-1]
    series = tuple((p.date.isoformat(), round(p.area_km2, 1))
                   for p in territory_service.series_of(maps, last.primary))
    change = control_change(maps[0], last, min_piece_km2=0.01)
    summary = {}
    for side in ("RU", "UA"):
        summary[f"{side} gained"] = round(change.gained_km2(side), 1)
    layers = MapLayers(national=national.outline, regions=regions,
                       controlled={last.primary: last.held(last.primary)},
                       contact_line=contact_line(last).geometry,
                       gained=change.gained(last.primary))
    return series, summary, layers, notes


def build_report(ws: Workspace, agreement_id: str, day_from: date, day_to: date,
                 claims: Sequence[tuple[Any, Verdict]] = ()) -> MissionReport:
    """The report of one agreement over ``day_from`` .. ``day_to`` (inclusive)."""
    if day_to < day_from:
        raise InputError(f"--to {day_to} is before --from {day_from}", field="--to")
    stored = get_agreement(ws, agreement_id)
    agreement = stored.agreement
    store = ws.store
    period = fsvc.FindingFilter(agreement.id, day_from=day_from.isoformat(),
                                day_to=day_to.isoformat())
    violating = fsvc.FindingFilter(agreement.id, list(fsvc.VIOLATING), day_from=day_from.isoformat(),
                                   day_to=day_to.isoformat())
    daily: dict[str, dict[str, int]] = {}
    for (party, day), n in fsvc.aggregate(store, violating, ["party", "day"]).items():
        daily.setdefault(party, {})[day] = n
    by_party = fsvc.aggregate(store, violating, ["party"])
    all_verdicts = fsvc.aggregate(store, period, ["verdict"])
    t0 = datetime.combine(day_from, datetime.min.time(), UTC).timestamp()
    t1 = datetime.combine(day_to, datetime.max.time(), UTC).timestamp()
    incidents = list(store.select("incidents", {"t_start": Between(t0 - 86400, t1)},
                                  columns=["lon", "lat", "band", "t_start", "t_end"]))
    incidents = [i for i in incidents if i["t_end"] >= t0 and i["t_start"] <= t1]
    series, change, layers, notes = _territory(ws, day_from, day_to)
    layers = MapLayers(layers.national, layers.regions, layers.controlled, layers.contact_line,
                       layers.gained, tuple((i["lon"], i["lat"], i["band"]) for i in incidents))
    summary: dict[str, Any] = {"incidents in the period": len(incidents),
                               "findings": sum(all_verdicts.values()),
                               "violations (violation + likely)": sum(by_party.values())}
    for (party,), n in by_party.items():
        summary[f"attributed to {party}"] = n
    head = ledger.head(store)
    source_ids = {s["source_id"] for s in store.select("sources", columns=["source_id"])}
    data_sources = tuple(KNOWN_SOURCES[s] for s in sorted(source_ids) if s in KNOWN_SOURCES)
    if territory_service.sources(ws):
        data_sources += (KNOWN_SOURCES["deepstate"],)
    start, end = agreement.window_for()
    return MissionReport(
        title=f"Ceasefire monitoring report: {agreement.title}, {day_from} to {day_to}",
        agreement_id=agreement.id, agreement_title=agreement.title,
        agreement_status=agreement.status,
        window=f"{start.isoformat()} to {end.isoformat() if end else 'open'}",
        period_from=day_from.isoformat(), period_to=day_to.isoformat(),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        workspace=ws.settings.workspace.name, summary=summary,
        tables=(_table(store, period, "party", "Findings by attributed party"),
                _table(store, period, "day", "Findings by day"),
                _table(store, period, "zone", "Findings by zone"),
                _table(store, period, "provision", "Findings by provision")),
        daily_by_party=daily, territory_series=series, territory_change=change,
        notable=_notable(ws, violating),
        claims=tuple(_claim_line(c, v) for c, v in claims),
        methods=METHODS + tuple(notes), data_sources=data_sources + STATIC_SOURCES,
        ledger_seq=head.seq if head else 0, ledger_hash=head.entry_hash if head else "",
        map_layers=layers, **_accusations(ws, agreement.id, claims))


def _accusations(ws: Workspace, agreement_id: str,
                 claims: Sequence[tuple[Any, Verdict]]) -> dict[str, Any]:
    """The "Accusations by each party" section (services/accusation_report.py)."""
    sections, notes = accusation_sections(ws, agreement_id, claims)
    return {"accusations": sections, "accusation_notes": notes}


def _claim_line(claim: Any, verdict: Verdict) -> ClaimLine:
    d = verdict.to_dict()
    return ClaimLine(claim.claim_id, claim.claimant, claim.statement.text[:200], d["verdict"],
                     json.dumps(d.get("measured"), ensure_ascii=False, default=str),
                     "" if d.get("coverage") is None else f"{d['coverage']:.2f}",
                     d.get("reason", "") + (f" {d['caveat']}" if d.get("caveat") else ""))
