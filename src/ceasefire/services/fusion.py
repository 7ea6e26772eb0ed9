"""The fuse use case: reports in the store become incidents, with confidence and breakdown.

Reads ``reports`` and ``sources``, runs :mod:`ceasefire.core.fusion` and
:mod:`ceasefire.core.confidence` with the workspace's scoring profile, and writes
``incidents`` + ``incident_reports`` in one transaction with a ledger entry whose note
records the digest of both tables (``ledger.derived_state``), so that editing an incident
behind the tool's back is caught by ``ceasefire verify``.

**Incremental by default**: reports already in ``incident_reports`` keep their incidents
unless a new report falls in their connected component of the compatibility graph; only
incidents that change are rewritten. Because fusion's result depends only on the set of
reports, this equals a batch run (``rebuild=True``, which starts over). A score also
depends on the ``[scoring]`` profile, the sources' rows and how many independent origin
groups there are: when any of those changed since the last run, the run rebuilds by itself
(the ledger note says why).

Each written incident is attributed (:mod:`ceasefire.services.attribution`) from its reports
and the control snapshots the workspace has; importing snapshots makes the next run rebuild.
Silence: only origin groups with a source that is not a party count as expected to report
(a party's silence about an incident is no evidence; its accusations are weighed as such).
Reports the headline model judges likely non-events (``event_probability`` below the
profile's ``min_event_probability``) are linked to nothing and stay incidents of their own.

Engines: ``local`` (numpy, in process). :data:`ENGINES` is a registry so that another
engine (Dask, partitioned by space-time blocks) can be added without touching callers.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ceasefire.core.confidence import breakdown, combine, is_neutral_monitor, score_reports
from ceasefire.core.evidence import CATEGORIES, NEUTRAL
from ceasefire.core.fusion import FusionResult, ReportArrays, attach, fuse, summarize
from ceasefire.core.profile import ScoringProfile, profile_from_settings
from ceasefire.errors import InputError
from ceasefire.record import ledger
from ceasefire.services.attribution import attribute_incidents
from ceasefire.services.territory import available_dates
from ceasefire.services.territory import sources as territory_sources
from ceasefire.store.base import Store
from ceasefire.store.conditions import In, Ne
from ceasefire.workspace import Workspace

Progress = Callable[[str, int, int], None]
Engine = Callable[[ReportArrays, np.ndarray | None, ScoringProfile, Progress | None],
                  FusionResult]
_REPORT_COLUMNS = ["rid", "source_id", "report_id", "t_start", "t_end", "lat", "lon",
                   "location_uncertainty_m", "category", "perpetrator", "credibility",
                   "event_ref", "event_probability", "perpetrator_probability", "text",
                   "weapon_class", "origin_lat", "origin_lon"]
_BATCH = 500  # ids per IN (...) clause


def _local_engine(arrays: ReportArrays, previous: np.ndarray | None, profile: ScoringProfile,
                  progress: Progress | None) -> FusionResult:
    if previous is None:
        return fuse(arrays, profile, progress)
    return attach(arrays, previous, profile, progress)


ENGINES: dict[str, Engine] = {"local": _local_engine}


def register_engine(name: str, engine: Engine) -> None:
    """Make another fusion engine available to ``ceasefire fuse --engine NAME``."""
    ENGINES[name] = engine


@dataclass(frozen=True)
class FuseSummary:
    """What one fuse run did."""

    engine: str
    rebuild: bool
    reports: int
    new_reports: int
    unlocated: int
    incidents: int
    written: int
    removed: int
    pairs: int
    seconds: float
    ledger_seq: int | None
    rebuilt_because: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def incident_id_for(anchor_gid: str) -> str:
    """An incident's id: derived from its first report (canonical order), so the same set of
    reports always gets the same ids, whether fused at once or incrementally."""
    return "inc-" + hashlib.sha256(anchor_gid.encode("utf-8")).hexdigest()[:16]


def fuse_workspace(ws: Workspace, *, rebuild: bool = False, engine: str = "local",
                   progress: Progress | None = None) -> FuseSummary:
    """Fuse the workspace's reports into incidents (see the module docstring)."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (available: {', '.join(sorted(ENGINES))})",
                         field="engine")
    started = time.perf_counter()
    profile = profile_from_settings(ws.settings.scoring, file=str(ws.path("ceasefire.toml")))
    store = ws.store
    step = progress or (lambda _phase, _done, _total: None)

    step("loading reports", 0, 1)
    sources = {row["source_id"]: row for row in store.select("sources")}
    rows = list(store.select("reports", {"lat": Ne(None), "lon": Ne(None)},
                             columns=_REPORT_COLUMNS, order_by=["rid"]))
    unlocated = store.count("reports") - len(rows)
    src = [sources.get(r["source_id"]) or _unknown_source(r["source_id"]) for r in rows]
    # groups whose silence can count: a party's feed is an advocate's, reporting what it
    # chooses to accuse or admit, so its silence about an incident is no evidence
    available = len({str(s["origin_group"]) for s in src if s["kind"] != "party"}) or 1
    basis = _scoring_basis(profile, available, sources, _territory_state(ws))
    reason = None
    if not rebuild:
        last = _last_fuse_note(store)
        if last is not None and last.get("basis") != basis:
            rebuild, reason = True, "the scoring profile, the sources or their origin groups changed"
    old_of = {} if rebuild else {r["rid"]: r["incident_id"]
                                 for r in store.select("incident_reports")}
    new_count = sum(1 for r in rows if r["rid"] not in old_of)
    step("loading reports", 1, 1)
    if not rows or (new_count == 0 and not rebuild):
        return FuseSummary(engine, rebuild, len(rows), 0, unlocated, store.count("incidents"),
                           0, 0, 0, time.perf_counter() - started, None)

    arrays = _arrays(rows)
    previous = None
    if old_of:
        codes: dict[str, int] = {}
        previous = np.array([codes.setdefault(old_of[r["rid"]], len(codes))
                             if r["rid"] in old_of else -1 for r in rows], dtype=np.int64)
    event_p = [r["event_probability"] for r in rows]
    alone = np.array([p is not None and p < profile.min_event_probability for p in event_p],
                     dtype=bool)
    if alone.any():
        # likely non-events (the headline model's verdict) are linked to nothing: each stays
        # an incident of its own, so a headline that is not an event never lends its
        # category, place or target to a real event's incident
        linked = np.flatnonzero(~alone)
        part = ENGINES[engine](_arrays([rows[i] for i in linked]),
                               None if previous is None else previous[linked], profile, progress)
        result = with_singletons(part, linked, np.flatnonzero(alone))
    else:
        result = ENGINES[engine](arrays, previous, profile, progress)

    step("scoring", 0, 1)
    scores = score_reports(profile, [s["reliability"] for s in src],
                           [r["credibility"] for r in rows], [s["affiliation"] for s in src],
                           [r["perpetrator"] for r in rows], event_p)
    _, group_codes = np.unique(np.array([str(s["origin_group"]) for s in src]),
                               return_inverse=True)
    monitor = is_neutral_monitor([s["kind"] for s in src], [s["affiliation"] for s in src])
    labels = result.labels
    inc = combine(profile, labels, group_codes, scores.p, monitor, available)
    places = summarize(arrays, labels, scores.p, profile)
    anchor_label = np.empty(result.n_incidents, dtype=np.int64)
    anchor_label[labels] = result.anchor
    ids = [incident_id_for(str(arrays.gid[a])) for a in anchor_label]
    step("scoring", 1, 1)

    members: list[list[int]] = [[] for _ in range(result.n_incidents)]
    for i, lab in enumerate(labels.tolist()):
        members[lab].append(i)
    old_members: dict[str, set[int]] = {}
    for rid, iid in old_of.items():
        old_members.setdefault(iid, set()).add(rid)
    changed = [k for k in range(result.n_incidents)
               if old_members.get(ids[k]) != {rows[i]["rid"] for i in members[k]}]
    changed_set = set(changed)
    kept = {ids[k] for k in range(result.n_incidents) if k not in changed_set}
    stale = sorted(set(old_members) - kept)

    incident_rows: list[dict[str, Any]] = []
    link_rows: list[dict[str, Any]] = []
    gids = arrays.gid.tolist()
    credibility = [r["credibility"] for r in rows]
    for n_done, k in enumerate(changed):
        if progress and n_done % 5000 == 0:
            progress("writing incidents", n_done, len(changed))
        detail = breakdown(profile, members[k], gids, src, scores, credibility,
                           float(inc.probability[k]), str(inc.band[k]),
                           bool(inc.confirmable[k]), monitor, available)
        incident_rows.append({
            "incident_id": ids[k], "t_start": float(places.t_start[k]),
            "t_end": float(places.t_end[k]), "lat": round(float(places.lat[k]), 6),
            "lon": round(float(places.lon[k]), 6),
            "location_uncertainty_m": round(float(places.uncertainty_m[k]), 1),
            "category": CATEGORIES[int(places.category[k])], "n_reports": len(members[k]),
            "n_origin_groups": int(inc.n_origin_groups[k]),
            "confidence": round(float(inc.probability[k]), 6), "band": str(inc.band[k]),
            "breakdown": ledger.canonical_json(detail), "attributed_party": None,
            "attribution_probability": None, "attribution_basis": None,
            "event_probability": _incident_event_probability(event_p, members[k]),
        })
        link_rows.extend({"incident_id": ids[k], "rid": rows[i]["rid"]} for i in members[k])

    step("attribution", 0, 1)
    attributions = attribute_incidents(ws, incident_rows, {
        ids[k]: [rows[i] for i in members[k]] for k in changed})
    for row in incident_rows:
        party, probability, basis_items = attributions[row["incident_id"]]
        row["attributed_party"] = party
        row["attribution_probability"] = None if probability is None else round(probability, 6)
        row["attribution_basis"] = (json.dumps(basis_items, ensure_ascii=False)
                                    if basis_items else None)
    step("attribution", 1, 1)

    with store.transaction():
        _remove(store, stale, rebuild)
        store.insert("incidents", incident_rows)
        store.insert("incident_reports", link_rows)
        note = {
            "engine": engine, "rebuild": rebuild, "reports": len(rows), "new_reports": new_count,
            "incidents": result.n_incidents, "written": len(incident_rows),
            "removed": len(stale), "profile": profile.model_dump(mode="json"),
            "basis": basis, "rebuilt_because": reason,
            "derived": [ledger.derived_state(store, "incidents"),
                        ledger.derived_state(store, "incident_reports")],
        }
        entry = ledger.record(store, actor=ws.actor, action="fuse", note=note)
    if progress:
        progress("writing incidents", len(changed), len(changed))
    return FuseSummary(engine, rebuild, len(rows), new_count, unlocated, result.n_incidents,
                       len(incident_rows), len(stale), result.n_pairs,
                       time.perf_counter() - started, entry.seq, rebuilt_because=reason)


def _arrays(rows: list[dict[str, Any]]) -> ReportArrays:
    return ReportArrays.build(
        [f"{r['source_id']}:{r['report_id']}" for r in rows], [r["source_id"] for r in rows],
        [r["event_ref"] for r in rows], [r["t_start"] for r in rows],
        [r["t_end"] for r in rows], [r["lat"] for r in rows], [r["lon"] for r in rows],
        [r["location_uncertainty_m"] for r in rows], [r["category"] for r in rows])


def with_singletons(part: FusionResult, linked: np.ndarray, alone: np.ndarray) -> FusionResult:
    """``part`` (fused over the ``linked`` reports) plus one incident per ``alone`` report,
    as one result over all reports (indices are into the full input)."""
    n = len(linked) + len(alone)
    anchor = np.empty(n, dtype=np.int64)
    labels = np.empty(n, dtype=np.int64)
    anchor[linked] = linked[part.anchor]
    labels[linked] = part.labels
    anchor[alone] = alone
    labels[alone] = part.n_incidents + np.arange(len(alone))
    return FusionResult(anchor, labels, part.n_incidents + len(alone), part.n_pairs)


def _incident_event_probability(event_p: list[float | None], members: list[int]
                                ) -> float | None:
    """The most likely event among the members (None when no model read any of them)."""
    known = [p for i in members if (p := event_p[i]) is not None]
    return round(max(known), 4) if known else None


def _territory_state(ws: Workspace) -> list[list[str]]:
    """The control snapshots attribution reads: importing one re-attributes (rebuilds)."""
    return [[src, *available_dates(ws, src)] for src in territory_sources(ws)]


def _scoring_basis(profile: ScoringProfile, available: int,
                   sources: dict[str, dict[str, Any]], territory: list[list[str]]) -> str:
    """Digest of everything an incident's score depends on besides its own reports: the
    profile, the number of independent groups, and the sources' rows. When it changes,
    incidents untouched by new reports would be stale, so the run rebuilds."""
    material = ledger.canonical_json([profile.model_dump(mode="json"), available,
                                      ledger.digest_rows({"sources": list(sources.values())}),
                                      territory])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _last_fuse_note(store: Store) -> dict[str, Any] | None:
    for row in store.select("ledger", {"action": "fuse"}, order_by=["-seq"], limit=1):
        return dict(json.loads(row["note"]))
    return None


def _remove(store: Store, stale: list[str], everything: bool) -> None:
    if everything:
        store.delete("incident_reports", {"incident_id": Ne(None)})
        store.delete("incidents", {"incident_id": Ne(None)})
        return
    for start in range(0, len(stale), _BATCH):
        chunk = stale[start:start + _BATCH]
        store.delete("incident_reports", {"incident_id": In(chunk)})
        store.delete("incidents", {"incident_id": In(chunk)})


def _unknown_source(source_id: str) -> dict[str, Any]:
    """A report whose source is not registered: reliability cannot be judged (F)."""
    return {"source_id": source_id, "kind": "other", "affiliation": NEUTRAL,
            "reliability": "F", "origin_group": source_id}


def get_incident(store: Store, incident_id: str) -> dict[str, Any] | None:
    """One incident with its reports (joined to their sources), or None."""
    found = list(store.select("incidents", {"incident_id": incident_id}))
    if not found:
        return None
    incident = found[0]
    rids = [r["rid"] for r in store.select("incident_reports", {"incident_id": incident_id})]
    reports: list[dict[str, Any]] = []
    for start in range(0, len(rids), _BATCH):
        reports.extend(store.select("reports", {"rid": In(rids[start:start + _BATCH])},
                                    order_by=["t_start", "source_id", "report_id"]))
    source_ids = sorted({r["source_id"] for r in reports})
    sources = {s["source_id"]: s for s in store.select("sources", {"source_id": In(source_ids)})} \
        if source_ids else {}
    return {"incident": incident, "reports": reports, "sources": sources}
