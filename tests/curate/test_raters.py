"""Rater models recover planted rater reliabilities (crowd-kit under emodata.curate.raters)."""
from __future__ import annotations

import numpy as np
import pytest
from curate_fixtures import planted_crowd, planted_multilabel
from scipy.stats import spearmanr

from emodata.curate import raters


@pytest.fixture(scope="module")
def crowd():
    return planted_crowd(n_items=250, knows=np.linspace(0.1, 0.9, 10))


@pytest.mark.parametrize("method", raters.METHODS)
def test_each_model_recovers_planted_reliabilities(crowd, method):
    ratings, truth, accuracy, knows = crowd
    model = raters.fit(ratings, method)
    rel = {r["rater_id"]: r["reliability"] for r in model.raters}
    ids = sorted(accuracy)
    assert spearmanr([rel[i] for i in ids], [accuracy[i] for i in ids])[0] > 0.9
    if method in ("dawid-skene", "one-coin", "glad", "mace"):
        # the models estimate the planted quantity itself: accuracy, or P(knows) for MACE
        target = knows if method == "mace" else accuracy
        assert np.mean([abs(rel[i] - target[i]) for i in ids]) < 0.07
        assert np.mean([model.labels(s) == [y] for s, y in truth.items()]) > 0.8
    entry = next(r for r in model.raters if r["rater_id"] == "r09")
    assert entry["items"] == entry["ratings"] > 60 and 0.5 < entry["agreement_with_model"] <= 1
    soft = model.soft_label("s0000")
    assert soft and abs(sum(soft.values()) - 1) < 1e-9


def test_dawid_skene_reports_confusion_matrices(crowd):
    model = raters.fit(crowd[0], "dawid-skene")
    best = next(r for r in model.raters if r["rater_id"] == "r09")
    conf = best["confusion"]
    assert set(conf) == {"anger", "joy", "sadness", "neutral"}
    assert conf["joy"]["joy"] > 0.8 and abs(sum(conf["joy"].values()) - 1) < 1e-3


def test_model_posteriors_beat_plain_votes_with_unreliable_raters():
    ratings, truth, _, _ = planted_crowd(n_items=400, knows=np.array([0.95, 0.9, 0.1, 0.1, 0.1, 0.05, 0.05]),
                                         per_item=5, seed=3)
    acc = {m: np.mean([raters.fit(ratings, m).labels(s) == [y] for s, y in truth.items()])
           for m in ("dawid-skene", "soft")}
    assert acc["dawid-skene"] > acc["soft"] + 0.05


@pytest.mark.parametrize("method", raters.METHODS)
def test_multilabel_is_modelled_per_class(method):
    ratings, truth, accuracy = planted_multilabel(n_items=150, per_item=4)
    model = raters.fit(ratings, method)
    assert model.multilabel
    rel = {r["rater_id"]: r["reliability"] for r in model.raters}
    ids = sorted(accuracy)
    assert spearmanr([rel[i] for i in ids], [accuracy[i] for i in ids])[0] > 0.85
    assert set(model.raters[0]["per_class"]) == {"anger", "joy", "sadness", "neutral"}
    assert np.mean([set(model.labels(s)) == y for s, y in truth.items()]) > 0.65


@pytest.mark.parametrize("method", raters.METHODS)
def test_anonymous_votes_are_pooled_and_said_so(method):
    ratings, truth, _, _ = planted_crowd(n_items=150, knows=np.full(8, 0.7), seed=5)
    anon = [{**r, "rater_id": None} for r in ratings]
    model = raters.fit(anon, method)
    assert [r["rater_id"] for r in model.raters] == [None]
    assert model.raters[0]["pooled"] and any("anonymous" in n for n in model.notes)
    assert np.mean([model.labels(s) == [y] for s, y in truth.items()]) > 0.85


def test_unknown_method_and_no_ratings_are_one_line_errors():
    with pytest.raises(raters.RaterModelError, match="unknown method 'bogus'"):
        raters.fit([{"id": "a", "rater_id": "x", "labels": ["joy"]}], "bogus")
    with pytest.raises(raters.RaterModelError, match="no categorical ratings"):
        raters.fit([{"id": "a", "rater_id": "x", "labels": []}], "dawid-skene")
