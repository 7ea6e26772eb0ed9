"""The peer for issue 16: Splink 5 (DuckDB backend), fitted without labels.

Set up as the issue's anchor describes it: custom levels with distance and time normalised
by the declared uncertainties (the same bands as ceasefire's), category (same, family,
other) and a same-source level (without it EM collapses); u from random pairs; the prior
from Splink's own deterministic-rule estimator; m from three EM sessions, each blocked
differently; pairs scored within one-day buckets (and buckets shifted half a day: Splink's
inequality-only blocking would be an O(N²) join); clusters are Splink's connected
components at match probability 0.8. Import fails (and bench_linkage.py leaves Splink out)
when splink is not installed (``pip install 'ceasefire[dev]'``).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI
from splink.internals import comparison_library as cl

from ceasefire.core.evidence import CATEGORIES, CATEGORY_FAMILY
from ceasefire.core.fusion import ReportArrays
from ceasefire.core.linkage import DISTANCE_EDGES, MIN_HALF_WIDTH_S

# {a}/{b}: column suffix/prefix of the two records ("lat_l" in comparisons, "l.lat" in rules)
DISTANCE = ("sqrt(power(({a}lat - {b}lat) * 111195.0, 2) + power(({a}lon - {b}lon) * 111195.0"
            " * cos(radians({a}lat)), 2)) / sqrt({a}u * {a}u + {b}u * {b}u)")
TIME = "abs({a}t - {b}t) / sqrt({a}h * {a}h + {b}h * {b}h)"


def _sql(template: str, rule: bool = False) -> str:
    if rule:
        return template.format(a="l.", b="r.")
    # comparison levels name columns with suffixes: lat_l, lat_r
    out = template.format(a="\x00L", b="\x00R")
    for col in ("lat", "lon", "u", "t", "h"):
        out = out.replace(f"\x00L{col}", f"{col}_l").replace(f"\x00R{col}", f"{col}_r")
    return out


DISTANCE_SQL, TIME_SQL = _sql(DISTANCE), _sql(TIME)
DEBUG = False


def _banded(expr: str, name: str) -> cl.CustomComparison:
    levels: list[dict[str, object]] = [{"sql_condition": f"{expr} < {edge}",
                                        "label_for_charts": f"{name} < {edge}"}
                                       for edge in DISTANCE_EDGES]
    levels.append({"sql_condition": "ELSE", "label_for_charts": f"{name} far"})
    return cl.CustomComparison(levels, output_column_name=name)


def frame(arrays: ReportArrays) -> pd.DataFrame:
    mid = (arrays.t_start + arrays.t_end) / 2
    fam = np.array([CATEGORY_FAMILY[c] for c in CATEGORIES], dtype=object)
    return pd.DataFrame({
        "unique_id": np.arange(len(mid)), "t": mid,
        "h": np.maximum((arrays.t_end - arrays.t_start) / 2, MIN_HALF_WIDTH_S),
        "lat": arrays.lat, "lon": arrays.lon, "u": np.maximum(arrays.uncertainty_m, 100.0),
        "cat": np.array(CATEGORIES, dtype=object)[arrays.category],
        "fam": fam[arrays.category], "source": arrays.source.astype(str),
        "day": np.floor(mid / 86400).astype(np.int64),
        "day2": np.floor((mid + 43200) / 86400).astype(np.int64),
        "cell": (np.floor(arrays.lat / 0.25) * 1000 + np.floor(arrays.lon / 0.25)).astype(
            np.int64)})


def run_splink(arrays: ReportArrays, _reports: pd.DataFrame, threshold: float = 0.8
               ) -> np.ndarray:
    """Incident labels per report (connected components of Splink's pairs at ``threshold``)."""
    df = frame(arrays)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            _banded(DISTANCE_SQL, "distance"), _banded(TIME_SQL, "time"),
            cl.CustomComparison([
                {"sql_condition": "cat_l = cat_r", "label_for_charts": "same"},
                {"sql_condition": "fam_l = fam_r", "label_for_charts": "family"},
                {"sql_condition": "ELSE", "label_for_charts": "other"}],
                output_column_name="category"),
            cl.CustomComparison([
                {"sql_condition": "source_l = source_r", "label_for_charts": "same source"},
                {"sql_condition": "ELSE", "label_for_charts": "other source"}],
                output_column_name="source"),
        ],
        blocking_rules_to_generate_predictions=[block_on("day"), block_on("day2")],
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(df), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [f"l.cat = r.cat and {_sql(TIME, True)} < 0.5 and {_sql(DISTANCE, True)} < 0.5"],
        recall=0.5)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("day", "cell"), block_on("day2", "cell"), block_on("cell", "cat")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, record_sample_proportion=1.0)
    pairs = linker.inference.predict(threshold_match_probability=0.05)
    if DEBUG:
        import json
        model = linker.misc.save_model_to_json()
        print(json.dumps({"prior": model["probability_two_random_records_match"],
                          "levels": [[(lv.get("label_for_charts"), lv.get("m_probability"),
                                       lv.get("u_probability"))
                                      for lv in c["comparison_levels"]]
                                     for c in model["comparisons"]]}, indent=0)[:3000])
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairs, threshold_match_probability=threshold).as_pandas_dataframe()
    cluster_of = dict(zip(clusters["unique_id"], clusters["cluster_id"], strict=True))
    _, labels = np.unique(np.array([str(cluster_of.get(i, f"single{i}"))
                                    for i in range(len(df))]), return_inverse=True)
    return labels.astype(np.int64)
