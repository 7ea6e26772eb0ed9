"""Check public claims against the workspace's evidence (core: :mod:`ceasefire.core.claims`).

:class:`WorkspaceMeasurer` measures each kind of proposition:

* control shares and "all of" claims from the control snapshots (the latest snapshot on or
  before the claim's date; a snapshot more than a week older lowers the coverage);
* violation counts: when the claim names a truce that the workspace has assessed, the
  incidents of the window with a violation/likely/possible finding against the accused;
  else the incidents of the window attributed to the accused on the fly (the same
  attribution as ``ceasefire assess``). News-derived incidents are not the parties' own unit
  (individual shots, shells and drone launches), so the measurement says it is not
  comparable and why: the verdict gives the evidence count with that caveat, never a match;
* incidents at a place and time from the fused incidents within the radius.

Areas outside Ukraine (e.g. Russia's Kursk region) have no control data here: the verdict
is ``not_verifiable`` and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ceasefire.core.claims import (
    AreaMeasurement,
    Claim,
    ControlAll,
    ControlShare,
    CountMeasurement,
    IncidentAt,
    IncidentMeasurement,
    ShareMeasurement,
    Verdict,
    ViolationCount,
    check_claim,
)
from ceasefire.core.territory import NationalTerritory, Region
from ceasefire.errors import InputError
from ceasefire.formats.claims import read_claims, read_truce_claims_csv
from ceasefire.services import territory as territory_service
from ceasefire.services.assess import incidents_between, member_reports
from ceasefire.services.attribution import attribute_incidents
from ceasefire.store import Between, In
from ceasefire.workspace import Workspace

STALE_AFTER = timedelta(days=7)
COUNTED_VERDICTS = ("violation", "likely", "possible")
# How much of the front may move per day of snapshot lag (a judgement: DeepState's occupied
# area changed by < 0.01 % of Ukraine a day in 2025, so 0.1 % a day is generous).
SPREAD_PER_DAY = 0.001
WATCHING_KINDS = ("monitor", "sensor", "satellite")
EARTH_RADIUS_KM = 6371.0088
COUNT_CAVEAT = ("the evidence counts news-derived incidents (one strike or clash reported in "
                "the news), the parties count individual violations (shots, shells, drone "
                "launches); news coverage of the front line is partial")


def read_claim_files(paths: Iterable[str | Path]) -> list[Claim]:
    claims: list[Claim] = []
    for path in map(Path, paths):
        if path.suffix.lower() == ".csv":
            claims += read_truce_claims_csv(path)
        elif path.suffix.lower() in (".yaml", ".yml"):
            claims += read_claims(path)
        else:
            raise InputError("claims files are .yaml/.yml (docs/claims.md) or the truce "
                             "claims .csv", file=path)
    return claims


def _region(territory: NationalTerritory, name: str) -> Region | None:
    key = name.strip().casefold()
    for region in territory.regions:
        if key in {region.code.casefold(), region.name_en.casefold(), region.name_uk.casefold()}:
            return region
    return None


class WorkspaceMeasurer:
    """Measures propositions on one workspace (a :class:`~ceasefire.core.claims.Measurer`).

    It reads incidents, findings and reports through :meth:`incidents`, :meth:`findings`
    and :meth:`reports_where`, which see everything; the web API overrides them with the
    caller's view (``ceasefire.web.claims``), so a claim can never measure what its asker
    may not see.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.territory = territory_service.national_territory()
        self.has_snapshots = bool(territory_service.sources(ws))

    def incidents(self, t_from: float, t_to: float) -> list[dict[str, Any]]:
        """The incidents overlapping ``[t_from, t_to]`` that measurements may use."""
        return incidents_between(self.ws.store, t_from, t_to)

    def findings(self, where: dict[str, Any] | None, columns: list[str],
                 ) -> Iterable[dict[str, Any]]:
        """The findings (``columns`` of them) that measurements may use."""
        return self.ws.store.select("findings", where, columns=columns)

    def reports_where(self) -> dict[str, Any]:
        """Conditions narrowing the reports that coverage may count."""
        return {}

    def _control(self, on: date) -> tuple[object | None, float, str]:
        """The control map for ``on`` and how stale it is, as the fraction of the front that
        may have moved (``spread``): 0 within a week, then growing with the lag."""
        if not self.has_snapshots:
            return None, 0.0, "no control snapshots in this workspace"
        try:
            resolved = territory_service.control_on(self.ws, on)
        except InputError as exc:
            later = [d for d in territory_service.available_dates(self.ws)
                     if on.isoformat() < d <= (on + STALE_AFTER).isoformat()]
            if not later:
                return None, 0.0, exc.problems[0].message
            resolved = territory_service.control_on(self.ws, date.fromisoformat(later[0]))
            return resolved.control, 0.0, (f"no snapshot on or before {on}; using the next "
                                           f"one, {later[0]}")
        lag = on - resolved.control.date
        spread = 0.0 if lag <= STALE_AFTER else SPREAD_PER_DAY * lag.days
        return resolved.control, spread, resolved.note

    def control_share(self, p: ControlShare) -> ShareMeasurement | None:
        control, spread, note = self._control(p.on)
        if control is None:
            return ShareMeasurement(None, 0.0, note)
        if p.region.upper() in ("UA", "UKRAINE"):
            share = 100.0 * control.area_km2(p.side) / self.territory.area_km2  # type: ignore[attr-defined]
            return ShareMeasurement(share, 1.0, note, spread_pct=100.0 * spread)
        region = _region(self.territory, p.region)
        if region is None:
            return ShareMeasurement(None, 0.0, f"{p.region} is not a region of the bundled "
                                    "boundaries (Ukraine's oblasts)")
        return ShareMeasurement(100.0 * control.fraction_held(p.side, region.geometry),  # type: ignore[attr-defined]
                                1.0, note, spread_pct=100.0 * spread)

    def control_all(self, p: ControlAll) -> AreaMeasurement | None:
        region = _region(self.territory, p.area)
        if region is None:
            return AreaMeasurement(None, 0.0, f"no control data for {p.area}: the bundled "
                                   "boundaries and the control snapshots cover Ukraine only")
        control, spread, note = self._control(p.on)
        if control is None:
            return AreaMeasurement(None, 0.0, note)
        return AreaMeasurement(control.fraction_held(p.side, region.geometry), 1.0, note,  # type: ignore[attr-defined]
                               spread=spread)

    def _assessed_agreement(self, truce: str | None) -> str | None:
        """The stored agreement a truce name refers to (``easter_truce`` → ``easter-truce-*``)
        when it has been assessed; its findings are then the evidence count."""
        if not truce:
            return None
        prefix = truce.replace("_", "-")
        ids = sorted({r["agreement_id"] for r in self.findings(None, ["agreement_id"])
                      if r["agreement_id"].startswith(prefix)})
        return ids[0] if ids else None

    def violation_count(self, p: ViolationCount) -> CountMeasurement | None:
        t0, t1 = p.start.timestamp(), p.end.timestamp()
        incidents = self.incidents(t0, t1)
        if not incidents and not self.ws.store.count("reports"):
            return CountMeasurement(None, note="no reports in this workspace")
        agreement = self._assessed_agreement(p.truce)
        if agreement is not None:
            ids = {i["incident_id"] for i in incidents}
            counted = {r["incident_id"] for r in self.findings(
                {"agreement_id": agreement, "attributed_party": p.accused,
                 "verdict": In(list(COUNTED_VERDICTS))}, ["incident_id"])
                       if r["incident_id"] in ids}
            count, unit = len(counted), f"incidents with a finding against {agreement}"
        else:
            members = member_reports(self.ws.store, [i["incident_id"] for i in incidents])
            attributed = attribute_incidents(self.ws, incidents, members)
            count = sum(1 for i in incidents
                        if attributed.get(i["incident_id"], (None,))[0] == p.accused)
            unit = "incidents attributed"
        days = max(1, int(np.ceil((t1 - t0) / 86400)))
        covered = {datetime.fromtimestamp(r["t_start"]).date() for r in self.ws.store.select(
            "reports", {**self.reports_where(), "t_start": Between(t0 - 86400, t1)},
            columns=["t_start"])}
        coverage = min(1.0, len(covered) / days)
        return CountMeasurement(count, unit, coverage, comparable=False, caveat=COUNT_CAVEAT)

    def incident_at(self, p: IncidentAt) -> IncidentMeasurement | None:
        if p.lat is None or p.lon is None:
            return IncidentMeasurement(None, note="the claim gives no coordinates to search at")
        incidents = self.incidents(p.start.timestamp(), p.end.timestamp())
        if p.category:
            incidents = [i for i in incidents if i["category"] == p.category]
        coverage = self._watched(p)
        if not incidents:
            return IncidentMeasurement(0, coverage=coverage)
        lat = np.radians([i["lat"] for i in incidents])
        lon = np.radians([i["lon"] for i in incidents])
        la, lo = np.radians(p.lat), np.radians(p.lon)
        a = np.sin((lat - la) / 2) ** 2 + np.cos(la) * np.cos(lat) * np.sin((lon - lo) / 2) ** 2
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        near = [i for i, d in zip(incidents, km, strict=True) if d <= p.radius_km]
        if not near:
            return IncidentMeasurement(0, coverage=coverage)
        best = max(near, key=lambda i: i["confidence"])
        return IncidentMeasurement(len(near), best["confidence"], best.get("attributed_party"),
                                   coverage)

    def _watched(self, p: IncidentAt) -> float:
        """Coverage of a place and time: 1 when a monitor, sensor or satellite source reported
        near it in the window (someone was watching), else 0.5: news presence is not
        monitoring, so finding nothing cannot contradict the claim."""
        watching = [s["source_id"] for s in self.ws.store.select(
            "sources", {"kind": In(list(WATCHING_KINDS))}, columns=["source_id"])]
        if not watching or p.lat is None or p.lon is None:
            return 0.5
        pad = p.radius_km / 111.0
        seen = self.ws.store.count("reports", {
            **self.reports_where(), "source_id": In(watching), "t_start": Between(p.start.timestamp() - 86400,
                                                          p.end.timestamp()),
            "lat": Between(p.lat - pad, p.lat + pad)})
        return 1.0 if seen else 0.5


def check_claims(ws: Workspace, claims: Sequence[Claim],
                 measurer: WorkspaceMeasurer | None = None) -> list[tuple[Claim, Verdict]]:
    measurer = measurer or WorkspaceMeasurer(ws)
    return [(claim, check_claim(claim, measurer)) for claim in claims]
