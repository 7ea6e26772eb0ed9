"""Screening at ingest: the packaged headline model applied to every text-bearing reader's rows.

A reader that carries headlines declares ``screening`` (see :class:`ceasefire.formats.base.Reader`):

* ``"replace"`` (VIINA): the model's category replaces the reader's, because VIINA's tokens
  are a poor guide (docs/scoring.md, "Event screening");
* ``"annotate"`` (VIINA energy screen): the reader's category stays; the model adds what the
  reader does not know.

Either way each row gets ``event_probability``, and, where the reader named none, the
``perpetrator`` the headline makes the actor with ``perpetrator_probability``; an
``energy`` target where the model is sure enough. The context the model reads beside the
headline: VIINA's tokens (from ``extra.labels``) and who held the place that day, from the
workspace's control snapshots when it has any (``outside`` beyond Ukraine's outline).

The model file ships in the package (``ceasefire/data/models/headlines.cfhm``); its SHA-256
names it in every ingest's ledger note.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import shapely

from ceasefire.core.screening import HeadlineContext, HeadlineModel
from ceasefire.services.attribution import ControlCache, held_sides
from ceasefire.services.territory import national_territory
from ceasefire.workspace import Workspace

MODEL_RESOURCE = ("data", "models", "headlines.cfhm")
#: a perpetrator is stored only when the model gives a party at least this probability
PERPETRATOR_MINIMUM = 0.5
#: below this event probability a row gets no energy target from the model
EVENT_MINIMUM = 0.5
#: the energy target is set when P(energy | event) reaches this
ENERGY_MINIMUM = 0.5
SCREENED_COLUMNS = ("event_probability", "perpetrator_probability")


@lru_cache(maxsize=1)
def packaged_model() -> HeadlineModel:
    """The model shipped with the package (built by ``data/labels/build_model.py``)."""
    path = resources.files("ceasefire").joinpath(*MODEL_RESOURCE)
    return HeadlineModel.from_bytes(path.read_bytes())


def _tokens(extra: Any) -> tuple[str, ...]:
    if not extra:
        return ()
    data = json.loads(extra) if isinstance(extra, str) else extra
    labels = data.get("labels") if isinstance(data, dict) else None
    return tuple(labels) if isinstance(labels, list) else ()


class PlaceSides:
    """Who held a point on a day, from the workspace's control snapshots: the latest on or
    before the day, else the earliest (the model was trained so); ``outside`` beyond
    Ukraine's outline, None where the workspace has no snapshot at all."""

    def __init__(self, ws: Workspace) -> None:
        self.cache = ControlCache(ws, earliest=True)

    def held_by(self, day: date, lat: np.ndarray, lon: np.ndarray) -> list[str | None]:
        control = self.cache.control(day)
        if control is None:
            outline = national_territory().outline
            return [None if i else "outside" for i in shapely.contains_xy(outline, lon, lat)]
        return [side or "outside" for side in held_sides(control, lat, lon)]


def contexts_for(sides: PlaceSides, observed: list[str], lat: list[Any], lon: list[Any],
                 extra: list[Any]) -> list[HeadlineContext]:
    """One context per row: VIINA's tokens and the side holding the point that day."""
    held: list[str | None] = [None] * len(observed)
    by_day: dict[date, list[int]] = defaultdict(list)
    for i, when in enumerate(observed):
        if lat[i] is not None and lon[i] is not None and when:
            by_day[date.fromisoformat(str(when)[:10])].append(i)
    for day, idx in by_day.items():
        got = sides.held_by(day, np.array([float(lat[i]) for i in idx]),
                            np.array([float(lon[i]) for i in idx]))
        for i, side in zip(idx, got, strict=True):
            held[i] = side
    return [HeadlineContext(_tokens(extra[i]), held[i]) for i in range(len(observed))]


def screen_columns(columns: dict[str, list[Any]], mode: str, sides: PlaceSides,
                   model: HeadlineModel | None = None) -> dict[str, list[Any]]:
    """The screened columns of one chunk of validated rows (``columns`` as ingest holds them).

    Returns new lists for ``event_probability``, ``perpetrator_probability``, ``category``,
    ``perpetrator`` and ``target_class``; rows without text keep what they had (probability
    None). Each distinct (headline, context) is judged once.
    """
    model = model or packaged_model()
    n = len(columns["text"])
    texts = columns["text"]
    rows = [i for i in range(n) if texts[i]]
    contexts = contexts_for(sides, [columns["observed_at"][i] for i in rows],
                            [columns["lat"][i] for i in rows], [columns["lon"][i] for i in rows],
                            [(columns.get("extra") or [None] * n)[i] for i in rows])
    distinct: dict[tuple[str, HeadlineContext], int] = {}
    keys = []
    for i, ctx in zip(rows, contexts, strict=True):
        key = (texts[i], ctx)
        keys.append(distinct.setdefault(key, len(distinct)))
    judged = model.judge([k[0] for k in distinct], [k[1] for k in distinct])
    out = {
        "event_probability": [None] * n, "perpetrator_probability": [None] * n,
        "category": list(columns["category"]), "perpetrator": list(columns["perpetrator"]),
        "target_class": list(columns["target_class"]),
    }
    for i, k in zip(rows, keys, strict=True):
        j = judged[k]
        out["event_probability"][i] = round(j.event_probability, 4)
        if mode == "replace":
            out["category"][i] = j.category
        if not out["perpetrator"][i]:
            # who acted *if* it happened: a likely non-event keeps it too (it makes no
            # finding), so that the parser's guess never stands in for the model's reading
            party, p = j.perpetrator(PERPETRATOR_MINIMUM)
            if party is not None:
                out["perpetrator"][i] = party
                out["perpetrator_probability"][i] = round(float(p), 4)  # type: ignore[arg-type]
        if (j.event_probability >= EVENT_MINIMUM and j.energy_probability >= ENERGY_MINIMUM
                and out["target_class"][i] in (None, "civilian")):
            out["target_class"][i] = "energy"
    return out
