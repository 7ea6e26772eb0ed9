"""The columns of every export, with their types and HXL hashtags: the one place to add one.

A field is ``(name, kind)``; kinds are ``str``, ``int``, ``float``, ``bool``, ``date``
(``YYYY-MM-DD`` text) and ``time`` (epoch seconds in the rows; an ISO 8601 UTC instant
``…Z`` in text formats, a UTC timestamp in GeoParquet/GeoPackage/FlatGeobuf).

``reports.observed_at`` is always a full UTC instant: the middle of the report's interval,
with ``time_uncertainty_min`` its half-width, and ``observed_precision`` (``day`` for a
report dated only by its day, ``time`` otherwise) in its own column. An export edited in
QGIS or passed through ``ogr2ogr`` therefore has one datetime type throughout and ingests
again with the same interval.
"""

from __future__ import annotations

from ceasefire.core.validation import REPORT_COLUMNS

Field = tuple[str, str]

INCIDENT_FIELDS: tuple[Field, ...] = (
    ("incident_id", "str"), ("report_ids", "str"), ("n_reports", "int"),
    ("n_origin_groups", "int"), ("confidence", "float"), ("band", "str"), ("lat", "float"),
    ("lon", "float"), ("location_uncertainty_m", "float"), ("time_start", "time"),
    ("time_end", "time"), ("category", "str"), ("attributed_party", "str"),
    ("attribution_probability", "float"), ("event_probability", "float"),
)
_REPORT_KINDS = {"observed_at": "time", "time_uncertainty_min": "float", "lat": "float",
                 "lon": "float", "location_uncertainty_m": "float", "count": "int",
                 "credibility": "int", "origin_lat": "float", "origin_lon": "float"}
REPORT_FIELDS: tuple[Field, ...] = (
    *((c, _REPORT_KINDS.get(c, "str")) for c in REPORT_COLUMNS),
    ("observed_precision", "str"), ("global_id", "str"),
    # the judgments: the headline model's (stored at ingest), and the report's incident with
    # its attribution (docs/scoring.md, "Event screening")
    ("event_probability", "float"), ("perpetrator_probability", "float"),
    ("incident_id", "str"), ("attributed_party", "str"), ("attribution_probability", "float"),
)
FINDING_FIELDS: tuple[Field, ...] = (
    ("finding_id", "str"), ("agreement_id", "str"), ("agreement_version", "int"),
    ("provision_id", "str"), ("incident_id", "str"), ("day", "date"), ("zone_id", "str"),
    ("verdict", "str"), ("probability", "float"), ("attributed_party", "str"),
    ("published", "bool"), ("created_at", "str"), ("lat", "float"), ("lon", "float"),
)
SNAPSHOT_FIELDS: tuple[Field, ...] = (
    ("snapshot_date", "date"), ("side", "str"), ("source", "str"), ("area_km2", "float"),
)

#: hashtags the HXL reader (formats/hxl.py) maps back to canonical columns; any other column
#: is tagged ``#meta+<name>``
HXL_TAGS: dict[str, str] = {
    "report_id": "#event+id", "incident_id": "#event+id", "finding_id": "#event+id",
    "observed_at": "#date+occurred", "time_start": "#date+start", "time_end": "#date+end",
    "day": "#date", "snapshot_date": "#date", "lat": "#geo+lat", "lon": "#geo+lon",
    "category": "#event+type", "place": "#loc+name", "text": "#description",
    "source_id": "#meta+source", "perpetrator": "#org+perpetrator",
    "attributed_party": "#org+perpetrator", "side": "#org+controlling",
}


def names(fields: tuple[Field, ...]) -> tuple[str, ...]:
    return tuple(name for name, _ in fields)


def hxl_tag(name: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") or "x"
    return HXL_TAGS.get(name, f"#meta+{cleaned}")
