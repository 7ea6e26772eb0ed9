"""NASA FIRMS active-fire detections (VIIRS and MODIS CSV, and the 3-column extract).

Accepted layouts (column names in any case):

* standard VIIRS: ``latitude, longitude, bright_ti4, scan, track, acq_date, acq_time,
  satellite, instrument, confidence (l/n/h), version, bright_ti5, frp, daynight[, type]``;
* standard MODIS: the same with ``brightness``, ``bright_t31`` and a 0-100 ``confidence``;
* the extract in ``../shared/data/firms_viirs_ukraine``: ``LATITUDE, LONGITUDE, ACQ_DATE``.

A heat detection is not an observed explosion: each becomes a report of category
``explosion`` with a LOW prior, i.e. Admiralty credibility 4 (doubtful) at best: 4 for
high confidence (VIIRS ``h``, MODIS >= 80), 5 (improbable) otherwise. Source ``nasa_firms``
(kind satellite, neutral, reliability B: the sensor is reliable about heat; the doubt is
whether the heat was a strike, and that is carried by the credibility).

Time: ``acq_date`` + ``acq_time`` (HHMM, UTC) with ±360 minutes, because a fire seen at
the overpass may have started hours before; without ``acq_time`` the UTC day (day
precision). Location uncertainty: half the pixel diagonal from ``scan``/``track`` (km),
else the nominal pixel (VIIRS 375 m, MODIS 1 km; the 3-column extract is taken as VIIRS).
``frp``, ``confidence``, brightness, satellite, instrument and day/night go to ``extra``.
report_id: ``f<date>[T<time>]-<lat>-<lon>[-<satellite>]`` as written in the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ceasefire.core.evidence import NEUTRAL, Source, SourceKind
from ceasefire.formats.base import Chunk, Reader, csv_chunks, prepare_csv

SOURCE_ID = "nasa_firms"
OVERPASS_UNCERTAINTY_MIN = 360.0
NOMINAL_PIXEL_KM = {"viirs": 0.375, "modis": 1.0}
EXTRA_COLUMNS = ("frp", "confidence", "brightness", "bright_ti4", "bright_ti5", "bright_t31",
                 "satellite", "instrument", "daynight", "type", "version")


def credibility_for(confidence: str | None) -> int:
    """Admiralty credibility of "this heat was an explosion" from the FIRMS confidence.

    >>> credibility_for("h"), credibility_for("n"), credibility_for("85"), credibility_for(None)
    (4, 5, 4, 5)
    """
    if not confidence:
        return 5
    value = confidence.strip().lower()
    if value in ("h", "high"):
        return 4
    try:
        return 4 if float(value) >= 80 else 5
    except ValueError:
        return 5


def radius_m(scan: str | None, track: str | None, instrument: str) -> float:
    """Half the pixel diagonal in metres (the detection is somewhere in the pixel)."""
    try:
        s, t = float(scan or ""), float(track or "")
    except ValueError:
        s = t = NOMINAL_PIXEL_KM[instrument]
    return round(500.0 * math.hypot(s, t), 1)


class FirmsReader(Reader):
    """Reader for FIRMS CSV (VIIRS, MODIS, and the lat/lon/date extract)."""

    def __init__(self) -> None:
        super().__init__(name="firms", timezone="UTC")

    def sources(self, source_id: str | None) -> list[Source]:
        sid = source_id or SOURCE_ID
        return [Source(sid, "NASA FIRMS active-fire detections (VIIRS/MODIS)",
                       SourceKind.SATELLITE, NEUTRAL, "B", sid)]

    def read(self, path: Path, *, source_id: str | None = None) -> Iterator[Chunk]:
        header, encoding = prepare_csv(path, ("latitude", "longitude", "acq_date"), "FIRMS",
                                       lower=True)
        lower = [h.lower() for h in header]
        instrument = "modis" if ("brightness" in lower or "bright_t31" in lower) else "viirs"
        sid = source_id or SOURCE_ID
        extras = [c for c in EXTRA_COLUMNS if c in lower]

        def mapper(raw: dict[str, list[Any]], n: int) -> dict[str, list[Any]]:
            cols = {h.lower(): v for h, v in raw.items()}
            none: list[Any] = [None] * n
            lat, lon, day = cols["latitude"], cols["longitude"], cols["acq_date"]
            hhmm = cols.get("acq_time", none)
            sat = cols.get("satellite", none)
            scan, track = cols.get("scan", none), cols.get("track", none)
            conf = cols.get("confidence", none)
            observed: list[str] = []
            unc: list[float | None] = []
            ids: list[str] = []
            for i in range(n):
                t = (hhmm[i] or "").strip()
                if t:
                    t = t.zfill(4)
                    observed.append(f"{day[i]}T{t[:2]}:{t[2:4]}Z")
                    unc.append(OVERPASS_UNCERTAINTY_MIN)
                else:
                    observed.append(day[i])
                    unc.append(None)
                ids.append(f"f{day[i]}{'T' + t if t else ''}-{lat[i]}-{lon[i]}"
                           f"{'-' + sat[i] if sat[i] else ''}")
            extra = none
            if extras:
                extra = [json.dumps({c: cols[c][i] for c in extras if cols[c][i]}) or None
                         for i in range(n)]
            return {
                "report_id": ids,
                "source_id": [sid] * n,
                "observed_at": observed,
                "time_uncertainty_min": unc,
                "lat": lat,
                "lon": lon,
                "location_uncertainty_m": [radius_m(scan[i], track[i], instrument)
                                           for i in range(n)],
                "category": ["explosion"] * n,
                "credibility": [credibility_for(c) for c in conf],
                "extra": extra,
            }

        yield from csv_chunks(path, header, encoding, mapper)
