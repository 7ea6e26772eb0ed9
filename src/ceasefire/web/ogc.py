"""OGC API – Features (Part 1: Core) at ``/ogc``, readable by QGIS, GDAL's OAPIF driver and
OWSLib.

Conformance classes: Core, GeoJSON and OpenAPI 3.0 (the service description is OpenAPI
3.0.3: :mod:`ceasefire.web.ogc_schema`). Collections: ``incidents``, ``findings`` (at their
incident's location; no geometry for territory/commitment findings), ``reports`` (never
listed for the public; a liaison sees its own) and ``control_snapshots`` (one feature per
date × side × source, rings wound per RFC 7946 §3.1.6: outer anticlockwise, holes
clockwise). Items take ``bbox`` (CRS84), ``datetime`` (instant, or interval with open ends
``..``), ``limit`` (default 100, max 10 000) and ``offset``, plus the filters ``category``,
``party`` and ``min_confidence`` where they apply; responses carry ``numberMatched``,
``numberReturned`` and ``next``/``prev`` links. Each role sees the same view as in the REST
API (:mod:`ceasefire.web.views`).

Strictness (/req/core/query-param-unknown): a query parameter a route does not declare is
answered with 400, and so are ``f`` other than json/geojson and ``crs``/``bbox-crs`` other
than CRS84 (nothing else is served). Every path answers HEAD as GET without the body, and
carries CORS headers (``Access-Control-Allow-Origin: *``; the bearer header is allowed in
preflights), so a web map on another host can read it. Errors have OGC's body
``{"code", "description"}`` (plus ``field`` when one parameter is to blame).

Collection extents are cached per app and recomputed only when the store has changed: the
cache key is the ledger head (every write is recorded there) and the table's row count.
"""

# ruff: noqa: B008 - Depends()/gate()/File() as parameter defaults is FastAPI's idiom

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import shapely
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from starlette.middleware import Middleware

from ceasefire.errors import NotFound
from ceasefire.store.conditions import Between
from ceasefire.web.access import endpoint
from ceasefire.web.auth import gate, workspace_of
from ceasefire.web.errors import QueryError
from ceasefire.web.ogc_http import OgcProtocol
from ceasefire.web.ogc_schema import (
    CRS84,
    FILTERS,
    SCHEMA_MEDIA,
    feature_schema,
    openapi_document,
    queryables_schema,
)
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
#: the query parameters every route takes, and those every items route adds
_COMMON = ("f",)
_ITEMS = ("bbox", "datetime", "limit", "offset", "crs", "bbox-crs")

router = APIRouter(prefix="/ogc", tags=["OGC API Features"])


def install(app: FastAPI) -> None:
    """Mount the routes, and the HEAD/CORS/error-body middleware (innermost, so the security
    headers of web/security.py still wrap its answers)."""
    app.include_router(router)
    app.user_middleware.append(Middleware(OgcProtocol))


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _json(body: Any, media: str = "application/json") -> JSONResponse:
    return JSONResponse(body, media_type=media)


def check_params(request: Request, allowed: Iterable[str], *,
                 formats: tuple[str, ...] = ("json",)) -> None:
    """400 for a query parameter the route does not declare, or a value it does not serve."""
    known = {*_COMMON, *allowed}
    params = request.query_params
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        raise QueryError(f"unknown query parameter(s): {', '.join(unknown)} (known: "
                         f"{', '.join(sorted(known))})", field=unknown[0])
    if "f" in params and params["f"] not in formats:
        raise QueryError(f"f={params['f']!r} is not served (only {', '.join(formats)})",
                         field="f")
    for name in ("crs", "bbox-crs"):
        if name in params and params[name] != CRS84:
            raise QueryError(f"{name}={params[name]!r} is not supported: only {CRS84}",
                             field=name)


@router.get("", summary="Landing page")
def landing(request: Request, _: Principal = Depends(gate("ogc.landing"))) -> JSONResponse:
    check_params(request, ())
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
def conformance(request: Request,
                _: Principal = Depends(gate("ogc.conformance"))) -> JSONResponse:
    check_params(request, ())
    return _json({"conformsTo": CONFORMANCE})


@router.get("/api", summary="OpenAPI 3.0 definition (service-desc)")
def api(request: Request, _: Principal = Depends(gate("ogc.api"))) -> JSONResponse:
    check_params(request, ())
    return _json(openapi_document(_base(request), COLLECTIONS), OPENAPI)


# -- collections and their cached extents -----------------------------------------------------
def _version(ws: Workspace, table: str) -> tuple[Any, ...]:
    """Changes whenever ``table`` may have: the ledger head and the row count."""
    head = next(ws.store.select("ledger", columns=["seq"], order_by=["-seq"], limit=1), None)
    return (head["seq"] if head else None, ws.store.count(table))


def _edge(ws: Workspace, table: str, column: str, where: dict[str, Any],
          ) -> tuple[Any, Any] | None:
    """The smallest and largest ``column`` among the rows matching ``where`` (two
    ``ORDER BY … LIMIT 1`` reads); ``None`` when no row matches."""
    low = next(ws.store.select(table, where, columns=[column], order_by=[column], limit=1),
               None)
    if low is None:
        return None
    high = next(ws.store.select(table, where, columns=[column], order_by=["-" + column],
                                limit=1))
    return low[column], high[column]


def _compute_extent(ws: Workspace, table: str) -> dict[str, Any]:
    bbox = [-180.0, -90.0, 180.0, 90.0]
    interval: list[str | None] = [None, None]
    if table != "control_snapshots":
        # one condition per read (reports may have no location): a condition on the other
        # column would make SQLite walk the lat index and sort, ~25x slower at 100k rows
        lats = _edge(ws, table, "lat", {"lat": Between(-90.0, 90.0)})
        lons = _edge(ws, table, "lon", {"lon": Between(-180.0, 180.0)})
        if lats and lons:
            bbox = [lons[0], lats[0], lons[1], lats[1]]
        starts, ends = _edge(ws, table, "t_start", {}), _edge(ws, table, "t_end", {})
        if starts and ends:
            interval = [iso(starts[0]), iso(ends[1])]
    else:
        latest = list(ws.store.select(table, order_by=["-snapshot_date"], limit=4))
        if latest:
            bounds = [shapely.from_wkb(bytes(r["geometry"])).bounds for r in latest]
            bbox = [min(b[0] for b in bounds), min(b[1] for b in bounds),
                    max(b[2] for b in bounds), max(b[3] for b in bounds)]
            dates = _edge(ws, table, "snapshot_date", {})
            assert dates is not None
            interval = [f"{dates[0]}T00:00:00Z", f"{dates[1]}T23:59:59Z"]
    return {"spatial": {"bbox": [bbox], "crs": CRS84},
            "temporal": {"interval": [interval],
                         "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}}


def _extent(request: Request, ws: Workspace, cid: str) -> dict[str, Any]:
    """The extent of ``cid``, recomputed only after a write (see the module docstring).
    Findings sit at their incidents: the two collections share the incidents' extent."""
    cache: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = getattr(
        request.app.state, "ogc_extents", None) or {}
    request.app.state.ogc_extents = cache
    table = {"findings": "incidents"}.get(cid, cid)
    version = _version(ws, table)
    hit = cache.get(table)
    if hit is None or hit[0] != version:
        hit = cache[table] = (version, _compute_extent(ws, table))
    return hit[1]


def _collection(request: Request, ws: Workspace, cid: str) -> dict[str, Any]:
    base = f"{_base(request)}/collections/{cid}"
    return {"id": cid, "title": cid.replace("_", " "), "description": COLLECTIONS[cid],
            "itemType": "feature", "crs": [CRS84], "storageCrs": CRS84,
            "extent": _extent(request, ws, cid),
            "links": [{"href": base, "rel": "self", "type": "application/json"},
                      {"href": f"{base}/items", "rel": "items", "type": GEOJSON,
                       "title": f"{cid} as GeoJSON"},
                      {"href": f"{base}/schema", "rel": "describedby", "type": SCHEMA_MEDIA,
                       "title": "the schema of the features"},
                      {"href": f"{base}/queryables",
                       "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                       "type": SCHEMA_MEDIA, "title": "the queryable properties"}]}


@router.get("/collections", summary="Feature collections")
def collections(request: Request, ws: Workspace = Depends(workspace_of),
                principal: Principal = Depends(gate("ogc.collections"))) -> JSONResponse:
    check_params(request, ())
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
    # RFC 7946 §3.1.6: exterior rings anticlockwise, holes clockwise
    geom = shapely.orient_polygons(shapely.from_wkb(bytes(row["geometry"])))
    return {"type": "Feature", "id": fid, "geometry": shapely.geometry.mapping(geom),
            "properties": {"snapshot_date": row["snapshot_date"], "side": row["side"],
                           "source": row["source"], "area_km2": row["area_km2"]}}


def _snapshot_page(ws: Workspace, flt: Filters, page: Page) -> tuple[list[dict[str, Any]], int]:
    rows = list(ws.store.select("control_snapshots",
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
    filters = FILTERS[cid]

    def collection(request: Request, ws: Workspace = Depends(workspace_of),
                   _: Principal = Depends(gate(f"ogc.{cid}.collection"))) -> JSONResponse:
        check_params(request, ())
        return _json(_collection(request, ws, cid))

    def schema(request: Request,
               principal: Principal = Depends(gate(f"ogc.{cid}.schema"))) -> JSONResponse:
        check_params(request, ())
        return _json(feature_schema(cid, principal, str(request.url.remove_query_params("f"))),
                     SCHEMA_MEDIA)

    def queryables(request: Request,
                   principal: Principal = Depends(gate(f"ogc.{cid}.queryables"))
                   ) -> JSONResponse:
        check_params(request, ())
        url = str(request.url.remove_query_params("f"))
        return _json(queryables_schema(cid, principal, url), SCHEMA_MEDIA)

    def items(request: Request,
              bbox: str | None = Query(None, description="minlon,minlat,maxlon,maxlat"),
              datetime: str | None = Query(None, description="instant or interval a/b, .."),
              limit: int | None = Query(None, ge=1), offset: int | None = Query(None, ge=0),
              category: str | None = None, party: str | None = None,
              min_confidence: float | None = None, ws: Workspace = Depends(workspace_of),
              principal: Principal = Depends(gate(f"ogc.{cid}.items"))) -> JSONResponse:
        check_params(request, (*_ITEMS, *filters), formats=("json", "geojson"))
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
        check_params(request, ("crs",), formats=("json", "geojson"))
        feature = _one(ws, principal, cid, fid)
        base = f"{_base(request)}/collections/{cid}"
        feature["links"] = [{"href": f"{base}/items/{fid}", "rel": "self", "type": GEOJSON},
                            {"href": base, "rel": "collection", "type": "application/json"}]
        return _json(feature, GEOJSON)

    for path, func, what in (("", collection, "collection"),
                             ("/schema", schema, "feature schema (JSON Schema)"),
                             ("/queryables", queryables, "queryable properties"),
                             ("/items", items, "items"),
                             ("/items/{fid}", item, "one feature")):
        func.__name__ = f"ogc_{cid}_{func.__name__}"
        router.add_api_route(f"/collections/{cid}{path}", func, methods=["GET"],
                             summary=f"{cid}: {what}")


def datetime_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


for _cid in COLLECTIONS:
    _routes(_cid)
