"""Exports: stored reports and fused incidents, in the canonical columns of DESIGN.md.

``export reports`` writes the canonical ``reports.csv`` columns (so an export can be ingested
into another workspace as it is), plus ``global_id`` (``source_id:report_id``).
``export incidents`` writes exactly the columns DESIGN.md fixes for other tools:
``incident_id, report_ids, n_reports, n_origin_groups, confidence, band, lat, lon,
location_uncertainty_m, time_start, time_end, category, attributed_party,
attribution_probability`` (``report_ids`` are ``;``-joined global ids; times ISO 8601 UTC).
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

REPORT_EXPORT_COLUMNS: tuple[str, ...] = (*REPORT_COLUMNS, "global_id")
INCIDENT_COLUMNS: tuple[str, ...] = (
    "incident_id", "report_ids", "n_reports", "n_origin_groups", "confidence", "band", "lat",
    "lon", "location_uncertainty_m", "time_start", "time_end", "category", "attributed_party",
    "attribution_probability",
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
    for row in store.select("reports", where, order_by=["rid"]):
        out = {c: row.get(c) for c in REPORT_COLUMNS}
        out["global_id"] = global_id(row["source_id"], row["report_id"])
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
        }


def export_incidents(store: Store, format_name: str, path: Path) -> int:
    """Write the fused incidents (filled by ``ceasefire fuse``); return how many."""
    _check_format(format_name)
    return write_rows(format_name, path, INCIDENT_COLUMNS, iter_incidents(store))
