"""Agreement report for a converted dataset: ratings -> one section per corpus and condition -> HTML/JSON/MD.

Ratings are read as columns from the stored Parquet (pending ratings applied, no Python object
per rating) and reach the engine (:mod:`emodata.annotation.agreement`) as Arrow / numpy
columns.  What a rating means follows the schema: ``labels`` null is no categorical judgment
(missing for labels), ``[]`` is a vote ("chose none"), NaN/null dimensions are missing.

A corpus whose ratings carry presentation conditions (CREMA-D voice, face, audio-visual) gets
one section per condition: a vote on a clip heard and a vote on the same clip seen are
different judgments and are never pooled into one item.  Every section says the corpus,
condition, splits and perspectives it was computed on, and how many items and ratings its
coefficients use.

Charts are inline SVG written here rather than matplotlib figures: the page stays one
self-contained file, text in charts stays sharp at any zoom (values in heatmap cells), and the
command keeps its time budget (a matplotlib import plus a dozen figures costs more than the
whole analysis of a CREMA-D-sized corpus).
"""
from __future__ import annotations

import datetime as dt
import html
import json
import math
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from emodata import store
from emodata.annotation import agreement as ag
from emodata.root import atomic_write_text

DIMENSIONS = ("valence", "arousal", "dominance", "intensity")
TEMPLATE = Path(__file__).with_name("templates") / "agreement_report.html"
MAX_HEATMAP_RATERS = 40
MAX_RATER_ROWS = 200
MIN_OVERLAP = 5
SAMPLE_COLUMNS = ["id", "corpus", "split", "native_id", "perspective", "text", "audio_path", "video_path",
                  "image_path"]
GROUP_COLORS = {"human": "#4c78a8", "llm": "#f58518", "anonymous": "#54a24b", "self": "#b279a2", "model": "#e45756"}


@dataclass
class Codes:
    """A categorical column: integer codes per rating (-1 = null) into ``names`` (no Python object
    per rating; what a dictionary-encoded Arrow column holds)."""

    codes: np.ndarray
    names: list

    @classmethod
    def of(cls, values) -> "Codes":
        return cls(*ag.encode(values))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, mask) -> "Codes":
        return Codes(self.codes[mask], self.names)

    def isin(self, *names) -> np.ndarray:
        return np.isin(self.codes, [k for k, n in enumerate(self.names) if n in names])

    def present(self) -> list:
        return [self.names[k] for k in np.unique(self.codes) if k >= 0]

    def arrow(self) -> pa.DictionaryArray:
        """The column for the engine (null where the code is -1)."""
        return pa.DictionaryArray.from_arrays(pa.array(self.codes, mask=self.codes < 0).cast(pa.int32()),
                                              pa.array(self.names, pa.string()))


@dataclass
class RatingTable:
    """Long-format ratings as columns (one element per rating) and the samples they belong to."""

    item: np.ndarray                 # index of the rating's sample in ``samples``
    rater: Codes                     # rater id; -1 = anonymous vote
    kind: Codes                      # human | llm | model | self
    condition: Codes                 # presentation condition; -1 = none recorded
    perspective: Codes               # the rating's perspective, else its sample's; -1 = not recorded
    labels: pa.Array                 # list<string>: null = no categorical judgment, [] = chose none
    dims: dict[str, np.ndarray]      # valence/arousal/dominance/intensity, NaN = missing
    samples: pa.Table                # SAMPLE_COLUMNS of every sample read

    def __len__(self) -> int:
        return len(self.item)

    def subset(self, mask: np.ndarray) -> "RatingTable":
        return RatingTable(self.item[mask], self.rater[mask], self.kind[mask], self.condition[mask],
                           self.perspective[mask], self.labels.filter(pa.array(mask)),
                           {d: v[mask] for d, v in self.dims.items()}, self.samples)

    def groups(self) -> Codes:
        """Rater group of every rating: its kind, or ``anonymous`` for a vote without rater id."""
        names = self.kind.names + ["anonymous"]
        return Codes(np.where(self.rater.codes < 0, len(names) - 1, self.kind.codes), names)

    @classmethod
    def from_records(cls, records: list[dict], samples: list[dict] | None = None) -> "RatingTable":
        """From dicts with key ``id`` plus RATING_TYPE fields (tests, annotation projects)."""
        ids = list(dict.fromkeys([r["id"] for r in records] + [s["id"] for s in samples or ()]))
        info = {s["id"]: s for s in samples or ()}
        rows = [{c: info.get(i, {}).get(c) for c in SAMPLE_COLUMNS} | {"id": i} for i in ids]
        for row in rows:
            row["corpus"] = row["corpus"] or row["id"].split("/")[0]
        pos = {i: k for k, i in enumerate(ids)}
        item = np.array([pos[r["id"]] for r in records], dtype=np.int64)
        return cls(item, *(Codes.of([r.get(k, d) for r in records])
                           for k, d in (("rater_id", None), ("rater_kind", "human"), ("condition", None))),
                   Codes.of([r.get("perspective") or rows[k]["perspective"] for r, k in zip(records, item)]),
                   pa.array([r.get("labels") for r in records], pa.list_(pa.string())),
                   {d: np.array([np.nan if r.get(d) is None else r[d] for r in records], float) for d in DIMENSIONS},
                   pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in SAMPLE_COLUMNS])))


def load_ratings(root, corpora: list[str] | None = None, split: str | None = None,
                 condition: str | None = None) -> RatingTable:
    """The ratings of a converted dataset as a :class:`RatingTable` (pending ratings applied)."""
    names = corpora or store.corpora(root)
    if not names:
        raise FileNotFoundError(f"no converted corpora in {Path(root).name} "
                                "(expected <root>/data/<corpus>/<split>/*.parquet)")
    parts, sample_batches, offset = [], [], 0
    for corpus in names:   # record batches: no pyarrow.dataset (and pandas) import, pending ratings applied
        for batch in store.iter_batches(root, corpus, split, columns=[*SAMPLE_COLUMNS, "ratings"],
                                        batch_size=1 << 20):
            sample_batches.append(batch.select(SAMPLE_COLUMNS))
            ratings = batch.column("ratings")
            parts.append((pc.list_parent_indices(ratings).to_numpy() + offset, pc.list_flatten(ratings)))
            offset += batch.num_rows
    samples = pa.Table.from_batches(sample_batches) if sample_batches else pa.table(
        {c: pa.array([], pa.string()) for c in SAMPLE_COLUMNS})

    def field(name):
        return pa.concat_arrays([flat.field(name) for _, flat in parts]) if parts else pa.array([], pa.string())

    item = np.concatenate([p for p, _ in parts]) if parts else np.zeros(0, np.int64)
    sample_persp = samples.column("perspective").combine_chunks().take(pa.array(item))
    table = RatingTable(item, Codes.of(field("rater_id")), Codes.of(field("rater_kind")), Codes.of(field("condition")),
                        Codes.of(pc.coalesce(field("perspective"), sample_persp)),
                        field("labels") if parts else pa.array([], pa.list_(pa.string())),
                        {d: pc.cast(field(d), pa.float64()).to_numpy(zero_copy_only=False) for d in DIMENSIONS},
                        samples)
    if condition is not None:
        table = table.subset(table.condition.isin(condition))
    return table


# --------------------------------------------------------------------------------------------
# analysis

def _select(table: RatingTable, raters: str) -> RatingTable:
    if raters == "all":
        return table
    if raters == "human":
        return table.subset(table.kind.isin("human", "self"))
    return table.subset(table.kind.isin(raters))


def basic_labels(labels: pa.Array) -> pa.Array:
    """Every label replaced by its basic emotion in the taxonomy (``joy`` -> ``happiness``); unknown kept."""
    from emodata.taxonomy import get_taxonomy
    tax = get_taxonomy()
    flat = pc.list_flatten(labels)
    names = pc.unique(flat).to_pylist()
    mapped = pc.take(pa.array([tax.terms[x].parent if x in tax.terms else x for x in names], pa.string()),
                     pc.index_in(flat, value_set=pa.array(names, pa.string())))
    lengths = pc.fill_null(pc.list_value_length(labels), 0).to_numpy(zero_copy_only=False)
    offsets = pa.array(np.r_[0, np.cumsum(lengths)].astype(np.int32))
    return pa.ListArray.from_arrays(offsets, mapped, mask=labels.is_null())


class _Section:
    """One corpus x condition: the ratings and the per-rating codes every part of the analysis shares."""

    def __init__(self, table: RatingTable):
        self.t = table
        self.d = ag._labels(table.item, table.labels)
        self.set_code, self.sets = ag.label_set_codes(self.d)
        self.set_names = [ag.set_name(s) for s in self.sets]
        self.r, self.raters = table.rater.codes, table.rater.names    # -1 = anonymous

    def set_values(self) -> pa.Array:
        """Label set of every rating as a dictionary column (null = no categorical judgment)."""
        idx = pa.array(self.set_code, mask=self.set_code < 0).cast(pa.int32())
        return pa.DictionaryArray.from_arrays(idx, pa.array(self.set_names, pa.string()))


def analyse(table: RatingTable, *, field: str = "label", level: str | None = None, raters: str = "all",
            n_boot: int = 1000, seed: int = 0, ci: float = 0.95, meta: dict | None = None) -> dict:
    """Everything the report shows, as a JSON-ready dict: the run's settings and one entry of
    ``sections`` per corpus and condition."""
    level = level or ("nominal" if field == "label" else "interval")
    if field == "label" and level != "nominal":
        raise ValueError(f"--level {level} needs a numeric --field (valence, arousal, dominance, intensity); "
                         "labels are nominal")
    sel = _select(table, raters)
    summary = {"generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **(meta or {}),
               "field": field, "level": level, "raters": raters, "n_boot": n_boot, "seed": seed, "ci": ci,
               "n_samples": table.samples.num_rows, "n_ratings": len(sel), "sections": []}
    if len(sel) == 0:
        kinds = table.kind.present()
        summary["reason"] = (f"no ratings from raters={raters} (the ratings here are {', '.join(kinds)})" if kinds
                             else "no ratings in this selection")
        return summary
    whole = section_masks(table)
    for key, mine in section_masks(sel).items():
        section = analyse_section(sel.subset(mine), table.subset(whole[key]), field, level, n_boot, seed, ci)
        summary["sections"].append({"corpus": key[0], "condition": key[1], **section})
    return summary


def section_masks(table: RatingTable) -> dict[tuple, np.ndarray]:
    """(corpus, condition) -> mask of its ratings, sorted by corpus, then condition (none recorded last)."""
    corpus, corpora = ag.encode(table.samples.column("corpus").to_numpy().astype(object)[table.item])
    cond, conditions = table.condition.codes, table.condition.names      # -1 = no condition recorded
    key = corpus * (len(conditions) + 1) + cond + 1
    keys = sorted(np.unique(key).tolist(), key=lambda k: (k // (len(conditions) + 1), (k % (len(conditions) + 1)) or 1e9))
    return {(corpora[k // (len(conditions) + 1)], conditions[k % (len(conditions) + 1) - 1]
             if k % (len(conditions) + 1) else None): key == k for k in keys}


def analyse_section(t: RatingTable, everyone: RatingTable, field: str, level: str, n_boot: int, seed: int,
                    ci: float) -> dict:
    """One section: counts, coefficients and breakdowns of ratings that share a corpus and condition."""
    s = _Section(t)
    kw = dict(n_boot=n_boot, seed=seed, ci=ci)
    splits = t.samples.column("split").to_numpy().astype(object)[np.unique(t.item)]
    n_persp = np.bincount(t.perspective.codes + 1, minlength=len(t.perspective.names) + 1)
    persp = {name: int(n) for name, n in zip(["not recorded", *t.perspective.names], n_persp) if n}
    out: dict = {"splits": sorted({str(x) for x in splits}), "perspectives": persp,
                 "counts": _counts(t, s), "vocabulary": vocabulary(t, s)}
    values = s.set_values() if field == "label" else t.dims[field]
    has_field = bool((s.set_code >= 0).any()) if field == "label" else bool(np.isfinite(values).any())
    pairwise = ag.pairwise_cohen(t.item, t.rater.arrow(), s.set_values(), min_overlap=MIN_OVERLAP)
    if not has_field:
        out["reason"] = f"no rating has a {field} value"
        out["headline"] = []
    elif field == "label":
        la = ag._label_agreement(s.d, s.set_code, s.sets, **kw)
        out["headline"] = [e.to_dict() for k, e in la.items() if k != "per_class"] + [pairwise.mean.to_dict()]
        out["per_class"] = [{"label": k, **e.to_dict()} for k, e in la["per_class"].items()]
    else:
        alphas = [ag.krippendorff_alpha(t.item, values, level, **kw)]
        if level != "interval":
            alphas.append(ag.krippendorff_alpha(t.item, values, "interval", **kw))
        forms = ag.icc(t.item, t.rater.arrow(), values, **kw)
        out["headline"] = [e.to_dict() for e in alphas + [forms[f] for f in ag.ICC_FORMS]]
    out["coverage"] = coverage(out["counts"], out["headline"][0] if out["headline"] else None, field)
    if (s.set_code >= 0).any():
        out["rater_matrix"] = {"raters": [str(r) for r in pairwise.raters], "min_overlap": MIN_OVERLAP,
                               "kappa": [[None if not np.isfinite(v) else round(float(v), 4) for v in row]
                                         for row in pairwise.kappa],
                               "overlap": pairwise.overlap.tolist()}
        out["difficulty"] = item_difficulty(s)
    out["continuous"] = {d: ag.krippendorff_alpha(t.item, t.dims[d], "interval", **kw).to_dict()
                         for d in DIMENSIONS if d != field and np.isfinite(t.dims[d]).any()}
    out["per_rater"] = per_rater(s)
    out["label_distribution"] = label_distribution(s)
    out["human_vs_llm"] = human_vs_llm(everyone, field, level, **kw)
    return out


def _counts(t: RatingTable, s: _Section) -> dict:
    n = np.bincount(t.kind.codes, minlength=len(t.kind.names))
    has_label = s.set_code >= 0
    per_item = np.bincount(t.item[has_label], minlength=t.samples.num_rows)
    return {"items_rated": int(len(np.unique(t.item))), "ratings": len(t),
            "ratings_by_kind": {k: int(v) for k, v in zip(t.kind.names, n) if v},
            "named_raters": len(s.raters), "anonymous_ratings": int((s.r < 0).sum()),
            "label_ratings": int(has_label.sum()), "items_with_label": int((per_item > 0).sum()),
            "items_rated_once": int((per_item == 1).sum()),
            "chose_none": int((has_label & (s.d.lens == 0)).sum())}


def coverage(counts: dict, first: dict | None, field: str) -> str:
    """One sentence: the items and ratings the coefficients use, and why that differs from the header."""
    if first is None or not first.get("n_items"):
        return ""
    n, r = first["n_items"], first["n_ratings"]
    if n == counts["items_rated"] and r == counts["ratings"]:
        text = f"The coefficients use all {n:,} items and all {r:,} ratings."
    else:
        text = (f"The coefficients use {n:,} of the {counts['items_rated']:,} items and {r:,} of the "
                f"{counts['ratings']:,} ratings: the items with two or more ratings "
                + ("with a label." if field == "label" else f"with a {field} value."))
    if field == "label" and (n, r) != (counts["items_rated"], counts["ratings"]):
        left = [f"{counts['items_rated_once']:,} items with a single label rating (nothing to compare)"
                if counts["items_rated_once"] else "",
                f"{counts['ratings'] - counts['label_ratings']:,} ratings without a categorical judgment (labels null)"
                if counts["ratings"] > counts["label_ratings"] else ""]
        if any(left):
            text += " Left out: " + "; ".join(x for x in left if x) + "."
    if counts.get("chose_none"):
        text += f" {counts['chose_none']:,} ratings chose none of the labels: they count, as the value (none)."
    return text


def vocabulary(t: RatingTable, s: _Section) -> dict:
    """Labels checked against the taxonomy: unknown terms, and a term that one rater group uses where
    another uses only its basic emotion (humans ``joy``, an LLM ``happiness``): the coefficients
    count that as disagreement."""
    from emodata.taxonomy import get_taxonomy
    tax = get_taxonomy()
    names = s.d.names
    grp = t.groups()
    g, groups = grp.codes, grp.names
    rix = np.repeat(np.arange(len(s.d.lens)), np.maximum(s.d.lens, 0))
    ok = s.d.flat >= 0
    pairs = np.unique(s.d.flat[ok] * len(groups) + g[rix[ok]])
    by = {lab: [] for lab in names}
    for p in pairs.tolist():
        by[names[p // len(groups)]].append(groups[p % len(groups)])
    mixed = []   # a group says only the term where another says only its basic emotion (a corpus may use both)
    for x in names:
        basic = tax.terms[x].parent if x in tax.terms else x
        if basic != x and basic in by and set(by[x]) - set(by[basic]) and set(by[basic]) - set(by[x]):
            mixed.append({"term": x, "basic": basic, "term_used_by": by[x], "basic_used_by": by[basic]})
    return {"labels": names, "unknown": [x for x in names if x not in tax.terms], "mixed": mixed}


def per_rater(s: _Section) -> list[dict]:
    """Items, ratings, agreement with co-raters, top labels and VAD bias of every named rater."""
    t, r = s.t, s.r
    nr = len(s.raters)
    if nr == 0:
        return []
    named = r >= 0
    n_ratings = np.bincount(r[named], minlength=nr)
    n_items = np.bincount(np.unique(t.item[named] * nr + r[named]) % nr, minlength=nr)
    u, _ = ag.encode(t.item)
    i, j = ag._within_item_pairs(u)
    own = named[i] & (r[i] != r[j])   # a rater's own ratings of the item in other conditions are not co-raters
    i, j = i[own], j[own]
    lab = (s.set_code[i] >= 0) & (s.set_code[j] >= 0)
    agree = np.bincount(r[i[lab]], (s.set_code[i[lab]] == s.set_code[j[lab]]).astype(float), nr)
    pairs = np.bincount(r[i[lab]], minlength=nr)
    bias = {}
    for d in DIMENSIONS:
        x = t.dims[d]
        ok = np.isfinite(x[i]) & np.isfinite(x[j])   # mean over pairs of (own - co-rater)
        bias[d] = (np.bincount(r[i[ok]], x[i[ok]] - x[j[ok]], nr), np.bincount(r[i[ok]], minlength=nr))
    top = _label_counts(s, np.where(named, r, -1), nr)
    kinds = np.zeros(nr, np.int64)
    kinds[r[named]] = t.kind.codes[named]
    persp = np.full(nr, -1)
    persp[r[named]] = t.perspective.codes[named]
    rows = []
    for k in np.argsort(-n_ratings, kind="stable"):
        row = {"rater": str(s.raters[k]), "kind": t.kind.names[kinds[k]],
               "perspective": t.perspective.names[persp[k]] if persp[k] >= 0 else None,
               "n_items": int(n_items[k]), "n_ratings": int(n_ratings[k]),
               "agreement_with_others": float(agree[k] / pairs[k]) if pairs[k] else None,
               "top_labels": _top(top[k], s)}
        for d in DIMENSIONS:
            total, n = bias[d]
            row[f"bias_{d}"] = float(total[k] / n[k]) if n[k] else None
        rows.append(row)
    return rows


def _label_counts(s: _Section, group: np.ndarray, n_groups: int) -> np.ndarray:
    """(groups x (labels + 1)) counts of chosen labels per rating group; the last column counts "chose none"."""
    n_lab = len(s.d.names)
    rix = np.repeat(np.arange(len(s.d.lens)), np.maximum(s.d.lens, 0))
    ok = (group[rix] >= 0) & (s.d.flat >= 0)
    counts = np.bincount(group[rix[ok]] * (n_lab + 1) + s.d.flat[ok], minlength=n_groups * (n_lab + 1))
    none = (group >= 0) & (s.d.lens == 0)
    counts = counts.reshape(n_groups, n_lab + 1)
    counts[:, n_lab] += np.bincount(group[none], minlength=n_groups)
    return counts


def _top(counts: np.ndarray, s: _Section, k: int = 3) -> list[list]:
    total = counts.sum()
    names = s.d.names + ["(none)"]
    return [[names[j], round(float(counts[j] / total), 4)] for j in np.argsort(-counts, kind="stable")[:k]
            if counts[j] > 0]


def label_distribution(s: _Section) -> dict:
    """Share of chosen labels ("(none)" = chose none) per rater group (human / llm / self / anonymous)."""
    grp = s.t.groups()
    g, groups = grp.codes, grp.names
    counts = _label_counts(s, g, len(groups))
    names = s.d.names + ["(none)"]
    return {str(grp): {names[j]: round(float(c / row.sum()), 6) for j, c in enumerate(row) if c}
            for grp, row in zip(groups, counts) if row.sum()}


def item_difficulty(s: _Section, top: int = 10) -> dict:
    """Entropy (bits) of the distribution of label sets over each item's ratings, on the items the
    coefficients use; the hardest items with their text (or media file) and votes."""
    d = s.d
    if d.n_items == 0:
        return {"reason": "no item has two or more categorical ratings", "entropies": []}
    c = s.set_code[d.mask]
    u = d.code[d.mask]
    q = len(s.sets)
    counts = ag._block(u, c, d.n_items, q)
    rows, cols, vals = ag._entries(counts)
    m = np.bincount(u, minlength=d.n_items).astype(float)
    p = vals / m[rows]
    ent = np.bincount(rows, -p * np.log2(p), d.n_items) + 0.0
    hardest = np.argsort(-ent, kind="stable")[:top]
    sample_of = np.zeros(d.n_items, np.int64)
    sample_of[u] = s.t.item[d.mask]
    info = s.t.samples.take(pa.array(sample_of[hardest])).to_pylist()
    items = []
    for k, row in zip(hardest, info):
        mine = rows == k
        votes = sorted(zip(vals[mine].astype(int).tolist(), [s.set_names[x] for x in cols[mine]]), key=lambda v: -v[0])
        items.append({"id": row["id"], "text": _describe(row), "entropy": round(float(ent[k]), 4),
                      "votes": [[name, n] for n, name in votes]})
    return {"n_items": d.n_items, "mean_entropy": float(ent.mean()), "share_unanimous": float((ent == 0).mean()),
            "hardest": items, "entropies": ent.tolist()}


def _describe(sample: dict, limit: int = 240) -> str:
    text = sample.get("text")
    if text:
        return text if len(text) <= limit else text[:limit - 1] + "\u2026"
    media = next((sample[k] for k in ("audio_path", "video_path", "image_path") if sample.get(k)), None)
    return f"[{media}]" if media else ""


def human_vs_llm(t: RatingTable, field: str, level: str, n_boot: int, seed: int, ci: float) -> dict:
    """Alpha with and without LLM raters, and each LLM rater against the human consensus."""
    llm = t.kind.isin("llm")
    human = t.kind.isin("human", "self")
    if not llm.any():
        return {"reason": "no LLM ratings in this section"}
    if not human.any():
        return {"reason": "no human ratings to compare the LLM raters with"}
    kw = dict(n_boot=n_boot, seed=seed, ci=ci)
    s = _Section(t)
    values = s.set_values() if field == "label" else t.dims[field]
    lvl = "nominal" if field == "label" else level
    both = human | llm
    out = {"alpha_humans": ag.krippendorff_alpha(t.item[human], values.filter(pa.array(human)) if field == "label"
                                                 else values[human], lvl, **kw).to_dict(),
           "alpha_humans_and_llms": ag.krippendorff_alpha(t.item[both], values.filter(pa.array(both))
                                                          if field == "label" else values[both], lvl, **kw).to_dict(),
           "llm_raters": []}
    n_samples = t.samples.num_rows
    q = len(s.sets)
    voted = human & (s.set_code >= 0)
    plural = np.full(n_samples, -1)
    if voted.any() and q:  # human plurality label set per sample; ties -> the alphabetically first set
        counts = np.bincount(t.item[voted] * q + s.set_code[voted], minlength=n_samples * q).reshape(n_samples, q)
        plural = np.where(counts.sum(axis=1) > 0, counts.argmax(axis=1), -1)
    means = {}
    for d in DIMENSIONS:
        ok = human & np.isfinite(t.dims[d])
        if ok.any():
            n = np.bincount(t.item[ok], minlength=n_samples)
            with np.errstate(divide="ignore", invalid="ignore"):
                means[d] = np.bincount(t.item[ok], t.dims[d][ok], n_samples) / n
    for code in np.unique(t.rater.codes[llm & (t.rater.codes >= 0)]):
        name = t.rater.names[code]
        mine = llm & (t.rater.codes == code)
        row: dict = {"rater": name, "n_items": int(len(np.unique(t.item[mine])))}
        pair = mine & (s.set_code >= 0) & (plural[t.item] >= 0)
        if pair.any():
            x = [s.set_names[k] for k in s.set_code[pair]]
            y = [s.set_names[k] for k in plural[t.item[pair]]]
            row["kappa_vs_human_consensus"] = ag.cohen_kappa_table(x, y, name="Cohen's kappa vs human plurality",
                                                                   **kw).to_dict()
            row["accuracy_vs_human_consensus"] = float(np.mean(s.set_code[pair] == plural[t.item[pair]]))
        for d, mean in means.items():
            ok = mine & np.isfinite(t.dims[d]) & np.isfinite(mean[t.item])
            if ok.any():
                row[f"ccc_{d}_vs_human_mean"] = ag.lin_ccc(t.dims[d][ok], mean[t.item[ok]], name=f"Lin's CCC {d}",
                                                           **kw).to_dict()
        out["llm_raters"].append(row)
    return out


# --------------------------------------------------------------------------------------------
# charts (inline SVG)

def _svg(width: float, height: float, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{html.escape(label)}">{body}</svg>')


def _text(x, y, s, size=11, anchor="start", fill="#222", extra="") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" {extra}>'
            f'{html.escape(str(s))}</text>')


def _rect(x, y, w, h, fill, title=None) -> str:
    tip = f"<title>{html.escape(title)}</title>" if title else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}">{tip}</rect>'


def _short(s: str, n: int = 22) -> str:
    return s if len(s) <= n else s[:n - 1] + "\u2026"


def chart_per_class(rows: list[dict], ci: float) -> str:
    rows = sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"])
    if not rows:
        return ""
    left, width, bar = 150, 420, 18
    lo_v = min(0.0, min(r["ci_low"] if r["ci_low"] is not None else r["value"] for r in rows))
    span = 1.0 - lo_v

    def x(v):
        return left + (v - lo_v) / span * width

    parts = []
    for k, r in enumerate(rows):
        y = 24 + k * (bar + 6)
        parts.append(_text(left - 6, y + 13, _short(r["label"]), anchor="end"))
        a, b = sorted((x(0), x(r["value"])))
        parts.append(_rect(a, y, b - a, bar, GROUP_COLORS["human"], f"{r['label']}: {r['value']:.3f}"))
        if r["ci_low"] is not None:
            parts.append(f'<line x1="{x(r["ci_low"]):.1f}" x2="{x(r["ci_high"]):.1f}" y1="{y + bar / 2:.1f}" '
                         f'y2="{y + bar / 2:.1f}" stroke="#d62728" stroke-width="2"/>')
        parts.append(_text(left + width + 8, y + 13, f"{r['value']:.2f}", size=10))
    bottom = 24 + len(rows) * (bar + 6)
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="18" y2="{bottom:.1f}" stroke="#000" stroke-width="0.8"/>')
    for v in np.arange(math.ceil(lo_v * 4) / 4, 1.001, 0.25):
        parts.append(_text(x(v), bottom + 14, f"{v:.2f}", size=9, anchor="middle", fill="#555"))
    parts.append(_text(left, 12, f"binary alpha per class, {int(ci * 100)}% CI (red)", size=11, fill="#555"))
    return _svg(left + width + 60, bottom + 22, "".join(parts), "per-class alpha")


def _viridis(v: float) -> str:
    anchors = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    t = min(max((v + 0.2) / 1.2, 0.0), 1.0) * (len(anchors) - 1)
    k = min(int(t), len(anchors) - 2)
    a, b = anchors[k], anchors[k + 1]
    return "#%02x%02x%02x" % tuple(round(a[i] + (b[i] - a[i]) * (t - k)) for i in range(3))


def chart_heatmap(rm: dict) -> str:
    n_all = len(rm["raters"])
    if n_all < 2:
        return ""
    ov = np.array(rm["overlap"])
    keep = np.sort(np.argsort(-ov.sum(axis=1), kind="stable")[:MAX_HEATMAP_RATERS])
    names = [_short(rm["raters"][i], 18) for i in keep]
    cell = 34 if len(keep) <= 12 else 26
    left = top = 7 * max(len(x) for x in names) + 14
    parts = []
    for a, i in enumerate(keep):
        parts.append(_text(left - 6, top + a * cell + cell / 2 + 4, names[a], size=10, anchor="end"))
        cx = left + a * cell + cell / 2
        parts.append(_text(cx, top - 6, names[a], size=10, extra=f'transform="rotate(-60 {cx:.1f} {top - 6})"'))
        for b, j in enumerate(keep):
            v = rm["kappa"][i][j]
            tip = f"{rm['raters'][i]} x {rm['raters'][j]}: {ov[i][j]} shared items"
            if v is None:
                parts.append(_rect(left + b * cell, top + a * cell, cell - 1, cell - 1, "#f0f0f0", tip))
                continue
            parts.append(_rect(left + b * cell, top + a * cell, cell - 1, cell - 1, _viridis(v), f"{tip}, kappa {v:.3f}"))
            parts.append(_text(left + b * cell + cell / 2, top + a * cell + cell / 2 + 3, f"{v:.2f}",
                               size=9 if cell > 30 else 8, anchor="middle", fill="#000" if v > 0.45 else "#fff"))
    size = left + len(keep) * cell
    note = (f"Cohen's kappa of rater pairs sharing >= {rm['min_overlap']} items; grey: fewer shared items or undefined"
            + (f"; the {len(keep)} busiest of {n_all} raters" if n_all > len(keep) else ""))
    parts.append(_text(4, size + 16, note, size=10, fill="#555"))
    return _svg(max(size + 10, 520), size + 24, "".join(parts), "rater heatmap")


def chart_labels(dist: dict) -> str:
    if not dist:
        return ""
    labels = sorted({lab for d in dist.values() for lab in d})
    groups = sorted(dist)
    bw = max(4.0, min(14.0, 60.0 / len(groups)))
    step = bw * len(groups) + 8
    left, top, height = 40, 24, 160
    vmax = max(v for d in dist.values() for v in d.values())
    parts = []
    for k, lab in enumerate(labels):
        x0 = left + k * step
        for g_i, g in enumerate(groups):
            v = dist[g].get(lab, 0.0)
            h = v / vmax * height
            parts.append(_rect(x0 + g_i * bw, top + height - h, bw - 1, h, GROUP_COLORS.get(g, "#888"),
                               f"{g}: {lab} {v:.1%}"))
        cx = x0 + step / 2 - 4
        parts.append(_text(cx, top + height + 10, _short(lab, 16), size=10, anchor="end",
                           extra=f'transform="rotate(-50 {cx:.1f} {top + height + 10})"'))
    for g_i, g in enumerate(groups):
        parts.append(_rect(left + g_i * 110, 4, 10, 10, GROUP_COLORS.get(g, "#888")))
        parts.append(_text(left + g_i * 110 + 14, 13, g, size=10))
    parts.append(_text(4, top + 10, f"{vmax:.0%}", size=9, fill="#555"))
    return _svg(left + len(labels) * step + 20, top + height + 100, "".join(parts), "label distribution")


def chart_vad(t: RatingTable, limit: int = 1500) -> str:
    v, a = t.dims["valence"], t.dims["arousal"]
    ok = np.isfinite(v) & np.isfinite(a)
    if not ok.any():
        return ""
    size, pad = 320, 30
    grp = t.groups()
    rng = np.random.default_rng(0)
    parts = [_rect(pad, pad, size, size, "#fafafa"),
             f'<line x1="{pad}" x2="{pad + size}" y1="{pad + size / 2}" y2="{pad + size / 2}" stroke="#bbb"/>',
             f'<line x1="{pad + size / 2}" x2="{pad + size / 2}" y1="{pad}" y2="{pad + size}" stroke="#bbb"/>']
    shown = []
    for g in ("human", "self", "anonymous", "model", "llm"):
        idx = np.flatnonzero(ok & grp.isin(g))
        if not len(idx):
            continue
        if len(idx) > limit:
            idx = rng.choice(idx, limit, replace=False)
        shown.append(f"{g} {len(idx):,}")
        jitter = rng.normal(0, 0.015, (2, len(idx)))   # discrete scales overlap
        xs = pad + (np.clip(v[idx] + jitter[0], -1, 1) + 1) / 2 * size
        ys = pad + (1 - (np.clip(a[idx] + jitter[1], -1, 1) + 1) / 2) * size
        color = GROUP_COLORS.get(g, "#888")
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}" fill-opacity="0.55"/>' for x, y in zip(xs, ys)]
    parts.append(_text(pad + size / 2, pad + size + 20, "valence", anchor="middle"))
    parts.append(_text(12, pad + size / 2, "arousal", anchor="middle", extra=f'transform="rotate(-90 12 {pad + size / 2})"'))
    parts.append(_text(pad, 16, "ratings shown: " + ", ".join(shown), size=10, fill="#555"))
    return _svg(size + 2 * pad, size + 2 * pad + 6, "".join(parts), "valence-arousal scatter")


def chart_histogram(values: list[float]) -> str:
    if not values:
        return ""
    counts, edges = np.histogram(values, bins=20)
    left, top, width, height = 40, 10, 400, 120
    parts = []
    for k, c in enumerate(counts):
        h = c / max(counts.max(), 1) * height
        parts.append(_rect(left + k * width / 20, top + height - h, width / 20 - 1, h, "#72b7b2",
                           f"{edges[k]:.2f}-{edges[k + 1]:.2f} bits: {c} items"))
    parts.append(_text(left, top + height + 14, f"{edges[0]:.2f}", size=9, fill="#555"))
    parts.append(_text(left + width, top + height + 14, f"{edges[-1]:.2f} bits", size=9, anchor="end", fill="#555"))
    parts.append(_text(4, top + 10, f"{counts.max()}", size=9, fill="#555"))
    return _svg(left + width + 20, top + height + 22, "".join(parts), "difficulty histogram")


# --------------------------------------------------------------------------------------------
# rendering

def _fmt(x, digits=3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "&ndash;"
    return f"{x:.{digits}f}" if isinstance(x, float) else html.escape(str(x))


def _est_rows(ests: list[dict]) -> str:
    rows = []
    for e in ests:
        ci = (f"[{_fmt(e['ci_low'])}, {_fmt(e['ci_high'])}]" if e.get("ci_low") is not None else "&ndash;")
        d = e.get("details") or {}
        extra = ", ".join(f"{k}={_fmt(v) if isinstance(v, float) else html.escape(str(v))}"
                          for k, v in d.items() if k not in ("raters",))
        rows.append(f"<tr><td>{html.escape(e['name'])}</td><td class=num>{_fmt(e['value'])}</td><td>{ci}</td>"
                    f"<td class=num>{e.get('n_items', '')}</td><td class=num>{e.get('n_ratings', '')}</td>"
                    f"<td>{html.escape(e['reason'] or '')}</td><td class=small>{extra}</td></tr>")
    return ("<table><tr><th>coefficient</th><th>value</th><th>CI</th><th>items</th><th>ratings</th>"
            "<th>reason if undefined</th><th>details</th></tr>" + "".join(rows) + "</table>")


def _figure(svg: str, key: str) -> str:
    return f'<figure id="plot-{key}">{svg}</figure>' if svg else ""


def _share(pairs: list) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in pairs)


def section_title(s: dict) -> str:
    return (f"{s['corpus']} \u00b7 condition: {s['condition'] if s['condition'] is not None else 'none recorded'}"
            f" \u00b7 split: {', '.join(s['splits'])}")


def _section_html(s: dict, table: RatingTable | None, ci: float) -> str:
    c = s["counts"]
    kinds = ", ".join(f"{k} {v:,}" for k, v in c["ratings_by_kind"].items())
    persp = ", ".join(f"{k} {v:,}" for k, v in s["perspectives"].items())
    parts = [f"<h2>{html.escape(section_title(s))}</h2>",
             f"<p>{c['ratings']:,} ratings ({html.escape(kinds)}) on {c['items_rated']:,} items; "
             f"{c['named_raters']:,} named raters, {c['anonymous_ratings']:,} anonymous votes; "
             f"perspective of the ratings: {html.escape(persp)}.</p>"]
    if s.get("coverage"):
        parts.append(f"<p class=note>{html.escape(s['coverage'])}</p>")
    voc = s["vocabulary"]
    for m in voc["mixed"]:
        parts.append(f"<p class=warn>'{html.escape(m['term'])}' (used by {html.escape(', '.join(m['term_used_by']))}) "
                     f"and its basic emotion '{html.escape(m['basic'])}' (used by "
                     f"{html.escape(', '.join(m['basic_used_by']))}) are different categories here: relabel one "
                     "vocabulary or compare with --labels basic.</p>")
    if voc["unknown"]:
        parts.append(f"<p class=warn>labels not in the taxonomy: {html.escape(', '.join(voc['unknown']))}</p>")
    if s.get("reason"):
        parts.append(f"<p class=warn>{html.escape(s['reason'])}</p>")
    parts.append("<h3>Headline coefficients</h3>" + _est_rows(s.get("headline", [])))
    if s.get("continuous"):
        parts.append("<h3>Continuous dimensions (interval alpha)</h3>"
                     + _est_rows([{**e, "name": f"{d}: {e['name']}"} for d, e in s["continuous"].items()]))
    if "per_class" in s:
        parts.append("<h3>Per class</h3>" + _figure(chart_per_class(s["per_class"], ci), "per_class")
                     + _est_rows([{**r, "name": r["label"]} for r in s["per_class"]]))
    if "rater_matrix" in s:
        parts.append("<h3>Rater x rater agreement</h3>" + (_figure(chart_heatmap(s["rater_matrix"]), "heatmap") or
                                                           "<p>fewer than two named raters</p>"))
    if s.get("per_rater"):
        cols = ["rater", "kind", "perspective", "n_items", "n_ratings", "agreement_with_others",
                *[f"bias_{d}" for d in DIMENSIONS]]
        rows = "".join("<tr>" + "".join(f"<td>{_fmt(r[k])}</td>" for k in cols)
                       + f"<td>{html.escape(_share(r['top_labels']))}</td></tr>" for r in s["per_rater"][:MAX_RATER_ROWS])
        more = (f"<p class=small>the {MAX_RATER_ROWS} raters with most ratings of {len(s['per_rater']):,} "
                "(all in the JSON)</p>" if len(s["per_rater"]) > MAX_RATER_ROWS else "")
        parts.append("<h3>Per rater</h3><p class=small>agreement_with_others: share of agreeing pairs with co-raters "
                     "on the same item; bias: mean of (own value &minus; co-rater value); top labels: share of the "
                     "rater's chosen labels.</p><table><tr>" + "".join(f"<th>{k}</th>" for k in cols)
                     + "<th>top labels</th></tr>" + rows + "</table>" + more)
    else:
        parts.append("<h3>Per rater</h3><p>anonymous votes only: no per-rater breakdown</p>")
    parts.append("<h3>Label distribution per rater group</h3>"
                 + (_figure(chart_labels(s.get("label_distribution") or {}), "labels") or "<p>no categorical ratings</p>"))
    if table is not None:
        parts.append("<h3>Valence-arousal</h3>" + (_figure(chart_vad(table), "vad") or
                                                    "<p>no ratings with both valence and arousal</p>"))
    diff = s.get("difficulty")
    if diff:
        if diff.get("reason"):
            parts.append(f"<h3>Item difficulty</h3><p>{html.escape(diff['reason'])}</p>")
        else:
            rows = "".join(f"<tr><td>{html.escape(h['id'])}</td><td>{html.escape(h['text'])}</td>"
                           f"<td class=num>{h['entropy']:.3f}</td>"
                           f"<td>{html.escape(', '.join(f'{name} {n}' for name, n in h['votes']))}</td></tr>"
                           for h in diff["hardest"])
            parts.append(f"<h3>Item difficulty</h3><p>mean entropy {diff['mean_entropy']:.3f} bits over "
                         f"{diff['n_items']:,} items; {diff['share_unanimous']:.1%} unanimous</p>"
                         + _figure(chart_histogram(diff.get("entropies") or []), "difficulty")
                         + "<table><tr><th>hardest items</th><th>text / media</th><th>entropy</th><th>votes</th></tr>"
                         + rows + "</table>")
    hv = s.get("human_vs_llm", {})
    parts.append("<h3>Humans vs LLMs</h3>")
    if hv.get("reason"):
        parts.append(f"<p>{html.escape(hv['reason'])}</p>")
    else:
        parts.append(_est_rows(_hv_rows(hv)))
    return "\n".join(parts)


def _hv_rows(hv: dict) -> list[dict]:
    rows = [{**hv["alpha_humans"], "name": "alpha, humans only"},
            {**hv["alpha_humans_and_llms"], "name": "alpha, humans + LLMs"}]
    for r in hv["llm_raters"]:
        rows += [{**v, "name": f"{r['rater']}: {v['name']}"} for v in r.values() if isinstance(v, dict)]
    return rows


def _title(s: dict) -> str:
    return f"Agreement report: {', '.join(s.get('corpora', [])) or s.get('dataset', '')}"


def _settings(s: dict) -> str:
    where = ", ".join(x for x in (f"split {s['split']}" if s.get("split") else "all splits",
                                  f"condition {s['condition']}" if s.get("condition") else "") if x)
    return (f"dataset {s.get('dataset', '')}; corpora {', '.join(s.get('corpora', []))}; {where}; field "
            f"{s['field']} at level {s['level']}; raters: {s['raters']}; labels: {s.get('labels', 'as-is')}; "
            f"{s['n_boot']} bootstrap resamples of items, seed {s['seed']}, {int(s['ci'] * 100)}% CI")


def annotation_studies(root, corpora) -> list[dict]:
    """The Label Studio studies launched on these corpora (their manifests): blind or shared, and
    whose pre-annotations raters saw; the report warns where ratings are not independent."""
    from emodata.root import labelstudio_dir
    studies = []
    for path in sorted(labelstudio_dir(root).glob("*.json")):
        try:
            m = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if m.get("corpus") not in corpora:
            continue
        study = {"name": path.stem, "corpus": m["corpus"], "blind": bool(m.get("blind")),
                 "prefill": m.get("prefill"), "prefilled_samples": len(m.get("prefilled_samples") or [])}
        notes = []
        if not study["blind"] and (m.get("overlap") or 1) > 1:
            notes.append("raters shared one Label Studio project and could read and edit each other's annotations")
        if study["prefill"]:
            notes.append(f"{study['prefilled_samples']:,} samples were shown pre-annotated by {study['prefill']} "
                         "(anchoring)")
        study["warning"] = "; ".join(notes) or None
        studies.append(study)
    return studies


def _study_lines(s: dict) -> list[str]:
    return [f"Label Studio study '{x['name']}' ({x['corpus']}): "
            + (f"not independent: {x['warning']}" if x["warning"] else "blind, no pre-annotations")
            for x in s.get("studies", [])]


def render_html(summary: dict, table: RatingTable | None = None) -> str:
    s = summary
    parts = [f"<p>{html.escape(_settings(s))}.</p>"]
    parts += [f"<p class={'warn' if x['warning'] else 'note'}>{html.escape(line)}.</p>"
              for x, line in zip(s.get("studies", []), _study_lines(s))]
    if s.get("reason"):
        parts.append(f"<p class=warn>{html.escape(s['reason'])}</p>")
    if len(s["sections"]) > 1:
        parts.append("<p>Sections: " + "; ".join(html.escape(section_title(x)) for x in s["sections"]) + ".</p>")
    masks = section_masks(table) if table is not None else {}
    for sec in s["sections"]:
        mask = masks.get((sec["corpus"], sec["condition"]))
        parts.append(_section_html(sec, table.subset(mask) if mask is not None else None, s["ci"]))
    tpl = string.Template(TEMPLATE.read_text(encoding="utf-8"))
    return tpl.substitute(title=html.escape(_title(s)), body="\n".join(parts))


def render_markdown(summary: dict) -> str:
    s = summary
    lines = [f"# {_title(s)}", "", _settings(s) + ".", ""] + [line + "." for line in _study_lines(s)] + [""]
    if s.get("reason"):
        lines += [f"**{s['reason']}**", ""]

    def table(ests):
        out = ["| coefficient | value | CI | items | ratings | reason |", "|---|---|---|---|---|---|"]
        for e in ests:
            ci = f"[{e['ci_low']:.3f}, {e['ci_high']:.3f}]" if e.get("ci_low") is not None else "-"
            v = f"{e['value']:.3f}" if e["value"] is not None else "undefined"
            out.append(f"| {e['name']} | {v} | {ci} | {e.get('n_items', '')} | {e.get('n_ratings', '')} | "
                       f"{e.get('reason') or ''} |")
        return out + [""]

    for sec in s["sections"]:
        c = sec["counts"]
        lines += [f"## {section_title(sec)}", "",
                  f"{c['ratings']:,} ratings on {c['items_rated']:,} items; {c['named_raters']:,} named raters, "
                  f"{c['anonymous_ratings']:,} anonymous votes. {sec.get('coverage', '')}", ""]
        lines += [f"**{m['term']} and its basic emotion {m['basic']} are both used: different categories here.**"
                  for m in sec["vocabulary"]["mixed"]]
        lines += ["### Headline", ""] + table(sec.get("headline", []))
        if sec.get("continuous"):
            lines += ["### Continuous dimensions", ""] + table([{**e, "name": f"{d} {e['name']}"}
                                                               for d, e in sec["continuous"].items()])
        if sec.get("per_class"):
            lines += ["### Per class", ""] + table([{**r, "name": r["label"]} for r in sec["per_class"]])
        hv = sec.get("human_vs_llm", {})
        lines += ["### Humans vs LLMs", ""] + ([hv["reason"], ""] if hv.get("reason") else table(_hv_rows(hv)))
    return "\n".join(lines)


def write_report(summary: dict, table: RatingTable | None, out: str | Path) -> list[Path]:
    """Write ``out`` (HTML) plus ``.json`` and ``.md`` summaries next to it; returns the paths."""
    out = Path(out)
    paths = [out, out.with_suffix(".json"), out.with_suffix(".md")]
    page = render_html(summary, table)
    data = {**summary, "sections": [{k: ({kk: vv for kk, vv in v.items() if kk != "entropies"}
                                         if k == "difficulty" else v) for k, v in sec.items()}
                                    for sec in summary["sections"]]}
    atomic_write_text(paths[1], json.dumps(data, indent=1, default=str))
    atomic_write_text(paths[2], render_markdown(summary))
    atomic_write_text(paths[0], page)
    return paths


def run_report(root, *, corpora=None, split=None, raters="all", level=None, field="label", condition=None,
               labels="as-is", n_boot=1000, seed=0, ci=0.95, out) -> list[Path]:
    """Load, analyse and write the report (the ``emodata agreement`` command).

    ``labels="basic"`` compares every label as its basic emotion in the taxonomy."""
    table = load_ratings(root, corpora, split, condition)
    where = ", ".join(f"{k}={v}" for k, v in (("corpus", ",".join(corpora or [])), ("split", split),
                                               ("condition", condition)) if v) or "the whole dataset"
    if len(table) == 0:
        raise ValueError(f"no ratings to compare in {Path(root).name} for {where} "
                         f"({table.samples.num_rows:,} samples read, none with a rating)")
    if labels == "basic":
        table.labels = basic_labels(table.labels)
    corpora = corpora or store.corpora(root)
    meta = {"dataset": Path(root).name, "corpora": corpora, "split": split,
            "studies": annotation_studies(root, corpora),
            "condition": condition, "labels": labels}
    summary = analyse(table, field=field, level=level, raters=raters, n_boot=n_boot, seed=seed, ci=ci, meta=meta)
    if not summary["sections"]:
        raise ValueError(f"{summary['reason']} in {Path(root).name} for {where}")
    return write_report(summary, table, out)
