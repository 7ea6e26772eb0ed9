"""``/api/v1/incidents``: fused incidents, filtered and paged, in the caller's view."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.query import Filters, Page, parse_page
from ceasefire.web.routes import listing
from ceasefire.web.users import Principal
from ceasefire.web.views import (
    blur,
    get_incident,
    in_slices,
    incident_views,
    sensitive_incidents,
)
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
ORDER = ["t_start", "incident_id"]


def query_incidents(ws: Workspace, principal: Principal, flt: Filters, page: Page,
                    ) -> tuple[list[dict[str, Any]], int]:
    """One page of incidents in the principal's view, and how many match.

    For the public a ``bbox`` is tested against the shown (blurred) location of sensitive
    incidents, so narrowing boxes cannot locate them more finely than their grid cell.
    """
    store = ws.store
    where = flt.where(party="attributed_party", confidence="confidence")
    sensitive = sensitive_incidents(store)
    if not (principal.is_public and flt.bbox and sensitive):
        rows = list(store.select("incidents", where, order_by=ORDER, limit=page.limit,
                                 offset=page.offset))
        return incident_views(store, rows, principal, sensitive), store.count("incidents", where)
    rows, matched = _public_bbox_page(ws, flt, page, where, sensitive)
    return incident_views(store, rows, principal, sensitive), matched


def shown_in_bbox(row: dict[str, Any], bbox: tuple[float, float, float, float],
                  sensitive: set[str]) -> bool:
    """Whether the public sees ``row`` inside ``bbox`` (a sensitive one at its blurred place)."""
    lat, lon = row["lat"], row["lon"]
    if row["incident_id"] in sensitive:
        lat, lon = blur(lat, lon)
    return bbox[1] <= lat <= bbox[3] and bbox[0] <= lon <= bbox[2]


def _key(row: dict[str, Any]) -> tuple[float, str]:
    return row["t_start"], row["incident_id"]


def _public_bbox_page(ws: Workspace, flt: Filters, page: Page, where: dict[str, Any],
                      sensitive: set[str]) -> tuple[list[dict[str, Any]], int]:
    """The public's page when sensitive incidents exist, at the cost of one page.

    The answer is the incidents the SQL box holds, less the sensitive ones among them
    (``inside``), plus the sensitive ones whose blurred place is in the box (``shown``);
    both are few. The page is cut from one SQL window wide enough to hold it whatever
    those few displace: never the whole box in memory (a world box once read every
    incident and grew the server by gigabytes).
    """
    store = ws.store
    others = Filters(time=flt.time, categories=flt.categories, parties=flt.parties,
                     min_confidence=flt.min_confidence, extra=flt.extra)
    candidates = list(in_slices(store, "incidents", "incident_id", sorted(sensitive),
                                others.where(party="attributed_party",
                                             confidence="confidence")))
    bbox = flt.bbox
    assert bbox is not None
    inside = sorted(_key(r) for r in candidates if shown_in_bbox(r, bbox, set()))
    shown = sorted((r for r in candidates if shown_in_bbox(r, bbox, sensitive)), key=_key)
    low = max(0, page.offset - len(shown))
    window = list(store.select("incidents", where, order_by=ORDER,
                               limit=page.offset + page.limit + len(inside) - low, offset=low))
    full = len(window) == page.offset + page.limit + len(inside) - low
    shown_keys = [_key(e) for e in shown]
    placed: list[tuple[int, dict[str, Any]]] = []
    for i, row in enumerate(window):
        if row["incident_id"] not in sensitive:
            k = _key(row)
            placed.append((low + i - bisect_left(inside, k)
                           + bisect_left(shown_keys, k), row))
    window_keys = [_key(r) for r in window]
    for j, row in enumerate(shown):
        k = _key(row)
        before = bisect_left(window_keys, k)
        if (low and before == 0) or (full and before == len(window)):
            continue  # outside the window, so outside the page (see the docstring)
        placed.append((low + before - bisect_left(inside, k) + j, row))
    matched = store.count("incidents", where) - len(inside) + len(shown)
    page_rows = [row for pos, row in sorted(placed, key=lambda p: p[0])
                 if page.offset <= pos < page.offset + page.limit]
    return page_rows, matched


@router.get("", summary="List incidents")
def incidents_list(request: Request, bbox: str | None = Query(
                       None, description="minlon,minlat,maxlon,maxlat"),
                   datetime: str | None = Query(None, description="instant or interval a/b"),
                   category: str | None = None,
                   party: str | None = Query(None, description="attributed party"),
                   min_confidence: float | None = None, limit: int | None = None,
                   offset: int | None = None, ws: Workspace = Depends(workspace_of),
                   principal: Principal = Depends(gate("incidents.list"))) -> dict[str, Any]:
    page = parse_page(limit, offset)
    flt = Filters.parse(bbox=bbox, datetime_=datetime, category=category, party=party,
                        min_confidence=min_confidence)
    items, matched = query_incidents(ws, principal, flt, page)
    return listing(request, items, matched, page)


@router.get("/{incident_id}", summary="One incident")
def incidents_get(incident_id: str, ws: Workspace = Depends(workspace_of),
                  principal: Principal = Depends(gate("incidents.get"))) -> dict[str, Any]:
    return get_incident(ws.store, principal, incident_id)
