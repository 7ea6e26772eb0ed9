"""How well a screening method answers "did it happen, what was it, who did it", on labels.

The measures of issue 15's table (docs/scoring.md, "Event screening"), computed the same way
for every method so they can stand side by side:

* **event screening**: F1 of ``is_event`` at 0.5, and the Brier score of the probability
  (a method that answers 0/1 is scored on those);
* **actor accuracy on events**: over labelled events, the share whose predicted actor
  (``RU``/``UA``/``none``/``unclear``) equals the label; **UA recall**: over events labelled
  UA, the share predicted UA; **wrong side**: the share of all labelled events whose label is
  one party and whose prediction is the other;
* **category macro-F1** over labelled events, averaged over the categories the labels use.

Also the two baselines the model is compared with: VIINA's own tokens, and the rule path the
product used before the model (tokens for screening and category, the headline parser plus
the side holding the place for the actor).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ceasefire.core.actors import parse_actor

#: VIINA tokens that report a kinetic act or its harm (the old screening: any of them = event)
COMBAT_TOKENS = frozenset({"airstrike", "uav", "artillery", "ied", "firefighb", "raid", "armor",
                           "occupy", "control", "retreab", "civcas", "hospital", "property",
                           "aad", "milcas"})


@dataclass(frozen=True)
class Prediction:
    """One method's answer for one headline."""

    event_probability: float
    category: str
    actor: str


@dataclass(frozen=True)
class Scores:
    n: int
    n_events: int
    event_precision: float
    event_recall: float
    event_f1: float
    event_brier: float
    actor_accuracy: float
    ua_recall: float
    wrong_side: float
    category_macro_f1: float

    def as_dict(self) -> dict[str, float]:
        return dict(self.__dict__)


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(labels: Sequence[dict[str, str]], predictions: Sequence[Prediction]) -> Scores:
    """The measures of ``predictions`` against ``labels`` (rows with the corpus columns)."""
    gold = [r["is_event"] == "1" for r in labels]
    said = [p.event_probability >= 0.5 for p in predictions]
    tp = sum(g and s for g, s in zip(gold, said, strict=True))
    fp = sum(s and not g for g, s in zip(gold, said, strict=True))
    fn = sum(g and not s for g, s in zip(gold, said, strict=True))
    precision, recall, f1 = _f1(tp, fp, fn)
    brier = sum((p.event_probability - g) ** 2 for p, g in zip(predictions, gold, strict=True))
    events = [i for i, g in enumerate(gold) if g]
    right = sum(predictions[i].actor == labels[i]["actor"] for i in events)
    ua = [i for i in events if labels[i]["actor"] == "UA"]
    wrong = sum(labels[i]["actor"] in ("RU", "UA") and predictions[i].actor in ("RU", "UA")
                and predictions[i].actor != labels[i]["actor"] for i in events)
    cats = sorted({labels[i]["category"] for i in events})
    per_cat = []
    for c in cats:
        ctp = sum(labels[i]["category"] == c and predictions[i].category == c for i in events)
        cfp = sum(labels[i]["category"] != c and predictions[i].category == c for i in events)
        cfn = sum(labels[i]["category"] == c and predictions[i].category != c for i in events)
        per_cat.append(_f1(ctp, cfp, cfn)[2])
    n_ev = len(events)
    return Scores(len(labels), n_ev, precision, recall, f1, brier / max(len(labels), 1),
                  right / n_ev if n_ev else 0.0,
                  sum(predictions[i].actor == "UA" for i in ua) / len(ua) if ua else 0.0,
                  wrong / n_ev if n_ev else 0.0,
                  sum(per_cat) / len(per_cat) if per_cat else 0.0)


def tokens_of(row: dict[str, str]) -> list[str]:
    return [t for t in row.get("event_type", "").split("|") if t]


def token_prediction(row: dict[str, str], category_of: Callable[[list[str]], str]
                     ) -> Prediction:
    """VIINA's tokens alone: an event when a combat token is present; no actor."""
    tokens = tokens_of(row)
    event = bool(COMBAT_TOKENS.intersection(tokens))
    category = category_of(tokens) if event else "none"
    return Prediction(1.0 if event else 0.0, category, "none")


def rule_prediction(row: dict[str, str], category_of: Callable[[list[str]], str]
                    ) -> Prediction:
    """The rule path before the model: tokens screen and categorise; the headline parser
    names the actor, else a strike on a place held by one side is put on the other."""
    base = token_prediction(row, category_of)
    party = parse_actor(row["headline"]).party
    if party is None and row.get("held_by") in ("UA", "RU"):
        party = "RU" if row["held_by"] == "UA" else "UA"
    elif party is None and row.get("held_by") == "outside":
        party = "UA"
    return Prediction(base.event_probability, base.category, party or "none")
