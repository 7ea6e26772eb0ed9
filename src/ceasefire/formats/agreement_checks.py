"""Cross-reference checks of an agreement file, beyond what its schema can say.

They run on the parsed data even when schema validation failed, so one run reports every
problem at once (an unknown party in ``binds`` AND an end before the start). Each problem
carries the data path it is about; the reader turns paths into lines and field names.

Checked: duplicate ids; parties named in ``binds``, positions, ``party_starts``, access
``beneficiaries`` and buffer ``side``; zone and citation references; a window's end after its
start, and exactly one of ``end``/``duration``; a condition for every conditional position;
GeoJSON zones (the file exists, parses, and holds polygons).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ceasefire.core.agreement import BUFFER_SIDE_BOTH, add_duration, parse_instant

_POLYGONS = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class PathProblem:
    path: tuple[Any, ...]
    message: str


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The mapping items of list ``data[key]`` (skipping what the schema already rejects)."""
    values = data.get(key) if isinstance(data, dict) else None
    if isinstance(values, list):
        for index, item in enumerate(values):
            if isinstance(item, dict):
                yield index, item


def _ids(data: dict[str, Any], key: str, problems: list[PathProblem],
         seen: dict[str, tuple[Any, ...]] | None = None) -> set[str]:
    seen = {} if seen is None else seen
    for index, item in _items(data, key):
        ident = item.get("id")
        if isinstance(ident, str):
            if ident in seen:
                problems.append(PathProblem((key, index, "id"),
                                            f"duplicate id {ident!r} (first at "
                                            f"{_dotted(seen[ident])})"))
            else:
                seen[ident] = (key, index)
    return {i for i in seen if isinstance(i, str)}


def _dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _known(names: set[str]) -> str:
    return ", ".join(sorted(names)) or "none defined"


def check(raw: dict[str, Any], geometries: dict[str, dict[str, Any]],
          base_dir: Path | None) -> list[PathProblem]:
    """Return every cross-reference problem; fill ``geometries`` for GeoJSON zones."""
    problems: list[PathProblem] = []
    actor_seen: dict[str, tuple[Any, ...]] = {}
    parties = _ids(raw, "parties", problems, actor_seen)
    actors = parties | _ids(raw, "mediators", problems, actor_seen)
    zones = _ids(raw, "zones", problems)
    citations = _ids(raw, "sources", problems)
    _ids(raw, "provisions", problems)

    def party_ref(path: tuple[Any, ...], value: Any, what: str = "party") -> None:
        if isinstance(value, str) and value not in actors:
            problems.append(PathProblem(path, f"unknown {what} {value!r} "
                                              f"(known: {_known(actors)})"))

    window = raw.get("window")
    if isinstance(window, dict):
        problems.extend(_window_problems(("window",), window, require_end=True))
        for party in (window.get("party_starts") or {}) if isinstance(
                window.get("party_starts"), dict) else {}:
            party_ref(("window", "party_starts", party), party)

    for index, zone in _items(raw, "zones"):
        path = ("zones", index)
        if zone.get("kind") == "contact_line_buffer" and zone.get("side") != BUFFER_SIDE_BOTH:
            party_ref((*path, "side"), zone.get("side"), "side")
        if zone.get("kind") == "geojson":
            problems.extend(_geojson_zone(path, zone, geometries, base_dir))

    for index, provision in _items(raw, "provisions"):
        path = ("provisions", index)
        binds = provision.get("binds")
        for j, party in enumerate(binds if isinstance(binds, list) else []):
            party_ref((*path, "binds", j), party)
        zone_ref = provision.get("zone")
        if isinstance(zone_ref, str) and zone_ref not in zones:
            problems.append(PathProblem((*path, "zone"), f"unknown zone {zone_ref!r} "
                                                         f"(known: {_known(zones)})"))
        if isinstance(provision.get("window"), dict):
            problems.extend(_window_problems((*path, "window"), provision["window"],
                                             require_end=False))
        beneficiaries = provision.get("beneficiaries")
        for j, party in enumerate(beneficiaries if isinstance(beneficiaries, list) else []):
            party_ref((*path, "beneficiaries", j), party)
        holders: set[str] = set()
        for k, position in _items(provision, "positions"):
            ppath = (*path, "positions", k)
            who = position.get("party")
            party_ref((*ppath, "party"), who)
            if isinstance(who, str):
                if who in holders:
                    problems.append(PathProblem((*ppath, "party"),
                                                f"a second position of {who!r} on this "
                                                "provision (amend the agreement instead)"))
                holders.add(who)
            if position.get("stance") == "conditional" and not position.get("condition"):
                problems.append(PathProblem((*ppath, "condition"),
                                            "a conditional position needs its condition"))
            source = position.get("source")
            if (isinstance(source, str) and source not in citations
                    and not source.startswith(("http://", "https://"))):
                problems.append(PathProblem((*ppath, "source"),
                                            f"unknown source {source!r} (known: "
                                            f"{_known(citations)}; or give a URL)"))
    return problems


def _instant(value: Any) -> Any:
    try:
        return parse_instant(value)
    except ValueError:
        return None  # the schema reports it


def _window_problems(path: tuple[Any, ...], window: dict[str, Any],
                     require_end: bool) -> list[PathProblem]:
    problems = []
    start = _instant(window.get("start"))
    end = _instant(window.get("end")) if window.get("end") is not None else None
    if window.get("end") is not None and window.get("duration") is not None:
        problems.append(PathProblem((*path, "duration"),
                                    "give either end or duration, not both"))
    elif require_end and window.get("end") is None and window.get("duration") is None:
        problems.append(PathProblem(path, "missing end or duration"))
    if start is not None and end is not None and end <= start:
        problems.append(PathProblem((*path, "end"), f"end {window['end']} is not after start "
                                                    f"{window['start']}"))
    parties = window.get("party_starts")
    if isinstance(parties, dict):
        for party, text in parties.items():
            party_start = _instant(text)
            if party_start is None:
                continue
            party_end = end
            if isinstance(window.get("duration"), str):
                try:
                    party_end = add_duration(party_start, window["duration"])
                except ValueError:
                    party_end = None
            if party_end is not None and party_end <= party_start:
                problems.append(PathProblem((*path, "party_starts", party),
                                            f"{party}'s start {text} is not before the end"))
    return problems


def _geojson_zone(path: tuple[Any, ...], zone: dict[str, Any],
                  geometries: dict[str, dict[str, Any]],
                  base_dir: Path | None) -> list[PathProblem]:
    if isinstance(zone.get("geometry"), dict):
        geometry, where = zone["geometry"], (*path, "geometry")
    elif isinstance(zone.get("path"), str):
        where = (*path, "path")
        if base_dir is None:
            return [PathProblem(where, "a GeoJSON path needs the agreement's folder; "
                                       "give the geometry inline")]
        file = base_dir / zone["path"]
        try:
            loaded = json.loads(file.read_text(encoding="utf-8"))
        except OSError:
            return [PathProblem(where, f"GeoJSON file not found: {file}")]
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            return [PathProblem(where, f"not valid GeoJSON ({file}): "
                                       + " ".join(str(exc).split()))]
        geometry = _as_geometry(loaded)
        if geometry is None:
            return [PathProblem(where, f"{file} holds no Polygon or MultiPolygon")]
    else:
        return [PathProblem(path, "a geojson zone needs path or geometry")]
    if not isinstance(geometry, dict) or geometry.get("type") not in _POLYGONS:
        return [PathProblem(where, "the geometry must be a Polygon or MultiPolygon")]
    try:
        from shapely.geometry import shape

        if not shape(geometry).is_valid:
            return [PathProblem(where, "the polygon is not valid (self-intersecting?)")]
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        return [PathProblem(where, "bad polygon coordinates: " + " ".join(str(exc).split()))]
    geometries[str(zone.get("id"))] = geometry
    return []


def _as_geometry(data: Any) -> dict[str, Any] | None:
    """One Polygon/MultiPolygon from a geometry, Feature or FeatureCollection (unioned)."""
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    if kind in _POLYGONS:
        return data
    if kind == "Feature":
        return _as_geometry(data.get("geometry"))
    if kind == "FeatureCollection":
        parts = [_as_geometry(f) for f in data.get("features") or []]
        polygons = [p for p in parts if p is not None]
        if not polygons:
            return None
        if len(polygons) == 1:
            return polygons[0]
        from shapely.geometry import mapping, shape
        from shapely.ops import unary_union

        return dict(mapping(unary_union([shape(p) for p in polygons])))
    return None
