"""Query parameters shared by REST and OGC routes: bbox, datetime, filters and pages.

``bbox=minlon,minlat,maxlon,maxlat`` (WGS84, OGC order). ``datetime`` is an instant
(``2025-04-19T18:00:00Z``), a date (the whole UTC day) or an interval ``start/end`` whose
ends may be open (``..`` or empty): an item matches when its time interval overlaps.
Bad values raise :class:`~ceasefire.web.errors.QueryError` (400) naming the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ceasefire.core.evidence import CATEGORIES
from ceasefire.store.conditions import Between, Ge, In, Le
from ceasefire.web.errors import QueryError

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# past any table; an offset beyond a 64-bit integer would reach the store and fail there (503)
MAX_OFFSET = 10**12


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse_page(limit: int | None, offset: int | None) -> Page:
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if limit < 1:
        raise QueryError("limit must be at least 1", field="limit")
    if offset < 0:
        raise QueryError("offset must not be negative", field="offset")
    if offset > MAX_OFFSET:
        raise QueryError(f"offset must be at most {MAX_OFFSET}", field="offset")
    return Page(min(limit, MAX_LIMIT), offset)


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    parts = text.split(",")
    if len(parts) == 6:  # 3D bbox: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError as exc:
        raise QueryError(f"bbox must be minlon,minlat,maxlon,maxlat; got {text!r}",
                         field="bbox") from exc
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise QueryError("bbox values must be finite numbers", field="bbox")
    if miny > maxy or not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise QueryError(f"bbox latitudes out of order or range: {text!r}", field="bbox")
    if minx > maxx:
        raise QueryError(f"bbox crossing the antimeridian is not supported: {text!r}",
                         field="bbox")
    if minx <= -180 and miny <= -90 and maxx >= 180 and maxy >= 90:
        # the whole world filters nothing: as no bbox, a page is read in time order from
        # its index instead of every row through the latitude index (issue 18, item 8)
        return None
    return minx, miny, maxx, maxy


def _instant(text: str, *, end: bool) -> float:
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if end:
                moment += timedelta(days=1) - timedelta(microseconds=1)
            return moment.timestamp()
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise QueryError(f"not an RFC 3339 date-time: {value!r}", field="datetime") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_datetime(text: str | None) -> tuple[float | None, float | None] | None:
    """``(start, end)`` epoch seconds (either may be ``None``: open), or ``None``: no filter."""
    if not text:
        return None
    if "/" in text:
        left, _, right = text.partition("/")
        start = None if left in ("", "..") else _instant(left, end=False)
        stop = None if right in ("", "..") else _instant(right, end=True)
        if start is None and stop is None:
            raise QueryError("datetime interval must have at least one end", field="datetime")
        if start is not None and stop is not None and stop < start:
            raise QueryError("datetime interval ends before it starts", field="datetime")
        return start, stop
    return _instant(text, end=False), _instant(text, end=True)


def split_list(text: str | None, *, field_name: str,
               allowed: tuple[str, ...] | None = None) -> list[str] | None:
    if not text:
        return None
    values = [v.strip() for v in text.split(",") if v.strip()]
    if allowed is not None:
        bad = [v for v in values if v not in allowed]
        if bad:
            raise QueryError(f"unknown {field_name} {', '.join(bad)}", field=field_name)
    return values


@dataclass
class Filters:
    """The common filters, turned into a store ``where`` for a table's columns."""

    bbox: tuple[float, float, float, float] | None = None
    time: tuple[float | None, float | None] | None = None
    categories: list[str] | None = None
    parties: list[str] | None = None
    min_confidence: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, *, bbox: str | None = None, datetime_: str | None = None,
              category: str | None = None, party: str | None = None,
              min_confidence: float | None = None) -> Filters:
        if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
            raise QueryError("min_confidence is a probability, 0..1", field="min_confidence")
        return cls(parse_bbox(bbox), parse_datetime(datetime_),
                   split_list(category, field_name="category", allowed=CATEGORIES),
                   split_list(party, field_name="party"), min_confidence)

    def where(self, *, lat: str | None = "lat", lon: str | None = "lon",
              t_start: str | None = "t_start", t_end: str | None = "t_end",
              category: str | None = "category", party: str | None = None,
              confidence: str | None = None) -> dict[str, Any]:
        where: dict[str, Any] = dict(self.extra)
        if self.bbox and lat and lon:
            minx, miny, maxx, maxy = self.bbox
            where[lat] = Between(miny, maxy)
            where[lon] = Between(minx, maxx)
        if self.time and t_start and t_end:
            start, stop = self.time
            if start is not None:
                where[t_end] = Ge(start)
            if stop is not None:
                where[t_start] = Le(stop)
        if self.categories and category:
            where[category] = In(self.categories)
        if self.parties and party:
            where[party] = In(self.parties)
        if self.min_confidence is not None and confidence:
            where[confidence] = Ge(self.min_confidence)
        return where


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def page_links(base: str, params: Mapping[str, Any], page: Page, matched: int,
               returned: int, media: str = "application/json") -> list[dict[str, str]]:
    """``self``/``next``/``prev`` links carrying the same filters."""
    from urllib.parse import urlencode

    def url(offset: int) -> str:
        query = {k: v for k, v in params.items() if v is not None and k not in
                 ("limit", "offset")}
        query.update({"limit": page.limit, "offset": offset})
        return f"{base}?{urlencode(query)}"

    links = [{"href": url(page.offset), "rel": "self", "type": media}]
    if page.offset + returned < matched:
        links.append({"href": url(page.offset + page.limit), "rel": "next", "type": media})
    if page.offset > 0:
        links.append({"href": url(max(0, page.offset - page.limit)), "rel": "prev",
                      "type": media})
    return links
