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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
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
#: a party id, as agreements and claims name parties (``UA``, ``RU``)
_PARTY_ID = re.compile(r"[A-Z]{2,3}")
#: longest place name taken to the gazetteer (the longest real settlement names are ~60)
MAX_PLACE_CHARS = 200

#: The columns a raw canonical row may carry (DESIGN.md ``reports.csv``).
REPORT_COLUMNS: tuple[str, ...] = (
    "report_id", "source_id", "observed_at", "time_uncertainty_min", "lat", "lon",
    "location_uncertainty_m", "place", "category", "perpetrator", "target_class",
    "weapon_class", "count", "credibility", "origin_lat", "origin_lon", "event_ref", "text",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("report_id", "source_id", "observed_at", "category")
#: The ``reports`` table columns validation produces (ingest adds the bookkeeping ones).
STORED_COLUMNS: tuple[str, ...] = (
    "source_id", "report_id", "observed_at", "t_start", "t_end", "time_uncertainty_min",
    "lat", "lon", "location_uncertainty_m", "place", "category", "perpetrator",
    "target_class", "weapon_class", "count", "credibility", "origin_lat", "origin_lon",
    "event_ref", "text",
)


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
    >>> try:
    ...     parse_observed_at("2025-04-19 21:40")
    ... except RowInvalid as exc:
    ...     print(exc.field, "-", exc.reason)
    observed_at - time has no UTC offset (add one, or set workspace.timezone)
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
    if tz is not None and not offset and (second is None or "." not in second):
        fast = _local_whole_seconds(value, day_s, hour, minute, second, tz, uncertainty_min)
        if fast is not None:
            return fast
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


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def _day_ordinal(day_s: str) -> int | None:
    try:
        return date.fromisoformat(day_s).toordinal()
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _hour_offset_s(tz: tzinfo, day_s: str, hour: int) -> int | None:
    """UTC offset (s) of ``tz`` at a local hour; ``None`` near a transition (take the slow path)."""
    y, m, d = int(day_s[:4]), int(day_s[5:7]), int(day_s[8:10])
    first = datetime(y, m, d, hour, 0, tzinfo=tz).utcoffset()
    last = datetime(y, m, d, hour, 59, 59, tzinfo=tz).utcoffset()
    if first is None or first != last:
        return None
    return int(first.total_seconds())


def _local_whole_seconds(value: str, day_s: str, hour: str, minute: str | None,
                         second: str | None, tz: tzinfo,
                         uncertainty_min: float | None) -> ParsedTime | None:
    """The common case (offset-less local time, whole seconds) by arithmetic.

    Same result as the general path (tested against it); news feeds carry tens of thousands
    of distinct such timestamps and the datetime round trip dominated their parsing.
    """
    ordinal = _day_ordinal(day_s)
    h = int(hour)
    mi = int(minute[1:]) if minute else 0
    sec = int(second[1:]) if second else 0
    if ordinal is None or h > 23 or mi > 59 or sec > 59:
        return None  # the general path words the error
    offset = _hour_offset_s(tz, day_s, h)
    if offset is None:
        return None
    instant = float((ordinal - _EPOCH_ORDINAL) * 86400 + h * 3600 + mi * 60 + sec - offset)
    if uncertainty_min is None:
        uncertainty_min = 30.0 if minute is None else (1.0 if second is None else 0.0)
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


class _Checker:
    """Validates one batch column by column, remembering the first bad field of each row.

    Fields are checked in a fixed order and a row keeps the first error it gets, so the
    reason a row is quarantined for does not depend on how rows were batched.
    """

    def __init__(self, columns: Mapping[str, Sequence[Any]], n: int) -> None:
        self.columns = columns
        self.n = n
        self.errors: dict[int, RowInvalid] = {}
        self._nones: list[Any] = [None] * n

    def fail(self, i: int, field: str, reason: str) -> None:
        if i not in self.errors:
            self.errors[i] = RowInvalid(field, reason)

    def raw(self, field: str) -> Sequence[Any]:
        values = self.columns.get(field)
        return self._nones if values is None else values

    def texts(self, field: str) -> list[str | None]:
        values = self.columns.get(field)
        if values is None:
            return self._nones  # shared and never written to
        texts = [(v.strip() or None) if type(v) is str else _text(v) for v in values]
        # a NUL can come past the sniffed head of a file, or as a JSON "\u0000"; PostgreSQL
        # refuses it in text, which would fail the whole file or batch. One joined string
        # per column keeps the common case (no NUL) to a single scan.
        if "\x00" in "".join(t for t in texts if t is not None):
            for i, text in enumerate(texts):
                if text is not None and "\x00" in text:
                    self.fail(i, field, "contains a NUL character (binary data?)")
        return texts

    def required(self, field: str) -> list[str | None]:
        values = self.texts(field)
        for i, value in enumerate(values):
            if value is None:
                self.fail(i, field, "required field is empty")
        return values

    def numbers(self, field: str, *, minimum: float | None = None,
                whole: bool = False) -> list[float | None]:
        values = self.columns.get(field)
        if values is None:
            return self._nones
        out: list[float | None] = [None] * self.n
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                if isinstance(value, str) and not value.strip():
                    continue
                self.fail(i, field, f"not a number: {value!r}")
                continue
            # Python's float() also reads "4_8" as 48.0 and other scripts' digits ("٤٨")
            if type(value) is str and ("_" in value or not value.isascii()):
                self.fail(i, field, f"not a number: {value!r}")
                continue
            if number - number != 0.0:
                self.fail(i, field, f"not a finite number: {value!r}")
            elif whole and number != int(number):
                self.fail(i, field, f"not a whole number: {value!r}")
            elif minimum is not None and number < minimum:
                self.fail(i, field, "must not be negative" if minimum == 0
                          else f"must be at least {minimum:g}")
            else:
                out[i] = number
        return out

    def longest(self, field: str, limit: int) -> list[str | None]:
        values = self.texts(field)
        for i, value in enumerate(values):
            if value is not None and len(value) > limit:
                self.fail(i, field, f"longer than {limit} characters ({len(value):,})")
        return values

    def parties(self, field: str) -> list[str | None]:
        values = self.texts(field)
        for i, value in enumerate(values):
            if value is not None and not _PARTY_ID.fullmatch(value):
                self.fail(i, field, f"not a party id: {value[:40]!r} (2 or 3 capital "
                                    "letters, e.g. UA, RU)")
        return values

    def vocab(self, field: str, allowed: frozenset[str]) -> list[str | None]:
        values = self.texts(field)
        for i, value in enumerate(values):
            if value is not None and value not in allowed:
                self.fail(i, field, f"unknown {field} {value!r} (expected one of "
                                    f"{', '.join(sorted(allowed))})")
        return values

    def point(self, lat_field: str, lon_field: str, *, need: list[bool] | None = None,
              ) -> tuple[list[float | None], list[float | None]]:
        lats, lons = self.numbers(lat_field), self.numbers(lon_field)
        for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
            if lat is None and lon is None:
                if need is not None and need[i]:
                    self.fail(i, lat_field, "no coordinates and no place to geocode")
            elif lat is None or lon is None:
                self.fail(i, lat_field if lat is None else lon_field,
                          f"{lat_field} and {lon_field} come together")
            else:
                try:
                    check_coordinates(lat, lon, lat_field=lat_field, lon_field=lon_field)
                except RowInvalid as exc:
                    self.fail(i, exc.field, exc.reason)
        return lats, lons


class ReportValidator:
    """Checks raw canonical rows against the rules of DESIGN.md.

    ``known_sources``: source ids that exist (others are rejected as unknown);
    ``tz``: zone assumed for offset-less times (``None``: reject them).
    Work is done a batch at a time (:meth:`validate_columns`); :meth:`validate` is the
    same rules applied to one row.
    """

    def __init__(self, known_sources: Collection[str], tz: tzinfo | None = None) -> None:
        self.known_sources = known_sources
        self.tz = tz
        self._times: dict[tuple[str, float | None], ParsedTime | RowInvalid] = {}

    def parse_time(self, text: str, uncertainty_min: float | None) -> ParsedTime:
        # real feeds repeat the same timestamps thousands of times (day-precision news)
        key = (text, uncertainty_min)
        parsed = self._times.get(key)
        if parsed is None:
            if len(self._times) > 200_000:
                self._times.clear()
            try:
                parsed = parse_observed_at(text, self.tz, uncertainty_min)
            except RowInvalid as exc:
                parsed = exc
            self._times[key] = parsed
        if isinstance(parsed, RowInvalid):
            raise parsed
        return parsed

    def validate(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Return the ``reports`` row (without ledger/ingest columns) or raise RowInvalid.

        A row with a ``place`` and no coordinates comes back with ``lat``/``lon`` ``None``:
        the caller geocodes it.
        """
        good, bad = self.validate_columns({k: [v] for k, v in row.items()}, 1)
        if bad:
            raise bad[0][1]
        return good[0][1]

    def validate_columns(self, columns: Mapping[str, Sequence[Any]], n: int,
                         ) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, RowInvalid]]]:
        """Validate ``n`` rows given as columns, returning rows.

        Returns ``(good, bad)``: ``(index, reports row)`` for valid rows and
        ``(index, RowInvalid)`` for the others (each row's first bad field), in row order.
        """
        keep, out, bad = self.validate_batch(columns, n)
        names = list(out)
        return [(i, {c: out[c][i] for c in names}) for i in keep], bad

    def validate_batch(self, columns: Mapping[str, Sequence[Any]], n: int,
                       ) -> tuple[list[int], dict[str, list[Any]], list[tuple[int, RowInvalid]]]:
        """Validate ``n`` rows given as columns, returning columns (the fast path of ingest).

        Returns ``(keep, out, bad)``: the indices of valid rows; the ``reports`` columns
        (:data:`STORED_COLUMNS`, each ``n`` long, meaningful at the ``keep`` indices only);
        and ``(index, RowInvalid)`` for the other rows, in row order.
        """
        c = _Checker(columns, n)
        report_id = c.required("report_id")
        source_id = c.required("source_id")
        known = self.known_sources
        for i, sid in enumerate(source_id):
            if sid is not None and sid not in known:
                c.fail(i, "source_id", f"unknown source {sid!r} (add it with "
                                       "`ceasefire sources add`)")
        observed = c.required("observed_at")
        time_unc = c.numbers("time_uncertainty_min", minimum=0)
        times: list[ParsedTime | None] = [None] * n
        for i, written in enumerate(observed):
            if written is not None and i not in c.errors:
                try:
                    times[i] = self.parse_time(written, time_unc[i])
                except RowInvalid as exc:
                    c.fail(i, exc.field, exc.reason)
        category = c.required("category")
        for i, cat in enumerate(category):
            if cat is not None and cat not in _CATEGORIES:
                c.fail(i, "category", f"unknown category {cat!r}")
        place = c.longest("place", MAX_PLACE_CHARS)
        lat, lon = c.point("lat", "lon", need=[p is None for p in place])
        loc_unc = c.numbers("location_uncertainty_m", minimum=0)
        origin_lat, origin_lon = c.point("origin_lat", "origin_lon")
        count = c.numbers("count", minimum=1, whole=True)
        credibility = c.numbers("credibility", whole=True)
        for i, grade in enumerate(credibility):
            if grade is not None and grade not in _CREDIBILITY:
                c.fail(i, "credibility", "Admiralty credibility is 1..6")
        perpetrator = c.parties("perpetrator")
        target = c.vocab("target_class", _TARGETS)
        weapon = c.vocab("weapon_class", _WEAPONS)
        event_ref = c.texts("event_ref")
        text = c.texts("text")

        errors = c.errors
        keep = [i for i in range(n) if i not in errors] if errors else list(range(n))
        parsed = [_NO_TIME if t is None else t for t in times]
        default_unc = [DEFAULT_POINT_UNCERTAINTY_M if u is None and y is not None else u
                       for u, y in zip(loc_unc, lat, strict=True)]
        out: dict[str, list[Any]] = {
            "source_id": source_id,
            "report_id": report_id,
            "observed_at": [p.observed_at for p in parsed],
            "t_start": [p.t_start for p in parsed],
            "t_end": [p.t_end for p in parsed],
            "time_uncertainty_min": [p.uncertainty_min for p in parsed],
            "lat": lat,
            "lon": lon,
            "location_uncertainty_m": default_unc,
            "place": place,
            "category": category,
            "perpetrator": perpetrator,
            "target_class": target,
            "weapon_class": weapon,
            "count": _ints(count),
            "credibility": _ints(credibility),
            "origin_lat": origin_lat,
            "origin_lon": origin_lon,
            "event_ref": event_ref,
            "text": text,
        }
        return keep, out, sorted(errors.items())


_NO_TIME = ParsedTime("", 0.0, 0.0, 0.0)


def _ints(values: list[float | None]) -> list[int | None]:
    if not any(v is not None for v in values):
        return values  # type: ignore[return-value]  # all None: nothing to convert
    return [None if v is None else int(v) for v in values]
