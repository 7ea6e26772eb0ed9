"""``/api/v1/incidents``: fused incidents, filtered and paged, in the caller's view."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.query import Filters, Page, parse_page
from ceasefire.web.routes import listing
from ceasefire.web.users import Principal
from ceasefire.web.views import get_incident, incident_views, sensitive_incidents
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
    minx, miny, maxx, maxy = flt.bbox
    widened = Filters(bbox=(minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1), time=flt.time,
                      categories=flt.categories, parties=flt.parties,
                      min_confidence=flt.min_confidence)
    candidates = list(store.select("incidents", widened.where(
        party="attributed_party", confidence="confidence"), order_by=ORDER))
    views = [v for v in incident_views(store, candidates, principal, sensitive)
             if miny <= v["lat"] <= maxy and minx <= v["lon"] <= maxx]
    return views[page.offset:page.offset + page.limit], len(views)


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
