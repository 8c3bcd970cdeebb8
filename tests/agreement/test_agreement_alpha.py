"""Krippendorff's alpha against the worked example, the `krippendorff` package and nltk."""
from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance as nltk_masi

from emodata.annotation import agreement as ag

NAN = np.nan
# Krippendorff (2011) "Computing Krippendorff's alpha-reliability", 4 observers x 12 units.
KRIPP = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
         [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]


def long(matrix):
    item, rater, value = [], [], []
    for r, row in enumerate(matrix):
        for i, v in enumerate(row):
            if not (isinstance(v, float) and math.isnan(v)):
                item.append(i)
                rater.append(r)
                value.append(v)
    return item, rater, value


@pytest.mark.parametrize("level,expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                            ("ratio", 0.797)])
def test_worked_example(level, expected):
    item, _, value = long(KRIPP)
    est = ag.krippendorff_alpha(item, value, level)
    assert round(est.value, 3) == expected
    # the 12th unit has a single value: it is left out and the counts say so (40 pairable values)
    assert est.n_items == 11 and est.n_ratings == 40 and est.reason is None
    assert est.value == pytest.approx(1 - est.details["observed"] / est.details["expected"])


def test_worked_example_disagreements():
    item, _, value = long(KRIPP)
    est = ag.krippendorff_alpha(item, value, "nominal")
    # Krippendorff (2011): n = 40 pairable values, n_c = 9, 13, 10, 5, 3; 8 of 40 pairable values disagree
    assert est.details["observed"] == pytest.approx(8 / 40)
    assert est.details["expected"] == pytest.approx((40 ** 2 - (9 ** 2 + 13 ** 2 + 10 ** 2 + 5 ** 2 + 3 ** 2))
                                                    / (40 * 39))


def random_reliability(rng, raters, items, cats, missing):
    truth = rng.integers(0, cats, items)
    data = np.where(rng.random((raters, items)) < 0.6, truth, rng.integers(0, cats, (raters, items))).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data + 1


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("level", ag.LEVELS)
def test_matches_krippendorff_package(seed, level):
    rng = np.random.default_rng(seed)
    data = random_reliability(rng, raters=int(rng.integers(2, 9)), items=int(rng.integers(5, 200)),
                              cats=int(rng.integers(2, 7)), missing=float(rng.uniform(0, 0.5)))
    item, _, value = long(data.tolist())
    ours = ag.krippendorff_alpha(item, value, level)
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours.value == pytest.approx(theirs, abs=1e-9)


def test_continuous_interval_matches_package():
    rng = np.random.default_rng(7)
    base = rng.normal(size=300)
    data = np.round(base + rng.normal(scale=0.5, size=(5, 300)), 1)  # ~70 distinct values keeps the package fast
    data[rng.random(data.shape) < 0.3] = np.nan
    item, _, value = long(data.tolist())
    assert ag.krippendorff_alpha(item, value, "interval").value == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="interval"), abs=1e-9)


def test_ordinal_with_declared_categories_counts_unused():
    item, _, value = long(KRIPP)
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
    ours = ag.krippendorff_alpha(item, [labels[v] for v in value], "ordinal", categories=list("abcdef"))
    theirs = krippendorff.alpha(reliability_data=np.array(KRIPP), level_of_measurement="ordinal",
                                value_domain=[1, 2, 3, 4, 5, 6])
    assert ours.value == pytest.approx(theirs, abs=1e-9)


def test_custom_distance_equals_builtin():
    item, _, value = long(KRIPP)
    nominal = ag.krippendorff_alpha(item, value, lambda a, b: float(a != b))
    assert nominal.value == pytest.approx(ag.krippendorff_alpha(item, value, "nominal").value)
    interval = ag.krippendorff_alpha(item, value, lambda a, b: (a - b) ** 2)
    assert interval.value == pytest.approx(0.849, abs=5e-4)


def test_masi_and_jaccard_match_nltk():
    rng = np.random.default_rng(3)
    labels = ["joy", "anger", "sadness", "fear"]
    triples, item, sets = [], [], []
    for i in range(60):
        for r in rng.choice(5, size=int(rng.integers(2, 5)), replace=False):
            s = frozenset(rng.choice(labels, size=int(rng.integers(1, 3)), replace=False))
            triples.append((f"r{r}", f"i{i}", s))
            item.append(i)
            sets.append(s)
    for ours_d, nltk_d in ((ag.masi_distance, nltk_masi),
                           (ag.jaccard_distance, None)):
        task = AnnotationTask(data=triples, distance=nltk_d or (lambda a, b: ag.jaccard_distance(a, b)))
        assert ag.krippendorff_alpha(item, sets, ours_d).value == pytest.approx(task.alpha(), abs=1e-9)
    for a in [frozenset(), frozenset({"x"}), frozenset({"x", "y"}), frozenset({"y", "z"})]:
        for b in [frozenset({"x"}), frozenset({"x", "y", "z"}), frozenset({"q"})]:
            assert ag.masi_distance(a, b) == pytest.approx(nltk_masi(set(a), set(b)))


def test_per_class_binary_alpha_matches_package():
    rng = np.random.default_rng(5)
    labels = ["a", "b", "c"]
    item, sets, matrices = [], [], {lab: np.full((6, 80), np.nan) for lab in labels}
    for i in range(80):
        for r in rng.choice(6, size=int(rng.integers(1, 5)), replace=False):
            s = {lab for lab in labels if rng.random() < 0.35}
            item.append(i)
            sets.append(s)
            for lab in labels:
                matrices[lab][r, i] = float(lab in s)
    out = ag.alpha_per_class(item, sets, labels, n_boot=200, seed=1)
    for lab in labels:
        assert out[lab].value == pytest.approx(
            krippendorff.alpha(reliability_data=matrices[lab], level_of_measurement="nominal"), abs=1e-9)
        assert out[lab].low <= out[lab].value <= out[lab].high


def test_per_class_never_chosen_is_undefined_with_reason():
    out = ag.alpha_per_class([1, 1, 2, 2], [{"a"}, {"a"}, {"a", "b"}, {"a"}], ["a", "b", "zzz"])
    assert math.isnan(out["zzz"].value) and "never chosen" in out["zzz"].reason
    assert math.isnan(out["a"].value) and "every pairable rating" in out["a"].reason
    assert out["b"].value == pytest.approx(
        krippendorff.alpha(reliability_data=[[0, 1], [0, 0]], level_of_measurement="nominal"))


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    item, _, value = long(KRIPP)
    a = ag.krippendorff_alpha(item, value, "interval", n_boot=500, seed=11)
    b = ag.krippendorff_alpha(item, value, "interval", n_boot=500, seed=11)
    c = ag.krippendorff_alpha(item, value, "interval", n_boot=500, seed=12)
    assert (a.low, a.high) == (b.low, b.high) and (a.low, a.high) != (c.low, c.high)
    assert a.low < a.value <= a.high <= 1 and a.n_boot == 500 and a.n_boot_valid > 450


def test_bootstrap_matches_naive_resampling():
    """The weighted vectorised bootstrap equals recomputing alpha on explicitly resampled items."""
    rng = np.random.default_rng(0)
    data = random_reliability(rng, 4, 40, 4, 0.2)
    item, _, value = long(data.tolist())
    item, value = np.array(item), np.array(value)
    for level in ag.LEVELS:
        d = ag._used(item, value, numeric=level == "interval")
        if level == "interval":
            stat = ag._alpha_interval_stat(d.u, d.c, d.n_items)
        else:
            delta = None if level in ("ordinal", "nominal") else ag._distance_matrix(level, d.cats)
            stat = ag._alpha_counts_stat(ag._block(d.u, d.c, d.n_items, len(d.cats)), delta, level == "ordinal")
        w = next(ag.bootstrap_weights(stat.n_items, 3, seed=5))
        fast = stat.at(w)["value"]
        values = np.array(d.cats)[d.c] if d.cats else d.c
        for row, expected in zip(w, fast):
            pick = np.repeat(np.arange(stat.n_items), row.astype(int))
            # relabel duplicated items so each copy is its own unit
            sel_item, sel_val = [], []
            for copy, unit in enumerate(pick):
                vals = values[d.u == unit]
                sel_item += [copy] * len(vals)
                sel_val += list(vals)
            assert expected == pytest.approx(ag.krippendorff_alpha(sel_item, sel_val, level).value, abs=1e-9)


@pytest.mark.parametrize("item,value,why", [
    ([1, 2, 3], [1, 2, 3], "no item has two or more ratings"),         # one rater / no overlap
    ([1, 1, 2, 2], [3, 3, 3, 3], "no variation"),                       # all values identical
    ([], [], "no ratings"),
])
def test_degenerate_alpha(item, value, why):
    for level in ag.LEVELS:
        est = ag.krippendorff_alpha(item, value, level, n_boot=50)
        assert math.isnan(est.value) and why in est.reason
        assert est.to_dict()["value"] is None


def test_invalid_level_and_unknown_category():
    with pytest.raises(ValueError, match="level must be one of"):
        ag.krippendorff_alpha([1, 1], [1, 2], "cardinal")
    with pytest.raises(ValueError, match="not in categories"):
        ag.krippendorff_alpha([1, 1], ["a", "x"], "ordinal", categories=["a", "b"])
