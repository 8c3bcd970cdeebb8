"""Planted crowds for the curation tests: raters of known reliability, samples with known labels."""
from __future__ import annotations

import numpy as np

CLASSES = ("anger", "joy", "sadness", "neutral")


def planted_crowd(n_items: int = 600, knows=np.linspace(0.1, 0.9, 12), per_item: int = 5, seed: int = 0,
                  classes=CLASSES):
    """MACE-style crowd: rater r answers the truth with probability ``knows[r]``, else guesses
    uniformly. Returns (ratings dicts, truth per id, planted accuracy per rater, knows per rater)."""
    rng = np.random.default_rng(seed)
    k = len(classes)
    truth = {f"s{i:04d}": classes[int(c)] for i, c in enumerate(rng.integers(0, k, n_items))}
    ratings = []
    for sid, y in truth.items():
        for r in rng.choice(len(knows), per_item, replace=False):
            said = y if rng.random() < knows[r] else classes[int(rng.integers(0, k))]
            ratings.append({"id": sid, "rater_id": f"r{r:02d}", "labels": [said]})
    accuracy = {f"r{r:02d}": float(kn + (1 - kn) / k) for r, kn in enumerate(knows)}
    return ratings, truth, accuracy, {f"r{r:02d}": float(kn) for r, kn in enumerate(knows)}


def planted_multilabel(n_items: int = 500, flip=np.linspace(0.02, 0.3, 10), per_item: int = 4, seed: int = 1,
                       classes=CLASSES):
    """Each item has 1-2 true labels; rater r flips each class's presence with probability ``flip[r]``."""
    rng = np.random.default_rng(seed)
    truth, ratings = {}, []
    for i in range(n_items):
        sid = f"m{i:04d}"
        true = set(rng.choice(classes, rng.integers(1, 3), replace=False).tolist())
        truth[sid] = true
        for r in rng.choice(len(flip), per_item, replace=False):
            said = [c for c in classes if (c in true) != (rng.random() < flip[r])]
            if said:
                ratings.append({"id": sid, "rater_id": f"r{r:02d}", "labels": said})
    return ratings, truth, {f"r{r:02d}": float(1 - f) for r, f in enumerate(flip)}
