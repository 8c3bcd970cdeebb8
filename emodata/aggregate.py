"""Aggregate raw ratings: soft label, majority, plurality, all-inclusive; mean and EWE.

Categorical ratings are lists of labels (one rater may pick several: each label of a
rating gets ``1/k`` of that rater's vote). Ties are explicit: ``plurality`` returns every
label that shares the top count. :func:`derive` is the one rule that turns a sample's votes
(or a given distribution, or its gold label) into its label columns and mapped VAD; conversion,
relabel, merge and annotation pull all use it.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from .taxonomy import expected_vad, get_taxonomy


def vote_counts(ratings: Iterable[Sequence[str]]) -> dict[str, float]:
    """Fractional vote per label: a rating with k labels gives 1/k to each."""
    counts: Counter = Counter()
    for labels in ratings:
        if labels:
            for label in labels:
                counts[label] += 1.0 / len(labels)
    return dict(counts)


def soft_label(counts: Mapping[str, float]) -> dict[str, float]:
    """Normalised distribution (sorted by probability, then name); ``{}`` without votes."""
    total = sum(counts.values())
    if total <= 0:
        return {}
    return {k: counts[k] / total for k in sorted(counts, key=lambda k: (-counts[k], k))}


def plurality(counts: Mapping[str, float]) -> tuple[str, ...]:
    """All labels with the highest count (several = a tie); ``()`` without votes."""
    if not counts:
        return ()
    top = max(counts.values())
    return tuple(sorted(k for k, v in counts.items() if math.isclose(v, top, rel_tol=1e-9)))


def unique_plurality(counts: Mapping[str, float]) -> str | None:
    """The plurality label when there is exactly one, else ``None`` (tie or no votes)."""
    top = plurality(counts)
    return top[0] if len(top) == 1 else None


def majority(counts: Mapping[str, float], threshold: float = 0.5) -> str | None:
    """The label holding more than ``threshold`` of the votes, else ``None``."""
    total = sum(counts.values())
    for label, v in counts.items():
        if total > 0 and v / total > threshold:
            return label
    return None


def all_inclusive(ratings: Iterable[Sequence[str]]) -> list[str]:
    """Every label any rater gave (co-occurring emotions), sorted."""
    return sorted({label for labels in ratings for label in labels or ()})


@dataclass(frozen=True)
class Aggregate:
    soft: dict[str, float]
    majority: str | None
    plurality: tuple[str, ...]
    all_inclusive: list[str]

    @property
    def label(self) -> str | None:
        """The plurality label when unique, else ``None`` (tie or no votes)."""
        return self.plurality[0] if len(self.plurality) == 1 else None


def aggregate(ratings: Iterable[Sequence[str]]) -> Aggregate:
    ratings = [list(r) for r in ratings]
    counts = vote_counts(ratings)
    return Aggregate(soft_label(counts), majority(counts), plurality(counts), all_inclusive(ratings))


def votes(ratings: Iterable[Mapping], kinds: Iterable[str] = ("human",)) -> list[list[str]]:
    """The canonical labels of each rating by a rater of ``kinds`` that chose any (self-reports
    and machine ratings count only when asked for)."""
    kinds = set(kinds)
    return [list(r["labels"]) for r in ratings or () if r["rater_kind"] in kinds and r["labels"]]


@dataclass(frozen=True)
class Derived:
    """A sample's label columns: ``label``, ``labels``, ``soft`` and the VAD mapped from ``soft``."""
    label: str | None
    labels: list[str] | None
    soft: dict[str, float]
    vad: tuple[float, float, float] | None


def derive(sample_votes: Sequence[Sequence[str]] = (), *, soft: Mapping[str, float] | None = None,
           label: str | None = None, labels: Sequence[str] | None = None, gold: bool = False) -> Derived:
    """The label rule: the soft label comes from ``sample_votes`` (see :func:`votes`), else the
    given ``soft`` distribution, else one-hot of ``label`` (uniform over ``labels``); with
    ``gold`` (the corpus gives a label, even one outside the taxonomy) ``label`` and ``labels``
    stay, otherwise the label is the unique plurality and, when a rater chose several labels,
    ``labels`` every label chosen. ``vad`` is the soft label's expected VAD (taxonomy norms)."""
    labels = list(labels) if labels is not None else None
    if sample_votes:
        agg = aggregate(sample_votes)
        dist = agg.soft
        if not gold:
            label = agg.label
            if labels is None and any(len(v) > 1 for v in sample_votes):
                labels = agg.all_inclusive
    elif soft:
        dist = soft_label(soft)
        if not gold:
            label = unique_plurality(dist)
    else:
        dist = {label: 1.0} if label else ({t: 1.0 / len(labels) for t in labels} if labels else {})
    tax = get_taxonomy()
    for term in (*dist, *([label] if label else ()), *(labels or ())):
        tax.check(term, "label")
    return Derived(label, labels, dist, expected_vad(dist) if dist else None)


def mean(values: Iterable[float | None]) -> float | None:
    xs = [v for v in values if v is not None and not np.isnan(v)]
    return float(np.mean(xs)) if xs else None


def ewe(items: Sequence, raters: Sequence, values: Sequence[float]) -> dict:
    """Evaluator-weighted estimator (Grimm & Kroschel 2005) over long-format ratings.

    Each rater's weight is the Pearson correlation between their ratings and the plain mean
    of the items they rated (negative correlations count as 0); an item's EWE is the
    weighted mean of its ratings. Returns ``{item: estimate}``; raters with fewer than two
    items or constant ratings get weight 0 unless every rater does (then plain means)."""
    items = np.asarray(items)
    raters = np.asarray(raters)
    values = np.asarray(values, dtype=float)
    item_keys, item_idx = np.unique(items, return_inverse=True)
    rater_keys, rater_idx = np.unique(raters, return_inverse=True)
    sums = np.bincount(item_idx, values, len(item_keys))
    ns = np.bincount(item_idx, minlength=len(item_keys))
    item_mean = sums / ns
    weights = np.zeros(len(rater_keys))
    for r in range(len(rater_keys)):
        mask = rater_idx == r
        x, y = values[mask], item_mean[item_idx[mask]]
        if mask.sum() >= 2 and x.std() > 0 and y.std() > 0:
            weights[r] = max(0.0, float(np.corrcoef(x, y)[0, 1]))
    if not weights.any():
        weights[:] = 1.0
    w = weights[rater_idx]
    wsum = np.bincount(item_idx, w, len(item_keys))
    est = np.where(wsum > 0, np.bincount(item_idx, w * values, len(item_keys)) / np.where(wsum > 0, wsum, 1), item_mean)
    return dict(zip(item_keys.tolist(), est.tolist()))
