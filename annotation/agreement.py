"""Inter-rater agreement from sparse long-format ratings.

Every coefficient is written as a function of *weighted per-item sums*: each item contributes
a row of features (counts, disagreement, sums of values ...) and the coefficient is computed
from ``w @ features``.  The point estimate uses ``w = 1``; the bootstrap draws item weights
(multinomial counts of a resample with replacement) for a chunk of resamples at once and
evaluates them with one matrix product, so 1,000 resamples cost about as much as a few
point estimates.  Nothing builds a dense rater x item matrix; Krippendorff's alpha works
from the (item, value) count matrix and its coincidences.

Inputs are parallel arrays, one element per rating: ``item`` (any hashable id), ``rater``
(id, or ``None`` for an anonymous vote) and ``value``.  Results are :class:`Estimate` objects;
a degenerate input (no item with two ratings, no variation, one rater ...) gives
``value=nan`` and a ``reason``, never an exception or a silent 0.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
from scipy import sparse

LEVELS = ("nominal", "ordinal", "interval", "ratio")
ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


@dataclass
class Estimate:
    """One agreement coefficient with its bootstrap confidence interval."""

    name: str
    value: float
    low: float = math.nan
    high: float = math.nan
    n_items: int = 0
    n_ratings: int = 0
    reason: str | None = None
    details: dict = field(default_factory=dict)
    n_boot: int = 0
    n_boot_valid: int = 0
    ci: float = 0.95

    @property
    def defined(self) -> bool:
        return not math.isnan(self.value)

    def to_dict(self) -> dict:
        def num(x):
            return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)
        return {"name": self.name, "value": num(self.value), "ci_low": num(self.low), "ci_high": num(self.high),
                "ci": self.ci, "n_items": self.n_items, "n_ratings": self.n_ratings, "reason": self.reason,
                "n_boot": self.n_boot, "n_boot_valid": self.n_boot_valid,
                "details": {k: num(v) if isinstance(v, (float, np.floating)) else v for k, v in self.details.items()}}


# --------------------------------------------------------------------------------------------
# bootstrap machinery

def _factorize(values: Sequence) -> tuple[np.ndarray, list]:
    """Codes 0..k-1 and the unique values, sorted when they are plain scalars (else first-seen order)."""
    arr = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if arr.dtype != object:
        uniq, codes = np.unique(arr, return_inverse=True)
        return codes.reshape(-1).astype(np.int64), list(uniq)
    seen: dict = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in arr), dtype=np.int64, count=len(arr))
    uniq = list(seen)
    # sets compare by inclusion (a partial order), so only sort plain scalars
    if all(isinstance(v, (str, int, float, np.number)) for v in uniq):
        try:
            order = sorted(range(len(uniq)), key=uniq.__getitem__)
        except TypeError:
            return codes, uniq
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[order] = np.arange(len(uniq))
        return rank[codes], [uniq[i] for i in order]
    return codes, uniq


def _encode(values: Sequence, categories: Sequence | None) -> tuple[np.ndarray, list]:
    """Category codes: the given ordered ``categories`` (error naming an unknown value) or the observed ones."""
    if categories is None:
        return _factorize(values)
    cats = list(categories)
    lookup = {v: i for i, v in enumerate(cats)}
    try:
        return np.fromiter((lookup[v] for v in values), np.int64, len(values)), cats
    except KeyError as e:
        raise ValueError(f"value {e.args[0]!r} is not in categories {cats}") from None


def bootstrap_weights(n_units: int, n_boot: int, seed: int | np.random.Generator = 0,
                      max_cells: int = 4_000_000) -> Iterable[np.ndarray]:
    """Yield (b, n_units) float arrays of resampling counts, ``n_boot`` rows in total."""
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, max_cells // max(n_units, 1)))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        idx = rng.integers(0, n_units, size=(b, n_units), dtype=np.int32 if n_units < 2**31 else np.int64)
        w = np.empty((b, n_units))
        for row in range(b):  # per-row counting keeps the bins in cache
            w[row] = np.bincount(idx[row], minlength=n_units)
        yield w
        done += b


def _wsum(block, w: np.ndarray) -> np.ndarray:
    """``w @ block`` for a dense or sparse (items x k) block; w is (b, items)."""
    if sparse.issparse(block):
        return np.asarray((block.T @ w.T).T)
    return w @ block


class _Stat:
    """A coefficient as ``finish(weighted sums of per-item feature blocks)``."""

    def __init__(self, blocks: dict, finish: Callable[[dict], dict], n_items: int, cells: int = 0):
        self.blocks, self.finish, self.n_items = blocks, finish, n_items
        self.cells = cells  # temporary array size per resample inside ``finish``

    def at(self, w: np.ndarray) -> dict:
        sums = {k: _wsum(v, w) for k, v in self.blocks.items()}
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.finish(sums)

    def point(self) -> dict:
        return {k: v[0] for k, v in self.at(np.ones((1, self.n_items))).items()}

    def boot(self, n_boot: int, seed) -> np.ndarray:
        """(n_boot, ...) array of the ``value`` output over resamples."""
        width = max(self.n_items, self.cells)
        parts = [self.at(w)["value"] for w in bootstrap_weights(self.n_items, n_boot, seed,
                                                                max_cells=4_000_000 * self.n_items // width)]
        return np.concatenate(parts, axis=0)


def _ci(samples: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring undefined resamples; also the valid counts."""
    valid = np.isfinite(samples)
    q = [(1 - ci) / 2 * 100, (1 + ci) / 2 * 100]
    with warnings.catch_warnings():  # all-NaN columns (never defined) give NaN bounds
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(np.where(valid, samples, np.nan), q, axis=0)
    return lo, hi, valid.sum(axis=0)


def _estimate(name: str, stat: _Stat | None, n_ratings: int, n_boot: int, seed, ci: float,
              reason: str | None = None, undefined_reason: Callable[[dict], str] | None = None) -> Estimate:
    if stat is None or stat.n_items == 0:
        return Estimate(name, math.nan, n_ratings=n_ratings, reason=reason or "no item has two or more ratings",
                        ci=ci)
    pt = stat.point()
    value = float(pt["value"])
    details = {k: float(v) for k, v in pt.items() if k != "value" and np.ndim(v) == 0}
    est = Estimate(name, value, n_items=stat.n_items, n_ratings=n_ratings, details=details, ci=ci)
    if not np.isfinite(value):
        est.value = math.nan
        est.reason = undefined_reason(pt) if undefined_reason else "coefficient undefined for this input"
        return est
    if n_boot > 0:
        lo, hi, nv = _ci(stat.boot(n_boot, seed), ci)
        est.low, est.high, est.n_boot, est.n_boot_valid = float(lo), float(hi), n_boot, int(nv)
    return est


# --------------------------------------------------------------------------------------------
# distances

def masi_distance(a: frozenset, b: frozenset) -> float:
    """MASI distance (Passonneau 2006) between two label sets, with nltk's weights 2/3 and 1/3."""
    a, b = set(a), set(b)
    union = len(a | b)
    if union == 0:
        return 0.0
    inter = len(a & b)
    m = 1.0 if a == b else 2 / 3 if (a <= b or b <= a) else 1 / 3 if inter else 0.0
    return 1.0 - (inter / union) * m


def jaccard_distance(a: frozenset, b: frozenset) -> float:
    """1 - |a & b| / |a | b| (0 for two empty sets)."""
    a, b = set(a), set(b)
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def _distance_matrix(level, cats: list) -> np.ndarray:
    """Krippendorff's delta between categories: nominal 0/1, interval and ratio squared, or a callable."""
    v = len(cats)
    if level == "nominal":
        return 1.0 - np.eye(v)
    if level == "ratio":
        x = np.asarray(cats, dtype=float)
        s = x[:, None] + x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = ((x[:, None] - x[None, :]) / s) ** 2
        return np.where(s == 0, 0.0, d)
    if level == "interval":
        x = np.asarray(cats, dtype=float)
        return (x[:, None] - x[None, :]) ** 2
    d = np.array([[float(level(a, b)) for b in cats] for a in cats])
    if np.any(np.abs(np.diag(d)) > 1e-12):
        raise ValueError("custom distance must be 0 between identical values")
    return d


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha

def _clean(item, value, numeric: bool):
    item = np.asarray(item, dtype=object)
    value = np.asarray(value, dtype=float if numeric else object)
    if len(item) != len(value):
        raise ValueError(f"item and value lengths differ: {len(item)} != {len(value)}")
    keep = np.isfinite(value) if numeric else np.fromiter((v is not None for v in value), bool, len(value))
    return item[keep], value[keep]


def _pairable(item_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep ratings of items with >= 2 ratings; returns mask, compact item codes, counts m_u."""
    m = np.bincount(item_codes)
    mask = m[item_codes] >= 2
    codes, _ = _factorize(item_codes[mask])
    return mask, codes, np.bincount(codes).astype(float) if len(codes) else np.zeros(0)


def _alpha_undefined(pt: dict) -> str:
    return "no variation: every pairable rating has the same value (expected disagreement is 0)"


def _alpha_interval_stat(u: np.ndarray, x: np.ndarray, n_items: int) -> _Stat:
    """Interval alpha for several columns at once (x is ratings x L)."""
    m = np.bincount(u, minlength=n_items).astype(float)
    s1 = np.stack([np.bincount(u, x[:, j], n_items) for j in range(x.shape[1])], axis=1)
    s2 = np.stack([np.bincount(u, x[:, j] ** 2, n_items) for j in range(x.shape[1])], axis=1)
    do = 2 * (m[:, None] * s2 - s1 ** 2) / (m[:, None] - 1)

    def finish(s):
        n = s["m"][:, :1]
        d_o = s["do"] / n
        d_e = 2 * (n * s["s2"] - s["s1"] ** 2) / (n * (n - 1))
        return {"value": 1 - d_o / d_e, "observed": d_o, "expected": d_e}

    return _Stat({"m": m[:, None], "do": do, "s1": s1, "s2": s2}, finish, n_items)


def _alpha_matrix_stat(u: np.ndarray, c: np.ndarray, n_items: int, n_cats: int,
                       delta: np.ndarray | None, ordinal: bool = False) -> _Stat:
    """Alpha with a fixed distance matrix (or the ordinal metric) from (item, value) counts."""
    counts = sparse.coo_matrix((np.ones(len(u)), (u, c)), shape=(n_items, n_cats)).tocsr()
    counts.sum_duplicates()
    m = np.asarray(counts.sum(axis=1)).ravel()
    # pairs of distinct values within an item: o^u_ck = n_uc n_uk / (m_u - 1), c != k
    coo = counts.tocoo()
    er, ec, en = coo.row, coo.col, coo.data
    a, b = _within_item_pairs(er)
    pu, pw = er[a], en[a] * en[b] / (m[er[a]] - 1)
    blocks = {"m": m[:, None], "n": counts}
    if ordinal:
        blocks["o"] = sparse.csr_matrix((pw, (pu, ec[a] * n_cats + ec[b])), shape=(n_items, n_cats * n_cats))
    else:
        blocks["do"] = np.bincount(pu, pw * delta[ec[a], ec[b]], minlength=n_items)[:, None]

    def finish(s):
        n = s["m"][:, 0]
        nc = s["n"]
        if ordinal:
            cs = np.cumsum(nc, axis=1)
            dl = (cs[:, None, :] - cs[:, :, None] + (nc[:, :, None] - nc[:, None, :]) / 2) ** 2
            num_o = (s["o"].reshape(-1, n_cats, n_cats) * dl).sum(axis=(1, 2))
            num_e = np.einsum("bc,bck,bk->b", nc, dl, nc)
        else:
            num_o = s["do"][:, 0]
            num_e = ((nc @ delta) * nc).sum(axis=1)
        d_o, d_e = num_o / n, num_e / (n * (n - 1))
        return {"value": 1 - d_o / d_e, "observed": d_o, "expected": d_e}

    return _Stat(blocks, finish, n_items, cells=n_cats * n_cats * (3 if ordinal else 1))


def krippendorff_alpha(item: Sequence, value: Sequence, level: str | Callable = "nominal", *,
                       categories: Sequence | None = None, n_boot: int = 0, seed=0,
                       ci: float = 0.95) -> Estimate:
    """Krippendorff's alpha from long-format ratings.

    ``level`` is nominal, ordinal, interval, ratio or a callable distance ``d(a, b)`` (e.g.
    :func:`masi_distance` on frozenset values).  ``categories`` fixes the ordered value domain
    for ordinal data (unused categories still count).  ``details`` hold the observed and
    expected disagreement.  Values ``None``/NaN are missing.
    """
    name = f"alpha ({level if isinstance(level, str) else getattr(level, '__name__', 'custom')})"
    if isinstance(level, str) and level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS} or a callable, got {level!r}")
    numeric = level in ("interval", "ratio") or (level == "ordinal" and categories is None)
    item, value = _clean(item, value, numeric)
    n_ratings = len(value)
    if n_ratings == 0:
        return _estimate(name, None, 0, n_boot, seed, ci, reason="no ratings")
    mask, u, _ = _pairable(_factorize(item)[0])
    n_items = int(u.max()) + 1 if len(u) else 0
    if n_items == 0:
        return _estimate(name, None, n_ratings, n_boot, seed, ci,
                         reason="no item has two or more ratings (no overlapping ratings to compare)")
    value = value[mask]
    if level == "interval":
        stat = _alpha_interval_stat(u, value.astype(float)[:, None], n_items)
        f = stat.finish
        stat.finish = lambda s: {k: v[:, 0] for k, v in f(s).items()}
    else:
        c, cats = _encode(value, categories)
        ordinal = level == "ordinal"
        delta = None if ordinal else _distance_matrix(level, cats)
        stat = _alpha_matrix_stat(u, c, n_items, len(cats), delta, ordinal)
    return _estimate(name, stat, n_ratings, n_boot, seed, ci, undefined_reason=_alpha_undefined)


def alpha_per_class(item: Sequence, label_sets: Sequence[Iterable[str]], labels: Sequence[str] | None = None, *,
                    n_boot: int = 0, seed=0, ci: float = 0.95) -> dict[str, Estimate]:
    """Binary nominal alpha for each class: did the rater choose the label or not.

    ``label_sets`` has one element per rating (an iterable of labels; ``None`` = no categorical
    rating).  All classes are evaluated together; the bootstrap resamples items jointly.
    """
    item = np.asarray(item, dtype=object)
    keep = np.fromiter((s is not None for s in label_sets), bool, len(item))
    sets = [s for s, k in zip(label_sets, keep) if k]
    item = item[keep]
    if labels is None:
        labels = sorted({lab for s in sets for lab in s})
    labels = list(labels)
    out: dict[str, Estimate] = {}
    n_ratings = len(sets)
    if n_ratings == 0 or not labels:
        return {lab: Estimate(f"alpha[{lab}]", math.nan, reason="no categorical ratings", ci=ci) for lab in labels}
    mask, u, _ = _pairable(_factorize(item)[0])
    n_items = int(u.max()) + 1 if len(u) else 0
    if n_items == 0:
        return {lab: Estimate(f"alpha[{lab}]", math.nan, n_ratings=n_ratings, ci=ci,
                              reason="no item has two or more ratings") for lab in labels}
    lookup = {lab: j for j, lab in enumerate(labels)}
    pairable = [s for s, k in zip(sets, mask) if k]
    lens = np.fromiter((len(s) for s in pairable), np.int64, len(pairable))
    cols = np.fromiter((lookup.get(lab, -1) for s in pairable for lab in s), np.int64, int(lens.sum()))
    rows = np.repeat(np.arange(len(pairable)), lens)
    x = np.zeros((len(pairable), len(labels)))
    x[rows[cols >= 0], cols[cols >= 0]] = 1.0  # assignment: a label repeated in one rating counts once
    stat = _alpha_interval_stat(u, x, n_items)
    pt = stat.point()
    samples = stat.boot(n_boot, seed) if n_boot > 0 else None
    if samples is not None:
        lo, hi, nv = _ci(samples, ci)
    for j, lab in enumerate(labels):
        v = float(pt["value"][j])
        est = Estimate(f"alpha[{lab}]", v if np.isfinite(v) else math.nan, n_items=n_items, n_ratings=n_ratings,
                       details={"observed": float(pt["observed"][j]), "expected": float(pt["expected"][j]),
                                "prevalence": float(x[:, j].mean())}, ci=ci)
        if not np.isfinite(v):
            est.reason = ("label never chosen" if x[:, j].sum() == 0 else
                          "label chosen by every rating") + " (expected disagreement is 0)"
        elif samples is not None:
            est.low, est.high, est.n_boot, est.n_boot_valid = float(lo[j]), float(hi[j]), n_boot, int(nv[j])
        out[lab] = est
    return out


# --------------------------------------------------------------------------------------------
# Fleiss' kappa, Gwet's AC1/AC2, percent agreement (Gwet 2014 formulas, missing ratings allowed)

def agreement_weights(kind: str | np.ndarray | None, cats: Sequence) -> np.ndarray:
    """Agreement weights (1 on the diagonal): identity, linear, quadratic or a given matrix."""
    q = len(cats)
    if kind is None or (isinstance(kind, str) and kind in ("identity", "unweighted")):
        return np.eye(q)
    if isinstance(kind, str):
        try:
            x = np.asarray(cats, dtype=float)
        except (TypeError, ValueError):  # ordered non-numeric categories: use their positions
            x = np.arange(q, dtype=float)
        span = x.max() - x.min() if q > 1 else 1.0
        diff = np.abs(x[:, None] - x[None, :]) / (span or 1.0)
        if kind == "linear":
            return 1 - diff
        if kind == "quadratic":
            return 1 - diff ** 2
        raise ValueError(f"weights must be identity, linear, quadratic or a matrix, got {kind!r}")
    w = np.asarray(kind, dtype=float)
    if w.shape != (q, q):
        raise ValueError(f"weight matrix must be {q}x{q}")
    return w


def _category_stat(item, value, categories, weights) -> tuple[_Stat | None, int, np.ndarray, list]:
    item, value = _clean(item, value, numeric=False)
    if len(value) == 0:
        return None, 0, np.eye(0), []
    c, cats = _encode(value, categories)
    u, _ = _factorize(item)
    n_items, q = int(u.max()) + 1, len(cats)
    wmat = agreement_weights(weights, cats)
    r = sparse.coo_matrix((np.ones(len(u)), (u, c)), shape=(n_items, q)).tocsr()
    r.sum_duplicates()
    ru = np.asarray(r.sum(axis=1)).ravel()
    # sum_k r_uk (r*_uk - 1) with r*_uk = sum_l w_kl r_ul (= r_uk for identity weights)
    star = r if weights is None or np.array_equal(wmat, np.eye(q)) else sparse.csr_matrix(r @ wmat.T)
    two = ru >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pa_u = np.where(two, (np.asarray(r.multiply(star).sum(axis=1)).ravel() - ru) / (ru * (ru - 1)), 0.0)
    blocks = {"pa": pa_u[:, None], "two": two[:, None].astype(float), "one": np.ones((n_items, 1)),
              "pi": sparse.diags(1 / ru) @ r}
    return _Stat(blocks, lambda s: s, n_items), len(value), wmat, cats


def category_coefficients(item, value, *, weights=None, categories=None, n_boot=0, seed=0,
                          ci=0.95) -> dict[str, Estimate]:
    """Fleiss' kappa, Gwet's AC1/AC2 and percent agreement from one pass and one bootstrap.

    Formulas of Gwet (2014) for a varying number of raters per item: percent agreement over
    items with >= 2 ratings, category prevalences over all rated items.  ``weights`` (linear,
    quadratic or a matrix) turn AC1 into AC2 and weight the percent agreement; Fleiss' kappa
    is always unweighted.
    """
    names = {"fleiss": "Fleiss' kappa", "percent": "percent agreement",
             "gwet": "Gwet's AC1" if weights is None else
             f"Gwet's AC2 ({weights if isinstance(weights, str) else 'custom'})"}
    base, n_ratings, wmat, cats = _category_stat(item, value, categories, weights)
    if base is None or base.blocks["two"].sum() == 0:
        why = "no ratings" if base is None else "no item has two or more ratings"
        return {k: Estimate(n, math.nan, n_ratings=n_ratings, ci=ci, reason=why) for k, n in names.items()}
    weighted = not np.array_equal(wmat, np.eye(len(cats)))
    if weighted:  # Fleiss uses identity weights: keep both percent agreements
        pa_w = base.blocks["pa"]
        base = _category_stat(item, value, categories, None)[0]
        base.blocks["pa_w"] = pa_w
    q = len(cats)

    def finish(t):
        two = t["two"][:, 0]
        pa = t["pa"][:, 0] / two
        pa_w = t["pa_w"][:, 0] / two if weighted else pa
        pi = t["pi"] / t["one"]
        pe_f = (pi ** 2).sum(axis=1)
        pe_g = wmat.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum(axis=1) if q > 1 else np.full(len(pa), np.nan)
        return {"value": np.stack([(pa - pe_f) / (1 - pe_f), (pa_w - pe_g) / (1 - pe_g), pa_w], axis=1),
                "pa": pa, "pa_weighted": pa_w, "pe_fleiss": pe_f, "pe_gwet": pe_g}

    stat = _Stat(base.blocks, finish, base.n_items)
    pt = stat.point()
    if n_boot > 0:
        lo, hi, nv = _ci(stat.boot(n_boot, seed), ci)
    out = {}
    n_items = int(base.blocks["two"].sum())
    for j, (key, details) in enumerate((("fleiss", {"pa": pt["pa"], "pe": pt["pe_fleiss"]}),
                                        ("gwet", {"pa": pt["pa_weighted"], "pe": pt["pe_gwet"]}),
                                        ("percent", {}))):
        v = float(pt["value"][j])
        est = Estimate(names[key], v if np.isfinite(v) else math.nan, n_items=n_items, n_ratings=n_ratings,
                       details={k: float(x) for k, x in details.items()}, ci=ci)
        if not np.isfinite(v):
            est.reason = "chance agreement is 1 (a single category is used)"
        elif n_boot > 0:
            est.low, est.high, est.n_boot, est.n_boot_valid = float(lo[j]), float(hi[j]), n_boot, int(nv[j])
        out[key] = est
    return out


def fleiss_kappa(item, value, *, categories=None, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Fleiss' kappa generalised to a varying number of raters per item (Gwet 2014, ch. 2)."""
    return category_coefficients(item, value, categories=categories, n_boot=n_boot, seed=seed, ci=ci)["fleiss"]


def gwet_ac(item, value, *, weights=None, categories=None, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Gwet's AC1 (``weights=None``) or AC2 (linear / quadratic / matrix weights)."""
    return category_coefficients(item, value, weights=weights, categories=categories, n_boot=n_boot, seed=seed,
                                 ci=ci)["gwet"]


def percent_agreement(item, value, *, weights=None, categories=None, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Share of agreeing rater pairs within items (weighted: credit w_ck), over items with >= 2 ratings."""
    return category_coefficients(item, value, weights=weights, categories=categories, n_boot=n_boot, seed=seed,
                                 ci=ci)["percent"]


# --------------------------------------------------------------------------------------------
# Cohen's kappa (pairs of named raters)

def _pair_values(item, rater, value, a, b):
    """Paired values of raters ``a`` and ``b`` on their common items (a rater's first rating of
    an item counts, as in :func:`pairwise_cohen`)."""
    ia: dict = {}
    ib: dict = {}
    for i, r, v in zip(item, rater, value):
        if v is not None and r in (a, b):
            (ia if r == a else ib).setdefault(i, v)
    common = [i for i in ia if i in ib]
    return [ia[i] for i in common], [ib[i] for i in common]


def cohen_kappa_table(x: Sequence, y: Sequence, *, weights: str | None = None, categories=None,
                      n_boot=0, seed=0, ci=0.95, name: str | None = None) -> Estimate:
    """Cohen's kappa between two paired rating vectors (unweighted, linear or quadratic)."""
    name = name or ("Cohen's kappa" + (f" ({weights})" if weights else ""))
    if len(x) != len(y):
        raise ValueError(f"paired ratings differ in length: {len(x)} != {len(y)}")
    if len(x) == 0:
        return Estimate(name, math.nan, reason="the two raters share no item", ci=ci)
    codes, cats = _encode(list(x) + list(y), categories)
    q, n = len(cats), len(x)
    disagree = 1 - agreement_weights(weights, cats) if q > 1 else np.zeros((1, 1))
    cell = codes[:n] * q + codes[n:]
    table = sparse.csr_matrix((np.ones(n), (np.arange(n), cell)), shape=(n, q * q))

    def finish(s):
        t = s["t"].reshape(-1, q, q)
        tot = t.sum(axis=(1, 2))[:, None, None]
        p = t / tot
        e = p.sum(axis=2)[:, :, None] * p.sum(axis=1)[:, None, :]
        d_o, d_e = (p * disagree).sum(axis=(1, 2)), (e * disagree).sum(axis=(1, 2))
        return {"value": 1 - d_o / d_e, "observed_disagreement": d_o, "expected_disagreement": d_e}

    return _estimate(name, _Stat({"t": table}, finish, n), n, n_boot, seed, ci,
                     undefined_reason=lambda pt: "no variation: both raters use a single category")


def cohen_kappa(item, rater, value, a, b, *, weights=None, categories=None, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Cohen's kappa between named raters ``a`` and ``b`` on the items both rated."""
    x, y = _pair_values(item, rater, value, a, b)
    return cohen_kappa_table(x, y, weights=weights, categories=categories, n_boot=n_boot, seed=seed, ci=ci)


def _within_item_pairs(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j), i != j, of every ordered pair of ratings sharing an item."""
    order = np.argsort(u, kind="stable")
    us = u[order]
    m = np.bincount(us)
    start = np.cumsum(m) - m
    rep = np.repeat(np.arange(len(us)), m[us])
    partner = start[us[rep]] + (np.arange(len(rep)) - np.repeat(np.cumsum(m[us]) - m[us], m[us]))
    keep = partner != rep
    return order[rep[keep]], order[partner[keep]]


def pairwise_cohen(item, rater, value, *, weights=None, categories=None, min_overlap: int = 1
                   ) -> tuple[list, np.ndarray, np.ndarray]:
    """Cohen's kappa for every pair of named raters: (raters, kappa matrix, overlap counts).

    Works from the co-rated pairs only (ratings sharing an item) plus a sparse
    (rater*category x rater) margin product; pairs with fewer than ``min_overlap`` shared
    items, or with undefined kappa, are NaN.  A rater's repeated rating of an item counts once.
    """
    item, rater, value = (np.asarray(x, dtype=object) for x in (item, rater, value))
    keep = np.fromiter(((r is not None) and (v is not None) for r, v in zip(rater, value)), bool, len(item))
    item, rater, value = item[keep], rater[keep], value[keep]
    if len(item) == 0:
        return [], np.zeros((0, 0)), np.zeros((0, 0), dtype=int)
    u, _ = _factorize(item)
    r, raters = _factorize(rater)
    c, cats = _encode(value, categories)
    nr, q = len(raters), len(cats)
    first = np.unique(u * nr + r, return_index=True)[1]  # one rating per (item, rater)
    u, r, c = u[first], r[first], c[first]
    disagree = 1 - agreement_weights(weights, cats) if q > 1 else np.zeros((1, 1))
    i, j = _within_item_pairs(u)
    overlap = np.bincount(r[i] * nr + r[j], minlength=nr * nr).reshape(nr, nr)
    observed = np.bincount(r[i] * nr + r[j], disagree[c[i], c[j]], nr * nr).reshape(nr, nr)
    n_items = int(u.max()) + 1
    x = sparse.csr_matrix((np.ones(len(u)), (u, r * q + c)), shape=(n_items, nr * q))
    y = sparse.csr_matrix((np.ones(len(u)), (u, r)), shape=(n_items, nr))
    marg = np.asarray((x.T @ y).todense()).reshape(nr, q, nr)  # marg[a, c, b]: a said c on items b rated
    mt = marg.transpose(0, 2, 1)                            # mt[a, b, c]
    expected = ((mt @ disagree) * mt.transpose(1, 0, 2)).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = 1 - (observed / overlap) / (expected / overlap.astype(float) ** 2)
    kappa[(overlap < max(min_overlap, 1)) | ~np.isfinite(kappa)] = np.nan
    np.fill_diagonal(kappa, np.nan)
    return list(raters), kappa, overlap


# --------------------------------------------------------------------------------------------
# continuous ratings: Lin's CCC and ICC

def lin_ccc(x: Sequence[float], y: Sequence[float], *, n_boot=0, seed=0, ci=0.95, name="Lin's CCC") -> Estimate:
    """Lin's concordance correlation coefficient of paired values (population moments)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        return Estimate(name, math.nan, n_items=len(x), reason="fewer than two paired values", ci=ci)
    feats = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=1)

    def finish(s):
        n, sx, sy, sxx, syy, sxy = (s["f"][:, i] for i in range(6))
        mx, my = sx / n, sy / n
        vx, vy, cxy = sxx / n - mx ** 2, syy / n - my ** 2, sxy / n - mx * my
        return {"value": 2 * cxy / (vx + vy + (mx - my) ** 2), "mean_difference": mx - my}

    return _estimate(name, _Stat({"f": feats}, finish, len(x)), len(x), n_boot, seed, ci,
                     undefined_reason=lambda pt: "no variation: both series are the same constant")


def icc(item, rater, value, *, n_boot=0, seed=0, ci=0.95) -> dict[str, Estimate]:
    """Intraclass correlations (Shrout & Fleiss 1979; McGraw & Wong naming in ``details``).

    ICC1/ICC1k (one-way random) use every item with >= 2 ratings, allowing a varying number
    of raters (k0 correction).  The two-way forms need a complete design, so they use the
    largest block of items rated by the same set of named raters (reported in ``details``).
    """
    item, rater = np.asarray(item, dtype=object), np.asarray(rater, dtype=object)
    value = np.asarray(value, dtype=float)
    ok = np.isfinite(value)
    item, rater, value = item[ok], rater[ok], value[ok]
    out = {f: _icc_oneway(f, item, value, n_boot, seed, ci) for f in ("ICC1", "ICC1k")}
    out.update(_icc_twoway(item, rater, value, n_boot, seed, ci))
    return out


def _icc_oneway(form, item, value, n_boot, seed, ci) -> Estimate:
    mask, u, k = _pairable(_factorize(item)[0])
    if len(u) == 0:
        return Estimate(form, math.nan, n_ratings=len(value), reason="no item has two or more ratings", ci=ci)
    x = value[mask]
    n_items = int(u.max()) + 1
    s = np.bincount(u, x, n_items)
    ss = np.bincount(u, x * x, n_items)
    feats = np.stack([np.ones(n_items), k, k * k, s, ss, s * s / k], axis=1)
    average = form == "ICC1k"

    def finish(t):
        n, nn, kk, g, sxx, rows = (t["f"][:, i] for i in range(6))
        ssb = rows - g * g / nn
        ssw = sxx - rows
        msb, msw = ssb / (n - 1), ssw / (nn - n)
        k0 = (nn - kk / nn) / (n - 1)
        return {"value": (msb - msw) / msb if average else (msb - msw) / (msb + (k0 - 1) * msw),
                "MSB": msb, "MSW": msw, "k0": k0}

    return _estimate(form, _Stat({"f": feats}, finish, n_items), len(x), n_boot, seed, ci,
                     undefined_reason=lambda pt: "no variation between or within items")


def _complete_block(item, rater, value):
    """Items x raters matrix of the most common rater set (>= 2 raters) among items."""
    named = np.fromiter((r is not None for r in rater), bool, len(rater))
    by_item: dict = {}
    for i, r, v in zip(item[named], rater[named], value[named]):
        by_item.setdefault(i, {})[r] = v
    groups: dict = {}
    for i, d in by_item.items():
        if len(d) >= 2:
            groups.setdefault(tuple(sorted(d, key=str)), []).append(i)
    if not groups:
        return None, None
    raters, items = max(groups.items(), key=lambda kv: (len(kv[1]) * (len(kv[0]) - 1), len(kv[0])))
    return np.array([[by_item[i][r] for r in raters] for i in items]), list(raters)


def _icc_twoway(item, rater, value, n_boot, seed, ci) -> dict[str, Estimate]:
    forms = ("ICC2", "ICC3", "ICC2k", "ICC3k")
    x, raters = _complete_block(item, rater, value)
    if x is None or len(x) < 2:
        why = ("no two items share the same two or more named raters (two-way ICC needs a complete block)")
        return {f: Estimate(f, math.nan, n_ratings=len(value), reason=why, ci=ci) for f in forms}
    n, k = x.shape
    feats = {"x": x, "xx": (x * x).sum(axis=1)[:, None], "r2": (x.sum(axis=1) ** 2)[:, None],
             "one": np.ones((n, 1))}
    out = {}
    for f in forms:
        def finish(t, f=f):
            nn = t["one"][:, 0]
            cols = t["x"]
            g = cols.sum(axis=1)
            c = g * g / (nn * k)
            ssr = t["r2"][:, 0] / k - c
            ssc = (cols ** 2).sum(axis=1) / nn - c
            sse = t["xx"][:, 0] - c - ssr - ssc
            msr, msc, mse = ssr / (nn - 1), ssc / (k - 1), sse / ((nn - 1) * (k - 1))
            v = {"ICC2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / nn),
                 "ICC3": (msr - mse) / (msr + (k - 1) * mse),
                 "ICC2k": (msr - mse) / (msr + (msc - mse) / nn),
                 "ICC3k": (msr - mse) / msr}[f]
            return {"value": v, "MSR": msr, "MSC": msc, "MSE": mse}
        est = _estimate(f, _Stat(feats, finish, n), n * k, n_boot, seed, ci,
                        undefined_reason=lambda pt: "no variation between items")
        est.details["raters"] = [str(r) for r in raters]
        out[f] = est
    return out
