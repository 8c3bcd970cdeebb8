"""Fleiss, Cohen, Gwet and percent agreement against statsmodels, nltk and irrCAC's worked example."""
from __future__ import annotations

import math

import numpy as np
import pytest
from nltk.metrics.agreement import AnnotationTask
from statsmodels.stats.inter_rater import cohens_kappa, fleiss_kappa

from emodata.annotation import agreement as ag

NAN = np.nan
# irrCAC's cac.raw4raters (Gwet 2014): 12 subjects x 4 raters, missing ratings; published
# values: percent agreement 0.8181818, AC1 0.77544 (pe 0.1903212), Fleiss 0.76117 (pe 0.2387153).
CAC = [[1, 1, NAN, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
       [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [NAN, 5, 5, 5], [NAN, NAN, 1, 1], [NAN, NAN, 3, NAN]]


def long_rows(rows):
    out = [(i, r, v) for i, row in enumerate(rows) for r, v in enumerate(row) if not math.isnan(v)]
    return [list(x) for x in zip(*out)]


def test_gwet_worked_example():
    """irrCAC's published values use subject 12 (one rating) in the prevalences: include_single=True."""
    item, _, value = long_rows(CAC)
    ac1 = ag.gwet_ac(item, value, include_single=True)
    assert ac1.value == pytest.approx(0.77544, abs=5e-6)
    assert ac1.details["pa"] == pytest.approx(0.8181818, abs=1e-7)
    assert ac1.details["pe"] == pytest.approx(0.1903212, abs=1e-7)
    fk = ag.fleiss_kappa(item, value, include_single=True)
    assert fk.value == pytest.approx(0.76117, abs=5e-6) and fk.details["pe"] == pytest.approx(0.2387153, abs=1e-7)
    assert fk.n_items == 12 and fk.n_ratings == 41
    assert ag.percent_agreement(item, value).value == pytest.approx(0.8181818, abs=1e-7)
    assert ag.krippendorff_alpha(item, value).value == pytest.approx(0.74342, abs=5e-6)


def test_default_uses_the_items_alpha_uses():
    """By default every coefficient uses the items with two or more ratings: adding items rated
    once changes neither Fleiss' kappa nor AC1 (the same formulas on the 11 pairable subjects)."""
    item, _, value = long_rows(CAC)
    pairable = [row for row in CAC if sum(not math.isnan(v) for v in row) >= 2]
    i2, _, v2 = long_rows(pairable)
    for fn in (ag.fleiss_kappa, ag.gwet_ac):
        ours = fn(item, value)
        assert ours.value == pytest.approx(fn(i2, v2, include_single=True).value, abs=1e-12)
        assert ours.n_items == 11 and ours.n_ratings == 40
        more = fn(item + [100, 101, 102], value + [1, 5, 5])          # three items rated once
        assert more.value == pytest.approx(ours.value, abs=1e-12) and more.n_items == 11
    w = np.eye(5).tolist()
    assert ag.gwet_ac(item, value).value == pytest.approx(gwet_ac2_by_hand(pairable, w), abs=1e-12)
    assert ag.krippendorff_alpha(item, value).n_items == 11


def gwet_ac2_by_hand(rows, w):
    """Gwet (2014) eqs. for AC2 with missing ratings, written out item by item."""
    cats = sorted({v for row in rows for v in row if not math.isnan(v)})
    q = len(cats)
    r = np.array([[sum(1 for v in row if v == c) for c in cats] for row in rows], float)
    ru = r.sum(1)
    pa_terms = []
    for i in range(len(rows)):
        if ru[i] >= 2:
            star = [sum(w[k][l] * r[i][l] for l in range(q)) for k in range(q)]
            pa_terms.append(sum(r[i][k] * (star[k] - 1) for k in range(q)) / (ru[i] * (ru[i] - 1)))
    pa = sum(pa_terms) / len(pa_terms)
    pi = [sum(r[i][k] / ru[i] for i in range(len(rows)) if ru[i] > 0) / sum(ru > 0) for k in range(q)]
    pe = sum(map(sum, w)) / (q * (q - 1)) * sum(p * (1 - p) for p in pi)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("kind", ["linear", "quadratic"])
def test_gwet_ac2_by_hand(kind):
    item, _, value = long_rows(CAC)
    x = np.arange(1, 6, dtype=float)
    d = np.abs(x[:, None] - x[None, :]) / 4
    w = (1 - d if kind == "linear" else 1 - d ** 2).tolist()
    assert ag.gwet_ac(item, value, weights=kind, include_single=True).value == pytest.approx(
        gwet_ac2_by_hand(CAC, w), abs=1e-12)
    pairable = [row for row in CAC if sum(not math.isnan(v) for v in row) >= 2]
    assert ag.gwet_ac(item, value, weights=kind).value == pytest.approx(gwet_ac2_by_hand(pairable, w), abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_fleiss_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    items, raters, q = int(rng.integers(5, 80)), int(rng.integers(2, 8)), int(rng.integers(2, 6))
    truth = rng.integers(0, q, items)
    data = np.where(rng.random((items, raters)) < 0.6, truth[:, None], rng.integers(0, q, (items, raters)))
    table = np.stack([(data == c).sum(1) for c in range(q)], axis=1)
    item = np.repeat(np.arange(items), raters)
    ours = ag.fleiss_kappa(item, data.ravel(), categories=list(range(q)))
    assert ours.value == pytest.approx(fleiss_kappa(table, method="fleiss"), abs=1e-10)
    # nltk's multi-pi (Siegel & Castellan's K) is Fleiss' kappa on complete data
    task = AnnotationTask(data=[(str(r), str(i), int(data[i, r])) for i in range(items) for r in range(raters)])
    assert ours.value == pytest.approx(task.pi(), abs=1e-10)


@pytest.mark.parametrize("weights,wt", [(None, None), ("linear", "linear"), ("quadratic", "quadratic")])
@pytest.mark.parametrize("seed", range(4))
def test_cohen_matches_statsmodels(weights, wt, seed):
    rng = np.random.default_rng(seed)
    n, q = int(rng.integers(10, 300)), int(rng.integers(2, 6))
    x = rng.integers(0, q, n)
    y = np.where(rng.random(n) < 0.5, x, rng.integers(0, q, n))
    table = np.zeros((q, q))
    np.add.at(table, (x, y), 1)
    ref = cohens_kappa(table, wt=wt, return_results=False) if wt else cohens_kappa(table, return_results=False)
    ours = ag.cohen_kappa_table(list(x), list(y), weights=weights, categories=list(range(q)))
    assert ours.value == pytest.approx(ref, abs=1e-10)
    # ordered string categories use their positions for the weights
    names = [f"c{i}" for i in range(q)]
    ours_str = ag.cohen_kappa_table([names[i] for i in x], [names[i] for i in y], weights=weights,
                                    categories=names)
    assert ours_str.value == pytest.approx(ref, abs=1e-10)


def test_pairwise_cohen_matches_single_pairs_and_nltk():
    rng = np.random.default_rng(2)
    items, raters = 50, 4
    truth = rng.integers(0, 3, items)
    data = np.where(rng.random((items, raters)) < 0.7, truth[:, None], rng.integers(0, 3, (items, raters)))
    item = np.repeat(np.arange(items), raters)
    rater = np.tile([f"r{r}" for r in range(raters)], items)
    pw = ag.pairwise_cohen(item, rater, data.ravel())
    names, kappa, overlap = pw.raters, pw.kappa, pw.overlap
    assert names == [f"r{r}" for r in range(raters)] and (overlap[~np.eye(raters, dtype=bool)] == items).all()
    for a in range(raters):
        for b in range(raters):
            if a != b:
                single = ag.cohen_kappa(item, rater, data.ravel(), names[a], names[b])
                assert kappa[a, b] == pytest.approx(single.value, abs=1e-12)
    task = AnnotationTask(data=[(rater[k], str(item[k]), int(data.ravel()[k])) for k in range(len(item))])
    assert np.nanmean(kappa) == pytest.approx(task.kappa(), abs=1e-10)
    assert pw.mean.value == pytest.approx(task.kappa(), abs=1e-10)
    assert pw.mean.n_items == items and pw.mean.n_ratings == items * raters and pw.mean.details["pairs"] == 6


def test_pairwise_cohen_missing_and_min_overlap():
    item = [1, 1, 2, 2, 3, 3, 4, 5]
    rater = ["a", "b", "a", "b", "a", "b", "c", "c"]
    value = ["x", "x", "y", "y", "x", "y", "x", "y"]
    pw = ag.pairwise_cohen(item, rater, value, min_overlap=2)
    names, kappa, overlap = pw.raters, pw.kappa, pw.overlap
    assert names == ["a", "b", "c"] and overlap[0, 1] == 3 and overlap[0, 2] == 0
    # the mean counts the items and ratings of the pairs it averages (a-b on items 1-3), not c's
    assert pw.mean.n_items == 3 and pw.mean.n_ratings == 6
    assert kappa[0, 1] == pytest.approx(cohens_kappa(np.array([[1, 1], [0, 1]]), return_results=False))
    assert np.isnan(kappa[0, 2]) and np.isnan(kappa[2, 2])


def test_cohen_bootstrap_equals_naive_resampling():
    rng = np.random.default_rng(9)
    x = list(rng.integers(0, 3, 60))
    y = [v if rng.random() < 0.6 else int(rng.integers(0, 3)) for v in x]
    est = ag.cohen_kappa_table(x, y, n_boot=40, seed=4)
    w = next(ag.bootstrap_weights(60, 40, seed=4))
    naive = []
    for row in w:
        pick = np.repeat(np.arange(60), row.astype(int))
        naive.append(ag.cohen_kappa_table([x[i] for i in pick], [y[i] for i in pick], categories=[0, 1, 2]).value)
    lo, hi = np.percentile(naive, [2.5, 97.5])
    assert (est.low, est.high) == pytest.approx((lo, hi), abs=1e-12)


def test_degenerate_kappas():
    one_class = ([1, 1, 2, 2], ["joy"] * 4)
    for fn in (ag.fleiss_kappa, ag.gwet_ac):
        est = fn(*one_class)
        assert math.isnan(est.value) and est.reason
    assert ag.percent_agreement(*one_class).value == 1.0
    single = ag.fleiss_kappa([1, 2, 3], ["a", "b", "a"])
    assert math.isnan(single.value) and "two or more" in single.reason
    c = ag.cohen_kappa([1, 2], ["a", "b"], ["x", "y"], "a", "b")
    assert math.isnan(c.value) and "share no item" in c.reason
    same = ag.cohen_kappa_table(["x", "x"], ["x", "x"])
    assert math.isnan(same.value) and "single category" in same.reason
    assert ag.pairwise_cohen([1], [None], ["x"]).raters == []


def test_unknown_category_is_a_clear_error():
    with pytest.raises(ValueError, match="'maybe' is not in categories"):
        ag.fleiss_kappa([1, 1], ["yes", "maybe"], categories=["yes", "no"])
    with pytest.raises(ValueError, match="not in categories"):
        ag.cohen_kappa_table(["yes"], ["maybe"], categories=["yes", "no"])


def test_pair_kappa_and_matrix_agree_on_repeated_ratings():
    """A rater who rated an item twice: the single-pair kappa and the matrix use the same (first) rating."""
    from emodata.annotation.agreement import cohen_kappa, pairwise_cohen
    item = ["i1", "i1", "i1", "i2", "i2", "i3", "i3", "i4", "i4"]
    rater = ["a", "b", "a", "a", "b", "a", "b", "a", "b"]
    value = ["x", "x", "y", "y", "y", "x", "y", "y", "y"]
    single = cohen_kappa(item, rater, value, "a", "b").value
    pw = pairwise_cohen(item, rater, value)
    raters, kappa = pw.raters, pw.kappa
    ia, ib = raters.index("a"), raters.index("b")
    assert single == pytest.approx(kappa[ia, ib])
