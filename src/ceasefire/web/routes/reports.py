"""``/api/v1/reports``: list and read reports; submit one or a batch (idempotent)."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ceasefire.store.conditions import Eq
from ceasefire.web import submit
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.group_commit import GroupCommit
from ceasefire.web.query import Filters, parse_page
from ceasefire.web.routes import listing
from ceasefire.web.users import Principal
from ceasefire.web.views import get_report, own_reports_where, report_view
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

Number = float | int | str | None


class ReportIn(BaseModel):
    """One report in the canonical columns of DESIGN.md (``reports.csv``), plus ``sensitive``.

    Values are checked by the same rules as ``ceasefire ingest``; ``lat``/``lon`` are needed
    (the API does not geocode place names).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {
        "report_id": "m-0001", "source_id": "osce", "observed_at": "2025-04-19T21:40:00+03:00",
        "lat": 48.02, "lon": 37.80, "location_uncertainty_m": 500, "category": "shelling",
        "perpetrator": "RU", "weapon_class": "artillery", "credibility": 2,
        "text": "Twelve explosions heard 3 km south-east of the patrol.", "sensitive": False}})
    report_id: str = Field(min_length=1, max_length=200)
    source_id: str = Field(min_length=1, max_length=200)
    observed_at: str
    category: str
    time_uncertainty_min: Number = None
    lat: Number = None
    lon: Number = None
    location_uncertainty_m: Number = None
    place: str | None = None
    perpetrator: str | None = None
    target_class: str | None = None
    weapon_class: str | None = None
    count: Number = None
    credibility: Number = None
    origin_lat: Number = None
    origin_lon: Number = None
    event_ref: str | None = None
    text: str | None = Field(default=None, max_length=100_000)
    sensitive: bool = False


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reports: list[ReportIn] = Field(min_length=1, max_length=submit.MAX_BATCH)


@router.get("", summary="List reports")
def reports_list(request: Request, bbox: str | None = None,
                 datetime: str | None = Query(None, description="instant or interval a/b"),
                 category: str | None = None, party: str | None = Query(
                     None, description="perpetrator as claimed, comma-separated"),
                 source_id: str | None = None, limit: int | None = None,
                 offset: int | None = None, ws: Workspace = Depends(workspace_of),
                 principal: Principal = Depends(gate("reports.list"))) -> dict[str, Any]:
    page = parse_page(limit, offset)
    flt = Filters.parse(bbox=bbox, datetime_=datetime, category=category, party=party)
    where = flt.where(party="perpetrator")
    where.update(own_reports_where(principal))
    if source_id:
        where["source_id"] = Eq(source_id)
    rows = ws.store.select("reports", where, order_by=["t_start", "source_id", "report_id"],
                           limit=page.limit, offset=page.offset)
    items = [report_view(r) for r in rows]
    return listing(request, items, ws.store.count("reports", where), page)


@router.get("/{report_gid}", summary="One report (id source_id:report_id)")
def reports_get(report_gid: str, ws: Workspace = Depends(workspace_of),
                principal: Principal = Depends(gate("reports.get"))) -> dict[str, Any]:
    return get_report(ws.store, principal, report_gid)


def _idempotent(request: Request, ws: Workspace, principal: Principal, key: str | None,
                body: Any, reports: list[dict[str, Any]]) -> JSONResponse:
    # The reports and the stored answer commit in ONE transaction: a crash between two
    # commits left reports with no answer, and the client's retry was then told "duplicate"
    # (not the 201 "added" it was owed), as the crash harness in tests/reliability showed.
    # Concurrent submissions share that transaction (group_commit.py); a retried key queued
    # behind its first request gets the first answer.
    digest = None
    if key is not None:
        key = submit.check_key(key)
        digest = submit.request_hash(request.method, request.url.path, body)
    queue: GroupCommit = request.app.state.group_commit
    done = queue.submit(principal, key, digest, reports)
    if done.replayed:
        return JSONResponse(done.body, status_code=done.status,
                            headers={"Idempotent-Replayed": "true"})
    request.app.state.events.poke()
    return JSONResponse(done.body, status_code=done.status)


_KEY = Header(None, alias="Idempotency-Key",
              description="retry-safe key: same key + same body → same response")


@router.post("", status_code=201, summary="Submit one report")
def reports_submit(body: ReportIn, request: Request, idempotency_key: str | None = _KEY,
                   ws: Workspace = Depends(workspace_of),
                   principal: Principal = Depends(gate("reports.submit"))) -> JSONResponse:
    data = body.model_dump(mode="json")
    return _idempotent(request, ws, principal, idempotency_key, data, [data])


@router.post("/batch", status_code=201, summary="Submit a batch of reports (all or nothing)")
def reports_batch(body: BatchIn, request: Request, idempotency_key: str | None = _KEY,
                  ws: Workspace = Depends(workspace_of),
                  principal: Principal = Depends(gate("reports.batch"))) -> JSONResponse:
    data = body.model_dump(mode="json")
    return _idempotent(request, ws, principal, idempotency_key, data, data["reports"])
