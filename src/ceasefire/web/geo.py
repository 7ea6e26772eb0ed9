"""Map layers the dashboard draws, as GeoJSON: the contact line, the change in control
since a date, an agreement's zones, and the bundled boundaries as a base map.

Each is computed by the same services the CLI uses (``ceasefire territory contact-line``,
``ceasefire territory change``, assessment's zone resolution), so the map shows exactly what
the reports and findings were judged against. Contact lines and changes cost seconds on a
full DeepState map, so results are cached per workspace and ledger head: any write that
could change them (a snapshot import) moves the head and so misses the cache.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from ceasefire.core.territory import SIDES
from ceasefire.errors import InputError
from ceasefire.formats.control import feature
from ceasefire.record import ledger
from ceasefire.services import territory as territory_service
from ceasefire.services.agreements import get_agreement
from ceasefire.services.assess import resolve_zones
from ceasefire.workspace import Workspace

_CACHE_SIZE = 32
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()


def cached(ws: Workspace, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()`` once per (workspace, ledger head, key); a small LRU across requests."""
    entry = ledger.head(ws.store)
    full = (str(ws.root), entry.seq if entry else None, *key)
    with _cache_lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full]
    value = compute()
    with _cache_lock:
        _cache[full] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def snapshot_dates(ws: Workspace, source: str | None) -> tuple[str, list[str]]:
    """The source the map uses and its snapshot dates (an InputError when there are none)."""
    src = territory_service.pick_source(ws, source)
    return src, territory_service.available_dates(ws, src)


def contact_line_collection(ws: Workspace, day: date | None, source: str | None,
                            ) -> dict[str, Any]:
    """The contact line in force on ``day`` (default: the latest snapshot)."""
    src, dates = snapshot_dates(ws, source)
    if day is None:
        day = date.fromisoformat(dates[-1])

    def compute() -> dict[str, Any]:
        resolved = territory_service.control_on(ws, day, src)
        line = territory_service.contact_line(resolved.control)
        return {"type": "FeatureCollection", "requested": day.isoformat(),
                "snapshot_date": resolved.control.date.isoformat(), "source": src,
                "note": resolved.note, "length_km": round(line.length_km, 3),
                "features": territory_service.contact_line_features(line, src)}

    result: dict[str, Any] = cached(ws, ("contact-line", src, day.isoformat()), compute)
    return result


def change_collection(ws: Workspace, start: date | None, end: date | None,
                      source: str | None, min_km2: float = 0.0) -> dict[str, Any]:
    """Polygons that changed hands between the maps in force on ``start`` and ``end``
    (defaults: the first and the latest snapshot), with each side's gains and losses."""
    src, dates = snapshot_dates(ws, source)
    start = start or date.fromisoformat(dates[0])
    end = end or date.fromisoformat(dates[-1])
    if end < start:
        raise InputError(f"to {end} is before from {start}", field="to")

    def compute() -> dict[str, Any]:
        before = territory_service.control_on(ws, start, src)
        after = territory_service.control_on(ws, end, src)
        change = territory_service.control_change(before.control, after.control,
                                                  min_piece_km2=min_km2)
        sides = {s: {"gained_km2": round(change.gained_km2(s), 4),
                     "lost_km2": round(change.lost_km2(s), 4),
                     "gained_polygons": sum(1 for p in change.pieces if p.side == s)}
                 for s in SIDES}
        return {"type": "FeatureCollection", "from": change.date_from.isoformat(),
                "to": change.date_to.isoformat(), "source": src,
                "notes": [n for n in (before.note, after.note) if n], "sides": sides,
                "features": territory_service.change_features(change)}

    result: dict[str, Any] = cached(
        ws, ("change", src, start.isoformat(), end.isoformat(), min_km2), compute)
    return result


def zones_collection(ws: Workspace, agreement_id: str, day: date | None) -> dict[str, Any]:
    """An agreement's zones resolved on ``day`` (contact-line buffers move with the line).

    Zones without a shape (``anywhere``) are listed with a null geometry, so the map can say
    that the terms apply everywhere rather than draw nothing silently.
    """
    stored = get_agreement(ws, agreement_id, None)
    agreement = stored.agreement
    on = day or agreement.window.start.date()

    def compute() -> dict[str, Any]:
        shapes, notes = resolve_zones(ws, agreement, on)
        features = []
        for zone in agreement.zones:
            shape = shapes.get(zone.id)
            props = {"zone_id": zone.id, "kind": zone.kind, "description": zone.description,
                     "distance_km": zone.distance_km, "side": zone.side}
            if shape is None or shape.is_empty:
                features.append({"type": "Feature", "properties": props, "geometry": None})
            else:
                features.append(feature(shape, props))
        return {"type": "FeatureCollection", "agreement_id": agreement_id,
                "version": stored.version, "date": on.isoformat(), "notes": notes,
                "features": features}

    result: dict[str, Any] = cached(ws, ("zones", agreement_id, stored.version,
                                         on.isoformat()), compute)
    return result


@lru_cache(maxsize=1)
def basemap_bytes() -> bytes:
    """The bundled oblast boundaries as one FeatureCollection (the base map with no tiles).

    Properties are the oblast code and its English and Ukrainian names, so the map can label
    regions in either interface language.
    """
    folder = resources.files("ceasefire") / "data" / "boundaries"
    doc = json.loads((folder / "ukraine_oblasts.geojson").read_text(encoding="utf-8"))
    features = [{"type": "Feature", "properties": {
        "code": f["properties"].get("iso_3166_2"), "name_en": f["properties"].get("name_en"),
        "name_uk": f["properties"].get("name_uk")}, "geometry": f["geometry"]}
        for f in doc["features"]]
    out = {"type": "FeatureCollection", "attribution": "Minregion (CC BY-SA), see "
           "src/ceasefire/data/boundaries/SOURCE.md", "features": features}
    return json.dumps(out, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
