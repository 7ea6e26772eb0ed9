"""The 2025 truce windows, and reading the free-text periods that claims cover.

Parties state what their counts cover in words: "past 24 h", "since 2025-03-18",
"2025-04-19 18:00 MSK .. morning 2025-04-20 (<24 h)". :func:`parse_period` turns the forms
used in ``claimed_violations_2025_truces.csv`` into an aware ``[start, end)`` window:

| form | window |
|---|---|
| ``A .. B`` (dates, optional ``HH:MM``) | A (00:00 if no time) to B (end of day if no time); ``24:00`` = next day 00:00; ``B`` may be a bare time (same day as A) |
| ``… .. morning D`` | to D 09:00 (approximate) |
| ``since A`` | A to the end of the statement date |
| ``past 24 h`` / ``past day`` | the statement date's previous day, 00:00–24:00 (approximate) |
| ``night D1/D2`` | D1 18:00 to D2 06:00 (approximate) |

Times are local: Moscow time when the text says ``MSK``, else the claimant's clock —
``Europe/Kyiv`` for UA (+02:00, +03:00 from 30 March 2025), ``Europe/Moscow`` for RU.
Parenthesised remarks and the words "whole truce" are ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
KYIV = ZoneInfo("Europe/Kyiv")
CLOCKS = {"UA": KYIV, "RU": MOSCOW}

# Truce windows (INDEX.md of ../shared/data): the energy moratorium counted from 18 March
# (Russian reckoning; Ukraine counts from 25 March) for 30 days; Easter and May in MSK.
TRUCES: dict[str, tuple[datetime, datetime]] = {
    "energy_moratorium": (datetime(2025, 3, 18, tzinfo=MOSCOW),
                          datetime(2025, 4, 18, tzinfo=MOSCOW)),
    "easter_truce": (datetime(2025, 4, 19, 18, 0, tzinfo=MOSCOW),
                     datetime(2025, 4, 21, 0, 0, tzinfo=MOSCOW)),
    "may_truce": (datetime(2025, 5, 8, tzinfo=MOSCOW), datetime(2025, 5, 11, tzinfo=MOSCOW)),
}

_DATE = r"(\d{4}-\d{2}-\d{2})"
_TIME = r"(\d{1,2}:\d{2})"
_RANGE = re.compile(
    rf"{_DATE}(?:\s+{_TIME})?\s*\.\.\s*(morning\s+)?(?:{_DATE})?\s*(?:{_TIME})?")
_SINCE = re.compile(rf"since\s+{_DATE}(?:\s+{_TIME})?")
_PAST = re.compile(r"past\s+(?:24\s*h|day|24\s*hours)")
_NIGHT = re.compile(rf"night\s+{_DATE}/(\d{{1,2}})")
MORNING = time(9, 0)


def _at(day: date, hhmm: str | None, tz: ZoneInfo, *, end: bool = False) -> datetime:
    if hhmm is None:
        return datetime.combine(day + timedelta(days=1) if end else day, time(0), tz)
    h, m = (int(x) for x in hhmm.split(":"))
    if h == 24 and m == 0:
        return datetime.combine(day + timedelta(days=1), time(0), tz)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"not a time of day: {hhmm!r}")
    return datetime.combine(day, time(h, m), tz)


def parse_period(text: str, stated: date, *, claimant_side: str,
                 ) -> tuple[datetime, datetime, bool]:
    """``(start, end, approximate)`` for ``text`` stated on ``stated``; ``ValueError`` if unread.

    >>> s, e, approx = parse_period("2025-04-19 18:00 .. 2025-04-20 24:00", date(2025, 4, 21),
    ...                             claimant_side="UA")
    >>> s.isoformat(), e.isoformat(), approx
    ('2025-04-19T18:00:00+03:00', '2025-04-21T00:00:00+03:00', False)
    """
    raw = text
    t = re.sub(r"\([^)]*\)", " ", text.lower())
    tz = MOSCOW if "msk" in t else CLOCKS.get(claimant_side, MOSCOW)
    t = re.sub(r"\bmsk\b|\bwhole truce\b", " ", t)
    t = " ".join(t.split())
    if not t:
        raise ValueError("empty period")
    try:
        if m := _RANGE.fullmatch(t):
            d1, t1, morning, d2, t2 = m.groups()
            start = _at(date.fromisoformat(d1), t1, tz)
            day2 = date.fromisoformat(d2) if d2 else date.fromisoformat(d1)
            if morning:
                end = datetime.combine(day2, MORNING, tz)
            elif d2 is None and t2 is None:
                raise ValueError("no end")
            else:
                end = _at(day2, t2, tz, end=True)
            approximate = bool(morning)
        elif m := _SINCE.fullmatch(t):
            start = _at(date.fromisoformat(m.group(1)), m.group(2), tz)
            end, approximate = _at(stated, None, tz, end=True), False
        elif _PAST.fullmatch(t):
            start = _at(stated - timedelta(days=1), None, tz)
            end, approximate = _at(stated, None, tz), True
        elif m := _NIGHT.fullmatch(t):
            d1 = date.fromisoformat(m.group(1))
            d2 = d1.replace(day=int(m.group(2)))
            start = datetime.combine(d1, time(18, 0), tz)
            end, approximate = datetime.combine(d2, time(6, 0), tz), True
        else:
            raise ValueError("unknown form")
    except ValueError as exc:
        raise ValueError(f"cannot read the period {raw!r} ({exc}); use 'A .. B', "
                         "'since A', 'past 24 h' or 'night D1/D2'") from None
    if end <= start:
        raise ValueError(f"the period {raw!r} ends before it starts")
    return start, end, approximate
