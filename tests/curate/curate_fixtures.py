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


def write_rows(root, corpus: str, rows: list[dict]) -> None:
    """A converted corpus from row dicts (missing schema columns are null), one file per split."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from emodata.schema import SCHEMA, file_metadata
    by_split: dict[str, list[dict]] = {}
    for r in rows:
        by_split.setdefault(r.get("split", "train"), []).append(
            {"corpus": corpus, "split": "train", "native_id": r["id"], **r})
    for split, part in by_split.items():
        d = root / "data" / corpus / split
        d.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(part, schema=SCHEMA).replace_schema_metadata(
            file_metadata(corpus, {"converter": "test", "source_root": str(root / "media" / corpus)}))
        pq.write_table(table, d / "part-00000.parquet")


def crowd_corpus(root, corpus: str = "crowd", errors: int = 20, seed: int = 0, **kw):
    """A corpus whose gold ``label`` is the planted truth except ``errors`` flipped samples.
    Returns (truth, flipped ids, planted accuracy per rater)."""
    rng = np.random.default_rng(seed)
    ratings, truth, accuracy, _ = planted_crowd(seed=seed, **kw)
    flipped = set(rng.choice(sorted(truth), errors, replace=False).tolist())
    by_id: dict[str, list[dict]] = {}
    for r in ratings:
        by_id.setdefault(r["id"], []).append({"rater_id": r["rater_id"], "rater_kind": "human",
                                              "labels": r["labels"], "native": r["labels"][0]})
    rows = []
    for sid, y in truth.items():
        given = CLASSES[(CLASSES.index(y) + 1) % len(CLASSES)] if sid in flipped else y
        rows.append({"id": f"{corpus}/{sid}", "native_label": given, "label": given, "ratings": by_id[sid],
                     "text": f"sample {sid}"})
    write_rows(root, corpus, rows)
    return {f"{corpus}/{k}": v for k, v in truth.items()}, {f"{corpus}/{k}" for k in flipped}, accuracy
