"""Charts and the offline map, drawn with matplotlib (Agg: no display, no network).

Colours come from the Okabe–Ito palette, which stays distinguishable for colour-blind
readers; bands also differ by marker so colour is never the only cue.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ceasefire.reports.model import MapLayers

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"]
BAND_STYLE: dict[str, tuple[str, str]] = {  # band -> (colour, marker)
    "confirmed": ("#D55E00", "D"),
    "high": ("#E69F00", "o"),
    "moderate": ("#0072B2", "s"),
    "possible": ("#56B4E9", "."),
}
SIDE_COLOUR = {"RU": "#CC79A7", "UA": "#56B4E9"}


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def daily_counts_chart(daily_by_party: Mapping[str, Mapping[str, int]], title: str) -> bytes:
    """Stacked daily bars of violations per party (PNG bytes)."""
    days = sorted({d for counts in daily_by_party.values() for d in counts})
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bottom = [0] * len(days)
    for i, party in enumerate(sorted(daily_by_party)):
        values = [daily_by_party[party].get(d, 0) for d in days]
        ax.bar(range(len(days)), values, bottom=bottom, label=party or "undetermined",
               color=SIDE_COLOUR.get(party, OKABE_ITO[i % len(OKABE_ITO)]), edgecolor="white",
               linewidth=0.3)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = max(1, len(days) // 10)
    ax.set_xticks(range(0, len(days), step), [d[5:] for d in days][::step], fontsize=8)
    ax.set_ylabel("findings (violation or likely)")
    ax.set_title(title, fontsize=10)
    if daily_by_party:
        ax.legend(fontsize=8, title="attributed to", title_fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def territory_chart(series: Sequence[tuple[str, float]], title: str) -> bytes:
    """Occupied area over time (PNG bytes)."""
    fig, ax = plt.subplots(figsize=(8, 3.0))
    if series:
        ax.plot(range(len(series)), [v for _, v in series], color="#CC79A7", marker=".")
        step = max(1, len(series) // 10)
        ax.set_xticks(range(0, len(series), step), [d[5:] for d, _ in series][::step], fontsize=8)
    ax.set_ylabel("occupied area, km²")
    ax.set_title(title, fontsize=10)
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _draw(ax: plt.Axes, geom: BaseGeometry, **style: Any) -> None:
    """Draw a geometry; a ``label`` goes on its first part only (one legend entry).

    ``style`` is ``Any`` like matplotlib's own ``**kwargs``: mixed artist properties
    (colours, widths, labels) passed through to ``fill``/``plot`` unchanged.
    """
    if isinstance(geom, Polygon | MultiPolygon):
        for poly in getattr(geom, "geoms", [geom]):
            x, y = poly.exterior.xy
            ax.fill(x, y, **style)
            style.pop("label", None)
    elif isinstance(geom, LineString | MultiLineString):
        for line in getattr(geom, "geoms", [geom]):
            x, y = line.xy
            ax.plot(x, y, **style)
            style.pop("label", None)
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            _draw(ax, part, **style)


def situation_map(layers: MapLayers, title: str) -> bytes:
    """The offline map: regions, control areas, contact line, gains and incidents (PNG)."""
    fig, ax = plt.subplots(figsize=(9, 6.2))
    for region in layers.regions:
        _draw(ax, region, facecolor="#f4f4f0", edgecolor="#9a9a9a", linewidth=0.4)
    if layers.national is not None and not layers.regions:
        _draw(ax, layers.national, facecolor="#f4f4f0", edgecolor="#666666", linewidth=0.6)
    for side, area in layers.controlled.items():
        _draw(ax, area, facecolor=SIDE_COLOUR.get(side, "#bbbbbb"), alpha=0.35,
              edgecolor="none", label=f"controlled by {side}")
    if layers.gained is not None and not layers.gained.is_empty:
        _draw(ax, layers.gained, facecolor="#D55E00", edgecolor="#D55E00", alpha=0.9,
              label="gained in the period")
    if layers.contact_line is not None:
        _draw(ax, layers.contact_line, color="#000000", linewidth=1.2, label="contact line")
    for band, (colour, marker) in BAND_STYLE.items():
        pts = [(x, y) for x, y, b in layers.incidents if b == band]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=10, c=colour, marker=marker,
                       label=f"{band} ({len(pts)})", linewidths=0, alpha=0.85, zorder=3)
    ax.set_aspect(1 / math.cos(math.radians(48.5)))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title, fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, fontsize=7, loc="lower left", title="legend",
                  title_fontsize=7)
    return _png(fig)
