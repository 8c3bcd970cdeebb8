"""Inter-rater agreement from sparse long-format ratings.

Inputs are parallel columns, one element per rating: ``item`` (any hashable id), ``rater``
(id, or ``None`` for an anonymous vote) and ``value``.  Lists, numpy arrays, pyarrow arrays
(dictionary-encoded Parquet columns are used as they are) and polars Series are accepted;
strings and numbers are factorised by pyarrow's hash kernels, other hashable values (label
frozensets) in Python.

What a value means: ``None``, NaN and the empty string are *missing* (the rater did not give
that value); they never form a category.  For multi-label ratings (:func:`alpha_per_class`)
``None`` is missing while an empty label set is a vote: the rater saw the item and chose none
of the labels, which counts as "not chosen" for every class.

Every coefficient uses the same items: those with two or more usable ratings (a single
rating cannot be compared with anything); ``n_items`` and ``n_ratings`` of each result count
exactly the items and ratings it used.  Each coefficient is a function of *weighted per-item
sums*: the point estimate weighs every item 1, the bootstrap draws multinomial item counts for
a chunk of resamples at once and evaluates them with one matrix product.  Nothing builds a
rater x item matrix.  A degenerate input gives ``value=nan`` and a ``reason``, never an
exception or a silent 0.
"""
from __future__ import annotations

import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain
from typing import Callable, Iterable, NamedTuple, Sequence

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
DENSE_CELLS = 1 << 21     # a per-item block up to this size is a dense array, larger ones stay sparse
MAX_CELLS = 2_000_000     # cells of the resample-weight chunk (and its temporaries) in the bootstrap


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
# input coding

def is_missing(v) -> bool:
    """``None``, NaN or the empty string: the rater gave no value."""
    return v is None or (isinstance(v, (float, np.floating)) and v != v) or (isinstance(v, str) and v == "")


def _arrow(values):
    """``values`` as one pyarrow Array of plain scalars (strings, numbers, booleans), or None."""
    import pyarrow as pa
    if hasattr(values, "to_arrow") and not isinstance(values, (pa.Array, pa.ChunkedArray)):  # polars Series
        values = values.to_arrow()
    try:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()   # dictionary chunks are unified
        elif not isinstance(values, pa.Array):
            if isinstance(values, np.ndarray) and values.dtype.kind == "f":
                values = values + 0.0            # -0.0 and 0.0 are one value
            try:  # the common case: string ids and labels
                values = pa.array(values, type=pa.string())
            except (pa.ArrowException, TypeError, ValueError):
                values = pa.array(values, from_pandas=True)   # NaN -> null
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    t = values.type.value_type if pa.types.is_dictionary(values.type) else values.type
    plain = (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
             or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t))
    return values if plain else None


def _small_ints(values) -> bool:
    return (isinstance(values, np.ndarray) and values.dtype.kind in "iu" and len(values) > 0
            and values.min() >= 0 and values.max() < 4 * len(values) + 1024)


def encode(values, *, sort: bool = True, uniques: bool = True) -> tuple[np.ndarray, list | None]:
    """Codes ``0..k-1`` per element (``-1`` = missing) and the ``k`` distinct values.

    Uniques are sorted when they are all strings or all numbers (else first-seen order);
    ``uniques=False`` skips building them (item ids: only the grouping matters)."""
    if _small_ints(values):  # already codes (e.g. sample positions): a counting pass, no hashing
        present = np.bincount(values) > 0
        return (np.cumsum(present) - 1)[values], np.flatnonzero(present).tolist() if uniques else None
    arr = _arrow(values)
    if arr is None:
        return _encode_objects(values, sort)
    import pyarrow as pa
    import pyarrow.compute as pc
    if pa.types.is_null(arr.type):
        return np.full(len(arr), -1, np.int64), []
    given = pa.types.is_dictionary(arr.type)
    enc = arr if given else arr.dictionary_encode()
    idx = enc.indices
    if idx.null_count:
        idx = pc.fill_null(pc.cast(idx, pa.int64()), -1)
    codes = idx.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    d = enc.dictionary
    keep = np.ones(len(d), bool)
    if given and uniques:  # a dictionary read from a file (or filtered) may hold unused values
        keep = np.bincount(codes[codes >= 0], minlength=len(d)) > 0
    if pa.types.is_floating(d.type):
        keep &= ~pc.fill_null(pc.is_nan(d), True).to_numpy(zero_copy_only=False)
    elif not pa.types.is_integer(d.type) and not pa.types.is_boolean(d.type):
        keep &= ~pc.fill_null(pc.equal(d, ""), True).to_numpy(zero_copy_only=False)
    order = np.flatnonzero(keep)
    if sort and uniques:
        order = order[pc.sort_indices(d.take(pa.array(order))).to_numpy()]
    if len(order) < len(d) or (order != np.arange(len(d))).any():
        remap = np.full(len(d) + 1, -1, np.int64)   # the extra slot maps -1 (missing) to itself
        remap[order] = np.arange(len(order))
        codes = remap[codes]
    return codes, d.take(pa.array(order)).to_pylist() if uniques else None


def _encode_objects(values, sort: bool) -> tuple[np.ndarray, list]:
    """:func:`encode` for hashable Python objects pyarrow has no type for (label frozensets, mixed types)."""
    seen: dict = {}
    try:
        codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), np.int64, len(values))
    except TypeError as e:
        raise ValueError(f"rating values must be hashable (use tuples or frozensets for label sets): {e}") from None
    uniq = list(seen)
    keep = [i for i, v in enumerate(uniq) if not is_missing(v)]
    if sort and (all(isinstance(uniq[i], str) for i in keep)
                 or all(isinstance(uniq[i], (bool, int, float, np.number)) for i in keep)):
        keep.sort(key=uniq.__getitem__)
    remap = np.full(len(uniq) + 1, -1, np.int64)
    remap[keep] = np.arange(len(keep))
    return remap[codes], [uniq[i] for i in keep]


def numbers(values) -> np.ndarray:
    """Float array, NaN = missing (``None``, null and NaN alike)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(float)
    arr = _arrow(values)
    if arr is not None and not hasattr(arr, "dictionary"):
        import pyarrow as pa
        import pyarrow.compute as pc
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    return np.array([math.nan if is_missing(v) else float(v) for v in values], dtype=float)


def _apply_categories(codes: np.ndarray, uniq: list, categories: Sequence) -> tuple[np.ndarray, list]:
    """Re-code onto the declared ordered ``categories`` (a clear error names an unknown value)."""
    cats = list(categories)
    lookup = {v: i for i, v in enumerate(cats)}
    unknown = [v for v in uniq if v not in lookup]
    if unknown:
        raise ValueError(f"value {unknown[0]!r} is not in categories {cats}")
    pos = np.array([lookup[v] for v in uniq] + [-1], dtype=np.int64)
    return pos[codes], cats


def _list_array(sets: list):
    """Label lists as an Arrow list array (strings factorised while read), or None for other objects."""
    import pyarrow as pa
    for t, nan_is_null in ((pa.list_(pa.dictionary(pa.int32(), pa.string())), False),   # the common case, fastest
                           (pa.list_(pa.dictionary(pa.int32(), pa.string())), True), (None, True)):
        try:
            return pa.array(sets, type=t, from_pandas=nan_is_null)
        except (pa.ArrowException, TypeError, ValueError):
            continue
    return None


def label_lists(label_sets) -> tuple[np.ndarray, np.ndarray, list]:
    """Flatten per-rating label sets: (length per rating, -1 = missing; flat label codes; label names).

    ``label_sets``: a sequence of iterables (``None``/NaN = missing, empty = chose none, a bare
    string is one label), or a pyarrow / polars list column (null = missing)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    arr = label_sets.to_arrow() if hasattr(label_sets, "to_arrow") else label_sets
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not isinstance(arr, pa.Array):
        sets = label_sets if isinstance(label_sets, list) else list(label_sets)
        arr = _list_array(sets)
        if arr is not None and pa.types.is_list(arr.type) and pa.types.is_dictionary(arr.type.value_type) and len(
                arr.values.dictionary) and pc.min(pc.utf8_length(arr.values.dictionary)).as_py() == 1 and any(
                isinstance(x, str) for x in sets):   # a bare string was read as its characters: it is one label
            sets = [(x,) if isinstance(x, str) else x for x in sets]
            arr = _list_array(sets)
    if arr is not None and (pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type)):
        lens = pc.fill_null(pc.list_value_length(arr), -1).to_numpy(zero_copy_only=False).astype(np.int64)
        flat = pc.list_flatten(arr)
    elif arr is not None and not pa.types.is_nested(arr.type):  # one label per rating; null or "" = missing
        flat = arr
        given = arr.is_valid()
        if not pa.types.is_integer(arr.type) and not pa.types.is_floating(arr.type):
            given = pc.and_(given, pc.fill_null(pc.not_equal(arr, ""), False))
        lens = np.where(given.to_numpy(zero_copy_only=False), 1, -1)
    else:
        lens = np.fromiter((-1 if is_missing(s) else len(s) for s in sets), np.int64, len(sets))
        flat = list(chain.from_iterable(s for s, n in zip(sets, lens) if n > 0))
    codes, names = encode(flat)
    return lens, codes, names


# --------------------------------------------------------------------------------------------
# per-item blocks and the bootstrap

class _Sparse:
    """An (n_rows x n_cols) matrix as (row, col, value) triplets (a repeated cell adds up);
    ``w @ matrix`` without scipy: columns filled enough for a matrix product go dense, the rest
    is gathered."""

    def __init__(self, rows, cols, vals, n_rows: int, n_cols: int):
        self.rows, self.cols, self.vals = rows, cols, np.asarray(vals, float)
        self.shape = (n_rows, n_cols)
        self._split = None

    def col_sums(self) -> np.ndarray:
        return np.bincount(self.cols, self.vals, self.shape[1])

    def split(self):
        """(columns filled enough for a matrix product, their dense block, the other cells sorted by
        column: rows, values, columns present, start of each column): computed once.  A gathered
        cell costs about what a dense product spends on 32 rows."""
        if self._split is None:
            n_rows, n_cols = self.shape
            heavy = np.bincount(self.cols, minlength=n_cols) * 32 >= n_rows
            hcols = np.flatnonzero(heavy)
            h = heavy[self.cols]
            dense = np.bincount(self.rows[h] * len(hcols) + (np.cumsum(heavy) - 1)[self.cols[h]], self.vals[h],
                                n_rows * len(hcols)).reshape(n_rows, len(hcols))
            order = np.flatnonzero(~h)[np.argsort(self.cols[~h], kind="stable")]
            present, starts = np.unique(self.cols[order], return_index=True)
            self._split = (hcols, dense, self.rows[order], self.vals[order], present, starts)
        return self._split

    def rmul(self, w: np.ndarray, heavy_product: np.ndarray | None = None,
             gathered: np.ndarray | None = None) -> np.ndarray:
        """``w @ matrix``; ``heavy_product`` (``w @`` the dense block) and ``gathered`` (``w[:, rows]`` of
        the other cells) when already computed."""
        hcols, dense, rows, vals, present, starts = self.split()
        out = np.zeros((len(w), self.shape[1]))
        if len(hcols):
            out[:, hcols] = w @ dense if heavy_product is None else heavy_product
        if len(rows):
            g = w[:, rows] if gathered is None else gathered
            out[:, present] = np.add.reduceat(g * vals, starts, axis=1)
        return out

    def row_sums(self, power: int = 1) -> np.ndarray:
        return np.bincount(self.rows, self.vals ** power, self.shape[0])

    def scaled_rows(self, f: np.ndarray) -> "_Sparse":
        """Every row multiplied by ``f``; shares this block's layout (its gathered rows are gathered once)."""
        out = _Sparse(self.rows, self.cols, self.vals * f[self.rows], *self.shape)
        hcols, dense, rows, vals, present, starts = self.split()
        out._split = (hcols, dense * f[:, None], rows, vals * f[rows], present, starts)
        return out


def _dense_ok(cells: int, entries: int) -> bool:
    """A per-item block of ``cells`` filled from ``entries`` values is kept dense."""
    return cells <= max(DENSE_CELLS, 4 * entries)


def _block(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, weights=None, dense: bool = True):
    """Summed (row, col) counts or weights: a dense array when wanted and small enough, else :class:`_Sparse`."""
    if dense and _dense_ok(n_rows * n_cols, len(rows)):
        return np.bincount(rows * n_cols + cols, weights, n_rows * n_cols).reshape(n_rows, n_cols).astype(float)
    keys, inv = np.unique(rows * n_cols + cols, return_inverse=True)
    return _Sparse(keys // n_cols, keys % n_cols, np.bincount(inv, weights), n_rows, n_cols)


def _entries(block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, value) of the non-zero cells."""
    if isinstance(block, _Sparse):
        return block.rows, block.cols, block.vals
    rows, cols = np.nonzero(block)
    return rows, cols, block[rows, cols]


def _row_sums(block, power: int = 1) -> np.ndarray:
    return block.row_sums(power) if isinstance(block, _Sparse) else (block ** power).sum(axis=1)


def _quad(block, m: np.ndarray) -> np.ndarray:
    """Per row ``r @ m @ r`` (``m`` is q x q)."""
    if not isinstance(block, _Sparse):
        return ((block @ m) * block).sum(axis=1)
    i, j = _within_item_pairs(block.rows)
    cross = np.bincount(block.rows[i], block.vals[i] * block.vals[j] * m[block.cols[i], block.cols[j]],
                        block.shape[0])
    return cross + np.bincount(block.rows, block.vals ** 2 * m[block.cols, block.cols], block.shape[0])


def _wsum(block, w: np.ndarray) -> np.ndarray:
    return block.rmul(w) if isinstance(block, _Sparse) else w @ block


def _chunks(n_units: int, n_boot: int, max_cells: int) -> list[int]:
    size = max(1, min(n_boot, max_cells // max(n_units, 1)))
    return [min(size, n_boot - k) for k in range(0, n_boot, size)]


def _streams(seed: int | np.random.Generator, n: int) -> list:
    """One independent random stream per chunk of resamples, so chunks can run in any order."""
    return seed.spawn(n) if isinstance(seed, np.random.Generator) else np.random.SeedSequence(seed).spawn(n)


def _weights(n_units: int, b: int, stream) -> np.ndarray:
    """(b, n_units) multinomial counts of ``b`` resamples of ``n_units`` items with replacement."""
    idx = np.random.default_rng(stream).integers(0, n_units, size=(b, n_units),
                                                 dtype=np.int32 if n_units < 2 ** 31 else np.int64)
    w = np.empty((b, n_units))
    for row in range(b):  # per-row counting keeps the bins in cache; int64 is bincount's fast path
        w[row] = np.bincount(idx[row].astype(np.int64), minlength=n_units)
    return w


def bootstrap_weights(n_units: int, n_boot: int, seed: int | np.random.Generator = 0,
                      max_cells: int = MAX_CELLS) -> Iterable[np.ndarray]:
    """Yield (b, n_units) float arrays of resampling counts, ``n_boot`` rows in total."""
    sizes = _chunks(n_units, n_boot, max_cells)
    for b, stream in zip(sizes, _streams(seed, len(sizes))):
        yield _weights(n_units, b, stream)


class _Stat:
    """A coefficient as ``finish(weighted sums of per-item feature blocks)``."""

    def __init__(self, blocks: dict, finish: Callable[[dict], dict], n_items: int, cells: int = 0):
        self.blocks, self.finish, self.n_items = blocks, finish, n_items
        self.cells = cells  # temporary cells per resample inside ``finish``

    def at(self, w: np.ndarray) -> dict:
        return self._finish({k: _wsum(v, w) for k, v in self.blocks.items()})

    def _finish(self, sums: dict) -> dict:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.finish(sums)

    def point(self) -> dict:
        sums = {k: (v.col_sums() if isinstance(v, _Sparse) else v.sum(axis=0))[None] for k, v in self.blocks.items()}
        return {k: v[0] for k, v in self._finish(sums).items()}

    def boot(self, n_boot: int, seed) -> np.ndarray:
        """(n_boot, ...) array of the ``value`` output over resamples."""
        return _boot_together([self], n_boot, seed)[0]


def _boot_together(stats: list[_Stat], n_boot: int, seed) -> list[np.ndarray]:
    """Bootstrap several coefficients of the same items with the same resamples.  Every dense
    block (and the dense part of every sparse one) goes into one stacked matrix, so each chunk of
    resamples costs one matrix product; a block shared by several coefficients counts once."""
    blocks = {id(b): b for st in stats for b in st.blocks.values()}
    parts = [b.split()[1] if isinstance(b, _Sparse) else b.reshape(len(b), -1) for b in blocks.values()]
    stacked = np.concatenate(parts, axis=1)
    bounds = np.cumsum([0] + [p.shape[1] for p in parts])
    n_items = stats[0].n_items
    width = max([n_items, 1] + [len(b.split()[2]) for b in blocks.values() if isinstance(b, _Sparse)]
                + [st.cells for st in stats])
    sizes = _chunks(n_items, n_boot, MAX_CELLS * n_items // width)
    streams = _streams(seed, len(sizes))

    def chunk(k: int) -> list[np.ndarray]:
        w = _weights(n_items, sizes[k], streams[k])
        product = w @ stacked
        sums, gathered = {}, {}
        for (key, b), lo, hi in zip(blocks.items(), bounds[:-1], bounds[1:]):
            if isinstance(b, _Sparse):
                rows = b.split()[2]
                if id(rows) not in gathered:
                    gathered[id(rows)] = w[:, rows]
                sums[key] = b.rmul(w, product[:, lo:hi], gathered[id(rows)])
            else:
                sums[key] = product[:, lo:hi]
        return [st._finish({name: sums[id(b)] for name, b in st.blocks.items()})["value"] for st in stats]

    workers = min(2, os.cpu_count() or 1, len(sizes))   # numpy releases the GIL: chunks run on both cores
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            done = list(pool.map(chunk, range(len(sizes))))
    else:
        done = [chunk(k) for k in range(len(sizes))]
    return [np.concatenate([values[j] for values in done], axis=0) for j in range(len(stats))]


def _ci(samples: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring undefined resamples; also the valid counts."""
    valid = np.isfinite(samples)
    q = [(1 - ci) / 2 * 100, (1 + ci) / 2 * 100]
    with warnings.catch_warnings():  # all-NaN columns (never defined) give NaN bounds
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(np.where(valid, samples, np.nan), q, axis=0)
    return lo, hi, valid.sum(axis=0)


def _estimate(name: str, stat: _Stat | None, n_ratings: int, n_boot: int, seed, ci: float,
              reason: str | None = None, undefined_reason: Callable[[dict], str] | None = None,
              samples: np.ndarray | None = None) -> Estimate:
    """One Estimate from a stat: its point value, and the interval over ``samples`` (or its own bootstrap)."""
    if stat is None or stat.n_items == 0:
        return Estimate(name, math.nan, reason=reason or NO_PAIRS, ci=ci)
    pt = stat.point()
    value = float(pt["value"])
    details = {k: float(v) for k, v in pt.items() if k != "value" and np.ndim(v) == 0}
    est = Estimate(name, value, n_items=stat.n_items, n_ratings=n_ratings, details=details, ci=ci)
    if not np.isfinite(value):
        est.value = math.nan
        est.reason = undefined_reason(pt) if undefined_reason else "coefficient undefined for this input"
        return est
    if n_boot > 0:
        lo, hi, nv = _ci(stat.boot(n_boot, seed) if samples is None else samples, ci)
        est.low, est.high, est.n_boot, est.n_boot_valid = float(lo), float(hi), n_boot, int(nv)
    return est


NO_PAIRS = "no item has two or more ratings (one rating per item: nothing to compare)"


# --------------------------------------------------------------------------------------------
# the items every coefficient uses

class _Used(NamedTuple):
    """Ratings of the items with two or more usable ratings, with compact codes."""

    u: np.ndarray          # item code per used rating, 0..n_items-1
    c: np.ndarray          # category code (categorical) or value (numeric) per used rating
    cats: list             # categories (categorical) or [] (numeric)
    n_items: int
    n_given: int           # usable ratings before dropping single-rating items


def _pairable(u: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Mask of usable ratings on items with >= 2 of them, their compact item codes, the item count."""
    if not ok.any():
        return ok, np.zeros(0, np.int64), 0
    if ok.all():
        pair = np.bincount(u) >= 2
        if pair.all():   # every item rated twice or more: ``u`` is already compact
            return ok, u, len(pair)
        mask = pair[u]
    else:
        pair = np.bincount(u[ok]) >= 2
        mask = ok.copy()
        mask[ok] = pair[u[ok]]
    compact = np.cumsum(pair) - 1
    return mask, compact[u] if mask.all() else compact[u[mask]], int(pair.sum())


def _compact(c: np.ndarray, cats: list) -> tuple[np.ndarray, list]:
    """Keep only the categories that occur in ``c``."""
    present = np.bincount(c, minlength=len(cats)) > 0
    if present.all():
        return c, cats
    return (np.cumsum(present) - 1)[c], [v for v, p in zip(cats, present) if p]


def _used(item, value, *, numeric: bool = False, categories=None) -> _Used:
    if len(item) != len(value):
        raise ValueError(f"item and value lengths differ: {len(item)} != {len(value)}")
    u, _ = encode(item, sort=False, uniques=False)
    if numeric:
        x = numbers(value)
        ok = (u >= 0) & np.isfinite(x)
        mask, uu, n = _pairable(u, ok)
        return _Used(uu, x[mask], [], n, int(ok.sum()))
    c, cats = encode(value)
    if categories is not None:
        c, cats = _apply_categories(c, cats, categories)
    ok = (u >= 0) & (c >= 0)
    mask, uu, n = _pairable(u, ok)
    c = c[mask]
    if categories is None:  # categories of the used ratings only
        c, cats = _compact(c, cats)
    return _Used(uu, c, cats, n, int(ok.sum()))


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


def _set_distances(level, cats: list) -> np.ndarray:
    """MASI / Jaccard between every two label sets at once (a sets x labels indicator matrix)."""
    labels = {lab: j for j, lab in enumerate(sorted({x for s in cats for x in s}, key=str))}
    ind = np.zeros((len(cats), len(labels)))
    for i, s in enumerate(cats):
        ind[i, [labels[x] for x in s]] = 1.0
    inter = ind @ ind.T
    size = ind.sum(axis=1)
    union = size[:, None] + size[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(union > 0, inter / union, 1.0)
    if level is jaccard_distance:
        return 1.0 - share
    small = np.minimum(size[:, None], size[None, :])
    m = np.where(inter == union, 1.0, np.where(inter == small, 2 / 3, np.where(inter > 0, 1 / 3, 0.0)))
    return np.where(union > 0, 1.0 - share * m, 0.0)


def _distance_matrix(level, cats: list) -> np.ndarray:
    """Krippendorff's delta between categories: nominal 0/1, interval and ratio squared, or a callable."""
    v = len(cats)
    if level == "nominal":
        return 1.0 - np.eye(v)
    if level in ("ratio", "interval"):
        x = np.asarray(cats, dtype=float)
        d = (x[:, None] - x[None, :]) ** 2
        if level == "interval":
            return d
        s = x[:, None] + x[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s == 0, 0.0, d / s ** 2)
    if level in (masi_distance, jaccard_distance) and all(isinstance(c, frozenset) for c in cats):
        return _set_distances(level, cats)
    d = np.array([[float(level(a, b)) for b in cats] for a in cats]).reshape(v, v)
    if np.any(np.abs(np.diag(d)) > 1e-12):
        raise ValueError("custom distance must be 0 between identical values")
    return d


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha

def _alpha_undefined(pt: dict) -> str:
    return "no variation: every pairable rating has the same value (expected disagreement is 0)"


def _alpha_interval_stat(u: np.ndarray, x: np.ndarray, n_items: int) -> _Stat:
    """Interval alpha of one column from per-item sums of x and x^2 (closed form)."""
    m = np.bincount(u, minlength=n_items).astype(float)
    s1, s2 = np.bincount(u, x, n_items), np.bincount(u, x * x, n_items)
    do = 2 * (m * s2 - s1 ** 2) / (m - 1)

    def finish(s):
        n, t1, t2 = s["f"][:, 0], s["f"][:, 2], s["f"][:, 3]
        d_o = s["f"][:, 1] / n
        d_e = 2 * (n * t2 - t1 ** 2) / (n * (n - 1))
        return {"value": 1 - d_o / d_e, "observed": d_o, "expected": d_e}

    return _Stat({"f": np.stack([m, do, s1, s2], axis=1)}, finish, n_items)


def _alpha_counts_stat(counts, delta: np.ndarray | None = None, ordinal: bool = False) -> _Stat:
    """Alpha from an (item x value) count block: a fixed distance matrix (``None`` = nominal) or
    the ordinal metric, which depends on the value margins and is redone for every resample."""
    n_items, n_cats = counts.shape
    m = _row_sums(counts)
    blocks = {"m": m[:, None], "n": counts}
    if ordinal:  # coincidences o_uck = n_uc n_uk / (m_u - 1), c != k
        rows, cols, vals = _entries(counts)
        i, j = _within_item_pairs(rows)
        blocks["o"] = _block(rows[i], cols[i] * n_cats + cols[j], n_items, n_cats * n_cats,
                             vals[i] * vals[j] / (m[rows[i]] - 1))
    elif delta is None:
        blocks["do"] = ((m ** 2 - _row_sums(counts, 2)) / (m - 1))[:, None]
    else:
        blocks["do"] = (_quad(counts, delta) / (m - 1))[:, None]

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
            num_e = n ** 2 - (nc ** 2).sum(axis=1) if delta is None else ((nc @ delta) * nc).sum(axis=1)
        d_o, d_e = num_o / n, num_e / (n * (n - 1))
        return {"value": 1 - d_o / d_e, "observed": d_o, "expected": d_e}

    return _Stat(blocks, finish, n_items, cells=n_cats * n_cats * 3 if ordinal else n_cats)


def krippendorff_alpha(item: Sequence, value: Sequence, level: str | Callable = "nominal", *,
                       categories: Sequence | None = None, n_boot: int = 0, seed=0,
                       ci: float = 0.95) -> Estimate:
    """Krippendorff's alpha from long-format ratings.

    ``level`` is nominal, ordinal, interval, ratio or a callable distance ``d(a, b)`` (e.g.
    :func:`masi_distance` on frozenset values).  ``categories`` fixes the ordered value domain
    for ordinal data (unused categories still count).  ``details`` hold the observed and
    expected disagreement.  Missing values (``None``, NaN, ``""``) are left out.
    """
    name = f"alpha ({level if isinstance(level, str) else getattr(level, '__name__', 'custom')})"
    if isinstance(level, str) and level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS} or a callable, got {level!r}")
    d = _used(item, value, numeric=level == "interval", categories=categories)
    if level in ("ordinal", "ratio") and categories is None and not all(
            isinstance(v, (bool, int, float, np.number)) for v in d.cats):
        raise ValueError(f"{level} alpha needs numeric values or the ordered categories= (got {d.cats[:3]} ...)")
    if d.n_given == 0:
        return _estimate(name, None, 0, n_boot, seed, ci, reason="no ratings")
    if d.n_items == 0:
        return _estimate(name, None, 0, n_boot, seed, ci)
    if level == "interval":
        stat = _alpha_interval_stat(d.u, d.c, d.n_items)
    else:
        delta = None if level in ("ordinal", "nominal") else _distance_matrix(level, d.cats)
        stat = _alpha_counts_stat(_block(d.u, d.c, d.n_items, len(d.cats)), delta, level == "ordinal")
    return _estimate(name, stat, len(d.u), n_boot, seed, ci, undefined_reason=_alpha_undefined)


def _repeats_a_label(lens: np.ndarray, flat: np.ndarray) -> bool:
    """Whether a rating lists one label twice (``flat``: every rating's labels in order)."""
    per = np.maximum(lens, 0)
    start = np.cumsum(per) - per
    two = start[lens == 2]                                  # most multi-label ratings: compare the pair
    if np.any((flat[two] == flat[two + 1]) & (flat[two] >= 0)):
        return True
    if not np.any(lens > 2):
        return False
    rix = np.repeat(np.arange(len(lens)), per)
    big = (lens > 2)[rix] & (flat >= 0)
    keys = rix[big] * (int(flat.max()) + 1) + flat[big]
    return len(np.unique(keys)) < len(keys)


class _Labels(NamedTuple):
    """Multi-label ratings prepared once: the items every label coefficient uses."""

    lens: np.ndarray       # labels per rating, -1 = missing
    flat: np.ndarray       # label codes, all ratings' labels in order
    names: list            # label names
    ok: np.ndarray         # usable rating (item and label set present)
    mask: np.ndarray       # usable rating of an item with >= 2 of them
    code: np.ndarray       # compact item code per rating (-1 = not used)
    n_items: int
    m: np.ndarray          # used ratings per item


def _labels(item, label_sets) -> _Labels:
    with ThreadPoolExecutor(1) as pool:   # pyarrow hashes the item ids without the GIL while the label lists are read
        items = pool.submit(encode, item, sort=False, uniques=False)
        lens, flat, names = label_lists(label_sets)
        u, _ = items.result()
    if len(item) != len(lens):
        raise ValueError(f"item and label_sets lengths differ: {len(item)} != {len(lens)}")
    ok = (u >= 0) & (lens >= 0)
    mask, uu, n_items = _pairable(u, ok)
    if mask.all():
        code = uu
    else:
        code = np.full(len(lens), -1, np.int64)
        code[mask] = uu
    return _Labels(lens, flat, names, ok, mask, code, n_items, np.bincount(uu, minlength=n_items).astype(float))


def _per_class_stat(d: _Labels, flat: np.ndarray, n_lab: int, dense: bool) -> _Stat:
    """Binary alpha of every class at once from the chosen labels of the used ratings."""
    per = np.maximum(d.lens, 0)
    iu = np.repeat(d.code, per)                   # item of each chosen label (-1: its rating is not used)
    used = (iu >= 0) & (flat >= 0)
    if _repeats_a_label(d.lens, flat):            # a label listed twice in one rating was chosen once
        keys = np.unique(np.repeat(np.arange(len(per)), per)[used] * n_lab + flat[used])
        iu, flat = d.code[keys // n_lab], keys % n_lab
    elif not used.all():
        iu, flat = iu[used], flat[used]
    m = d.m
    # each chosen label carries 1/s of its (item, label) cell's observed disagreement 2 s (m - s) / (m - 1),
    # s = ratings of the item choosing the label, so sums over chosen labels are sums over cells
    key = iu * n_lab + flat
    if _dense_ok(d.n_items * n_lab, len(key)):
        s = np.bincount(key, minlength=d.n_items * n_lab)[key]
    else:
        _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
        s = counts[inv]
    me = m[iu]
    e_do = 2 * (me - s) / (me - 1)
    if dense:  # dense blocks (when they fit) for the bootstrap's matrix product
        s1, do = _block(iu, flat, d.n_items, n_lab), _block(iu, flat, d.n_items, n_lab, e_do)
    else:
        s1, do = _Sparse(iu, flat, np.ones(len(iu)), d.n_items, n_lab), _Sparse(iu, flat, e_do, d.n_items, n_lab)

    def finish(s):
        n = s["m"][:, :1]
        t1 = s["s1"]
        d_o = s["do"] / n
        d_e = 2 * (n * t1 - t1 ** 2) / (n * (n - 1))
        return {"value": 1 - d_o / d_e, "observed": d_o, "expected": d_e, "chosen": t1}

    return _Stat({"m": m[:, None], "s1": s1, "do": do}, finish, d.n_items)


def _per_class_estimates(d: _Labels, flat, labels, stat: _Stat | None, samples, n_boot, ci) -> dict[str, Estimate]:
    if stat is None:
        why = "no categorical ratings" if not d.ok.any() else NO_PAIRS
        return {lab: Estimate(f"alpha[{lab}]", math.nan, reason=why, ci=ci) for lab in labels}
    pt = stat.point()
    n_ratings = int(d.mask.sum())
    if samples is not None:
        lo, hi, nv = _ci(samples, ci)
    out: dict[str, Estimate] = {}
    chosen_anywhere = None
    for j, lab in enumerate(labels):
        v = float(pt["value"][j])
        est = Estimate(f"alpha[{lab}]", v if np.isfinite(v) else math.nan, n_items=d.n_items, n_ratings=n_ratings,
                       details={"observed": float(pt["observed"][j]), "expected": float(pt["expected"][j]),
                                "prevalence": float(pt["chosen"][j] / n_ratings)}, ci=ci)
        if not np.isfinite(v):
            if chosen_anywhere is None:  # labels chosen in any usable rating, single-rating items included
                rix = np.repeat(np.arange(len(d.lens)), np.maximum(d.lens, 0))
                chosen_anywhere = np.bincount(flat[(flat >= 0) & d.ok[rix]], minlength=len(labels)) > 0
            est.reason = ("label never chosen" if not chosen_anywhere[j] else
                          "label chosen only on items with a single rating" if pt["chosen"][j] == 0 else
                          "label chosen by every pairable rating") + " (expected disagreement is 0)"
        elif samples is not None:
            est.low, est.high, est.n_boot, est.n_boot_valid = float(lo[j]), float(hi[j]), n_boot, int(nv[j])
        out[lab] = est
    return out


def _declared(d: _Labels, labels) -> tuple[np.ndarray, list]:
    """Label codes onto the declared classes (other labels ignored), or the observed ones."""
    if labels is None:
        return d.flat, d.names
    labels = list(labels)
    pos = {lab: j for j, lab in enumerate(labels)}
    return np.array([pos.get(x, -1) for x in d.names] + [-1], np.int64)[d.flat], labels


def alpha_per_class(item: Sequence, label_sets, labels: Sequence[str] | None = None, *,
                    n_boot: int = 0, seed=0, ci: float = 0.95) -> dict[str, Estimate]:
    """Binary nominal alpha for each class (did the rater choose the label or not), all in one pass.

    ``label_sets`` has one element per rating: an iterable of labels, ``None`` = missing (no
    categorical rating), an empty set = the rater chose none (0 for every class); or a pyarrow
    / polars list column.  ``labels`` declares the classes (others are ignored).  The bootstrap
    resamples items jointly for all classes.
    """
    d = _labels(item, label_sets)
    flat, labels = _declared(d, labels)
    stat = _per_class_stat(d, flat, len(labels), dense=n_boot > 0) if d.n_items and labels else None
    samples = stat.boot(n_boot, seed) if stat is not None and n_boot > 0 else None
    return _per_class_estimates(d, flat, labels, stat, samples, n_boot, ci)


def label_set_codes(d: _Labels) -> tuple[np.ndarray, list[frozenset]]:
    """The label set of every rating as a code (-1 = missing) and the distinct sets (sorted by name)."""
    n = len(d.lens)
    good = d.flat >= 0
    if len(d.names) <= 62:  # a set is a bit mask over the label codes
        bits = np.where(good, np.left_shift(np.uint64(1), np.where(good, d.flat, 0).astype(np.uint64)), np.uint64(0))
        key = np.zeros(n, np.uint64)
        filled = d.lens > 0
        starts = (np.cumsum(np.maximum(d.lens, 0)) - np.maximum(d.lens, 0))[filled]
        if len(bits):
            key[filled] = np.bitwise_or.reduceat(bits, starts)
        codes, keys = encode(key)
        sets = [frozenset(d.names[j] for j in range(len(d.names)) if k >> j & 1) for k in keys]
    else:
        offsets = np.r_[0, np.cumsum(np.maximum(d.lens, 0))]
        tuples = [tuple(sorted(set(d.flat[offsets[r]:offsets[r + 1]][good[offsets[r]:offsets[r + 1]]].tolist())))
                  for r in range(n)]
        codes, keys = _encode_objects(tuples, sort=False)
        sets = [frozenset(d.names[j] for j in k) for k in keys]
    codes = np.where(d.lens >= 0, codes, -1)
    order = sorted(range(len(sets)), key=lambda k: set_name(sets[k]))
    rank = np.full(len(sets) + 1, -1, np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], [sets[k] for k in order]


def set_name(labels: Iterable[str]) -> str:
    """Display name of a label set: ``anger+joy``; ``(none)`` for a rater who chose none."""
    return "+".join(sorted(labels)) or "(none)"


def label_agreement(item: Sequence, label_sets, *, n_boot: int = 0, seed=0, ci: float = 0.95) -> dict:
    """Every label coefficient from one pass, on the same items and with the same resamples.

    The nominal value of a rating is its label set (an empty set, "chose none", is a value);
    ``label_sets`` as in :func:`alpha_per_class`.  Returns ``alpha`` (nominal), ``fleiss``,
    ``gwet`` (AC1), ``percent``, for multi-label data ``masi`` and ``jaccard`` (alpha with set
    distances), and ``per_class`` ({label: binary alpha}).  Blocks shared by several
    coefficients are multiplied once per chunk of resamples.
    """
    d = _labels(item, label_sets)
    return _label_agreement(d, *label_set_codes(d), n_boot=n_boot, seed=seed, ci=ci)


def _label_agreement(d: _Labels, codes: np.ndarray, sets: list, *, n_boot: int, seed, ci: float) -> dict:
    multi = any(len(s) > 1 for s in sets)
    names = {"alpha": "alpha (nominal)", **_CC_NAMES,
             **({"masi": "alpha (masi_distance)", "jaccard": "alpha (jaccard_distance)"} if multi else {})}
    if d.n_items == 0:
        why = "no categorical ratings" if not d.ok.any() else NO_PAIRS
        out = {k: Estimate(n, math.nan, reason=why, ci=ci) for k, n in names.items()}
        out["per_class"] = _per_class_estimates(d, d.flat, d.names, None, None, n_boot, ci)
        return out
    c, cats = _compact(codes[d.mask], sets)
    counts = _block(d.code[d.mask], c, d.n_items, len(cats))
    stats = {"alpha": _alpha_counts_stat(counts), "cc": _category_stat(counts, np.eye(len(cats)))}
    if multi:
        stats["masi"] = _alpha_counts_stat(counts, _set_distances(masi_distance, cats))
        stats["jaccard"] = _alpha_counts_stat(counts, _set_distances(jaccard_distance, cats))
    if d.names:
        stats["per_class"] = _per_class_stat(d, d.flat, len(d.names), dense=n_boot > 0)
    samples = dict(zip(stats, _boot_together(list(stats.values()), n_boot, seed))) if n_boot > 0 else {}
    n_ratings = int(d.mask.sum())
    out = {k: _estimate(names[k], stats[k], n_ratings, n_boot, seed, ci, undefined_reason=_alpha_undefined,
                        samples=samples.get(k)) for k in ("alpha", "masi", "jaccard") if k in stats}
    out.update(_category_estimates(stats["cc"], _CC_NAMES, n_ratings, samples.get("cc"), n_boot, ci))
    out["per_class"] = _per_class_estimates(d, d.flat, d.names, stats.get("per_class"), samples.get("per_class"),
                                            n_boot, ci)
    return {k: out[k] for k in [*names, "per_class"]}


# --------------------------------------------------------------------------------------------
# Fleiss' kappa, Gwet's AC1/AC2, percent agreement (Gwet 2014 formulas, missing ratings allowed)

_CC_NAMES = {"fleiss": "Fleiss' kappa", "gwet": "Gwet's AC1", "percent": "percent agreement"}


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


def _category_stat(r, wmat: np.ndarray) -> _Stat:
    """Fleiss' kappa, Gwet's AC (weights ``wmat``) and percent agreement from (item x category) counts;
    items rated once (``include_single``) enter the prevalences only."""
    n_items, q = r.shape
    ru = _row_sums(r)
    two = ru >= 2
    with np.errstate(divide="ignore", invalid="ignore"):
        pair_norm = np.where(two, 1 / (ru * (ru - 1)), 0.0)
        pa_u = (_row_sums(r, 2) - ru) * pair_norm
        pa_w = pa_u if np.array_equal(wmat, np.eye(q)) else (_quad(r, wmat) - ru) * pair_norm
    pi = r.scaled_rows(1 / ru) if isinstance(r, _Sparse) else r / ru[:, None]

    def finish(t):
        pa, paw, n2, n1 = (t["f"][:, k] for k in range(4))
        pa, paw = pa / n2, paw / n2
        p = t["pi"] / n1[:, None]
        pe_f = (p ** 2).sum(axis=1)
        pe_g = wmat.sum() / (q * (q - 1)) * (p * (1 - p)).sum(axis=1) if q > 1 else np.full(len(pa), np.nan)
        return {"value": np.stack([(pa - pe_f) / (1 - pe_f), (paw - pe_g) / (1 - pe_g), paw], axis=1),
                "pa": pa, "pa_weighted": paw, "pe_fleiss": pe_f, "pe_gwet": pe_g}

    return _Stat({"f": np.stack([pa_u, pa_w, two.astype(float), np.ones(n_items)], axis=1), "pi": pi}, finish,
                 n_items, cells=q)


def _category_estimates(stat: _Stat, names: dict, n_ratings: int, samples, n_boot, ci) -> dict[str, Estimate]:
    pt = stat.point()
    if samples is not None:
        lo, hi, nv = _ci(samples, ci)
    out = {}
    for j, (key, details) in enumerate((("fleiss", {"pa": pt["pa"], "pe": pt["pe_fleiss"]}),
                                        ("gwet", {"pa": pt["pa_weighted"], "pe": pt["pe_gwet"]}),
                                        ("percent", {}))):
        v = float(pt["value"][j])
        est = Estimate(names[key], v if np.isfinite(v) else math.nan, n_items=stat.n_items, n_ratings=n_ratings,
                       details={k: float(x) for k, x in details.items()}, ci=ci)
        if not np.isfinite(v):
            est.reason = "chance agreement is 1 (a single category is used)"
        elif samples is not None:
            est.low, est.high, est.n_boot, est.n_boot_valid = float(lo[j]), float(hi[j]), n_boot, int(nv[j])
        out[key] = est
    return out


def category_coefficients(item, value, *, weights=None, categories=None, include_single: bool = False,
                          n_boot=0, seed=0, ci=0.95) -> dict[str, Estimate]:
    """Fleiss' kappa, Gwet's AC1/AC2 and percent agreement from one pass and one bootstrap.

    Gwet (2014) formulas for a varying number of raters per item, on the items with two or more
    ratings (the items alpha uses).  ``include_single=True`` also lets items rated once enter
    the category prevalences, Gwet's own convention (irrCAC).  ``weights`` (linear, quadratic or
    a matrix) turn AC1 into AC2 and weight the percent agreement; Fleiss' kappa is unweighted.
    """
    names = {**_CC_NAMES, "gwet": "Gwet's AC1" if weights is None else
             f"Gwet's AC2 ({weights if isinstance(weights, str) else 'custom'})"}
    if len(item) != len(value):
        raise ValueError(f"item and value lengths differ: {len(item)} != {len(value)}")
    u, _ = encode(item, sort=False, uniques=False)
    c, cats = encode(value)
    if categories is not None:
        c, cats = _apply_categories(c, cats, categories)
    ok = (u >= 0) & (c >= 0)
    mask, uu, n_pair = _pairable(u, ok)
    if n_pair == 0:
        why = "no ratings" if not ok.any() else NO_PAIRS
        return {k: Estimate(n, math.nan, ci=ci, reason=why) for k, n in names.items()}
    if include_single:
        mask = ok
        uu, _ = encode(u[ok])
    c = c[mask]
    if categories is None:
        c, cats = _compact(c, cats)
    stat = _category_stat(_block(uu, c, int(uu.max()) + 1, len(cats)), agreement_weights(weights, cats))
    samples = stat.boot(n_boot, seed) if n_boot > 0 else None
    return _category_estimates(stat, names, int(mask.sum()), samples, n_boot, ci)


def fleiss_kappa(item, value, *, categories=None, include_single=False, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Fleiss' kappa generalised to a varying number of raters per item (Gwet 2014, ch. 2)."""
    return category_coefficients(item, value, categories=categories, include_single=include_single,
                                 n_boot=n_boot, seed=seed, ci=ci)["fleiss"]


def gwet_ac(item, value, *, weights=None, categories=None, include_single=False, n_boot=0, seed=0,
            ci=0.95) -> Estimate:
    """Gwet's AC1 (``weights=None``) or AC2 (linear / quadratic / matrix weights)."""
    return category_coefficients(item, value, weights=weights, categories=categories,
                                 include_single=include_single, n_boot=n_boot, seed=seed, ci=ci)["gwet"]


def percent_agreement(item, value, *, weights=None, categories=None, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Share of agreeing rater pairs within items (weighted: credit w_ck), over items with >= 2 ratings."""
    return category_coefficients(item, value, weights=weights, categories=categories, n_boot=n_boot, seed=seed,
                                 ci=ci)["percent"]


# --------------------------------------------------------------------------------------------
# Cohen's kappa (pairs of named raters)

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


def _first_ratings(item, rater, value, categories):
    """Item, rater and category codes of each named rater's first usable rating of each item."""
    u, _ = encode(item, sort=False, uniques=False)
    r, raters = encode(rater)
    c, cats = encode(value)
    if categories is not None:
        c, cats = _apply_categories(c, cats, categories)
    ok = np.flatnonzero((u >= 0) & (r >= 0) & (c >= 0))
    first = ok[np.unique(u[ok] * max(len(raters), 1) + r[ok], return_index=True)[1]]
    return u[first], r[first], c[first], raters, cats


def _cohen(cx: np.ndarray, cy: np.ndarray, cats: list, weights, n_boot, seed, ci, name) -> Estimate:
    ok = (cx >= 0) & (cy >= 0)
    cx, cy, n = cx[ok], cy[ok], int(ok.sum())
    if n == 0:
        return Estimate(name, math.nan, reason="the two raters share no item", ci=ci)
    q = len(cats)
    disagree = 1 - agreement_weights(weights, cats) if q > 1 else np.zeros((1, 1))

    def finish(s):
        t = s["t"].reshape(-1, q, q)
        p = t / t.sum(axis=(1, 2))[:, None, None]
        e = p.sum(axis=2)[:, :, None] * p.sum(axis=1)[:, None, :]
        d_o, d_e = (p * disagree).sum(axis=(1, 2)), (e * disagree).sum(axis=(1, 2))
        return {"value": 1 - d_o / d_e, "observed_disagreement": d_o, "expected_disagreement": d_e}

    stat = _Stat({"t": _block(np.arange(n), cx * q + cy, n, q * q)}, finish, n, cells=3 * q * q)
    return _estimate(name, stat, n, n_boot, seed, ci,
                     undefined_reason=lambda pt: "no variation: both raters use a single category")


def cohen_kappa_table(x: Sequence, y: Sequence, *, weights: str | None = None, categories=None,
                      n_boot=0, seed=0, ci=0.95, name: str | None = None) -> Estimate:
    """Cohen's kappa between two paired rating vectors (unweighted, linear or quadratic);
    a pair with a missing value is left out."""
    name = name or ("Cohen's kappa" + (f" ({weights})" if weights else ""))
    if len(x) != len(y):
        raise ValueError(f"paired ratings differ in length: {len(x)} != {len(y)}")
    codes, cats = encode(list(x) + list(y))
    if categories is not None:
        codes, cats = _apply_categories(codes, cats, categories)
    return _cohen(codes[:len(x)], codes[len(x):], cats, weights, n_boot, seed, ci, name)


def cohen_kappa(item, rater, value, a, b, *, weights=None, categories=None, n_boot=0, seed=0, ci=0.95) -> Estimate:
    """Cohen's kappa between named raters ``a`` and ``b`` on the items both rated (first rating of each)."""
    u, r, c, raters, cats = _first_ratings(item, rater, value, categories)
    ia, ib = (raters.index(x) if x in raters else -2 for x in (a, b))
    xa = np.full(int(u.max()) + 1 if len(u) else 0, -1)
    xb = xa.copy()
    xa[u[r == ia]], xb[u[r == ib]] = c[r == ia], c[r == ib]
    return _cohen(xa, xb, cats, weights, n_boot, seed, ci, "Cohen's kappa" + (f" ({weights})" if weights else ""))


@dataclass
class Pairwise:
    """Cohen's kappa of every pair of named raters, and their mean (Light's kappa)."""

    raters: list
    kappa: np.ndarray       # raters x raters, NaN where undefined or overlap < min_overlap
    overlap: np.ndarray     # shared items per pair
    mean: Estimate          # Light's kappa: mean over the pairs with a defined kappa


def pairwise_cohen(item, rater, value, *, weights=None, categories=None, min_overlap: int = 1) -> Pairwise:
    """Cohen's kappa for every pair of named raters from the co-rated pairs only.

    Pairs sharing fewer than ``min_overlap`` items, or with undefined kappa, are NaN.  A rater's
    repeated rating of an item counts once (the first).  ``mean`` (Light's kappa) counts the
    items and ratings of the pairs it averages."""
    u, r, c, raters, cats = _first_ratings(item, rater, value, categories)
    nr, q = len(raters), len(cats)
    name = "mean pairwise Cohen's kappa"
    if nr == 0 or len(u) == 0:
        return Pairwise(list(raters), np.full((nr, nr), np.nan), np.zeros((nr, nr), int),
                        Estimate(name, math.nan, reason="no named raters (anonymous votes only)" if nr == 0
                                 else "no named rater gave a value"))
    disagree = 1 - agreement_weights(weights, cats) if q > 1 else np.zeros((1, 1))
    i, j = _within_item_pairs(u)
    key = r[i] * nr + r[j]
    overlap = np.bincount(key, minlength=nr * nr)
    observed = np.bincount(key, disagree[c[i], c[j]], nr * nr)
    pairs, pid = np.unique(key, return_inverse=True)           # active (a, b) pairs
    said = np.bincount(pid * q + c[i], minlength=len(pairs) * q).reshape(-1, q).astype(float)
    back = np.searchsorted(pairs, (pairs % nr) * nr + pairs // nr)   # the (b, a) row of each (a, b)
    expected = np.zeros(nr * nr)
    expected[pairs] = ((said @ disagree) * said[back]).sum(axis=1)
    ov = overlap.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = 1 - (observed / ov) / (expected / ov ** 2)
    bad = (overlap < max(min_overlap, 1)) | ~np.isfinite(kappa)
    kappa[bad] = np.nan
    kappa, overlap = kappa.reshape(nr, nr), overlap.reshape(nr, nr)
    np.fill_diagonal(kappa, np.nan)
    upper = kappa[np.triu_indices(nr, 1)]
    counted = np.isfinite(upper)
    if not counted.any():
        mean = Estimate(name, math.nan, reason=f"no pair of named raters shares {max(min_overlap, 1)}+ items "
                                               "with a defined kappa")
    else:
        sel = np.isfinite(kappa.ravel()[key])
        mean = Estimate(name, float(upper[counted].mean()), n_items=len(np.unique(u[i[sel]])),
                        n_ratings=len(np.unique(i[sel])),
                        details={"pairs": int(counted.sum()), "ci": "not computed (summary of the rater matrix)"})
    return Pairwise(list(raters), kappa, overlap, mean)


# --------------------------------------------------------------------------------------------
# continuous ratings: Lin's CCC and ICC

def lin_ccc(x: Sequence[float], y: Sequence[float], *, n_boot=0, seed=0, ci=0.95, name="Lin's CCC") -> Estimate:
    """Lin's concordance correlation coefficient of paired values (population moments)."""
    x, y = numbers(x), numbers(y)
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
    u, _ = encode(item, sort=False, uniques=False)
    r, raters = encode(rater)
    x = numbers(value)
    ok = (u >= 0) & np.isfinite(x)
    out = {f: _icc_oneway(f, u, ok, x, n_boot, seed, ci) for f in ("ICC1", "ICC1k")}
    out.update(_icc_twoway(u[ok], r[ok], raters, x[ok], n_boot, seed, ci))
    return out


def _icc_oneway(form, u, ok, value, n_boot, seed, ci) -> Estimate:
    mask, uu, n_items = _pairable(u, ok)
    if n_items == 0:
        return Estimate(form, math.nan, reason=NO_PAIRS, ci=ci)
    x = value[mask]
    k = np.bincount(uu).astype(float)
    s = np.bincount(uu, x, n_items)
    ss = np.bincount(uu, x * x, n_items)
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


def _complete_block(u, r, x):
    """Items x raters matrix of the most common set of >= 2 named raters among items, and their codes."""
    named = r >= 0
    by_item: dict = {}
    for i, rr, v in zip(u[named].tolist(), r[named].tolist(), x[named].tolist()):
        by_item.setdefault(i, {}).setdefault(rr, v)
    groups: dict = {}
    for i, d in by_item.items():
        if len(d) >= 2:
            groups.setdefault(tuple(sorted(d)), []).append(i)
    if not groups:
        return None, None
    raters, items = max(groups.items(), key=lambda kv: (len(kv[1]) * (len(kv[0]) - 1), len(kv[0])))
    return np.array([[by_item[i][rr] for rr in raters] for i in items]), list(raters)


def _icc_twoway(u, r, names, value, n_boot, seed, ci) -> dict[str, Estimate]:
    forms = ("ICC2", "ICC3", "ICC2k", "ICC3k")
    x, raters = _complete_block(u, r, value)
    if x is None or len(x) < 2:
        why = "no two items share the same two or more named raters (two-way ICC needs a complete block)"
        return {f: Estimate(f, math.nan, reason=why, ci=ci) for f in forms}
    n, k = x.shape
    feats = np.concatenate([x, (x * x).sum(axis=1)[:, None], (x.sum(axis=1) ** 2)[:, None], np.ones((n, 1))], axis=1)
    out = {}
    for f in forms:
        def finish(t, f=f):
            cols, xx, r2, nn = t["f"][:, :k], t["f"][:, k], t["f"][:, k + 1], t["f"][:, k + 2]
            g = cols.sum(axis=1)
            c = g * g / (nn * k)
            ssr = r2 / k - c
            ssc = (cols ** 2).sum(axis=1) / nn - c
            sse = xx - c - ssr - ssc
            msr, msc, mse = ssr / (nn - 1), ssc / (k - 1), sse / ((nn - 1) * (k - 1))
            v = {"ICC2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / nn),
                 "ICC3": (msr - mse) / (msr + (k - 1) * mse),
                 "ICC2k": (msr - mse) / (msr + (msc - mse) / nn),
                 "ICC3k": (msr - mse) / msr}[f]
            return {"value": v, "MSR": msr, "MSC": msc, "MSE": mse}
        est = _estimate(f, _Stat({"f": feats}, finish, n), n * k, n_boot, seed, ci,
                        undefined_reason=lambda pt: "no variation between items")
        est.details["raters"] = [str(names[i]) for i in raters]
        out[f] = est
    return out
