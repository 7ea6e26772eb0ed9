"""Validation rules for incoming reports: pure functions, no files, no database.

A reader turns an outside format into *raw canonical rows* (dicts keyed by the columns of
DESIGN.md's ``reports.csv``, values still text or plain numbers). :class:`ReportValidator`
checks one such row and either returns the normalised ``reports`` table row or raises
:class:`RowInvalid` naming the field and the reason, which the ingest service turns into a
quarantine row. Duplicates and geocoding need the store or a gazetteer, so they are decided
by the service; everything that can be decided from the row alone lives here.

Time rules: ``observed_at`` is ISO 8601 with a UTC offset (``2025-04-19T21:40:00+03:00``,
``...Z``) or a date (``2025-04-19``: day precision, the whole calendar day). A time without
an offset is rejected unless a time zone is given (the workspace's ``workspace.timezone`` or
a reader's documented zone). Stored ``observed_at`` is the UTC instant (``...Z``) or the date.

>>> v = ReportValidator(known_sources={"osce"})
>>> row = v.validate({"report_id": "r1", "source_id": "osce", "category": "shelling",
...                   "observed_at": "2025-04-19T21:40:00+03:00", "lat": "48.0", "lon": "37.8"})
>>> row["observed_at"], row["time_uncertainty_min"]
('2025-04-19T18:40:00Z', 0.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from ceasefire.core.evidence import CATEGORIES, CREDIBILITY_GRADES, TARGET_CLASSES, WEAPON_CLASSES

# Location uncertainty (m) when a point is given without one: a point is taken as reported
# to about a hundred metres; readers that know better (settlement, region) pass their own.
DEFAULT_POINT_UNCERTAINTY_M = 100.0

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2})(:\d{2})?(:\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_CATEGORIES = frozenset(CATEGORIES)
_TARGETS = frozenset(TARGET_CLASSES)
_WEAPONS = frozenset(WEAPON_CLASSES)
_CREDIBILITY = frozenset(CREDIBILITY_GRADES)

#: The columns a raw canonical row may carry (DESIGN.md ``reports.csv``).
REPORT_COLUMNS: tuple[str, ...] = (
    "report_id", "source_id", "observed_at", "time_uncertainty_min", "lat", "lon",
    "location_uncertainty_m", "place", "category", "perpetrator", "target_class",
    "weapon_class", "count", "credibility", "origin_lat", "origin_lon", "event_ref", "text",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("report_id", "source_id", "observed_at", "category")


class RowInvalid(ValueError):
    """One row breaks one rule: ``field`` and ``reason`` go to the quarantine."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class ParsedTime:
    """A normalised ``observed_at``: the stored text, its interval and ± minutes."""

    observed_at: str
    t_start: float
    t_end: float
    uncertainty_min: float


def parse_observed_at(text: str, tz: tzinfo | None = None,
                      uncertainty_min: float | None = None) -> ParsedTime:
    """Parse an ``observed_at`` value; raise :class:`RowInvalid` if it breaks the time rules.

    Default uncertainty comes from the precision written: a date covers its whole day (in
    ``tz``, else UTC), an hour ±30 min, a minute ±1 min, seconds ±0.

    >>> parse_observed_at("2025-04-19").uncertainty_min
    720.0
    >>> parse_observed_at("2025-04-19 21:40")
    Traceback (most recent call last):
    ...
    ceasefire.core.validation.RowInvalid: observed_at: time has no UTC offset (add one, or set workspace.timezone)
    """
    value = text.strip()
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise RowInvalid("observed_at", f"not a valid date: {value!r}") from exc
        start = datetime(day.year, day.month, day.day, tzinfo=tz or UTC).timestamp()
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(),
                               tzinfo=tz or UTC).timestamp()
        if uncertainty_min is None:
            return ParsedTime(value, start, end, (end - start) / 120.0)
        mid = (start + end) / 2
        return ParsedTime(value, mid - uncertainty_min * 60, mid + uncertainty_min * 60,
                          uncertainty_min)
    match = _DATETIME.match(value)
    if not match:
        raise RowInvalid("observed_at", f"not ISO 8601 (date or date-time): {value!r}")
    day_s, hour, minute, second, offset = match.groups()
    iso = f"{day_s}T{hour}{minute or ':00'}{second or ':00'}"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError as exc:
        raise RowInvalid("observed_at", f"not a valid date-time: {value!r}") from exc
    if offset:
        if offset == "Z":
            moment = moment.replace(tzinfo=UTC)
        else:
            sign = 1 if offset[0] == "+" else -1
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if delta > timedelta(hours=14):
                raise RowInvalid("observed_at", f"UTC offset out of range: {offset}")
            moment = moment.replace(tzinfo=_fixed(sign * delta))
    elif tz is not None:
        moment = moment.replace(tzinfo=tz)
    else:
        raise RowInvalid("observed_at",
                         "time has no UTC offset (add one, or set workspace.timezone)")
    if uncertainty_min is None:
        uncertainty_min = 30.0 if minute is None else (1.0 if second is None else 0.0)
    instant = moment.timestamp()
    stored = datetime.fromtimestamp(instant, UTC).isoformat().replace("+00:00", "Z")
    return ParsedTime(stored, instant - uncertainty_min * 60, instant + uncertainty_min * 60,
                      uncertainty_min)


def _fixed(delta: timedelta) -> tzinfo:
    from datetime import timezone

    return timezone(delta)


def check_coordinates(lat: float, lon: float, *, lat_field: str = "lat",
                      lon_field: str = "lon") -> None:
    """Finite WGS84 degrees: latitude within ±90, longitude within ±180."""
    if not math.isfinite(lat) or not -90.0 <= lat <= 90.0:
        raise RowInvalid(lat_field, f"latitude {lat} outside -90..90")
    if not math.isfinite(lon) or not -180.0 <= lon <= 180.0:
        raise RowInvalid(lon_field, f"longitude {lon} outside -180..180")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def _number(row: Mapping[str, Any], field: str) -> float | None:
    value = row.get(field)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError as exc:
            raise RowInvalid(field, f"not a number: {text!r}") from exc
    if not math.isfinite(number):
        raise RowInvalid(field, f"not a finite number: {value!r}")
    return number


def _integer(row: Mapping[str, Any], field: str) -> int | None:
    number = _number(row, field)
    if number is None:
        return None
    if number != int(number):
        raise RowInvalid(field, f"not a whole number: {row.get(field)!r}")
    return int(number)


def _vocab(row: Mapping[str, Any], field: str, allowed: frozenset[str]) -> str | None:
    value = _text(row.get(field))
    if value is not None and value not in allowed:
        raise RowInvalid(field, f"unknown {field} {value!r} (expected one of "
                                f"{', '.join(sorted(allowed))})")
    return value


class ReportValidator:
    """Checks raw canonical rows against the rules of DESIGN.md.

    ``known_sources``: source ids that exist (others are rejected as unknown);
    ``tz``: zone assumed for offset-less times (``None``: reject them).
    """

    def __init__(self, known_sources: Collection[str], tz: tzinfo | None = None) -> None:
        self.known_sources = known_sources
        self.tz = tz
        self._times: dict[tuple[str, float | None], ParsedTime] = {}

    def parse_time(self, text: str, uncertainty_min: float | None) -> ParsedTime:
        # real feeds repeat the same timestamps thousands of times (day-precision news)
        key = (text, uncertainty_min)
        parsed = self._times.get(key)
        if parsed is None:
            if len(self._times) > 200_000:
                self._times.clear()
            parsed = self._times[key] = parse_observed_at(text, self.tz, uncertainty_min)
        return parsed

    def validate(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Return the ``reports`` row (without ledger/ingest columns) or raise RowInvalid.

        A row with a ``place`` and no coordinates comes back with ``lat``/``lon`` ``None``:
        the caller geocodes it.
        """
        report_id = _text(row.get("report_id"))
        if report_id is None:
            raise RowInvalid("report_id", "required field is empty")
        source_id = _text(row.get("source_id"))
        if source_id is None:
            raise RowInvalid("source_id", "required field is empty")
        if source_id not in self.known_sources:
            raise RowInvalid("source_id", f"unknown source {source_id!r} (add it with "
                                          "`ceasefire sources add`)")
        observed = _text(row.get("observed_at"))
        if observed is None:
            raise RowInvalid("observed_at", "required field is empty")
        time_unc = _number(row, "time_uncertainty_min")
        if time_unc is not None and time_unc < 0:
            raise RowInvalid("time_uncertainty_min", "must not be negative")
        parsed = self.parse_time(observed, time_unc)
        category = _text(row.get("category"))
        if category is None:
            raise RowInvalid("category", "required field is empty")
        if category not in _CATEGORIES:
            raise RowInvalid("category", f"unknown category {category!r}")

        lat, lon = _number(row, "lat"), _number(row, "lon")
        place = _text(row.get("place"))
        loc_unc = _number(row, "location_uncertainty_m")
        if loc_unc is not None and loc_unc < 0:
            raise RowInvalid("location_uncertainty_m", "must not be negative")
        if lat is None and lon is None:
            if place is None:
                raise RowInvalid("lat", "no coordinates and no place to geocode")
        elif lat is None or lon is None:
            raise RowInvalid("lat" if lat is None else "lon", "latitude and longitude come "
                                                               "together")
        else:
            check_coordinates(lat, lon)
            if loc_unc is None:
                loc_unc = DEFAULT_POINT_UNCERTAINTY_M
        origin_lat, origin_lon = _number(row, "origin_lat"), _number(row, "origin_lon")
        if (origin_lat is None) != (origin_lon is None):
            raise RowInvalid("origin_lat", "origin_lat and origin_lon come together")
        if origin_lat is not None and origin_lon is not None:
            check_coordinates(origin_lat, origin_lon, lat_field="origin_lat",
                              lon_field="origin_lon")
        count = _integer(row, "count")
        if count is not None and count < 1:
            raise RowInvalid("count", "must be at least 1")
        credibility = _integer(row, "credibility")
        if credibility is not None and credibility not in _CREDIBILITY:
            raise RowInvalid("credibility", "Admiralty credibility is 1..6")
        return {
            "source_id": source_id,
            "report_id": report_id,
            "observed_at": parsed.observed_at,
            "t_start": parsed.t_start,
            "t_end": parsed.t_end,
            "time_uncertainty_min": parsed.uncertainty_min,
            "lat": lat,
            "lon": lon,
            "location_uncertainty_m": loc_unc,
            "place": place,
            "category": category,
            "perpetrator": _text(row.get("perpetrator")),
            "target_class": _vocab(row, "target_class", _TARGETS),
            "weapon_class": _vocab(row, "weapon_class", _WEAPONS),
            "count": count,
            "credibility": credibility,
            "origin_lat": origin_lat,
            "origin_lon": origin_lon,
            "event_ref": _text(row.get("event_ref")),
            "text": _text(row.get("text")),
        }
