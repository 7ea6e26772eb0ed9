"""What the OGC API declares about itself: feature schemas, queryables and its OpenAPI 3.0.

The property types of each collection are declared here once. ``/collections/{id}/schema``
and ``/collections/{id}/queryables`` are JSON Schemas built from them (the collection links
the schema as ``describedby``), so GDAL and QGIS type the fields from the declaration instead
of guessing from the first page (``attribution_probability`` used to become a String when
the first incidents had none). The declaration is per role: the public view has no
``report_ids`` and, for blurred incidents, a ``location_blurred`` flag (web/views.py).

The service description (``/ogc/api``) is an OpenAPI **3.0.3** document, matching the
declared ``oas30`` conformance class, written for the OGC routes only: ``bbox`` is typed as
an array of 4 or 6 numbers, ``limit`` has its maximum, and the only error statuses listed
are the ones the routes send (400, 401, 403, 404), with OGC's ``{code, description}`` body.
"""

from __future__ import annotations

from typing import Any

from ceasefire import __version__
from ceasefire.web.query import DEFAULT_LIMIT, MAX_LIMIT
from ceasefire.web.users import Principal

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_MEDIA = "application/schema+json"

_S: dict[str, Any] = {"type": "string"}
_N: dict[str, Any] = {"type": "number"}
_I: dict[str, Any] = {"type": "integer"}
_B: dict[str, Any] = {"type": "boolean"}
_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
_DAY: dict[str, Any] = {"type": "string", "format": "date"}
#: lists of strings are sent ";"-joined, objects as JSON text (web/ogc.py ``_flat``)
_JSON: dict[str, Any] = {"type": "string", "contentMediaType": "application/json"}

#: property -> JSON Schema type, per collection, in the order features carry them
PROPERTIES: dict[str, dict[str, dict[str, Any]]] = {
    "incidents": {
        "incident_id": _S, "time_start": _TIME, "time_end": _TIME,
        "location_uncertainty_m": _N, "category": _S, "n_reports": _I, "n_origin_groups": _I,
        "confidence": _N, "band": _S, "attributed_party": _S, "attribution_probability": _N,
        "event_probability": _N, "location_blurred": _B, "report_ids": _S, "breakdown": _JSON,
        "attribution_basis": _JSON, "sensitive": _B,
    },
    "findings": {
        "finding_id": _S, "agreement_id": _S, "agreement_version": _I, "provision_id": _S,
        "incident_id": _S, "day": _DAY, "zone_id": _S, "verdict": _S, "probability": _N,
        "attributed_party": _S, "created_at": _TIME, "published": _B, "review_state": _S,
        "replies": _I, "rationale": _JSON, "subject": _JSON,
    },
    "reports": {
        "id": _S, "source_id": _S, "report_id": _S, "observed_at": _S, "t_start": _N,
        "t_end": _N, "time_uncertainty_min": _N, "location_uncertainty_m": _N, "place": _S,
        "category": _S, "perpetrator": _S, "target_class": _S, "weapon_class": _S,
        "count": _I, "credibility": _I, "origin_lat": _N, "origin_lon": _N, "event_ref": _S,
        "text": _S, "evidence_hashes": _S, "sensitive": _B, "extra": _JSON,
        "ingest_file": _S, "ingest_row": _I, "ledger_seq": _I, "event_probability": _N,
        "perpetrator_probability": _N,
    },
    "control_snapshots": {"snapshot_date": _DAY, "side": _S, "source": _S, "area_km2": _N},
}
#: properties only the restricted views carry, and the one only the public view carries
RESTRICTED: dict[str, frozenset[str]] = {
    "incidents": frozenset({"report_ids", "breakdown", "attribution_basis", "sensitive"}),
    "findings": frozenset({"subject"}),
}
PUBLIC_ONLY: dict[str, frozenset[str]] = {"incidents": frozenset({"location_blurred"})}
#: the filters each collection's items take beyond bbox/datetime/limit/offset
FILTERS: dict[str, tuple[str, ...]] = {
    "incidents": ("category", "party", "min_confidence"),
    "findings": ("category", "party", "min_confidence"),
    "reports": ("category", "party"),
    "control_snapshots": (),
}
GEOMETRY: dict[str, str] = {"incidents": "Point", "findings": "Point", "reports": "Point",
                            "control_snapshots": "Polygon or MultiPolygon"}
#: what ``category``, ``party``, ``min_confidence`` and ``datetime`` filter on
QUERYABLE = frozenset({"category", "perpetrator", "attributed_party", "confidence", "probability",
                       "time_start", "time_end", "t_start", "t_end", "snapshot_date"})


def properties(cid: str, principal: Principal) -> dict[str, dict[str, Any]]:
    """The properties of ``cid`` as ``principal`` sees them."""
    hidden = RESTRICTED.get(cid, frozenset()) if principal.is_public else PUBLIC_ONLY.get(
        cid, frozenset())
    return {k: v for k, v in PROPERTIES[cid].items() if k not in hidden}


def feature_schema(cid: str, principal: Principal, url: str) -> dict[str, Any]:
    """The JSON Schema of a GeoJSON feature of ``cid`` (the collection's ``describedby``).

    It describes the whole Feature, its members typed under ``properties``: that is the form
    GDAL's OAPIF driver reads to type the fields. A property may also be ``null`` (unknown);
    the types are kept single (``"number"``, not ``["number", "null"]``) because GDAL reads
    only a single type.
    """
    props = {k: {"title": k, **v} for k, v in properties(cid, principal).items()}
    return {"$schema": JSON_SCHEMA, "$id": url, "title": f"{cid} feature", "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "id": {"type": "string"},
                           "geometry": {"description": GEOMETRY[cid] + " (CRS84), or null"},
                           "properties": {"type": "object", "properties": props}}}


def queryables_schema(cid: str, principal: Principal, url: str) -> dict[str, Any]:
    """The queryables (OGC API Features Part 3 form): the properties a client may filter on
    with this API's parameters, and the geometry for ``bbox``."""
    shown = properties(cid, principal)
    props: dict[str, Any] = {k: {"title": k, **v} for k, v in shown.items()
                             if k in QUERYABLE}
    kind = "geometry-point" if GEOMETRY[cid] == "Point" else "geometry-any"
    props["geometry"] = {"format": kind,
                         "x-ogc-role": "primary-geometry"}
    return {"$schema": JSON_SCHEMA, "$id": url, "title": f"{cid} queryables",
            "type": "object", "properties": props, "additionalProperties": False}


# -- the OpenAPI 3.0 service description ------------------------------------------------------
def _param(name: str, schema: dict[str, Any], description: str, **kw: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **kw}


_PARAMETERS: dict[str, dict[str, Any]] = {
    "bbox": _param("bbox", {"type": "array", "minItems": 4, "maxItems": 6,
                            "items": {"type": "number"}},
                   "minlon,minlat,maxlon,maxlat (CRS84)", style="form", explode=False),
    "datetime": _param("datetime", _S, "an RFC 3339 instant or interval a/b (open end ..)"),
    "limit": _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                              "default": DEFAULT_LIMIT},
                    f"features per page (at most {MAX_LIMIT}; more is capped)"),
    "offset": _param("offset", {"type": "integer", "minimum": 0, "default": 0},
                     "features to skip (the next link carries it)"),
    "f": _param("f", {"type": "string", "enum": ["json", "geojson"]}, "the output format"),
    "crs": _param("crs", {"type": "string", "enum": [CRS84]}, "only CRS84 is served"),
    "bbox-crs": _param("bbox-crs", {"type": "string", "enum": [CRS84]},
                       "only CRS84 is accepted"),
    "category": _param("category", _S, "comma-separated categories"),
    "party": _param("party", _S, "comma-separated party codes"),
    "min_confidence": _param("min_confidence", {"type": "number", "minimum": 0, "maximum": 1},
                             "lowest confidence (probability for findings)"),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _ok(media: str, description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {media: {"schema": {"type": "object"}}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {400: "a bad or unknown query parameter", 401: "an invalid bearer token",
            403: "the role may not read this", 404: "no such feature"}
    return {str(s): {"description": text[s], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/exception"}}}} for s in statuses}


def _get(summary: str, media: str, params: list[dict[str, Any]], *statuses: int,
         ) -> dict[str, Any]:
    get = {"summary": summary, "parameters": params,
           "responses": {"200": _ok(media, summary), **_errors(400, 401, *statuses)}}
    return {"get": get, "head": {**get, "summary": summary + " (headers only)"}}


def openapi_document(server_url: str, collections: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI 3.0.3 document of the OGC API (served at ``/ogc/api``)."""
    f_json = [_ref("f")]
    paths: dict[str, Any] = {
        "/": _get("Landing page", "application/json", f_json),
        "/conformance": _get("Conformance classes", "application/json", f_json),
        "/api": _get("This document", "application/vnd.oai.openapi+json;version=3.0", f_json),
        "/collections": _get("Feature collections", "application/json", f_json),
    }
    for cid, title in collections.items():
        base = f"/collections/{cid}"
        items = [_ref(p) for p in ("bbox", "datetime", "limit", "offset", "f", "crs",
                                   "bbox-crs", *FILTERS[cid])]
        fid = {"name": "featureId", "in": "path", "required": True, "schema": _S}
        paths[base] = _get(f"{title}: metadata", "application/json", f_json, 403, 404)
        paths[f"{base}/queryables"] = _get(f"{cid}: queryables", SCHEMA_MEDIA, f_json, 403)
        paths[f"{base}/schema"] = _get(f"{cid}: feature schema", SCHEMA_MEDIA, f_json, 403)
        paths[f"{base}/items"] = _get(f"{cid}: features", "application/geo+json", items, 403)
        paths[f"{base}/items/{{featureId}}"] = _get(
            f"{cid}: one feature", "application/geo+json", [fid, _ref("f"), _ref("crs")],
            403, 404)
    return {
        "openapi": "3.0.3",
        "info": {"title": "ceasefire monitoring: OGC API – Features", "version": __version__,
                 "description": "Incidents, findings, reports and territorial control. "
                                "Without a bearer token the public view is served."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "parameters": _PARAMETERS,
            "schemas": {"exception": {"type": "object", "required": ["code"], "properties": {
                "code": _S, "description": _S, "field": _S}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
    }
