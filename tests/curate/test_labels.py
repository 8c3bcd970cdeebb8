"""Likely label errors: planted errors rank at the top, from the ratings and from embeddings."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from curate_fixtures import CLASSES, crowd_corpus, write_rows

from emodata.curate import raters
from emodata.curate.labels import LabelQualityError, label_issues, write_label_issues


@pytest.mark.parametrize("method", raters.METHODS)
def test_planted_label_errors_rank_at_the_top_from_ratings(tmp_path, method):
    truth, flipped, _ = crowd_corpus(tmp_path, n_items=300, knows=np.linspace(0.55, 0.95, 10), errors=20)
    table, info = label_issues(tmp_path, "crowd", method=method)
    rows = table.to_pylist()
    ranks = sorted(r["rank"] for r in rows if r["id"] in flipped)
    assert len(ranks) == 20 and ranks[-1] <= 25, ranks
    top = rows[0]
    assert top["id"] in flipped and top["consensus"] == truth[top["id"]] != top["label"]
    assert f"prefers '{truth[top['id']]}'" in top["reason"] and "CROWDLAB consensus" in top["reason"]
    assert "CROWDLAB (cleanlab multi-annotator)" in info["signals"] and len(info["annotator_quality"]) == 10
    assert info["checked"] == 300


def _embedding_corpus(root, n=300, errors=15, seed=0):
    """Labels without ratings, text embeddings that cluster by the true class."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(CLASSES), 32)) * 3
    truth = [CLASSES[int(c)] for c in rng.integers(0, len(CLASSES), n)]
    flipped = set(rng.choice(n, errors, replace=False).tolist())
    rows, vectors = [], []
    for i, y in enumerate(truth):
        given = CLASSES[(CLASSES.index(y) + 2) % len(CLASSES)] if i in flipped else y
        rows.append({"id": f"emb/{i:04d}", "label": given, "native_label": given, "text": f"t{i}"})
        vectors.append((centres[CLASSES.index(y)] + rng.standard_normal(32)).astype(np.float32))
    write_rows(root, "emb", rows)
    d = root / "derived" / "embeddings" / "emb"
    d.mkdir(parents=True)
    pq.write_table(pa.table({"id": [r["id"] for r in rows], "model": ["toy"] * n, "modality": ["text"] * n,
                             "dim": [32] * n, "vector": pa.array([v.tolist() for v in vectors],
                                                                 pa.list_(pa.float32()))}),
                   d / "part-00000.parquet")
    return {f"emb/{i:04d}" for i in flipped}


def test_planted_label_errors_rank_at_the_top_from_embeddings(tmp_path):
    flipped = _embedding_corpus(tmp_path)
    table, info = label_issues(tmp_path, "emb")
    rows = table.to_pylist()
    assert info["signals"] == ["classifier on embeddings (toy, 5-fold)"]
    assert sorted(r["rank"] for r in rows if r["id"] in flipped)[-1] <= 18
    assert "predicts" in rows[0]["reason"] and rows[0]["p_label_model"] is None
    dest = write_label_issues(tmp_path, "emb", table, info)
    assert dest == tmp_path / "reports" / "curation" / "emb.labels.parquet"
    assert pq.read_table(dest).num_rows == 300


def test_ratings_and_embeddings_together(tmp_path):
    truth, flipped, _ = crowd_corpus(tmp_path, n_items=200, knows=np.linspace(0.55, 0.95, 10), errors=10)
    ids = sorted(truth)
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((len(CLASSES), 16)) * 3
    vec = [(centres[CLASSES.index(truth[i])] + rng.standard_normal(16)).astype(np.float32).tolist() for i in ids]
    d = tmp_path / "derived" / "embeddings" / "crowd"
    d.mkdir(parents=True)
    pq.write_table(pa.table({"id": ids, "model": ["toy"] * len(ids), "vector": pa.array(vec, pa.list_(pa.float32()))}),
                   d / "part-00000.parquet")
    table, info = label_issues(tmp_path, "crowd")
    assert len(info["signals"]) == 3
    rows = table.to_pylist()
    assert sorted(r["rank"] for r in rows if r["id"] in flipped)[-1] <= 12
    assert all(r["p_label_classifier"] is not None for r in rows)


def test_nothing_to_check_is_a_clear_error(tmp_path):
    write_rows(tmp_path, "bare", [{"id": "bare/1", "text": "hello"}])
    with pytest.raises(LabelQualityError, match="bare: no sample has a label or ratings"):
        label_issues(tmp_path, "bare")
    write_rows(tmp_path, "gold", [{"id": "gold/1", "text": "hello", "label": "joy", "native_label": "joy"}])
    with pytest.raises(LabelQualityError, match="gold: nothing to judge the labels by: no ratings by human raters"):
        label_issues(tmp_path, "gold")


def test_planted_multilabel_errors_rank_at_the_top(tmp_path):
    from curate_fixtures import planted_multilabel
    ratings, truth, _ = planted_multilabel(n_items=200, flip=np.linspace(0.02, 0.2, 8), per_item=4, seed=2)
    rng = np.random.default_rng(3)
    flipped = set(rng.choice(sorted(truth), 10, replace=False).tolist())
    by_id = {}
    for r in ratings:
        by_id.setdefault(r["id"], []).append({"rater_id": r["rater_id"], "rater_kind": "human", "labels": r["labels"]})
    rows = []
    for sid, true in truth.items():
        given = set(true)
        if sid in flipped:                     # one class added or removed (never leaving the set empty)
            c = CLASSES[int(rng.integers(0, 4))]
            given = given ^ {c} if given != {c} else {c, CLASSES[(CLASSES.index(c) + 1) % 4]}
        rows.append({"id": f"ml/{sid}", "labels": sorted(given), "native_labels": sorted(given),
                     "ratings": by_id.get(sid, [])})
    write_rows(tmp_path, "ml", rows)
    table, info = label_issues(tmp_path, "ml")
    rows = table.to_pylist()
    assert info["notes"] and "per class" in " ".join(info["notes"])
    ranks = sorted(r["rank"] for r in rows if r["id"].split("/")[1] in flipped)
    assert len(ranks) == 10 and ranks[-1] <= 16, ranks
    assert "P(present)" in rows[0]["reason"]
