"""The headline model: its file, its answers, its measured floors on the test split, and that
the packaged file is exactly what the documented build command makes from the corpus."""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import pytest

from ceasefire.core.screening import ACTORS, HeadlineContext, HeadlineModel, headline_features
from ceasefire.core.screening_metrics import Prediction, rule_prediction, score, token_prediction
from ceasefire.formats.viina import labels_to_category
from ceasefire.services.screening import MODEL_RESOURCE, packaged_model
from tests.conftest import REPO_ROOT

LABELS = REPO_ROOT / "data" / "labels"
sys.path.insert(0, str(LABELS))


def corpus() -> list[dict[str, str]]:
    with open(LABELS / "viina_headlines.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def model_predictions(rows: list[dict[str, str]]) -> list[Prediction]:
    from build_model import context_of

    judged = packaged_model().judge([r["headline"] for r in rows], [context_of(r) for r in rows])
    return [Prediction(j.event_probability, j.category, j.actor) for j in judged]


def test_corpus_is_what_the_guide_says() -> None:
    rows = corpus()
    assert len(rows) == 5040 and len({r["headline"] for r in rows}) == 5040
    assert {r["split"] for r in rows} == {"train", "dev", "test"}
    share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert 0.12 < share < 0.18
    for r in rows:
        assert r["is_event"] in ("0", "1") and r["actor"] in ACTORS
        assert (r["category"] == "none") == (r["is_event"] == "0")
    years = {r["datetime"][:4] for r in rows}
    assert years == {"2023", "2024", "2025"}
    with open(LABELS / "second_pass.csv", encoding="utf-8", newline="") as fh:
        second = list(csv.DictReader(fh))
    assert len(second) == 150 and {r["label_id"] for r in second} <= {r["label_id"] for r in rows}


def test_file_round_trip_and_bad_magic() -> None:
    model = packaged_model()
    data = (REPO_ROOT / "src" / "ceasefire").joinpath(*MODEL_RESOURCE).read_bytes()
    assert model.sha256 == hashlib.sha256(data).hexdigest()
    assert len(data) < 50 * 1024 * 1024
    with pytest.raises(ValueError, match="magic"):
        HeadlineModel.from_bytes(b"not a model")


def test_answers_are_probabilities_and_the_obvious_cases_hold() -> None:
    model = packaged_model()
    texts = ["Росіяни обстріляли Херсон: двоє загиблих",
             "Новий мерч Клубу УП від Михайла Ткача. Залишилося всього 70 футболок.",
             "США готові визнати Крим російським у межах мирної угоди"]
    strike, merch, politics = model.judge(texts, [HeadlineContext(held_by="UA")] * 3)
    assert strike.event_probability > 0.7 and strike.actor == "RU"
    assert merch.event_probability < 0.3 and politics.event_probability < 0.3
    for j in (strike, merch, politics):
        assert 0 <= j.event_probability <= 1 and 0 <= j.energy_probability <= 1
        assert abs(sum(j.actor_probabilities.values()) - 1) < 1e-6


def test_features_are_deterministic_and_use_the_context() -> None:
    a = headline_features("Вибухи у Бєлгороді", HeadlineContext(("uav",), "outside"))
    assert a == headline_features("Вибухи у Бєлгороді", HeadlineContext(("uav",), "outside"))
    assert "tok:uav" in a and "held:outside" in a and "c:<виб" in a


def test_fast_encoding_reads_exactly_the_features_of_headline_features() -> None:
    """``encode`` caches per word; it must give the vocabulary's indices of
    :func:`headline_features`, headline by headline."""
    model = packaged_model()
    rows = corpus()[:300]
    from build_model import context_of

    contexts = [context_of(r) for r in rows]
    flat, starts = model.encode([r["headline"] for r in rows], contexts)
    for n, (r, ctx) in enumerate(zip(rows, contexts, strict=True)):
        expected = {model.index[f] for f in headline_features(r["headline"], ctx)
                    if f in model.index}
        assert set(flat[starts[n]:starts[n + 1]].tolist()) == expected
        assert starts[n + 1] - starts[n] == len(expected)


def test_floors_on_the_test_split() -> None:
    """Floors a little under the figures measured in bench/RESULTS.md: a worse model fails.
    The test split is only ever read here and by bench/bench_screening.py."""
    test = [r for r in corpus() if r["split"] == "test"]
    model = score(test, model_predictions(test))
    tokens = score(test, [token_prediction(r, labels_to_category) for r in test])
    rules = score(test, [rule_prediction(r, labels_to_category) for r in test])
    assert model.event_f1 >= 0.89 and model.event_brier <= 0.07
    assert model.actor_accuracy >= 0.86 and model.ua_recall >= 0.80
    assert model.wrong_side <= 0.09
    assert model.category_macro_f1 >= 0.50
    assert model.event_f1 > tokens.event_f1 + 0.2
    assert model.actor_accuracy > rules.actor_accuracy


@pytest.mark.slow
def test_packaged_model_is_what_the_build_command_makes(tmp_path: Path) -> None:
    from build_model import main

    out = tmp_path / "headlines.cfhm"
    assert main(["-o", str(out)]) == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == packaged_model().sha256
