"""What a value means (missing vs a vote), the same items for every coefficient, columnar inputs."""
from __future__ import annotations

import math

import krippendorff
import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from emodata.annotation import agreement as ag


def votes(seed=0, items=60, raters=5, labels=("joy", "anger", "fear", "neutral")):
    """Long-format single-label ratings with some agreement, as plain Python lists."""
    rng = np.random.default_rng(seed)
    item, rater, value = [], [], []
    for i in range(items):
        truth = labels[rng.integers(len(labels))]
        for r in rng.choice(raters, size=int(rng.integers(2, raters + 1)), replace=False):
            item.append(f"s{i}")
            rater.append(f"r{r}")
            value.append(truth if rng.random() < 0.7 else labels[rng.integers(len(labels))])
    return item, rater, value


@pytest.mark.parametrize("marker", [float("nan"), None, ""])
@pytest.mark.parametrize("as_array", [False, True])
def test_missing_values_are_left_out(marker, as_array):
    """NaN, None and "" mean missing (list or ndarray alike): never a category."""
    item, rater, value = votes()
    rng = np.random.default_rng(1)
    holes = rng.random(len(value)) < 0.2
    noisy = [marker if h else v for v, h in zip(value, holes)]
    kept = [k for k, h in enumerate(holes) if not h]
    clean = ([item[k] for k in kept], [rater[k] for k in kept], [value[k] for k in kept])
    if as_array:
        noisy = np.array(noisy, dtype=object)
    assert ag.krippendorff_alpha(item, noisy).value == pytest.approx(
        ag.krippendorff_alpha(clean[0], clean[2]).value, abs=1e-12)
    for key, est in ag.category_coefficients(item, noisy).items():
        assert est.value == pytest.approx(ag.category_coefficients(clean[0], clean[2])[key].value, abs=1e-12)
    pw = ag.pairwise_cohen(item, rater, noisy)
    assert np.allclose(pw.kappa, ag.pairwise_cohen(*clean).kappa, equal_nan=True)
    assert ag.cohen_kappa_table(noisy[:40], value[:40]).n_items == sum(not h for h in holes[:40])


def test_nan_in_numeric_values_is_missing():
    item = [0, 0, 0, 1, 1, 2, 2, 2]
    value = [1.0, 2.0, float("nan"), 3.0, 3.0, None, 2.0, 1.0]
    clean = krippendorff.alpha(reliability_data=[[1, 3, np.nan], [2, 3, 2], [np.nan, np.nan, 1]],
                               level_of_measurement="interval")
    assert ag.krippendorff_alpha(item, value, "interval").value == pytest.approx(clean, abs=1e-12)
    assert ag.krippendorff_alpha(np.array(item), np.array(value, dtype=float), "interval").value == pytest.approx(
        clean, abs=1e-12)


def raw_matrices(item, rater, sets, labels):
    """The krippendorff package's input: raters x items per label, 1 chosen, 0 not chosen, NaN not rated."""
    items, raters = sorted(set(item)), sorted(set(rater))
    mats = {lab: np.full((len(raters), len(items)), np.nan) for lab in labels}
    for i, r, s in zip(item, rater, sets):
        if s is not None:
            for lab in labels:
                mats[lab][raters.index(r), items.index(i)] = float(lab in s)
    return mats


def test_chose_none_is_a_vote_and_none_is_missing():
    """An empty label set is "not chosen" for every class; None (did not rate) is absent.
    Per-class alpha equals the krippendorff package on the raw matrix."""
    rng = np.random.default_rng(3)
    labels = ["joy", "fear", "anger"]
    item, rater, sets = [], [], []
    for i in range(70):
        for r in rng.choice(6, size=int(rng.integers(1, 5)), replace=False):
            u = rng.random()
            s = None if u < 0.1 else set() if u < 0.4 else {lab for lab in labels if rng.random() < 0.4}
            item.append(i)
            rater.append(r)
            sets.append(s)
    mats = raw_matrices(item, rater, sets, labels)
    out = ag.alpha_per_class(item, sets, labels, n_boot=100, seed=2)
    for lab in labels:
        expected = krippendorff.alpha(reliability_data=mats[lab], level_of_measurement="nominal")
        assert out[lab].value == pytest.approx(expected, abs=1e-12)
    assert out["joy"].n_ratings == int((~np.isnan(mats["joy"])).sum()
                                       - (np.sum(~np.isnan(mats["joy"]), axis=0) == 1).sum())
    # dropping the empty sets (the old behaviour) gives a different, wrong value
    no_empty = ag.alpha_per_class(item, [None if s == set() else s for s in sets], labels)
    assert abs(no_empty["joy"].value - out["joy"].value) > 1e-3


def test_columnar_inputs_give_the_same_values():
    item, rater, value = votes(seed=4)
    ref = ag.krippendorff_alpha(item, value)
    cc = ag.category_coefficients(item, value)
    dict_item = pa.chunked_array([pa.array(item[:100]).dictionary_encode(), pa.array(item[100:]).dictionary_encode()])
    for it, val in ((np.array(item, dtype=object), np.array(value, dtype=object)),
                    (dict_item, pa.array(value).dictionary_encode()),
                    (pl.Series(item), pl.Series(value, dtype=pl.Categorical)),
                    (pd_codes(item), value)):
        assert ag.krippendorff_alpha(it, val).value == pytest.approx(ref.value, abs=1e-12)
        assert ag.category_coefficients(it, val)["gwet"].value == pytest.approx(cc["gwet"].value, abs=1e-12)
    sets = [[v] if k % 7 else [v, "fear"] for k, v in enumerate(value)]
    ref_pc = ag.alpha_per_class(item, sets)
    for col in (pa.array(sets), pl.Series(sets)):
        got = ag.alpha_per_class(pa.array(item), col)
        assert {k: e.value for k, e in got.items()} == pytest.approx({k: e.value for k, e in ref_pc.items()},
                                                                     abs=1e-12)


def pd_codes(item):
    """Integer item codes (as a store hands them over): the counting path."""
    return np.unique(np.array(item), return_inverse=True)[1]


def test_sparse_blocks_equal_dense(monkeypatch):
    """Large per-item blocks stay sparse; values and bootstrap intervals are the same as dense."""
    item, rater, value = votes(seed=5, items=80)
    sets = [{v} if k % 5 else {v, "joy"} for k, v in enumerate(value)]
    frozen = [frozenset(s) for s in sets]
    runs = []
    for dense in (True, False):
        monkeypatch.setattr(ag, "_dense_ok", lambda cells, entries, dense=dense: dense)
        runs.append([ag.krippendorff_alpha(item, value, n_boot=50, seed=1),
                     ag.krippendorff_alpha(item, frozen, ag.masi_distance, n_boot=50, seed=1),
                     ag.krippendorff_alpha(item, value, "ordinal", categories=["anger", "fear", "joy", "neutral"],
                                           n_boot=50, seed=1),
                     *ag.category_coefficients(item, value, weights="linear", n_boot=50, seed=1).values(),
                     *ag.alpha_per_class(item, sets, n_boot=50, seed=1).values(),
                     ag.cohen_kappa_table(value[:60], value[60:120], n_boot=50, seed=1),
                     *flat_estimates(ag.label_agreement(item, sets, n_boot=50, seed=1))])
    for dense, sparse in zip(*runs):
        assert (dense.value, dense.low, dense.high) == pytest.approx((sparse.value, sparse.low, sparse.high),
                                                                     abs=1e-12)


def flat_estimates(out: dict) -> list:
    return [e for k, e in out.items() if k != "per_class"] + list(out["per_class"].values())


def test_set_distances_match_the_callables():
    sets = [frozenset(), frozenset({"a"}), frozenset({"a", "b"}), frozenset({"b", "c"}), frozenset({"c"})]
    for fn in (ag.masi_distance, ag.jaccard_distance):
        fast = ag._distance_matrix(fn, sets)
        slow = ag._distance_matrix(lambda a, b, fn=fn: fn(a, b), sets)
        assert np.allclose(fast, slow, atol=1e-15)


def test_per_class_reasons():
    item = ["a", "a", "b", "b", "c"]
    sets = [{"joy"}, {"joy"}, {"joy"}, {"joy"}, {"fear"}]
    out = ag.alpha_per_class(item, sets, ["joy", "fear", "anger"])
    assert "every pairable rating" in out["joy"].reason
    assert "only on items with a single rating" in out["fear"].reason
    assert out["anger"].reason.startswith("label never chosen")
    lone = ag.alpha_per_class(["a", "b"], [{"joy"}, {"fear"}])
    assert all("no item has two or more ratings" in e.reason for e in lone.values())


def test_unhashable_values_and_ordinal_strings_are_clear_errors():
    with pytest.raises(ValueError, match="hashable"):
        ag.krippendorff_alpha([1, 1], [["a"], ["b"]], ag.masi_distance)
    with pytest.raises(ValueError, match="ordered categories"):
        ag.krippendorff_alpha([1, 1, 2, 2], ["lo", "hi", "hi", "hi"], "ordinal")
    assert not math.isnan(ag.krippendorff_alpha([1, 1, 2, 2], ["lo", "hi", "hi", "hi"], "ordinal",
                                                categories=["lo", "hi"]).value)


def test_label_agreement_equals_the_single_coefficients():
    """One pass and one shared bootstrap give exactly what each function gives alone (same resamples)."""
    item, _, value = votes(seed=6, items=70)
    rng = np.random.default_rng(6)
    sets = [None if rng.random() < 0.05 else set() if rng.random() < 0.1 else
            {v} if rng.random() < 0.7 else {v, "joy"} for v in value]
    out = ag.label_agreement(item, sets, n_boot=80, seed=3)
    names = [None if s is None else ag.set_name(s) for s in sets]
    frozen = [None if s is None else frozenset(s) for s in sets]
    singles = {"alpha": ag.krippendorff_alpha(item, names, n_boot=80, seed=3),
               **ag.category_coefficients(item, names, n_boot=80, seed=3),
               "masi": ag.krippendorff_alpha(item, frozen, ag.masi_distance, n_boot=80, seed=3),
               "jaccard": ag.krippendorff_alpha(item, frozen, ag.jaccard_distance, n_boot=80, seed=3),
               **{f"class {k}": e for k, e in ag.alpha_per_class(item, sets, n_boot=80, seed=3).items()}}
    got = {**{k: v for k, v in out.items() if k != "per_class"},
           **{f"class {k}": e for k, e in out["per_class"].items()}}
    assert set(got) == set(singles)
    for key, est in singles.items():
        assert (got[key].value, got[key].low, got[key].high, got[key].n_items, got[key].n_ratings) == pytest.approx(
            (est.value, est.low, est.high, est.n_items, est.n_ratings), abs=1e-12), key
    assert "(none)" in {ag.set_name(s) for s in sets if s is not None}


def test_label_agreement_on_one_rating_per_item():
    out = ag.label_agreement(["a", "b"], [["joy"], ["fear"]])
    assert all("no item has two or more ratings" in out[k].reason for k in ("alpha", "fleiss", "gwet"))
    assert all("no item has two or more ratings" in e.reason for e in out["per_class"].values())


def test_sparse_product_with_dense_and_gathered_columns():
    rng = np.random.default_rng(8)
    rows = rng.integers(0, 500, 3000)
    cols = np.minimum(rng.zipf(1.6, 3000) - 1, 199)          # a few full columns, a long tail of rare ones
    block = ag._Sparse(rows, cols, rng.random(3000), 500, 200)
    dense = np.zeros((500, 200))
    np.add.at(dense, (rows, cols), block.vals)
    w = rng.integers(0, 3, (7, 500)).astype(float)
    assert np.allclose(block.rmul(w), w @ dense, atol=1e-12)
    hcols, _, light_rows = block.split()[:3]
    assert 0 < len(hcols) < 200 and len(light_rows) > 0      # both paths are used
    assert np.allclose(block.col_sums(), dense.sum(axis=0))


@pytest.mark.parametrize("sets", [
    [["joy", "joy"], ["joy"], ["fear"], ["fear", "joy"]],                       # repeated in a pair
    [["joy", "fear", "joy"], ["joy"], ["fear"], ["fear", "anger", "joy"]],      # repeated in a longer list
])
def test_a_label_listed_twice_in_one_rating_is_chosen_once(sets):
    item = ["a", "a", "b", "b"]
    once = [sorted(set(s)) for s in sets]
    for lab, est in ag.alpha_per_class(item, sets).items():
        assert est.value == pytest.approx(ag.alpha_per_class(item, once)[lab].value, nan_ok=True)
        assert est.details["prevalence"] == ag.alpha_per_class(item, once)[lab].details["prevalence"]


def test_bare_strings_are_one_label_each():
    item = ["a", "a", "b", "b", "c", "c"]
    as_lists = [["joy"], ["joy"], ["fear"], ["joy"], ["fear"], ["fear"]]
    expected = {k: e.value for k, e in ag.alpha_per_class(item, as_lists).items()}
    for sets in ([s[0] for s in as_lists], [as_lists[0], "joy", *as_lists[2:]]):   # all strings, and mixed
        got = ag.alpha_per_class(item, sets)
        assert set(got) == {"fear", "joy"}
        assert {k: e.value for k, e in got.items()} == pytest.approx(expected)

    # one label per rating as plain strings: None and "" are missing ratings, not "chose none"
    with_missing = ag.alpha_per_class(item + ["c", "d"], [s[0] for s in as_lists] + [None, ""])
    assert {k: e.n_ratings for k, e in with_missing.items()} == {"fear": 6, "joy": 6}


def test_bootstrap_chunks_give_the_same_intervals_on_one_or_two_cores(monkeypatch):
    """Each chunk of resamples has its own random stream: running them on two threads changes nothing."""
    item, _, value = votes(seed=9, items=60)
    sets = [{v} for v in value]
    monkeypatch.setattr(ag, "MAX_CELLS", 600)                   # ten resamples per chunk: 20 chunks
    runs = []
    for cores in (1, 2):
        monkeypatch.setattr(ag.os, "cpu_count", lambda cores=cores: cores)
        runs.append(flat_estimates(ag.label_agreement(item, sets, n_boot=200, seed=5)))
    for one, two in zip(*runs):
        assert (one.low, one.high, one.n_boot_valid) == (two.low, two.high, two.n_boot_valid)
    assert runs[0][0].low < runs[0][0].value < runs[0][0].high
