"""Assessment: attribute incidents, then judge them against an agreement's provisions.

``ceasefire assess --agreement ID`` runs here. The steps:

1. resolve the agreement (latest version) and refuse a proposal unless ``as_if_in_force``
   (scenario mode: what monitors would have seen had the proposal come into force);
2. attribute the incidents of the window (:mod:`ceasefire.services.attribution`) and keep
   the result on the incidents (exported with them);
3. gather each incident's facts (confidence, target classes and weapon named by its
   reports, distance to the nearest power plant, to the contact line);
4. resolve the zones (national territory, contact-line buffers, GeoJSON polygons);
5. :mod:`ceasefire.core.compliance` makes the findings; ``no_advance`` uses the territorial
   gains between the control snapshots of the window, ``commitment`` the tracked status;
6. the agreement's findings are replaced in one transaction, with a ledger entry that
   records their digest (review history in ``finding_events`` survives: finding ids are
   stable).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.core.agreement import Agreement, NoAdvance, Withdrawal
from ceasefire.core.compliance import (
    ComplianceParams,
    Finding,
    IncidentFacts,
    TerritorialGain,
    assess_commitments,
    assess_gains,
    assess_incidents,
)
from ceasefire.core.contact_line import contact_line
from ceasefire.core.geodesy import LocalProjection, geodesic_buffer
from ceasefire.core.profile import profile_from_settings
from ceasefire.errors import InputError
from ceasefire.record import ledger
from ceasefire.services import territory as territory_service
from ceasefire.services.agreements import get_agreement
from ceasefire.services.attribution import attribute_incidents
from ceasefire.services.finding_identity import carry_over
from ceasefire.store import Ge, In, Le, Store
from ceasefire.workspace import Workspace

Progress = Callable[[str, int, int], None]
EARTH_RADIUS_KM = 6371.0088
# Engines judge the window's incidents against the provisions (step 5); "local" runs the
# core in process, others (Dask: ceasefire.engines.dask) must return the same findings.
IncidentAssessor = Callable[[Agreement, Sequence[IncidentFacts],
                             Mapping[str, BaseGeometry | None], ComplianceParams], list[Finding]]
ENGINES: dict[str, IncidentAssessor] = {"local": assess_incidents}


def register_engine(name: str, assessor: IncidentAssessor) -> None:
    """Make another engine available to ``ceasefire assess --engine NAME``."""
    ENGINES[name] = assessor


@dataclass(frozen=True)
class AssessResult:
    agreement_id: str
    version: int
    scenario: bool
    incidents: int
    findings: int
    by_verdict: dict[str, int]
    ledger_seq: int
    notes: tuple[str, ...]


@lru_cache(maxsize=1)
def power_plants() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Latitudes, longitudes and names of the bundled WRI power plants."""
    import csv
    import io

    text = (resources.files("ceasefire") / "data" / "power_plants" /
            "ukraine_power_plants.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return (np.array([float(r["latitude"]) for r in rows]),
            np.array([float(r["longitude"]) for r in rows]),
            tuple(r["name"] for r in rows))


def nearest_plant_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distance from each point to the nearest bundled power plant."""
    plat, plon, _ = power_plants()
    if not len(lat):
        return np.zeros(0)
    la1, lo1 = np.radians(lat)[:, None], np.radians(lon)[:, None]
    la2, lo2 = np.radians(plat)[None, :], np.radians(plon)[None, :]
    a = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))).min(axis=1)


def incidents_between(store: Store, t_from: float, t_to: float) -> list[dict[str, Any]]:
    return list(store.select("incidents", {"t_start": Le(t_to), "t_end": Ge(t_from)},
                             order_by=["t_start", "incident_id"]))


def member_reports(store: Store, incident_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The reports of each incident (joined in Python: the Store speaks one table at a time)."""
    by_rid: dict[int, str] = {}
    ids = list(incident_ids)
    for i in range(0, len(ids), 500):
        for row in store.select("incident_reports", {"incident_id": In(ids[i:i + 500])}):
            by_rid[row["rid"]] = row["incident_id"]
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rids = sorted(by_rid)
    columns = ["rid", "source_id", "report_id", "observed_at", "category", "perpetrator",
               "perpetrator_probability", "event_probability",
               "target_class", "weapon_class", "origin_lat", "origin_lon", "text", "lat",
               "lon", "credibility"]
    for i in range(0, len(rids), 500):
        for row in store.select("reports", {"rid": In(rids[i:i + 500])}, columns=columns):
            members[by_rid[row["rid"]]].append(row)
    return members


def _window_bounds(agreement: Agreement) -> tuple[float, float]:
    starts = [agreement.window_epoch(p.id) for p in agreement.parties] or \
        [agreement.window_epoch()]
    for provision in agreement.provisions:
        starts += [agreement.window_epoch(p, provision) for p in provision.binds]
    lo = min(s for s, _ in starts)
    hi = max(e for _, e in starts)
    if hi == float("inf"):
        hi = datetime.now(UTC).timestamp()
    return lo, hi


def resolve_zones(ws: Workspace, agreement: Agreement, on: date) -> tuple[
        dict[str, BaseGeometry | None], list[str]]:
    """Geometries of the agreement's zones; contact-line buffers use the line on ``on``."""
    zones: dict[str, BaseGeometry | None] = {}
    notes: list[str] = []
    for zone in agreement.zones:
        if zone.kind == "anywhere":
            zones[zone.id] = None
        elif zone.kind == "geojson":
            zones[zone.id] = zone.shape()
        elif zone.kind == "national":
            zones[zone.id] = territory_service.national_territory().outline
        elif zone.kind == "contact_line_buffer":
            try:
                resolved = territory_service.control_on(ws, on)
            except InputError as exc:
                notes.append(f"zone {zone.id}: {exc} — treated as anywhere")
                zones[zone.id] = None
                continue
            line = contact_line(resolved.control)
            band = geodesic_buffer(line.geometry, float(zone.distance_km or 0.0))
            if zone.side and zone.side != "both":
                band = band.intersection(resolved.control.held(zone.side))
            zones[zone.id] = band
    return zones, notes


def contact_line_distances(ws: Workspace, incidents: Sequence[dict[str, Any]],
                           tz: Any) -> dict[str, float]:
    """Distance (km) from each weapons sighting to the contact line on its day."""
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for inc in incidents:
        if inc["category"] == "weapons_sighting":
            mid = datetime.fromtimestamp((inc["t_start"] + inc["t_end"]) / 2, tz=tz)
            by_day[mid.date()].append(inc)
    distances: dict[str, float] = {}
    for day, items in sorted(by_day.items()):
        try:
            line = contact_line(territory_service.control_on(ws, day).control).geometry
        except InputError:
            continue  # no snapshot: the finding says the distance is unknown
        if line.is_empty:
            continue
        proj = LocalProjection.around(line)
        line_m = proj.forward(line)
        pts = proj.forward(shapely.multipoints([[i["lon"], i["lat"]] for i in items]))
        for inc, point in zip(items, pts.geoms, strict=True):
            distances[inc["incident_id"]] = line_m.distance(point) / 1000.0
    return distances


def territorial_gains(ws: Workspace, agreement: Agreement, min_polygon_km2: float = 0.1
                      ) -> tuple[list[TerritorialGain], list[str]]:
    """Gains during the window of each ``no_advance`` provision, from the snapshots."""
    from ceasefire.core.advances import advances

    gains: list[TerritorialGain] = []
    notes: list[str] = []
    for provision in agreement.provisions:
        if not isinstance(provision, NoAdvance):
            continue
        start, end = agreement.window_for(None, provision)
        end_day = (end or datetime.now(UTC)).date()
        try:
            maps = territory_service.controls_between(ws, start.date(), end_day)
        except InputError as exc:
            notes.append(f"{provision.id}: {exc}")
            continue
        if len(maps) < 2:
            notes.append(f"{provision.id}: fewer than two control snapshots in the window")
            continue
        report = advances(maps, provision.tolerance_km2, min_polygon_km2)
        gains += [TerritorialGain(a.side, a.area_km2, a.date_from.isoformat(),
                                  a.date_to.isoformat(), a.lat, a.lon, a.place)
                  for a in report.advances]
    return gains, notes


def _facts(incidents: Sequence[dict[str, Any]], members: dict[str, list[dict[str, Any]]],
           plants_km: np.ndarray, line_km: dict[str, float]) -> list[IncidentFacts]:
    facts = []
    for inc, plant_km in zip(incidents, plants_km, strict=True):
        reports = members.get(inc["incident_id"], [])
        weapons = Counter(r["weapon_class"] for r in reports if r.get("weapon_class"))
        facts.append(IncidentFacts(
            incident_id=inc["incident_id"], t_start=inc["t_start"], t_end=inc["t_end"],
            lat=inc["lat"], lon=inc["lon"], uncertainty_m=inc["location_uncertainty_m"],
            category=inc["category"], p_real=inc["confidence"],
            attributed_party=inc.get("attributed_party"),
            attribution_probability=inc.get("attribution_probability"),
            weapon_class=weapons.most_common(1)[0][0] if weapons else None,
            target_classes=frozenset(r["target_class"] for r in reports if r.get("target_class")),
            nearest_plant_km=float(plant_km), contact_line_km=line_km.get(inc["incident_id"])))
    return facts


def finding_row(f: Finding, scenario: bool, now: str) -> dict[str, Any]:
    return {"finding_id": f.finding_id, "agreement_id": f.agreement_id,
            "agreement_version": f.agreement_version, "provision_id": f.provision_id,
            "incident_id": f.incident_id,
            "subject": ledger.canonical_json(dict(f.subject)) if f.subject else None,
            "day": f.day, "zone_id": f.zone_id, "verdict": f.verdict,
            "probability": round(f.probability, 6), "attributed_party": f.attributed_party,
            "rationale": ledger.canonical_json(f.rationale()), "published": 0,
            "created_at": now, "scenario": int(scenario)}


def assess(ws: Workspace, agreement_id: str, *, as_if_in_force: bool = False,
           params: ComplianceParams | None = None, progress: Progress | None = None,
           engine: str = "local") -> AssessResult:
    """Assess every incident of an agreement's window against its provisions."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (available: {', '.join(sorted(ENGINES))})",
                         field="engine")
    stored = get_agreement(ws, agreement_id)
    agreement = stored.agreement
    if agreement.status == "proposed" and not as_if_in_force:
        raise InputError(f"{agreement_id} is a proposal that never came into force; use "
                         "--as-if-in-force to see what monitors would have seen if it had",
                         field="--agreement")
    params = params or ComplianceParams()
    step = progress or (lambda _d, _i, _n: None)
    t_from, t_to = _window_bounds(agreement)
    store = ws.store
    step("incidents", 0, 5)
    # a likely non-event (the headline model's verdict on every member) makes no finding
    threshold = profile_from_settings(ws.settings.scoring,
                                      file=str(ws.path("ceasefire.toml"))).min_event_probability
    incidents = [i for i in incidents_between(store, t_from, t_to)
                 if i.get("event_probability") is None or i["event_probability"] >= threshold]
    members = member_reports(store, [i["incident_id"] for i in incidents])
    step("attribution", 1, 5)
    attributions = attribute_incidents(ws, incidents, members)
    for inc in incidents:
        party, probability, _ = attributions.get(inc["incident_id"], (None, None, None))
        inc["attributed_party"], inc["attribution_probability"] = party, probability
    step("facts", 2, 5)
    tz = agreement.window.start.tzinfo
    lat = np.array([i["lat"] for i in incidents], dtype=float)
    lon = np.array([i["lon"] for i in incidents], dtype=float)
    line_km = (contact_line_distances(ws, incidents, tz)
               if any(isinstance(p, Withdrawal) for p in agreement.provisions) else {})
    facts = _facts(incidents, members, nearest_plant_km(lat, lon), line_km)
    zones, notes = resolve_zones(ws, agreement, agreement.window.start.date())
    step("findings", 3, 5)
    findings = ENGINES[engine](agreement, facts, zones, params)
    gains, gain_notes = territorial_gains(ws, agreement)
    findings += assess_gains(agreement, gains, params) + assess_commitments(agreement)
    notes += gain_notes
    step("store", 4, 5)
    now = datetime.now(UTC).isoformat()
    rows = [finding_row(f, as_if_in_force and agreement.status == "proposed", now)
            for f in findings]
    with store.transaction():
        _store_attributions(store, attributions)
        rows, kept = carry_over(store, agreement.id, rows, members, now)
        store.delete("findings", {"agreement_id": agreement.id})
        store.insert("findings", rows)
        entry = ledger.record(store, actor=ws.actor, action="assess", note={
            "agreement_id": agreement.id, "version": stored.version,
            "as_if_in_force": as_if_in_force, "findings": len(rows), "kept_reviewed": kept,
            "derived": [ledger.derived_state(store, "findings", {"agreement_id": agreement.id}),
                        ledger.derived_state(store, "incidents")]})
    step("done", 5, 5)
    return AssessResult(agreement.id, stored.version, as_if_in_force, len(incidents), len(rows),
                        dict(Counter(r["verdict"] for r in rows)), entry.seq, tuple(notes))


def _store_attributions(store: Store, attributions: dict[str, tuple[Any, Any, Any]]) -> None:
    for incident_id, (party, probability, basis) in attributions.items():
        store.update("incidents", {"incident_id": incident_id}, {
            "attributed_party": party,
            "attribution_probability": None if probability is None else round(probability, 6),
            "attribution_basis": json.dumps(basis, ensure_ascii=False) if basis else None})


__all__ = ["AssessResult", "assess"]
