"""Canonical emotion taxonomy: terms, hierarchy, label sets, VAD norms and scale conversion.

Data lives in ``schemas/taxonomy.yaml`` and ``schemas/russell_mehrabian_1977.csv``
(Russell & Mehrabian 1977, VAD mean and SD on [-1, 1]); both ship inside the package.
"""
from __future__ import annotations

import csv
import functools
import io
import math
import re
from dataclasses import dataclass
from importlib import resources
from typing import Mapping, Sequence

import yaml

SoftLabel = Mapping[str, float]
Scale = tuple[float, float]

NAMED_SCALES: dict[str, Scale] = {
    "1-5": (1.0, 5.0), "1-7": (1.0, 7.0), "1-9": (1.0, 9.0), "1-10": (1.0, 10.0),
    "0-1": (0.0, 1.0), "-1..1": (-1.0, 1.0), "0-100": (0.0, 100.0), "-3..3": (-3.0, 3.0),
}


@dataclass(frozen=True)
class Term:
    name: str
    parent: str
    vad_mean: tuple[float, float, float] | None
    vad_sd: tuple[float, float, float] | None


def _resource_text(name: str) -> str:
    return resources.files("emodata.schemas").joinpath(name).read_text(encoding="utf-8")


def russell_mehrabian() -> dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """The 151 Russell & Mehrabian (1977) terms: term -> (mean VAD, SD VAD)."""
    out = {}
    for row in csv.DictReader(io.StringIO(_resource_text("russell_mehrabian_1977.csv"))):
        mean = tuple(float(row[f"{d}_mean"]) for d in ("valence", "arousal", "dominance"))
        sd = tuple(float(row[f"{d}_sd"]) for d in ("valence", "arousal", "dominance"))
        out[row["term"]] = (mean, sd)
    return out


class Taxonomy:
    """Canonical terms with a fine -> basic hierarchy, named label sets and VAD norms."""

    def __init__(self, spec: dict, norms: dict):
        self.version = spec["version"]
        self.basic: list[str] = list(spec["basic"])
        self.terms: dict[str, Term] = {}
        for name, t in spec["terms"].items():
            mean = sd = None
            if "vad_override" in t:
                mean, sd = tuple(t["vad_override"]["mean"]), tuple(t["vad_override"]["sd"])
            elif t.get("vad"):
                missing = [w for w in t["vad"] if w not in norms]
                if missing:
                    raise ValueError(f"taxonomy term {name!r}: unknown Russell-Mehrabian terms {missing}")
                rows = [norms[w] for w in t["vad"]]
                mean = tuple(sum(r[0][i] for r in rows) / len(rows) for i in range(3))
                # SD of an equal mixture of the listed terms
                sd = tuple(math.sqrt(sum(r[1][i] ** 2 + (r[0][i] - mean[i]) ** 2 for r in rows) / len(rows))
                           for i in range(3))
            self.terms[name] = Term(name, t["parent"], mean, sd)
        for name, term in self.terms.items():
            if term.parent not in self.basic:
                raise ValueError(f"taxonomy term {name!r}: parent {term.parent!r} is not a basic term")
        self.label_sets: dict[str, list[str]] = {k: list(v) for k, v in spec["label_sets"].items()}
        self.label_sets.setdefault("basic", [b for b in self.basic if b != "other"])
        for set_name, labels in self.label_sets.items():
            for label in labels:
                self.check(label, f"label set {set_name!r}")

    def check(self, term: str, where: str = "") -> str:
        """Return ``term`` if it is canonical, else raise ``KeyError`` naming it."""
        if term not in self.terms:
            raise KeyError(f"{where + ': ' if where else ''}{term!r} is not a canonical term "
                           f"(see schemas/taxonomy.yaml)")
        return term

    def parent(self, term: str) -> str:
        return self.terms[self.check(term)].parent

    def label_set(self, name_or_labels: str | Sequence[str]) -> list[str]:
        """A named label set (``ekman7``, ``basic8``, ...) or an explicit list, checked."""
        if isinstance(name_or_labels, str):
            if name_or_labels not in self.label_sets:
                raise KeyError(f"unknown label set {name_or_labels!r}; known: {sorted(self.label_sets)}")
            return list(self.label_sets[name_or_labels])
        return [self.check(t) for t in name_or_labels]

    def project(self, soft: SoftLabel, target: str | Sequence[str]) -> tuple[dict[str, float], float]:
        """Map a soft label onto a target label set, moving fine terms to their basic parent.

        Returns the renormalised distribution and the probability mass that had no place
        in the target set (dropped)."""
        targets = set(self.label_set(target))
        out: dict[str, float] = {}
        dropped = 0.0
        for label, p in soft.items():
            dest = label if label in targets else self.parent(label)
            if dest in targets:
                out[dest] = out.get(dest, 0.0) + p
            else:
                dropped += p
        total = sum(out.values())
        return ({k: v / total for k, v in out.items()} if total > 0 else {}), dropped


@functools.cache
def get_taxonomy() -> Taxonomy:
    spec = yaml.load(_resource_text("taxonomy.yaml"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return Taxonomy(spec, russell_mehrabian())


def _as_soft(label_or_soft: str | SoftLabel) -> SoftLabel:
    return {label_or_soft: 1.0} if isinstance(label_or_soft, str) else label_or_soft


def expected_vad(label_or_soft: str | SoftLabel) -> tuple[float, float, float] | None:
    """Expected VAD of a categorical or soft label (probability-weighted term means).

    Terms without VAD norms (``other``) are left out and the rest renormalised;
    ``None`` if nothing has norms."""
    tax = get_taxonomy()
    acc = [0.0, 0.0, 0.0]
    total = 0.0
    for label, p in _as_soft(label_or_soft).items():
        mean = tax.terms[tax.check(label)].vad_mean
        if mean is None or p <= 0:
            continue
        total += p
        for i in range(3):
            acc[i] += p * mean[i]
    return tuple(a / total for a in acc) if total > 0 else None


def vad_to_soft(valence: float, arousal: float, dominance: float | None = None,
                labels: str | Sequence[str] = "basic8") -> dict[str, float]:
    """Soft label from a VAD (or VA) point: normalised Gaussian likelihood of each class.

    Each class is an axis-aligned Gaussian with its term's VAD mean and SD; dominance is
    used only when given. This is the relabelling used for AffectNet by Cardia Neto et al.,
    "Revisiting Emotions Representation for Recognition in the Wild"."""
    tax = get_taxonomy()
    point = (valence, arousal) if dominance is None else (valence, arousal, dominance)
    logs: dict[str, float] = {}
    for label in tax.label_set(labels):
        term = tax.terms[label]
        if term.vad_mean is None:
            continue
        ll = 0.0
        for x, m, s in zip(point, term.vad_mean, term.vad_sd):
            ll += -0.5 * ((x - m) / s) ** 2 - math.log(s)
        logs[label] = ll
    top = max(logs.values())
    weights = {k: math.exp(v - top) for k, v in logs.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}


_SCALE_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|\.\.|to)\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_scale(scale: str | Scale) -> Scale:
    """``'1-5'``, ``'1..9'``, ``'-1..1'``, ``'0-100'`` or a ``(lo, hi)`` tuple -> ``(lo, hi)``."""
    if isinstance(scale, tuple):
        lo, hi = scale
    elif scale in NAMED_SCALES:
        lo, hi = NAMED_SCALES[scale]
    else:
        m = _SCALE_RE.match(scale)
        if not m:
            raise ValueError(f"cannot read scale {scale!r}; expected e.g. '1-5', '1..9', '-1..1'")
        lo, hi = float(m.group(1)), float(m.group(2))
    if not hi > lo:
        raise ValueError(f"scale {scale!r}: upper bound must exceed lower bound")
    return float(lo), float(hi)


def rescale(value: float | None, source: str | Scale, target: str | Scale = "-1..1") -> float | None:
    """Linearly map ``value`` from the ``source`` scale to the ``target`` scale (None stays None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    slo, shi = parse_scale(source)
    tlo, thi = parse_scale(target)
    return tlo + (value - slo) * (thi - tlo) / (shi - slo)

