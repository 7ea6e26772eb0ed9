"""Exports: stored reports and fused incidents, in the canonical columns of DESIGN.md.

``export reports`` writes the canonical ``reports.csv`` columns (so an export can be ingested
into another workspace as it is: the reader keeps unknown columns in ``extra``), plus
``global_id`` (``source_id:report_id``) and the judgments: the headline model's
``event_probability`` and ``perpetrator_probability``, and the report's incident with its
``attributed_party`` and ``attribution_probability``.
``export incidents`` writes exactly the columns DESIGN.md fixes for other tools:
``incident_id, report_ids, n_reports, n_origin_groups, confidence, band, lat, lon,
location_uncertainty_m, time_start, time_end, category, attributed_party,
attribution_probability``, then ``event_probability`` (the most likely event among the members,
empty where no model read any) (``report_ids`` are ``;``-joined global ids; times ISO 8601 UTC).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ceasefire.core.validation import REPORT_COLUMNS
from ceasefire.errors import InputError
from ceasefire.formats.writers import WRITER_FORMATS, write_rows
from ceasefire.store.base import Store
from ceasefire.store.conditions import In, Where

#: the judgments beside each report: the headline model's, and its incident's attribution
REPORT_JUDGMENT_COLUMNS: tuple[str, ...] = (
    "event_probability", "perpetrator_probability", "incident_id", "attributed_party",
    "attribution_probability")
REPORT_EXPORT_COLUMNS: tuple[str, ...] = (*REPORT_COLUMNS, "global_id", *REPORT_JUDGMENT_COLUMNS)
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id", "report_ids", "n_reports", "n_origin_groups", "confidence", "band", "lat",
    "lon", "location_uncertainty_m", "time_start", "time_end", "category", "attributed_party",
    "attribution_probability", "event_probability",
)
_SLICE = 500


def global_id(source_id: str, report_id: str) -> str:
    return f"{source_id}:{report_id}"


def iso_utc(epoch: float) -> str:
    """Epoch seconds as ISO 8601 UTC (``2025-04-19T18:40:00Z``)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _check_format(format_name: str) -> None:
    if format_name not in WRITER_FORMATS:
        raise InputError(f"unknown export format {format_name!r} (known: "
                         f"{', '.join(WRITER_FORMATS)})", field="--format")


def iter_reports(store: Store, where: Where | None = None) -> Iterator[dict[str, Any]]:
    incident_of = {link["rid"]: link["incident_id"]
                   for link in store.select("incident_reports", columns=["incident_id", "rid"])}
    attribution = {inc["incident_id"]: (inc["attributed_party"], inc["attribution_probability"])
                   for inc in store.select("incidents", columns=[
                       "incident_id", "attributed_party", "attribution_probability"])}
    for row in store.select("reports", where, order_by=["rid"]):
        out = {c: row.get(c) for c in REPORT_COLUMNS}
        out["global_id"] = global_id(row["source_id"], row["report_id"])
        out["event_probability"] = row.get("event_probability")
        out["perpetrator_probability"] = row.get("perpetrator_probability")
        incident = incident_of.get(row["rid"])
        party, probability = attribution.get(incident, (None, None)) if incident else (None, None)
        out["incident_id"], out["attributed_party"] = incident, party
        out["attribution_probability"] = probability
        yield out


def export_reports(store: Store, format_name: str, path: Path,
                   where: Where | None = None) -> int:
    """Write the stored reports; return how many."""
    _check_format(format_name)
    return write_rows(format_name, path, REPORT_EXPORT_COLUMNS, iter_reports(store, where))


def iter_incidents(store: Store) -> Iterator[dict[str, Any]]:
    """Incidents with their member reports as global ids (sorted, so output is stable)."""
    members: dict[str, list[int]] = defaultdict(list)
    for link in store.select("incident_reports", columns=["incident_id", "rid"]):
        members[link["incident_id"]].append(link["rid"])
    rids = sorted({rid for group in members.values() for rid in group})
    gid: dict[int, str] = {}
    for i in range(0, len(rids), _SLICE):
        for row in store.select("reports", {"rid": In(rids[i:i + _SLICE])},
                                columns=["rid", "source_id", "report_id"]):
            gid[row["rid"]] = global_id(row["source_id"], row["report_id"])
    for inc in store.select("incidents", order_by=["t_start", "incident_id"]):
        ids = sorted(gid.get(rid, f"?rid={rid}") for rid in members.get(inc["incident_id"], []))
        yield {
            "incident_id": inc["incident_id"],
            "report_ids": ";".join(ids),
            "n_reports": inc["n_reports"],
            "n_origin_groups": inc["n_origin_groups"],
            "confidence": inc["confidence"],
            "band": inc["band"],
            "lat": inc["lat"],
            "lon": inc["lon"],
            "location_uncertainty_m": inc["location_uncertainty_m"],
            "time_start": iso_utc(inc["t_start"]),
            "time_end": iso_utc(inc["t_end"]),
            "category": inc["category"],
            "attributed_party": inc["attributed_party"],
            "attribution_probability": inc["attribution_probability"],
            "event_probability": inc.get("event_probability"),
        }


def export_incidents(store: Store, format_name: str, path: Path) -> int:
    """Write the fused incidents (filled by ``ceasefire fuse``); return how many."""
    _check_format(format_name)
    return write_rows(format_name, path, INCIDENT_COLUMNS, iter_incidents(store))
