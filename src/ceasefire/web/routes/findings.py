"""``/api/v1/findings``: findings in the caller's view; review, reply and publish.

Review actions go through :func:`ceasefire.services.findings.act`, which checks the roles
again, writes a ``finding_events`` row through the ledger and (for publish) marks the
finding published.
"""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ceasefire.services import findings as findings_service
from ceasefire.store.base import Store
from ceasefire.store.conditions import In
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.query import Filters, Page, parse_page
from ceasefire.web.routes import listing
from ceasefire.web.routes.incidents import shown_in_bbox
from ceasefire.web.users import Principal
from ceasefire.web.views import (
    finding_views,
    get_finding,
    in_slices,
    sensitive_incidents,
    visible_finding_ids,
)
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/findings", tags=["findings"])
ORDER = ["day", "-probability", "finding_id"]


def query_findings(ws: Workspace, principal: Principal, flt: Filters, page: Page, *,
                   agreement_id: str | None = None, verdict: str | None = None,
                   ) -> tuple[list[dict[str, Any]], int]:
    """A page of findings the principal may see; bbox/datetime/category via the incident."""
    store = ws.store
    where = flt.where(lat=None, lon=None, t_start=None, t_end=None, category=None,
                      party="attributed_party", confidence="probability")
    if agreement_id:
        where["agreement_id"] = agreement_id
    if verdict:
        where["verdict"] = In([v.strip() for v in verdict.split(",")])
    restrict: set[str] | None = visible_finding_ids(store, principal)
    if flt.bbox or flt.time or flt.categories:
        place = Filters(bbox=flt.bbox, time=flt.time, categories=flt.categories)
        if restrict is not None:
            restrict = _placed(store, principal, restrict, place)
        else:
            incidents = [r["incident_id"] for r in store.select(
                "incidents", place.where(), columns=["incident_id"])]
            where["incident_id"] = In(incidents)
    if restrict is not None:
        where["finding_id"] = In(sorted(restrict))
    rows = list(store.select("findings", where, order_by=ORDER, limit=page.limit,
                             offset=page.offset))
    return finding_views(store, rows, principal), store.count("findings", where)


def _placed(store: Store, principal: Principal, visible: set[str], place: Filters) -> set[str]:
    """The ``visible`` findings whose incident matches ``place``, tested at the place the
    principal is shown (blurred for the public). Costs what the caller may see, not what
    the box holds: a public world box once read every incident into memory."""
    pairs = list(in_slices(store, "findings", "finding_id", sorted(visible),
                           columns=["finding_id", "incident_id"]))
    unboxed = Filters(time=place.time, categories=place.categories)
    sensitive = sensitive_incidents(store) if principal.is_public and place.bbox else set()
    hits = {r["incident_id"] for r in in_slices(
        store, "incidents", "incident_id", sorted({p["incident_id"] for p in pairs
                                                   if p["incident_id"]}),
        unboxed.where(), columns=["incident_id", "lat", "lon"])
        if place.bbox is None or shown_in_bbox(r, place.bbox, sensitive)}
    return {p["finding_id"] for p in pairs if p["incident_id"] in hits}


@router.get("", summary="List findings")
def findings_list(request: Request, bbox: str | None = None,
                  datetime: str | None = Query(None, description="of the incident"),
                  category: str | None = None, party: str | None = Query(
                      None, description="attributed party"),
                  min_confidence: float | None = Query(None, description="min probability"),
                  agreement_id: str | None = None, verdict: str | None = None,
                  limit: int | None = None, offset: int | None = None,
                  ws: Workspace = Depends(workspace_of),
                  principal: Principal = Depends(gate("findings.list"))) -> dict[str, Any]:
    page = parse_page(limit, offset)
    flt = Filters.parse(bbox=bbox, datetime_=datetime, category=category, party=party,
                        min_confidence=min_confidence)
    items, matched = query_findings(ws, principal, flt, page, agreement_id=agreement_id,
                                    verdict=verdict)
    return listing(request, items, matched, page)


@router.get("/{finding_id}", summary="One finding")
def findings_get(finding_id: str, ws: Workspace = Depends(workspace_of),
                 principal: Principal = Depends(gate("findings.get"))) -> dict[str, Any]:
    return get_finding(ws.store, principal, finding_id)


@router.get("/{finding_id}/events", summary="Review trail of a finding")
def findings_events(finding_id: str, ws: Workspace = Depends(workspace_of),
                    principal: Principal = Depends(gate("findings.events"))
                    ) -> list[dict[str, Any]]:
    get_finding(ws.store, principal, finding_id)  # 404 unless visible to the principal
    return findings_service.history(ws.store, finding_id)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["confirm", "reject", "dispute"]
    note: str | None = Field(default=None, max_length=20_000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=20_000)


def _act(request: Request, ws: Workspace, principal: Principal, finding_id: str,
         action: str, note: str | None) -> dict[str, Any]:
    get_finding(ws.store, principal, finding_id)
    with request.app.state.write_lock:
        event = findings_service.act(ws, finding_id, action, actor=principal.name,
                                     role=principal.role, note=note, party=principal.party)
    request.app.state.events.poke()
    return event


@router.post("/{finding_id}/review", status_code=201, summary="Confirm, reject or dispute")
def findings_review(finding_id: str, body: ReviewIn, request: Request,
                    ws: Workspace = Depends(workspace_of),
                    principal: Principal = Depends(gate("findings.review"))) -> dict[str, Any]:
    return _act(request, ws, principal, finding_id, body.action, body.note)


@router.post("/{finding_id}/reply", status_code=201, summary="The accused party's reply")
def findings_reply(finding_id: str, body: NoteIn, request: Request,
                   ws: Workspace = Depends(workspace_of),
                   principal: Principal = Depends(gate("findings.reply"))) -> dict[str, Any]:
    return _act(request, ws, principal, finding_id, "reply", body.note)


@router.post("/{finding_id}/publish", status_code=201, summary="Publish a finding")
def findings_publish(finding_id: str, request: Request, body: NoteIn | None = None,
                     ws: Workspace = Depends(workspace_of),
                     principal: Principal = Depends(gate("findings.publish"))
                     ) -> dict[str, Any]:
    return _act(request, ws, principal, finding_id, "publish", body.note if body else None)
