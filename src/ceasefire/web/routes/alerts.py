"""``/api/v1/alerts``: saved filters, their Atom feeds and webhook delivery logs."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ceasefire.errors import NotFound
from ceasefire.web import alerts
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.users import Principal
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


class AlertFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="minlon, minlat, maxlon, maxlat")
    polygon: dict[str, Any] | None = Field(default=None,
                                           description="GeoJSON Polygon/MultiPolygon")
    categories: list[str] | None = None
    parties: list[str] | None = Field(default=None, description="attributed party")
    provisions: list[str] | None = Field(default=None,
                                         description="provision ids (findings only)")
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    kinds: list[Literal["incident", "finding"]] | None = None


class AlertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    filter: AlertFilter = AlertFilter()
    webhook_url: str | None = Field(default=None, max_length=2000)


def _owned(ws: Workspace, principal: Principal, alert_id: str) -> dict[str, Any]:
    alert = alerts.get_alert(ws.store, alert_id)
    if principal.role != "admin" and alert["owner"] != principal.name:
        raise NotFound(f"no alert {alert_id!r}")
    return alert


@router.post("", status_code=201, summary="Save an alert (the webhook secret is shown once)")
def alerts_create(body: AlertIn, request: Request, ws: Workspace = Depends(workspace_of),
                  principal: Principal = Depends(gate("alerts.create"))) -> dict[str, Any]:
    with request.app.state.write_lock:
        return alerts.create_alert(ws.store, principal.name, body.name,
                                   body.filter.model_dump(exclude_none=True), body.webhook_url,
                                   allow_private=ws.settings.web.allow_private_webhooks)


@router.get("", summary="List alerts")
def alerts_list(ws: Workspace = Depends(workspace_of),
                principal: Principal = Depends(gate("alerts.list"))) -> list[dict[str, Any]]:
    where = None if principal.role == "admin" else {"owner": principal.name}
    return [alerts.public_alert(r) for r in ws.store.select("alerts", where,
                                                            order_by=["created_at"])]


@router.get("/{alert_id}", summary="One alert")
def alerts_get(alert_id: str, ws: Workspace = Depends(workspace_of),
               principal: Principal = Depends(gate("alerts.get"))) -> dict[str, Any]:
    return alerts.public_alert(_owned(ws, principal, alert_id))


@router.get("/{alert_id}/atom", summary="Atom feed of the alert's matches",
            response_class=Response)
def alerts_feed(alert_id: str, request: Request, ws: Workspace = Depends(workspace_of),
                principal: Principal = Depends(gate("alerts.feed"))) -> Response:
    alert = _owned(ws, principal, alert_id)
    self_url = str(request.url).split("?")[0]
    return Response(alerts.atom_feed(ws.store, alert, self_url),
                    media_type="application/atom+xml")


@router.get("/{alert_id}/deliveries", summary="Webhook delivery log")
def alerts_deliveries(alert_id: str, ws: Workspace = Depends(workspace_of),
                      principal: Principal = Depends(gate("alerts.deliveries"))
                      ) -> list[dict[str, Any]]:
    _owned(ws, principal, alert_id)
    return alerts.deliveries(ws.store, alert_id)


@router.delete("/{alert_id}", status_code=204, response_class=Response,
               summary="Delete an alert, its matches and its delivery log")
def alerts_delete(alert_id: str, request: Request, ws: Workspace = Depends(workspace_of),
                  principal: Principal = Depends(gate("alerts.delete"))) -> Response:
    _owned(ws, principal, alert_id)
    with request.app.state.write_lock:
        alerts.delete_alert(ws.store, alert_id, principal.name)
    return Response(status_code=204)
