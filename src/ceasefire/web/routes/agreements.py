"""``/api/v1/agreements`` and ``/api/v1/territory``: public texts and control maps."""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

import json
from datetime import date
from typing import Any

import shapely
from fastapi import APIRouter, Depends, Query

from ceasefire.services.agreements import document_text, get_agreement, list_agreements
from ceasefire.services.territory import control_on
from ceasefire.web import geo
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.errors import QueryError
from ceasefire.web.users import Principal
from ceasefire.workspace import Workspace

router = APIRouter(prefix="/api/v1", tags=["agreements", "territory"])


@router.get("/agreements", summary="List agreements", tags=["agreements"])
def agreements_list(ws: Workspace = Depends(workspace_of),
                    _: Principal = Depends(gate("agreements.list"))) -> list[dict[str, Any]]:
    return list_agreements(ws)


@router.get("/agreements/{agreement_id}", summary="One agreement", tags=["agreements"])
def agreements_get(agreement_id: str, version: int | None = None,
                   ws: Workspace = Depends(workspace_of),
                   _: Principal = Depends(gate("agreements.get"))) -> dict[str, Any]:
    stored = get_agreement(ws, agreement_id, version)
    return {"agreement_id": agreement_id, "version": stored.version,
            "versions": list(stored.versions), "effective_at": stored.effective_at,
            "ledger_seq": stored.ledger_seq,
            "document": json.loads(document_text(stored.agreement))}


@router.get("/agreements/{agreement_id}/zones", summary="An agreement's zones (GeoJSON)",
            tags=["agreements"])
def agreements_zones(agreement_id: str, on: str | None = Query(
                         None, alias="date", description="YYYY-MM-DD, for contact-line "
                         "buffers (default: the day the agreement starts)"),
                     ws: Workspace = Depends(workspace_of),
                     _: Principal = Depends(gate("agreements.zones"))) -> dict[str, Any]:
    return geo.zones_collection(ws, agreement_id, _day(on, "date"))


@router.get("/territory/snapshots", summary="Control snapshots", tags=["territory"])
def territory_snapshots(source: str | None = None, ws: Workspace = Depends(workspace_of),
                        _: Principal = Depends(gate("territory.snapshots"))
                        ) -> list[dict[str, Any]]:
    where = {"source": source} if source else None
    return list(ws.store.select("control_snapshots", where,
                                columns=["snapshot_date", "side", "source", "area_km2",
                                         "ledger_seq"],
                                order_by=["source", "snapshot_date", "side"]))


@router.get("/territory/control", summary="Control polygons on a date (GeoJSON)",
            tags=["territory"])
def territory_control(on: str = Query(..., alias="date", description="YYYY-MM-DD"),
                      source: str | None = None, ws: Workspace = Depends(workspace_of),
                      _: Principal = Depends(gate("territory.control"))) -> dict[str, Any]:
    try:
        day = date.fromisoformat(on)
    except ValueError as exc:
        raise QueryError(f"date must be YYYY-MM-DD, got {on!r}", field="date") from exc
    resolved = control_on(ws, day, source)
    found = resolved.control.date.isoformat()
    features = [{
        "type": "Feature", "id": f"{r['snapshot_date']}_{r['side']}_{r['source']}",
        "geometry": shapely.geometry.mapping(shapely.from_wkb(bytes(r["geometry"]))),
        "properties": {"snapshot_date": r["snapshot_date"], "side": r["side"],
                       "source": r["source"], "area_km2": r["area_km2"]},
    } for r in ws.store.select("control_snapshots", {"source": resolved.control.source,
                                                     "snapshot_date": found})]
    return {"type": "FeatureCollection", "requested": on, "snapshot_date": found,
            "note": resolved.note, "features": features}


@router.get("/territory/contact-line", summary="The contact line on a date (GeoJSON)",
            tags=["territory"])
def territory_contact_line(on: str | None = Query(
                               None, alias="date", description="YYYY-MM-DD (default: latest)"),
                           source: str | None = None, ws: Workspace = Depends(workspace_of),
                           _: Principal = Depends(gate("territory.contact_line"))
                           ) -> dict[str, Any]:
    return geo.contact_line_collection(ws, _day(on, "date"), source)


@router.get("/territory/change", summary="Areas that changed hands between two dates (GeoJSON)",
            tags=["territory"])
def territory_change(start: str | None = Query(
                         None, alias="from", description="YYYY-MM-DD (default: first snapshot)"),
                     end: str | None = Query(
                         None, alias="to", description="YYYY-MM-DD (default: latest)"),
                     min_km2: float = Query(0.0, ge=0.0, description="leave out smaller pieces"),
                     source: str | None = None, ws: Workspace = Depends(workspace_of),
                     _: Principal = Depends(gate("territory.change"))) -> dict[str, Any]:
    return geo.change_collection(ws, _day(start, "from"), _day(end, "to"), source, min_km2)


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"{name} must be YYYY-MM-DD, got {text!r}", field=name) from exc
