"""Likely label errors: samples ranked by how likely their label is wrong, with a reason each.

The label checked is the sample's canonical ``label`` (the corpus's gold label where it has
one), else the raters' plurality. Signals (each a probability that the label is right):

* **rater model** (:mod:`.raters`, Dawid-Skene by default): the posterior of the label given
  every rating and each rater's estimated reliability (cleanlab ``self_confidence``);
* **CROWDLAB** (cleanlab multi-annotator): consensus label, annotator agreement and consensus
  quality, from the ratings and a model's predicted probabilities: the cross-validated
  classifier below where one exists, else the rater model's posterior;
* **classifier on embeddings**, when ``derived/embeddings`` has vectors for the corpus: a
  logistic regression, cross-validated (out-of-fold probabilities, as cleanlab recommends),
  trained on the labels themselves; the probability it gives the label.

``score`` = 1 - the mean of the available signals; the ranking is by score, ties (confident
models give many zeros) broken by the share of raters who chose the label. Multi-label data:
the rater model's per-class P(present); the quality is that of the worst class.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa

from .. import store
from ..root import atomic_path, atomic_write_text, derived_parts, reports_dir
from . import raters

COLUMNS = ("rank", "id", "split", "label", "score", "p_label_model", "label_vote_share", "consensus",
           "annotator_agreement", "consensus_quality", "p_label_classifier", "predicted", "n_ratings", "reason")


class LabelQualityError(Exception):
    pass


def embeddings(root: str | Path, corpus: str, model: str | None = None) -> tuple[str, dict[str, np.ndarray]] | None:
    """(model, id -> vector) from ``derived/embeddings/<corpus>``: ``model`` or the one with most rows."""
    files = derived_parts(root, "embeddings", corpus)
    if not files:
        return None
    import duckdb
    con = duckdb.connect()
    try:
        con.read_parquet([str(f) for f in files], union_by_name=True).create_view("emb")
        if model is None:
            model = con.execute("SELECT model FROM emb GROUP BY model ORDER BY count(*) DESC, model LIMIT 1"
                                ).fetchall()[0][0]
        table = con.execute("SELECT id, vector FROM emb WHERE model = ?", [model]).to_arrow_table()
    finally:
        con.close()
    if table.num_rows == 0:
        raise LabelQualityError(f"{corpus}: no embeddings of model {model!r}")
    ids = table["id"].to_pylist()
    vec = np.asarray(table["vector"].combine_chunks().flatten().to_numpy(), np.float32).reshape(len(ids), -1)
    return model, dict(zip(ids, vec))


def classifier_probs(X: np.ndarray, y: Sequence[str], folds: int = 5, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold class probabilities of a logistic regression (classes with >= ``folds`` samples)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    classes = sorted(set(y))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return cross_val_predict(clf, X, np.asarray(y), cv=cv, method="predict_proba"), classes


def _crowdlab(rating_rows: list[dict], ids: list[str], classes: list[str], pred_probs: np.ndarray) -> dict:
    """cleanlab's CROWDLAB over the ratings of ``ids``; anonymous votes become per-sample vote slots."""
    import pandas as pd
    from cleanlab.multiannotator import get_label_quality_multiannotator
    pos = {i: n for n, i in enumerate(ids)}
    index = {c: k for k, c in enumerate(classes)}
    cells: dict[tuple[int, str], int] = {}
    slot: dict[int, int] = {}
    for r in rating_rows:
        n = pos.get(r["id"])
        if n is None or r["labels"][0] not in index:
            continue
        who = r["rater_id"]
        if who is None:
            slot[n] = slot.get(n, 0) + 1
            who = f"(anonymous {slot[n]})"
        cells.setdefault((n, who), index[r["labels"][0]])
    raters_ = sorted({w for _, w in cells})
    col = {w: k for k, w in enumerate(raters_)}
    grid = np.full((len(ids), len(raters_)), np.nan)
    for (n, w), k in cells.items():
        grid[n, col[w]] = k
    rated = ~np.isnan(grid).all(axis=1)
    res = get_label_quality_multiannotator(pd.DataFrame(grid[rated], columns=raters_), pred_probs[rated],
                                           verbose=False, return_detailed_quality=False)
    q = res["label_quality"]
    out = {}
    for n, (cons, agree, qual) in zip(np.flatnonzero(rated), zip(q["consensus_label"], q["annotator_agreement"],
                                                                   q["consensus_quality_score"])):
        out[ids[n]] = (classes[int(cons)], float(agree), float(qual))
    return {"per_sample": out, "annotators": res["annotator_stats"]}


def _fmt(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.2f}"


def label_issues(root: str | Path, corpus: str, *, method: str = "dawid-skene", kinds: Sequence[str] = ("human",),
                 use_embeddings: bool = True, embedding_model: str | None = None, folds: int = 5,
                 seed: int = 0) -> tuple[pa.Table, dict]:
    """Every sample with a label or ratings, ranked by ``score`` (most likely wrong first), and an info dict."""
    con = store.connect(root, corpus)
    try:
        samples = con.sql("SELECT id, split, label, labels, native_label FROM samples").to_arrow_table().to_pylist()
    finally:
        con.close()
    rating_rows = raters.corpus_ratings(root, corpus, kinds)
    info = {"corpus": corpus, "method": method, "kinds": list(kinds), "signals": []}
    model = None
    if rating_rows:
        model = raters.fit(rating_rows, method, seed=seed)
        info["signals"].append(f"rater model ({method})")
        info["notes"] = model.notes
    n_ratings: dict[str, int] = {}
    votes: dict[str, dict[str, int]] = {}
    for r in rating_rows:
        n_ratings[r["id"]] = n_ratings.get(r["id"], 0) + 1
        v = votes.setdefault(r["id"], {})
        for label in r["labels"]:
            v[label] = v.get(label, 0) + 1
    rows = []
    for s in samples:
        given = s["label"]
        if given is None and model is not None and not model.multilabel:
            given = next(iter(model.labels(s["id"])), None)
        labels = s["labels"] or ([given] if given else [])
        if given is None and not (model is not None and model.multilabel and labels):
            continue
        rows.append({"id": s["id"], "split": s["split"], "label": given, "labels": labels})
    if not rows:
        raise LabelQualityError(f"{corpus}: no sample has a label or ratings to check")
    ids = [r["id"] for r in rows]
    classes = sorted({r["label"] for r in rows if r["label"]} |
                     {c for post in (model.posteriors.values() if model else ()) for c in post})
    # classifier on embeddings
    clf = {}
    emb = embeddings(root, corpus, embedding_model) if use_embeddings else None
    if emb is not None and (model is None or not model.multilabel):
        name, vectors = emb
        train = [r for r in rows if r["id"] in vectors and r["label"]]
        counts = {}
        for r in train:
            counts[r["label"]] = counts.get(r["label"], 0) + 1
        train = [r for r in train if counts[r["label"]] >= folds]
        if len({r["label"] for r in train}) >= 2:
            probs, cls = classifier_probs(np.stack([vectors[r["id"]] for r in train]),
                                          [r["label"] for r in train], folds, seed)
            for r, p in zip(train, probs):
                clf[r["id"]] = dict(zip(cls, p.tolist()))
            info["signals"].append(f"classifier on embeddings ({name}, {folds}-fold)")
            info["embedding_model"] = name
    # CROWDLAB (single-label ratings)
    crowd = {}
    if model is not None and not model.multilabel:
        pp = np.array([[(clf.get(i) or model.posteriors.get(i) or {}).get(c, 0.0) for c in classes] for i in ids])
        pp = (pp + 1e-6) / (pp + 1e-6).sum(axis=1, keepdims=True)
        cl = _crowdlab(rating_rows, ids, classes, pp)
        crowd = cl["per_sample"]
        stats = cl["annotators"]
        info["annotator_quality"] = {str(k): round(float(v), 4) for k, v in stats["annotator_quality"].items()}
        info["signals"].append("CROWDLAB (cleanlab multi-annotator)")
    out = []
    for r in rows:
        i, given = r["id"], r["label"]
        reasons, quals = [], []
        p_model = None
        if model is not None and i in model.posteriors:
            post = model.posteriors[i]
            if model.multilabel:
                states = {c: (post.get(c, 0.0) if c in r["labels"] else 1 - post.get(c, 0.0))
                          for c in set(post) | set(r["labels"])}
                worst = min(states, key=states.get)
                p_model = states[worst]
                reasons.append(f"{method}: '{worst}' {'given' if worst in r['labels'] else 'not given'}, "
                               f"P(present) {post.get(worst, 0.0):.2f}")
            else:
                p_model = post.get(given, 0.0)
                best = max(post, key=post.get)
                v = votes.get(i, {})
                msg = f"{v.get(given, 0)}/{n_ratings.get(i, 0)} raters chose '{given}'; {method} gives it {p_model:.2f}"
                if best != given:
                    msg += f", prefers '{best}' ({post[best]:.2f})"
                reasons.append(msg)
            quals.append(p_model)
        p_clf = predicted = None
        if i in clf:
            probs = clf[i]
            p_clf = probs.get(given, 0.0)
            predicted = max(probs, key=probs.get)
            quals.append(p_clf)
            if predicted != given:
                reasons.append(f"classifier on embeddings gives '{given}' {p_clf:.2f}, predicts '{predicted}' "
                               f"({probs[predicted]:.2f})")
            else:
                reasons.append(f"classifier on embeddings agrees ({p_clf:.2f})")
        cons, agree, cq = crowd.get(i, (None, None, None))
        if cons is not None and cons != given:
            reasons.append(f"CROWDLAB consensus '{cons}' (agreement {agree:.2f}, quality {cq:.2f})")
        if not quals:
            continue
        share = votes.get(i, {}).get(given, 0) / n_ratings[i] if n_ratings.get(i) else None
        out.append({"id": i, "split": r["split"], "label": given, "score": round(1.0 - float(np.mean(quals)), 6),
                    "p_label_model": p_model, "label_vote_share": share, "consensus": cons, "annotator_agreement": agree,
                    "consensus_quality": cq, "p_label_classifier": p_clf, "predicted": predicted,
                    "n_ratings": n_ratings.get(i, 0), "reason": "; ".join(reasons)})
    if not out:
        raise LabelQualityError(f"{corpus}: nothing to judge the labels by: no ratings by {'/'.join(kinds)} raters "
                                "and no derived/embeddings table (run the embed pipeline stage)")
    out.sort(key=lambda x: (-x["score"], x["label_vote_share"] if x["label_vote_share"] is not None else 1.0, x["id"]))
    for k, row in enumerate(out, 1):
        row["rank"] = k
    table = pa.Table.from_pylist([{c: row[c] for c in COLUMNS} for row in out])
    info["checked"] = len(out)
    return table, info


def label_issues_path(root: str | Path, corpus: str) -> Path:
    """Where ``curate labels`` writes a corpus's ranking (read by the curation report)."""
    return reports_dir(root) / "curation" / f"{corpus}.labels.parquet"


def write_label_issues(root: str | Path, corpus: str, table: pa.Table, info: dict, out: str | Path | None = None) -> Path:
    """:func:`label_issues_path` or ``out`` (+ ``.json`` with the signals used), atomically."""
    import pyarrow.parquet as pq
    dest = Path(out) if out else label_issues_path(root, corpus)
    with atomic_path(dest) as tmp:
        pq.write_table(table, tmp)
    atomic_write_text(dest.with_suffix(".json"), json.dumps(info, indent=2))
    return dest
