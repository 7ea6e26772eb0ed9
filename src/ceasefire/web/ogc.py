"""OGC API – Features (Part 1: Core) at ``/ogc``, readable by QGIS and GDAL's OAPIF driver.

Conformance classes: Core, GeoJSON and OpenAPI 3.0. Collections: ``incidents``,
``findings`` (at their incident's location; no geometry for territory/commitment
findings), ``reports`` (never listed for the public; a liaison sees its own) and
``control_snapshots`` (one feature per date × side × source). Items take ``bbox``
(CRS84), ``datetime`` (instant, or interval with open ends ``..``), ``limit`` (default
100, max 10 000) and ``offset``, plus the REST filters ``category``, ``party`` and
``min_confidence`` where they apply; responses carry ``numberMatched``,
``numberReturned`` and ``next``/``prev`` links. Each role sees the same view as in the
REST API (:mod:`ceasefire.web.views`).
"""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import shapely
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from ceasefire.errors import NotFound
from ceasefire.web.access import endpoint
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.query import Filters, Page, iso, page_links, parse_page
from ceasefire.web.routes.findings import query_findings
from ceasefire.web.routes.incidents import query_incidents
from ceasefire.web.users import Principal
from ceasefire.web.views import (
    get_finding,
    get_incident,
    get_report,
    own_reports_where,
    report_view,
)
from ceasefire.workspace import Workspace

GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
COLLECTIONS: dict[str, str] = {
    "incidents": "Incidents: fused events with confidence and attribution",
    "findings": "Findings: incidents assessed against agreement provisions",
    "reports": "Reports: individual source accounts (restricted)",
    "control_snapshots": "Territorial control polygons per date and side",
}

router = APIRouter(prefix="/ogc", tags=["OGC API Features"])


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _json(body: Any, media: str = "application/json") -> JSONResponse:
    return JSONResponse(body, media_type=media)


@router.get("", summary="Landing page")
def landing(request: Request, _: Principal = Depends(gate("ogc.landing"))) -> JSONResponse:
    base = _base(request)
    return _json({
        "title": "ceasefire monitoring: OGC API – Features",
        "description": "Incidents, findings, reports and territorial control",
        "links": [
            {"href": base, "rel": "self", "type": "application/json", "title": "this document"},
            {"href": f"{base}/api", "rel": "service-desc", "type": OPENAPI,
             "title": "API definition"},
            {"href": str(request.base_url) + "docs", "rel": "service-doc",
             "type": "text/html", "title": "API documentation"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json",
             "title": "conformance classes"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json",
             "title": "feature collections"},
        ]})


@router.get("/conformance", summary="Conformance classes")
def conformance(_: Principal = Depends(gate("ogc.conformance"))) -> JSONResponse:
    return _json({"conformsTo": CONFORMANCE})


@router.get("/api", summary="OpenAPI definition (service-desc)")
def api(request: Request, _: Principal = Depends(gate("ogc.api"))) -> JSONResponse:
    app: FastAPI = request.app
    return _json(app.openapi(), OPENAPI)


def _extent(ws: Workspace, cid: str) -> dict[str, Any]:
    store = ws.store
    bbox = [-180.0, -90.0, 180.0, 90.0]
    interval: list[str | None] = [None, None]
    table = {"incidents": "incidents", "findings": "incidents", "reports": "reports"}.get(cid)
    if table:
        lats = [r["lat"] for r in store.select(table, columns=["lat"], order_by=["lat"])
                if r["lat"] is not None]
        if lats:
            lons = sorted(r["lon"] for r in store.select(table, columns=["lon"])
                          if r["lon"] is not None)
            bbox = [lons[0], lats[0], lons[-1], lats[-1]]
            first = next(store.select(table, columns=["t_start"], order_by=["t_start"], limit=1))
            last = next(store.select(table, columns=["t_end"], order_by=["-t_end"], limit=1))
            interval = [iso(first["t_start"]), iso(last["t_end"])]
    else:
        latest = list(store.select("control_snapshots", order_by=["-snapshot_date"], limit=4))
        if latest:
            bounds = [shapely.from_wkb(bytes(r["geometry"])).bounds for r in latest]
            bbox = [min(b[0] for b in bounds), min(b[1] for b in bounds),
                    max(b[2] for b in bounds), max(b[3] for b in bounds)]
            first = next(store.select("control_snapshots", columns=["snapshot_date"],
                                      order_by=["snapshot_date"], limit=1))
            interval = [f"{first['snapshot_date']}T00:00:00Z",
                        f"{latest[0]['snapshot_date']}T23:59:59Z"]
    return {"spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [interval],
                         "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}}


def _collection(request: Request, ws: Workspace, cid: str) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{cid}"
    return {"id": cid, "title": cid.replace("_", " "), "description": COLLECTIONS[cid],
            "itemType": "feature", "crs": [CRS84], "extent": _extent(ws, cid),
            "links": [{"href": base, "rel": "self", "type": "application/json"},
                      {"href": f"{base}/items", "rel": "items", "type": GEOJSON,
                       "title": f"{cid} as GeoJSON"}]}


@router.get("/collections", summary="Feature collections")
def collections(request: Request, ws: Workspace = Depends(workspace_of),
                principal: Principal = Depends(gate("ogc.collections"))) -> JSONResponse:
    visible = [cid for cid in COLLECTIONS
               if endpoint(f"ogc.{cid}.collection").allows(principal.role)]
    base = _base(request)
    return _json({"links": [{"href": f"{base}/collections", "rel": "self",
                             "type": "application/json"}],
                  "collections": [_collection(request, ws, cid) for cid in visible]})


# -- features ---------------------------------------------------------------------------------
def _flat(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ";".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def _point_feature(fid: str, view: dict[str, Any]) -> dict[str, Any]:
    lat, lon = view.get("lat"), view.get("lon")
    geometry = None if lat is None or lon is None else {"type": "Point",
                                                        "coordinates": [lon, lat]}
    props = {k: _flat(v) for k, v in view.items() if k not in ("lat", "lon")}
    return {"type": "Feature", "id": fid, "geometry": geometry, "properties": props}


def _snapshot_feature(row: dict[str, Any]) -> dict[str, Any]:
    fid = f"{row['snapshot_date']}_{row['side']}_{row['source']}"
    geom = shapely.from_wkb(bytes(row["geometry"]))
    return {"type": "Feature", "id": fid, "geometry": shapely.geometry.mapping(geom),
            "properties": {"snapshot_date": row["snapshot_date"], "side": row["side"],
                           "source": row["source"], "area_km2": row["area_km2"]}}


def _snapshot_page(ws: Workspace, flt: Filters, page: Page) -> tuple[list[dict[str, Any]], int]:
    where: dict[str, Any] = {}
    rows = list(ws.store.select("control_snapshots", where or None,
                                order_by=["snapshot_date", "side", "source"]))
    if flt.time:
        start, stop = flt.time
        lo = datetime.fromtimestamp(start, UTC).date().isoformat() if start is not None else ""
        hi = datetime.fromtimestamp(stop, UTC).date().isoformat() if stop is not None else "~"
        rows = [r for r in rows if lo <= r["snapshot_date"] <= hi]
    if flt.bbox:
        box = shapely.box(*flt.bbox)
        rows = [r for r in rows if shapely.from_wkb(bytes(r["geometry"])).intersects(box)]
    return [_snapshot_feature(r) for r in rows[page.offset:page.offset + page.limit]], len(rows)


def _report_page(ws: Workspace, principal: Principal, flt: Filters, page: Page,
                 ) -> tuple[list[dict[str, Any]], int]:
    where = flt.where(party="perpetrator")
    where.update(own_reports_where(principal))
    rows = ws.store.select("reports", where, order_by=["t_start", "source_id", "report_id"],
                           limit=page.limit, offset=page.offset)
    feats = [_point_feature(v["id"], v) for v in (report_view(r) for r in rows)]
    return feats, ws.store.count("reports", where)


def _page(ws: Workspace, principal: Principal, cid: str, flt: Filters, page: Page,
          ) -> tuple[list[dict[str, Any]], int]:
    if cid == "incidents":
        views, n = query_incidents(ws, principal, flt, page)
        return [_point_feature(v["incident_id"], v) for v in views], n
    if cid == "findings":
        views, n = query_findings(ws, principal, flt, page)
        return [_point_feature(v["finding_id"], v) for v in views], n
    if cid == "reports":
        return _report_page(ws, principal, flt, page)
    return _snapshot_page(ws, flt, page)


def _one(ws: Workspace, principal: Principal, cid: str, fid: str) -> dict[str, Any]:
    store = ws.store
    if cid == "incidents":
        return _point_feature(fid, get_incident(store, principal, fid))
    if cid == "findings":
        return _point_feature(fid, get_finding(store, principal, fid))
    if cid == "reports":
        return _point_feature(fid, get_report(store, principal, fid))
    day, _, rest = fid.partition("_")
    side, _, source = rest.partition("_")
    rows = list(store.select("control_snapshots", {"snapshot_date": day, "side": side,
                                                   "source": source}))
    if not rows:
        raise NotFound(f"no feature {fid!r} in control_snapshots")
    return _snapshot_feature(rows[0])


def _routes(cid: str) -> None:
    def collection(request: Request, ws: Workspace = Depends(workspace_of),
                   _: Principal = Depends(gate(f"ogc.{cid}.collection"))) -> JSONResponse:
        return _json(_collection(request, ws, cid))

    def items(request: Request,
              bbox: str | None = Query(None, description="minlon,minlat,maxlon,maxlat"),
              datetime: str | None = Query(None, description="instant or interval a/b, .."),
              limit: int | None = Query(None, ge=1), offset: int | None = Query(None, ge=0),
              category: str | None = None, party: str | None = None,
              min_confidence: float | None = None, ws: Workspace = Depends(workspace_of),
              principal: Principal = Depends(gate(f"ogc.{cid}.items"))) -> JSONResponse:
        page = parse_page(limit, offset)
        flt = Filters.parse(bbox=bbox, datetime_=datetime, category=category, party=party,
                            min_confidence=min_confidence)
        features, matched = _page(ws, principal, cid, flt, page)
        base = f"{_base(request)}/collections/{cid}/items"
        links = page_links(base, dict(request.query_params), page, matched, len(features),
                           GEOJSON)
        links.append({"href": f"{_base(request)}/collections/{cid}", "rel": "collection",
                      "type": "application/json"})
        return _json({"type": "FeatureCollection", "features": features,
                      "numberMatched": matched, "numberReturned": len(features),
                      "timeStamp": datetime_now(), "links": links}, GEOJSON)

    def item(fid: str, request: Request, ws: Workspace = Depends(workspace_of),
             principal: Principal = Depends(gate(f"ogc.{cid}.item"))) -> JSONResponse:
        feature = _one(ws, principal, cid, fid)
        base = f"{_base(request)}/collections/{cid}"
        feature["links"] = [{"href": f"{base}/items/{fid}", "rel": "self", "type": GEOJSON},
                            {"href": base, "rel": "collection", "type": "application/json"}]
        return _json(feature, GEOJSON)

    for path, func, what in (("", collection, "collection"), ("/items", items, "items"),
                             ("/items/{fid}", item, "one feature")):
        func.__name__ = f"ogc_{cid}_{func.__name__}"
        router.add_api_route(f"/collections/{cid}{path}", func, methods=["GET"],
                             summary=f"{cid}: {what}")


def datetime_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


for _cid in COLLECTIONS:
    _routes(_cid)
