"""What each role sees of incidents, findings and reports (shared by REST, OGC, SSE, alerts).

The public view never names a reporter: no report ids, sources, texts or ingest files, no
confidence breakdown or attribution basis (both cite reports). An incident that contains a
report marked ``sensitive`` is shown to the public at the centre of its 0.1° grid cell with
an uncertainty of at least 8 km (:func:`blur`). A liaison sees the reports it submitted
itself (``ingest_file = "api:<user>"``) and the findings that are published or attributed
to its party; a finding is published when an analyst published it (a ``publish`` event in
``finding_events``) or assessment marked it so.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ceasefire.errors import NotFound
from ceasefire.store.base import Store
from ceasefire.store.conditions import In
from ceasefire.web.query import iso
from ceasefire.web.users import Principal

BLUR_DEG = 0.1
BLUR_MIN_UNCERTAINTY_M = 8_000.0
_SLICE = 500
FULL_VIEW_ROLES = ("admin", "monitor", "analyst")


def blur(lat: float, lon: float) -> tuple[float, float]:
    """The centre of the 0.1° grid cell holding the point (documented in docs/access.md).

    >>> blur(48.0123, 37.8049)
    (48.05, 37.85)
    """
    def snap(v: float) -> float:
        return round(math.floor(v / BLUR_DEG + 1e-9) * BLUR_DEG + BLUR_DEG / 2, 4)
    return snap(lat), snap(lon)


def in_slices(store: Store, table: str, column: str, values: Sequence[Any],
              where: Mapping[str, Any] | None = None, **kw: Any) -> Iterable[dict[str, Any]]:
    """``select ... where column in values [and where]`` a slice at a time (SQL parameter
    limits)."""
    values = list(values)
    for start in range(0, len(values), _SLICE):
        yield from store.select(table, {**(where or {}),
                                        column: In(values[start:start + _SLICE])}, **kw)


def gid(source_id: str, report_id: str) -> str:
    return f"{source_id}:{report_id}"


# -- incidents -------------------------------------------------------------------------------
def sensitive_incidents(store: Store) -> set[str]:
    """Ids of incidents holding at least one sensitive report (few: checked per request)."""
    rids = [r["rid"] for r in store.select("reports", {"sensitive": 1}, columns=["rid"])]
    return {r["incident_id"] for r in in_slices(store, "incident_reports", "rid", rids)}


def member_gids(store: Store, incident_ids: Sequence[str]) -> dict[str, list[str]]:
    links = list(in_slices(store, "incident_reports", "incident_id", incident_ids))
    by_rid = {r["rid"]: gid(r["source_id"], r["report_id"]) for r in in_slices(
        store, "reports", "rid", [link["rid"] for link in links],
        columns=["rid", "source_id", "report_id"])}
    out: dict[str, list[str]] = defaultdict(list)
    for link in links:
        out[link["incident_id"]].append(by_rid[link["rid"]])
    return {k: sorted(v) for k, v in out.items()}


def incident_view(row: dict[str, Any], principal: Principal, *, sensitive: bool,
                  report_ids: Sequence[str] = ()) -> dict[str, Any]:
    """An ``incidents`` row as the principal may see it (geometry in ``lat``/``lon``)."""
    view = {
        "incident_id": row["incident_id"], "time_start": iso(row["t_start"]),
        "time_end": iso(row["t_end"]), "lat": row["lat"], "lon": row["lon"],
        "location_uncertainty_m": row["location_uncertainty_m"], "category": row["category"],
        "n_reports": row["n_reports"], "n_origin_groups": row["n_origin_groups"],
        "confidence": row["confidence"], "band": row["band"],
        "attributed_party": row.get("attributed_party"),
        "attribution_probability": row.get("attribution_probability"),
        "event_probability": row.get("event_probability"),
    }
    if principal.is_public:
        if sensitive:
            view["lat"], view["lon"] = blur(row["lat"], row["lon"])
            view["location_uncertainty_m"] = max(row["location_uncertainty_m"],
                                                 BLUR_MIN_UNCERTAINTY_M)
            view["location_blurred"] = True
        return view
    view["report_ids"] = list(report_ids)
    view["breakdown"] = _json(row.get("breakdown"))
    view["attribution_basis"] = _json(row.get("attribution_basis"))
    view["sensitive"] = sensitive
    return view


def incident_views(store: Store, rows: list[dict[str, Any]], principal: Principal,
                   sensitive: set[str] | None = None) -> list[dict[str, Any]]:
    sensitive = sensitive_incidents(store) if sensitive is None else sensitive
    members = {} if principal.is_public else member_gids(store, [r["incident_id"] for r in rows])
    return [incident_view(r, principal, sensitive=r["incident_id"] in sensitive,
                          report_ids=members.get(r["incident_id"], ())) for r in rows]


def get_incident(store: Store, principal: Principal, incident_id: str) -> dict[str, Any]:
    rows = list(store.select("incidents", {"incident_id": incident_id}))
    if not rows:
        raise NotFound(f"no incident {incident_id!r}")
    return incident_views(store, rows, principal)[0]


# -- findings --------------------------------------------------------------------------------
def published_ids(store: Store) -> set[str]:
    ids = {r["finding_id"] for r in store.select("findings", {"published": 1},
                                                  columns=["finding_id"])}
    ids |= {r["finding_id"] for r in store.select("finding_events", {"action": "publish"},
                                                   columns=["finding_id"])}
    return ids


def visible_finding_ids(store: Store, principal: Principal) -> set[str] | None:
    """The finding ids a restricted role may see; ``None`` for the full-view roles."""
    if principal.role in FULL_VIEW_ROLES:
        return None
    ids = published_ids(store)
    if principal.role == "liaison" and principal.party:
        ids |= {r["finding_id"] for r in store.select(
            "findings", {"attributed_party": principal.party}, columns=["finding_id"])}
    return ids


def review_summary(store: Store, finding_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per finding: review state (latest confirm/reject/dispute), replies, published."""
    out: dict[str, dict[str, Any]] = {}
    for event in sorted(in_slices(store, "finding_events", "finding_id", finding_ids),
                        key=lambda e: e["event_id"]):
        state = out.setdefault(event["finding_id"], {"review_state": "unreviewed",
                                                     "replies": 0, "published": False})
        action = event["action"]
        if action in ("confirm", "reject", "dispute"):
            state["review_state"] = {"confirm": "confirmed", "reject": "rejected",
                                     "dispute": "disputed"}[action]
        elif action == "reply":
            state["replies"] += 1
        elif action == "publish":
            state["published"] = True
    return out


def finding_views(store: Store, rows: list[dict[str, Any]], principal: Principal,
                  ) -> list[dict[str, Any]]:
    """Findings with review state and the location of their incident (blurred for public)."""
    summary = review_summary(store, [r["finding_id"] for r in rows])
    incident_ids = [r["incident_id"] for r in rows if r.get("incident_id")]
    places = {r["incident_id"]: r for r in in_slices(
        store, "incidents", "incident_id", incident_ids,
        columns=["incident_id", "lat", "lon", "location_uncertainty_m"])}
    sensitive = sensitive_incidents(store) if principal.is_public and places else set()
    views = []
    for row in rows:
        state = summary.get(row["finding_id"], {"review_state": "unreviewed", "replies": 0,
                                                "published": False})
        view = {k: row[k] for k in ("finding_id", "agreement_id", "agreement_version",
                                    "provision_id", "incident_id", "day", "zone_id", "verdict",
                                    "probability", "attributed_party", "created_at")}
        view["published"] = bool(row["published"]) or state["published"]
        view["review_state"] = state["review_state"]
        view["replies"] = state["replies"]
        view["rationale"] = _json(row.get("rationale"))
        if not principal.is_public:
            view["subject"] = _json(row.get("subject"))
        place = places.get(row.get("incident_id") or "")
        view["lat"] = view["lon"] = None
        if place is not None:
            lat, lon = place["lat"], place["lon"]
            if place["incident_id"] in sensitive:
                lat, lon = blur(lat, lon)
            view["lat"], view["lon"] = lat, lon
        views.append(view)
    return views


def get_finding(store: Store, principal: Principal, finding_id: str) -> dict[str, Any]:
    rows = list(store.select("findings", {"finding_id": finding_id}))
    visible = visible_finding_ids(store, principal)
    if not rows or (visible is not None and finding_id not in visible):
        raise NotFound(f"no finding {finding_id!r}")  # do not reveal unpublished ones
    return finding_views(store, rows, principal)[0]


# -- reports ---------------------------------------------------------------------------------
def own_reports_where(principal: Principal) -> dict[str, Any]:
    """The extra condition narrowing reports for a liaison (its own API submissions)."""
    if principal.role == "liaison":
        return {"ingest_file": f"api:{principal.name}"}
    return {}


def report_view(row: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in row.items() if k not in ("rid", "extra")}
    view["id"] = gid(row["source_id"], row["report_id"])
    view["sensitive"] = bool(row.get("sensitive"))
    view["extra"] = _json(row.get("extra"))
    return view


def get_report(store: Store, principal: Principal, report_gid: str) -> dict[str, Any]:
    source_id, sep, report_id = report_gid.partition(":")
    if not sep:
        raise NotFound(f"no report {report_gid!r} (ids are source_id:report_id)")
    where = {"source_id": source_id, "report_id": report_id, **own_reports_where(principal)}
    rows = list(store.select("reports", where))
    if not rows:
        raise NotFound(f"no report {report_gid!r}")
    return report_view(rows[0])


def _json(text: Any) -> Any:
    if text is None or not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
