"""Benchmark: every shared DeepState snapshot through stats and consecutive change.

For each of the 169 files in ``../shared/data/deepstate`` (sorted by date): read it, clip
the occupied area to the national outline, take its geodesic area and share of Ukraine, and
the gained and lost area against the previous snapshot.

* **reference** — a straightforward GeoPandas loop: ``gpd.read_file``, ``union_all``,
  intersection with the outline, ``Geod.geometry_area_perimeter``, ``difference`` with the
  previous day's clipped geometry both ways;
* **ceasefire** — ``formats.deepstate.read_deepstate`` + ``core.territory.area_series``:
  GEOS parses the file, the first snapshot is clipped in full, and each next one is
  differenced *unclipped* with the previous (clip(A) − clip(B) = clip(A − B)), so only the
  small differences meet the 43,633-vertex coastline; the area is carried forward.

Both run in the same process on the same outline (the bundled Minregion ADM0), one after
the other; both include loading the outline. Run::

    .venv/bin/python bench/bench_territory.py [--repeat 3]

Prints a table; areas must agree within 0.01 % (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEEPSTATE = ROOT.parent / "shared" / "data" / "deepstate"
OUTLINE = ROOT / "src" / "ceasefire" / "data" / "boundaries" / "ukraine_adm0.geojson"


def reference(files: list[Path]) -> list[tuple[float, float, float]]:
    import geopandas as gpd
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    outline = gpd.read_file(OUTLINE).union_all()
    national = abs(geod.geometry_area_perimeter(outline)[0]) / 1e6
    out = []
    prev = None
    for path in files:
        gdf = gpd.read_file(path)
        geom = gdf.union_all()
        clipped = geom.intersection(outline)
        area = abs(geod.geometry_area_perimeter(clipped)[0]) / 1e6
        gained = lost = 0.0
        if prev is not None:
            gained = abs(geod.geometry_area_perimeter(clipped.difference(prev))[0]) / 1e6
            lost = abs(geod.geometry_area_perimeter(prev.difference(clipped))[0]) / 1e6
        out.append((area, gained, lost))
        prev = clipped
    assert national > 0
    return out


def ours(files: list[Path]) -> list[tuple[float, float, float]]:
    from ceasefire.core.territory import area_series
    from ceasefire.formats.deepstate import read_deepstate
    from ceasefire.services import territory as svc

    svc.national_territory.cache_clear()  # loading the outline is part of the run
    land = svc.national_territory()
    records = [read_deepstate(p) for p in files]
    points = area_series(land, [(r.snapshot_date, r.geometry) for r in records])
    return [(p.area_km2, p.gained_km2, p.lost_km2) for p in points]


def timed(fn: Callable[[list[Path]], Any], files: list[Path]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(files)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of ceasefire (best kept)")
    parser.add_argument("--reference-repeat", type=int, default=1)
    args = parser.parse_args()
    files = sorted(DEEPSTATE.glob("deepstatemap_data_*.geojson"))
    if not files:
        print(f"no DeepState files in {DEEPSTATE}", file=sys.stderr)
        return 2
    ref_times, our_times = [], []
    ref = mine = None
    for _ in range(args.reference_repeat):
        t, ref = timed(reference, files)
        ref_times.append(t)
    for _ in range(args.repeat):
        t, mine = timed(ours, files)
        our_times.append(t)
    assert ref is not None and mine is not None
    worst_rel = max(abs(a[0] - b[0]) / b[0] for a, b in zip(mine, ref, strict=True))
    worst_change = max(max(abs(a[1] - b[1]), abs(a[2] - b[2]))
                       for a, b in zip(mine, ref, strict=True))
    t_ref, t_our = min(ref_times), min(our_times)
    n = len(files)
    print(f"{n} DeepState snapshots {files[0].stem[-8:]}..{files[-1].stem[-8:]}: "
          "read, clip to outline, geodesic area + share, change vs previous")
    print(f"{'implementation':<34} {'total s':>8} {'ms/snapshot':>12} {'runs':>5}")
    print(f"{'reference (GeoPandas loop)':<34} {t_ref:>8.2f} {1000 * t_ref / n:>12.1f} "
          f"{len(ref_times):>5}")
    print(f"{'ceasefire (area_series)':<34} {t_our:>8.2f} {1000 * t_our / n:>12.1f} "
          f"{len(our_times):>5}")
    print(f"speed-up (same run): {t_ref / t_our:.1f}x   ceasefire runs: "
          f"{', '.join(f'{t:.2f}' for t in our_times)} s (median "
          f"{statistics.median(our_times):.2f})")
    print(f"largest area difference: {100 * worst_rel:.6f} % (limit 0.01 %); "
          f"largest gained/lost difference: {worst_change:.6f} km²")
    print(f"2025-03-13 area: ceasefire {mine[_index(files, '20250313')][0]:,.2f} km², "
          f"reference {ref[_index(files, '20250313')][0]:,.2f} km²")
    return 0 if worst_rel <= 1e-4 else 1


def _index(files: list[Path], stamp: str) -> int:
    return next(i for i, f in enumerate(files) if stamp in f.name)


if __name__ == "__main__":
    sys.exit(main())
