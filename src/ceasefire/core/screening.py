"""Event screening and attribution of news headlines: did it happen, what was it, who did it.

A :class:`HeadlineModel` reads one headline (with the few facts a reader would use beside it)
and gives four calibrated answers, each learned from headlines labelled by reading
(``data/labels/viina_headlines.csv``, guide in ``docs/labelling.md``):

* ``event_probability``: the headline reports a specific physical conflict event that
  happened (not a statement, a forecast, a foiled plan, politics, sport …);
* ``category``: which kind of event (DESIGN.md's vocabulary), with its probability;
* ``actor``: the side that carried out the act (``RU``, ``UA``, ``none``, ``unclear``);
* ``energy_probability``: the event hit energy infrastructure (given that it is an event).

The model is four linear heads over one sparse feature set (:func:`headline_features`):
word unigrams, five-letter stems and stem bigrams (Ukrainian and Russian inflect heavily, and
a fixed-length stem is a lemma that costs nothing), character 4-grams of each word, VIINA's
tokens as features (never as truth), the headline's language, and the side that held the
place on that date where control maps are known. The actor head does not use the character
n-grams (on dev they cost it accuracy), and the rule parser's cues
(:func:`ceasefire.core.actors.parse_actor`) were dropped once the corpus reached 5,040
headlines: on dev they no longer helped, and they cost half the reading time. Each head's scores are calibrated by a fitted temperature (see
``data/labels/build_model.py``). Inference is plain numpy: gather the weight rows of the
features and add them up, so a headline costs a few dozen dictionary look-ups.

This module does no I/O: :meth:`HeadlineModel.from_bytes` takes the model file's bytes, and
:mod:`ceasefire.services.screening` finds the packaged file.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

#: The file's first bytes; the version changes when the feature set does.
MAGIC = b"CFHM1\n"
EVENT, CATEGORY, ACTOR, ENERGY = "event", "category", "actor", "energy"
HEADS = (EVENT, CATEGORY, ACTOR, ENERGY)
ACTORS = ("RU", "UA", "none", "unclear")
STEM = 5
#: character n-grams of each word (with ``<``/``>`` at its ends): inflections and compounds
CHARS = 4
_WORD = re.compile(r"[\w'-]+")
_APOSTROPHES = str.maketrans({"ʼ": "'", "’": "'", "`": "'", "ʹ": "'", "′": "'"})
_RU_LETTERS = re.compile(r"[ыэъё]")
_UK_LETTERS = re.compile(r"[іїєґ]")


@dataclass(frozen=True)
class HeadlineContext:
    """What a reader knows beside the headline: VIINA's tokens and who held the place.

    ``held_by`` is ``UA``/``RU`` from the control map of that date, ``outside`` for a point
    beyond Ukraine's outline (inside Russia, mostly), or None when it is not known.
    """

    tokens: tuple[str, ...] = ()
    held_by: str | None = None


@dataclass(frozen=True)
class Judgment:
    """The model's answers for one headline."""

    event_probability: float
    category: str
    category_probability: float
    actor_probabilities: dict[str, float]
    energy_probability: float

    @property
    def actor(self) -> str:
        return max(self.actor_probabilities, key=lambda a: self.actor_probabilities[a])

    def perpetrator(self, minimum: float = 0.5) -> tuple[str | None, float | None]:
        """The party (``RU``/``UA``) the headline makes the actor, with its probability, or
        ``(None, None)`` when no party reaches ``minimum``."""
        party = max(("RU", "UA"), key=lambda a: self.actor_probabilities[a])
        p = self.actor_probabilities[party]
        return (party, p) if p >= minimum else (None, None)


def normalise(headline: str) -> str:
    return headline.translate(_APOSTROPHES).lower()


def word_features(word: str) -> list[str]:
    """The features one word gives wherever it stands: itself, its stem, its 4-grams."""
    feats = ["w:" + word]
    if len(word) > STEM:
        feats.append("s:" + word[:STEM])
    marked = "<" + word + ">"
    feats.extend("c:" + marked[i:i + CHARS] for i in range(len(marked) - CHARS + 1))
    return feats


def _bigrams(words: list[str]) -> list[str]:
    """Stem bigrams: the features two neighbouring words give together."""
    return ["b:" + a[:STEM] + "_" + b[:STEM] for a, b in pairwise(words)]


def _language(text: str) -> str:
    return ("lang:ru" if _RU_LETTERS.search(text) else
            ("lang:uk" if _UK_LETTERS.search(text) else "lang:?"))


def _context_features(context: HeadlineContext) -> list[str]:
    feats = ["tok:" + t for t in context.tokens] if context.tokens else ["tok:none"]
    feats.append("held:" + (context.held_by or "unknown"))
    return feats


def headline_features(headline: str, context: HeadlineContext = HeadlineContext()
                      ) -> list[str]:
    """The feature names of one headline (duplicates removed, order kept).

    >>> headline_features("Росіяни обстріляли Херсон")[:4]
    ['w:росіяни', 's:росія', 'c:<рос', 'c:росі']
    """
    text = normalise(headline)
    words = _WORD.findall(text)
    feats: list[str] = []
    for w in words:
        feats.extend(word_features(w))
    feats.extend(_bigrams(words))
    feats.append(_language(text))
    feats.extend(_context_features(context))
    return list(dict.fromkeys(feats))


@dataclass(frozen=True)
class _Head:
    classes: tuple[str, ...]
    weights: np.ndarray      # (n_features, k), float32; k = 1 for a binary head
    bias: np.ndarray         # (k,)
    temperature: float


class HeadlineModel:
    """The four heads over one vocabulary; built by ``data/labels/build_model.py``."""

    def __init__(self, vocabulary: Sequence[str], heads: dict[str, _Head],
                 meta: dict[str, object], sha256: str) -> None:
        self.index = {f: i for i, f in enumerate(vocabulary)}
        self.heads = heads
        self.meta = meta
        self.sha256 = sha256
        self._prepare()

    # -- the file ---------------------------------------------------------------------------
    @staticmethod
    def to_bytes(vocabulary: Sequence[str], heads: dict[str, tuple[Sequence[str], np.ndarray,
                                                                   np.ndarray, float]],
                 meta: dict[str, object]) -> bytes:
        """The model file: MAGIC, a length-prefixed JSON header, then float32 arrays.

        Deterministic (no timestamps, sorted keys), so the same corpus and seed give the same
        SHA-256, which a test checks against the packaged file.
        """
        header: dict[str, object] = {"vocabulary": list(vocabulary), "meta": meta, "heads": {}}
        blobs = []
        for name in HEADS:
            classes, weights, bias, temperature = heads[name]
            w = np.ascontiguousarray(weights, dtype="<f4")
            b = np.ascontiguousarray(bias, dtype="<f4")
            header["heads"][name] = {"classes": list(classes), "shape": list(w.shape),  # type: ignore[index]
                                     "temperature": float(temperature)}
            blobs += [w.tobytes(), b.tobytes()]
        head = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return MAGIC + struct.pack("<I", len(head)) + head + b"".join(blobs)

    @classmethod
    def from_bytes(cls, data: bytes) -> HeadlineModel:
        if not data.startswith(MAGIC):
            raise ValueError("not a ceasefire headline model (bad magic)")
        (size,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        header = json.loads(data[start:start + size].decode("utf-8"))
        offset = start + size
        heads = {}
        for name in HEADS:
            spec = header["heads"][name]
            rows, k = spec["shape"]
            w = np.frombuffer(data, dtype="<f4", count=rows * k, offset=offset).reshape(rows, k)
            offset += rows * k * 4
            b = np.frombuffer(data, dtype="<f4", count=k, offset=offset)
            offset += k * 4
            heads[name] = _Head(tuple(spec["classes"]), w, b, float(spec["temperature"]))
        return cls(header["vocabulary"], heads, header["meta"],
                   hashlib.sha256(data).hexdigest())

    # -- inference --------------------------------------------------------------------------
    def _prepare(self) -> None:
        """One weight matrix for all heads (one gather serves the four) and a word cache:
        a word's features are the same wherever it stands, so each distinct word is looked
        up once (VIINA's 111,000 headlines use far fewer distinct words)."""
        self._columns: dict[str, slice] = {}
        start = 0
        for name, head in self.heads.items():
            self._columns[name] = slice(start, start + head.weights.shape[1])
            start += head.weights.shape[1]
        self._weights = np.ascontiguousarray(
            np.hstack([head.weights for head in self.heads.values()]), dtype=np.float32)
        self._words: dict[str, tuple[int, ...]] = {}

    def _word(self, word: str) -> tuple[int, ...]:
        got = self._words.get(word)
        if got is None:
            index = self.index
            got = self._words[word] = tuple(i for f in word_features(word)
                                            if (i := index.get(f)) is not None)
        return got

    def encode(self, headlines: Sequence[str], contexts: Sequence[HeadlineContext] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices of every headline, flat, and each headline's start offset: the
        indices of :func:`headline_features` that are in the vocabulary (as a set)."""
        index = self.index
        flat: list[int] = []
        starts = np.empty(len(headlines) + 1, dtype=np.int64)
        empty = HeadlineContext()
        for n, h in enumerate(headlines):
            starts[n] = len(flat)
            text = normalise(h or "")
            words = _WORD.findall(text)
            found: set[int] = set()
            for w in words:
                found.update(self._word(w))
            extra = _bigrams(words)
            extra.append(_language(text))
            extra.extend(_context_features(contexts[n] if contexts is not None else empty))
            found.update(i for f in extra if (i := index.get(f)) is not None)
            flat.extend(found)
        starts[-1] = len(flat)
        return np.asarray(flat, dtype=np.int64), starts

    def _logits(self, flat: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Summed weights of each headline's features, all heads side by side (n, K)."""
        n = len(starts) - 1
        out = np.zeros((n, self._weights.shape[1]), dtype=np.float64)
        step = 20_000  # headlines per gather: bounded memory whatever the input size
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            a, b = int(starts[lo]), int(starts[hi])
            if a == b:
                continue
            # float32 sums (a headline adds up ~100 weights: far inside float32's precision)
            # keep the gather half the size, then float64 for the link functions
            gathered = self._weights[flat[a:b]]
            offsets = starts[lo:hi] - a
            nonempty = starts[lo:hi] < starts[lo + 1:hi + 1]
            out[lo:hi][nonempty] = np.add.reduceat(gathered, offsets[nonempty], axis=0)
        return out

    def probabilities(self, headlines: Sequence[str],
                      contexts: Sequence[HeadlineContext] | None = None
                      ) -> dict[str, np.ndarray]:
        """Per head: ``event`` and ``energy`` as (n,) probabilities, ``category`` and ``actor``
        as (n, k) distributions over :attr:`classes`."""
        flat, starts = self.encode(headlines, contexts)
        logits = self._logits(flat, starts)
        out: dict[str, np.ndarray] = {}
        for name, head in self.heads.items():
            z = (logits[:, self._columns[name]] + head.bias) / head.temperature
            if z.shape[1] == 1:
                out[name] = 1.0 / (1.0 + np.exp(-z[:, 0]))
            else:
                z -= z.max(axis=1, keepdims=True)
                e = np.exp(z)
                out[name] = e / e.sum(axis=1, keepdims=True)
        return out

    def classes(self, head: str) -> tuple[str, ...]:
        return self.heads[head].classes

    def judge(self, headlines: Sequence[str],
              contexts: Sequence[HeadlineContext] | None = None) -> list[Judgment]:
        """One :class:`Judgment` per headline."""
        p = self.probabilities(headlines, contexts)
        categories = self.classes(CATEGORY)
        actors = self.classes(ACTOR)
        result = []
        for i in range(len(headlines)):
            c = int(np.argmax(p[CATEGORY][i]))
            result.append(Judgment(
                float(p[EVENT][i]), categories[c], float(p[CATEGORY][i][c]),
                {a: float(p[ACTOR][i][k]) for k, a in enumerate(actors)},
                float(p[ENERGY][i])))
        return result
