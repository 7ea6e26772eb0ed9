"""Qualifiers of claimed quantities ("nearly", "more than" …) and their documented tolerances.

A claim like "nearly 20 percent" is not a point: it is a band. Each qualifier defines the
band that *supports* the claim and a wider band that *partly supports* it (the claim is off
by a little), relative to the claimed value ``v``; outside both, the claim is contradicted.

| qualifier | supported | partly supported |
|---|---|---|
| nearly (almost, just under, close to) | ``0.85 v ≤ m ≤ v`` | ``0.75 v ≤ m < 0.85 v`` or ``v < m ≤ 1.05 v`` |
| about (around, approximately, roughly) | ``|m − v| ≤ 0.10 v`` | ``|m − v| ≤ 0.20 v`` |
| more_than (over, above) | ``m > v`` | ``m ≥ 0.95 v`` |
| at_least | ``m ≥ v`` | ``m ≥ 0.95 v`` |
| less_than (under, below) | ``m < v`` | ``m ≤ 1.05 v`` |
| at_most (no more than) | ``m ≤ v`` | ``m ≤ 1.05 v`` |
| exactly (a bare number) | ``|m − v| ≤`` half a unit of the last stated digit | ``|m − v| ≤ 0.05 v`` |

"nearly" is one-sided (−15 %, +0 %): "nearly 20 %" claims a little under 20, so 18.6 supports
it and 20.5 only partly. A claim's ``tolerance`` (relative) replaces the supported band's
width: ``nearly`` → ``[(1 − t) v, v]``, ``about`` → ``|m − v| ≤ t v``, ``exactly`` →
``|m − v| ≤ t v``; the partly band stays as documented.

"All of an area" (:class:`~ceasefire.core.claims.ControlAll`) allows ``ALL_TOLERANCE`` (0.5 %)
for digitisation slivers along borders and coasts; at least ``PARTLY_ALL`` (90 %) is "most but
not all" (partly supported).

>>> qualifier_verdict("nearly", 20, 18.6)
('supported', 'within nearly 20 (17–20)')
>>> qualifier_verdict("more_than", 60, 58)[0]
'partly_supported'
"""

from __future__ import annotations

from decimal import Decimal

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
PARTLY_SUPPORTED = "partly_supported"
NOT_VERIFIABLE = "not_verifiable"

ALL_TOLERANCE = 0.005
PARTLY_ALL = 0.90

QUALIFIERS: tuple[str, ...] = ("nearly", "about", "more_than", "at_least", "less_than",
                               "at_most", "exactly")
_ALIASES: dict[str, str] = {
    "nearly": "nearly", "almost": "nearly", "just under": "nearly", "close to": "nearly",
    "about": "about", "around": "about", "approximately": "about", "roughly": "about",
    "some": "about", "more than": "more_than", "over": "more_than", "above": "more_than",
    "at least": "at_least", "less than": "less_than", "under": "less_than",
    "below": "less_than", "fewer than": "less_than", "at most": "at_most",
    "no more than": "at_most", "up to": "at_most", "exactly": "exactly", "": "exactly",
}


def normalise_qualifier(text: str | None) -> str:
    """The canonical qualifier for ``text`` (``"More than"`` → ``more_than``).

    Raises ``ValueError`` naming the known qualifiers for anything else.
    """
    key = (text or "").strip().lower().replace("_", " ")
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"unknown qualifier {text!r}; known: {', '.join(sorted(_ALIASES) [1:])}")


def _half_unit(v: float) -> float:
    """Half a unit of the last digit stated: 20 → 0.5, 18.6 → 0.05."""
    exponent = Decimal(repr(float(v))).normalize().as_tuple().exponent
    return 0.5 * 10.0 ** min(int(exponent), 0)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def qualifier_verdict(qualifier: str, v: float, m: float,
                      tolerance: float | None = None) -> tuple[str, str]:
    """Verdict and reason for a measured ``m`` against "``qualifier`` ``v``"."""
    q = normalise_qualifier(qualifier)
    t = tolerance
    if q == "nearly":
        lo = v * (1 - (0.15 if t is None else t))
        band = f"nearly {_fmt(v)} ({_fmt(lo)}–{_fmt(v)})"
        if lo <= m <= v:
            return SUPPORTED, f"within {band}"
        if v * 0.75 <= m < lo or v < m <= v * 1.05:
            return PARTLY_SUPPORTED, f"close to but outside {band}"
        return CONTRADICTED, f"outside {band}"
    if q in ("about", "exactly"):
        if t is not None:
            width = t * v
        else:
            width = 0.10 * v if q == "about" else _half_unit(v)
        partly = 0.20 * v if q == "about" else 0.05 * v
        band = f"{q} {_fmt(v)} (±{_fmt(width)})"
        if abs(m - v) <= width + 1e-9:
            return SUPPORTED, f"within {band}"
        if abs(m - v) <= max(partly, width):
            return PARTLY_SUPPORTED, f"close to but outside {band}"
        return CONTRADICTED, f"outside {band}"
    if q in ("more_than", "at_least"):
        ok = m > v if q == "more_than" else m >= v
        if ok:
            return SUPPORTED, f"{_fmt(m)} is {q.replace('_', ' ')} {_fmt(v)}"
        if m >= 0.95 * v:
            return PARTLY_SUPPORTED, f"{_fmt(m)} is just short of {_fmt(v)}"
        return CONTRADICTED, f"{_fmt(m)} is well below {_fmt(v)}"
    ok = m < v if q == "less_than" else m <= v
    if ok:
        return SUPPORTED, f"{_fmt(m)} is {q.replace('_', ' ')} {_fmt(v)}"
    if m <= 1.05 * v:
        return PARTLY_SUPPORTED, f"{_fmt(m)} is just above {_fmt(v)}"
    return CONTRADICTED, f"{_fmt(m)} is well above {_fmt(v)}"


def interval_verdict(qualifier: str, v: float, lo: float, hi: float,
                     tolerance: float | None = None) -> tuple[str, str]:
    """The verdict when the measured value is only known to lie in ``[lo, hi]``.

    If both ends give the same verdict it holds for every value between them for these
    band-shaped rules except where a band lies strictly inside ``[lo, hi]``; then, and
    whenever the ends disagree, the data cannot settle the claim.
    """
    at_lo = qualifier_verdict(qualifier, v, lo, tolerance)
    if hi - lo <= 1e-12:
        return at_lo
    at_hi = qualifier_verdict(qualifier, v, hi, tolerance)
    if at_lo[0] == at_hi[0] == SUPPORTED:
        return at_lo
    if at_lo[0] == at_hi[0] and not _band_inside(qualifier, v, lo, hi, tolerance):
        return at_lo
    return NOT_VERIFIABLE, (f"the data leave the value between {_fmt(lo)} and {_fmt(hi)}: "
                            f"{at_lo[1]} at the low end, {at_hi[1]} at the high end")


def _band_inside(qualifier: str, v: float, lo: float, hi: float,
                 tolerance: float | None) -> bool:
    # A supported band strictly between lo and hi (e.g. "about 20" with 10 ≤ m ≤ 40) makes
    # equal end verdicts misleading; probe the claimed value itself.
    return lo < v < hi and qualifier_verdict(qualifier, v, v, tolerance)[0] != \
        qualifier_verdict(qualifier, v, lo, tolerance)[0]


def count_verdict(n: int, low: int, high: int | None, coverage: float,
                  well_covered: float = 0.9) -> tuple[str, str]:
    """Comparable counts: ``n`` evidenced against a claimed ``[low, high]`` (high None = open).

    Within the claimed range (±10 %) supports; above it contradicts; below it, partial
    coverage (< ``well_covered``) makes the evidence a lower bound, and at least half the
    claimed count is near enough: partly supported; otherwise contradicted.
    """
    lo = low * 0.9
    hi = None if high is None else high * 1.1 + 0.5
    if n >= lo and (hi is None or n <= hi):
        return SUPPORTED, "evidence matches the claimed count"
    if hi is not None and n > hi:
        return CONTRADICTED, "evidence exceeds the claimed count"
    if coverage < well_covered or n >= 0.5 * low:
        return PARTLY_SUPPORTED, "fewer evidenced than claimed (evidence is a lower bound)"
    return CONTRADICTED, "far fewer evidenced than claimed in a well-covered window"
