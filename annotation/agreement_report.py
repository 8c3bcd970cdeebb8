"""Agreement report for a converted dataset: ratings -> coefficients, breakdowns, HTML/JSON/MD.

Ratings are read from ``<root>/data/<corpus>/<split>/*.parquet`` (column ``ratings``) in
record batches and flattened into long format (one element per rating).  A rating whose
``labels`` list is empty counts as *no categorical rating* (e.g. IEMOCAP dimensional-only
evaluator lines, GoEmotions "very unclear"); NaN/None continuous values are missing.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from emodata import store
from emodata.aggregate import plurality, soft_label, vote_counts
from emodata.annotation import agreement as ag

DIMENSIONS = ("valence", "arousal", "dominance", "intensity")
TEMPLATE = Path(__file__).with_name("templates") / "agreement_report.html"
MAX_HEATMAP_RATERS = 40
MIN_OVERLAP = 5


@dataclass
class RatingTable:
    """Long-format ratings: parallel arrays, one element per rating."""

    item: np.ndarray                 # sample id
    rater: np.ndarray                # rater id, None for anonymous votes
    kind: np.ndarray                 # human | llm | model | self
    labels: list                     # tuple of canonical labels, or None (no categorical rating)
    condition: np.ndarray
    dims: dict[str, np.ndarray]      # valence/arousal/dominance/intensity, NaN = missing
    n_samples: int = 0

    def __len__(self) -> int:
        return len(self.item)

    def subset(self, mask: np.ndarray) -> "RatingTable":
        return RatingTable(self.item[mask], self.rater[mask], self.kind[mask],
                           [lab for lab, k in zip(self.labels, mask) if k], self.condition[mask],
                           {d: v[mask] for d, v in self.dims.items()}, self.n_samples)

    @property
    def label_value(self) -> np.ndarray:
        """Nominal value of each rating: the sorted label set joined by '+', None if none."""
        return np.array(["+".join(s) if s else None for s in self.labels], dtype=object)

    @property
    def multilabel(self) -> bool:
        return any(s is not None and len(s) > 1 for s in self.labels)

    @classmethod
    def from_records(cls, records: list[dict], n_samples: int | None = None) -> "RatingTable":
        """From dicts with key ``id`` plus RATING_TYPE fields (tests, annotation projects)."""
        def labels(r):
            labs = r.get("labels")
            return tuple(sorted(set(labs))) if labs else None
        return cls(np.array([r["id"] for r in records], dtype=object),
                   np.array([r.get("rater_id") for r in records], dtype=object),
                   np.array([r.get("rater_kind", "human") for r in records], dtype=object),
                   [labels(r) for r in records],
                   np.array([r.get("condition") for r in records], dtype=object),
                   {d: np.array([np.nan if r.get(d) is None else r[d] for r in records], dtype=float)
                    for d in DIMENSIONS},
                   n_samples if n_samples is not None else len({r["id"] for r in records}))


def load_ratings(root, corpora: list[str] | None = None, split: str | None = None,
                 condition: str | None = None) -> RatingTable:
    """Flatten the ``ratings`` column of a converted dataset into a :class:`RatingTable`."""
    names = corpora or store.corpora(root)
    if not names:
        raise FileNotFoundError(f"no converted corpora in {root} (expected {root}/data/<corpus>/<split>/*.parquet)")
    cols: dict[str, list] = {k: [] for k in ("item", "rater", "kind", "labels", "condition", *DIMENSIONS)}
    n_samples = 0
    for corpus in names:
        for batch in store.iter_batches(root, corpus, split, columns=["id", "ratings"]):
            n_samples += batch.num_rows
            ratings = batch.column("ratings")
            parent = pc.list_parent_indices(ratings).to_numpy()
            flat = pc.list_flatten(ratings)
            cols["item"].append(batch.column("id").to_numpy(zero_copy_only=False)[parent])
            for key, name in (("rater", "rater_id"), ("kind", "rater_kind"), ("condition", "condition")):
                cols[key].append(np.array(pc.struct_field(flat, name).to_pylist(), dtype=object))
            cols["labels"] += [tuple(sorted(set(x))) if x else None
                               for x in pc.struct_field(flat, "labels").to_pylist()]
            for d in DIMENSIONS:
                cols[d].append(pc.struct_field(flat, d).to_numpy(zero_copy_only=False).astype(float))

    def cat(key, dtype):
        return np.concatenate(cols[key]) if cols[key] else np.zeros(0, dtype=dtype)

    table = RatingTable(cat("item", object), cat("rater", object), cat("kind", object), cols["labels"],
                        cat("condition", object), {d: cat(d, float) for d in DIMENSIONS}, n_samples)
    if condition is not None:
        table = table.subset(table.condition == condition)
    return table


# --------------------------------------------------------------------------------------------
# analysis

def _select(table: RatingTable, raters: str) -> RatingTable:
    if raters == "all":
        return table
    if raters == "human":
        return table.subset(np.isin(table.kind, ["human", "self"]))
    return table.subset(table.kind == raters)


def _field_values(table: RatingTable, field: str) -> np.ndarray:
    return table.label_value if field == "label" else table.dims[field]


def _has_field(table: RatingTable, field: str) -> bool:
    v = _field_values(table, field)
    return bool(np.any(np.fromiter((x is not None for x in v), bool, len(v))) if field == "label"
                else np.isfinite(v).any())


def headline(table: RatingTable, field: str, level: str, n_boot: int, seed: int, ci: float,
             pairwise: tuple | None = None) -> list[ag.Estimate]:
    """The main coefficients for one field at one level, each with a bootstrap CI.

    ``pairwise`` is a precomputed :func:`pairwise_cohen` result for the label field."""
    values = _field_values(table, field)
    kw = dict(n_boot=n_boot, seed=seed, ci=ci)
    if field == "label":
        if level != "nominal":
            raise ValueError(f"--level {level} needs a numeric --field (valence, arousal, dominance, intensity); "
                             "labels are nominal")
        cc = ag.category_coefficients(table.item, values, **kw)
        out = [ag.krippendorff_alpha(table.item, values, "nominal", **kw), cc["fleiss"], cc["gwet"], cc["percent"]]
        if table.multilabel:
            sets = np.array([frozenset(s) if s else None for s in table.labels], dtype=object)
            out += [ag.krippendorff_alpha(table.item, sets, ag.masi_distance, **kw),
                    ag.krippendorff_alpha(table.item, sets, ag.jaccard_distance, **kw)]
        out.append(light_kappa(pairwise or ag.pairwise_cohen(table.item, table.rater, values,
                                                             min_overlap=MIN_OVERLAP)))
        return out
    out = [ag.krippendorff_alpha(table.item, values, level, **kw)]
    if level != "interval":
        out.append(ag.krippendorff_alpha(table.item, values, "interval", **kw))
    icc = ag.icc(table.item, table.rater, values, **kw)
    return out + [icc[f] for f in ag.ICC_FORMS]


def light_kappa(pairwise: tuple) -> ag.Estimate:
    """Mean of a :func:`pairwise_cohen` matrix over rater pairs sharing >= MIN_OVERLAP items (no CI)."""
    raters, kappa = pairwise.raters, pairwise.kappa
    upper = kappa[np.triu_indices(len(raters), 1)] if raters else np.zeros(0)
    ok = upper[np.isfinite(upper)]
    if len(ok) == 0:
        why = ("no named raters (anonymous votes only)" if not raters else
               f"no pair of named raters shares {MIN_OVERLAP}+ items with a defined kappa")
        return ag.Estimate("mean pairwise Cohen's kappa", math.nan, reason=why)
    return ag.Estimate("mean pairwise Cohen's kappa", float(ok.mean()),
                       details={"pairs": int(len(ok)), "ci": "not computed (summary of the rater matrix)"})


def per_rater(table: RatingTable) -> list[dict]:
    """Item count, agreement with co-raters, label distribution and VAD bias of named raters."""
    named = np.fromiter((r is not None for r in table.rater), bool, len(table))
    if not named.any():
        return []
    u, _ = ag.encode(table.item)
    i, j = ag._within_item_pairs(u)
    other = table.rater[i] != table.rater[j]  # a rater's own ratings of an item in other conditions are not "others"
    i, j = i[named[i] & other], j[named[i] & other]
    lab = table.label_value
    has_lab = np.fromiter((x is not None for x in lab), bool, len(lab))
    rows = []
    r_codes, raters = ag.encode(table.rater[named])
    idx_named = np.flatnonzero(named)
    pair_rater = np.full(len(table), -1)
    pair_rater[idx_named] = r_codes
    lp = has_lab[i] & has_lab[j]
    agree = np.bincount(pair_rater[i[lp]], (lab[i[lp]] == lab[j[lp]]).astype(float), len(raters))
    n_pairs = np.bincount(pair_rater[i[lp]], minlength=len(raters))
    bias = {}
    for d in DIMENSIONS:
        x = table.dims[d]
        ok = np.isfinite(x[i]) & np.isfinite(x[j])
        # mean over pairs of (own - other) = own minus the mean of co-raters, pair-weighted
        bias[d] = (np.bincount(pair_rater[i[ok]], x[i[ok]] - x[j[ok]], len(raters)),
                   np.bincount(pair_rater[i[ok]], minlength=len(raters)))
    for k, rater in enumerate(raters):
        mine = idx_named[r_codes == k]
        labs = [lab for m in mine for lab in (table.labels[m] or ())]
        top = {}
        for x in labs:
            top[x] = top.get(x, 0) + 1
        total = sum(top.values()) or 1
        row = {"rater": str(rater), "kind": str(table.kind[mine[0]]), "n_items": int(len(set(table.item[mine]))),
               "n_ratings": int(len(mine)),
               "agreement_with_others": float(agree[k] / n_pairs[k]) if n_pairs[k] else None,
               "label_distribution": {x: round(c / total, 4) for x, c in
                                      sorted(top.items(), key=lambda kv: -kv[1])[:5]}}
        for d in DIMENSIONS:
            s, n = bias[d]
            row[f"bias_{d}"] = float(s[k] / n[k]) if n[k] else None
        rows.append(row)
    return sorted(rows, key=lambda r: -r["n_ratings"])


def item_difficulty(table: RatingTable, top: int = 10) -> dict:
    """Entropy (bits) of the soft label of each item with two or more categorical ratings."""
    by_item: dict = {}
    for it, s in zip(table.item, table.labels):
        if s:
            by_item.setdefault(it, []).append(s)
    votes = {it: vote_counts(sets) for it, sets in by_item.items() if len(sets) >= 2}
    if not votes:
        return {"reason": "no item has two or more categorical ratings", "entropies": []}
    ent = {}
    for it, d in votes.items():
        p = np.array(list(soft_label(d).values()))
        ent[it] = float(-(p * np.log2(p)).sum()) + 0.0
    hardest = sorted(ent.items(), key=lambda kv: -kv[1])[:top]
    vals = np.array(list(ent.values()))
    return {"n_items": len(ent), "mean_entropy": float(vals.mean()), "share_unanimous": float((vals == 0).mean()),
            "hardest": [{"id": str(it), "entropy": round(e, 4),
                         "votes": {k: round(v, 3) for k, v in votes[it].items()}} for it, e in hardest],
            "entropies": vals.tolist()}


def _consensus(table: RatingTable) -> tuple[dict, dict]:
    """Human plurality label per item (ties -> alphabetically first) and mean human VAD."""
    human = np.isin(table.kind, ["human", "self"])
    votes: dict = {}
    for it, v, h in zip(table.item, table.label_value, human):
        if h and v is not None:
            d = votes.setdefault(it, {})
            d[v] = d.get(v, 0) + 1
    label = {it: plurality(d)[0] for it, d in votes.items()}
    means = {}
    for dname in DIMENSIONS:
        x = table.dims[dname]
        ok = human & np.isfinite(x)
        u, items = ag.encode(table.item[ok]) if ok.any() else (np.zeros(0, int), [])
        if len(items):
            means[dname] = dict(zip(items, np.bincount(u, x[ok]) / np.bincount(u)))
    return label, means


def human_vs_llm(table: RatingTable, field: str, level: str, n_boot: int, seed: int, ci: float) -> dict:
    """Each LLM rater against the human consensus; alpha with and without LLM raters."""
    llm = table.kind == "llm"
    human = np.isin(table.kind, ["human", "self"])
    if not llm.any():
        return {"reason": "no LLM ratings in this dataset"}
    if not human.any():
        return {"reason": "no human ratings to compare the LLM raters with"}
    kw = dict(n_boot=n_boot, seed=seed, ci=ci)
    values = _field_values(table, field)
    lvl = "nominal" if field == "label" else level
    both = human | llm
    out = {"alpha_humans": ag.krippendorff_alpha(table.item[human], values[human], lvl, **kw).to_dict(),
           "alpha_humans_and_llms": ag.krippendorff_alpha(table.item[both], values[both], lvl, **kw).to_dict(),
           "llm_raters": []}
    cons_label, cons_dims = _consensus(table)
    lab = table.label_value
    for rater in sorted({str(r) for r in table.rater[llm] if r is not None}):
        mine = np.flatnonzero(llm & (table.rater == rater))
        row: dict = {"rater": rater, "n_items": int(len(set(table.item[mine])))}
        pairs = [(lab[m], cons_label[table.item[m]]) for m in mine
                 if lab[m] is not None and table.item[m] in cons_label]
        if pairs:
            x, y = zip(*pairs)
            row["kappa_vs_human_consensus"] = ag.cohen_kappa_table(x, y, name="Cohen's kappa vs human plurality",
                                                                   **kw).to_dict()
            row["accuracy_vs_human_consensus"] = float(np.mean([a == b for a, b in pairs]))
        for d, means in cons_dims.items():
            pv = [(table.dims[d][m], means[table.item[m]]) for m in mine
                  if np.isfinite(table.dims[d][m]) and table.item[m] in means]
            if pv:
                x, y = zip(*pv)
                row[f"ccc_{d}_vs_human_mean"] = ag.lin_ccc(x, y, name=f"Lin's CCC {d}", **kw).to_dict()
        out["llm_raters"].append(row)
    return out


def analyse(table: RatingTable, *, field: str = "label", level: str | None = None, raters: str = "all",
            n_boot: int = 1000, seed: int = 0, ci: float = 0.95, meta: dict | None = None) -> dict:
    """Everything the report shows, as a JSON-ready dict."""
    level = level or ("nominal" if field == "label" else "interval")
    sel = _select(table, raters)
    kinds = {k: int((sel.kind == k).sum()) for k in sorted({str(k) for k in sel.kind})}
    named = {r for r in sel.rater if r is not None}
    summary = {"generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **(meta or {}),
               "field": field, "level": level, "raters": raters, "n_boot": n_boot, "seed": seed, "ci": ci,
               "n_samples": table.n_samples, "n_items_rated": int(len(set(sel.item))), "n_ratings": len(sel),
               "ratings_by_kind": kinds, "n_named_raters": len(named),
               "n_anonymous_ratings": int(sum(r is None for r in sel.rater))}
    if len(sel) == 0:
        summary["reason"] = f"no ratings from raters={raters}"
        return summary
    has_labels = _has_field(sel, "label")
    pairwise = ag.pairwise_cohen(sel.item, sel.rater, sel.label_value, min_overlap=MIN_OVERLAP) if has_labels else None
    if not _has_field(sel, field):
        summary["reason"] = f"no rating has a {field} value"
        summary["headline"] = []
    else:
        summary["headline"] = [e.to_dict() for e in headline(sel, field, level, n_boot, seed, ci, pairwise)]
    if has_labels:
        per_class = ag.alpha_per_class(sel.item, sel.labels, n_boot=n_boot, seed=seed, ci=ci)
        summary["per_class"] = [{"label": k, **v.to_dict()} for k, v in per_class.items()]
        raters_, kappa, overlap = pairwise.raters, pairwise.kappa, pairwise.overlap
        summary["rater_matrix"] = {"raters": [str(r) for r in raters_], "min_overlap": MIN_OVERLAP,
                                   "kappa": [[None if not np.isfinite(v) else round(float(v), 4) for v in row]
                                             for row in kappa],
                                   "overlap": overlap.tolist()}
        summary["difficulty"] = item_difficulty(sel)
    summary["continuous"] = {}
    for d in DIMENSIONS:
        if d != field and _has_field(sel, d):
            summary["continuous"][d] = ag.krippendorff_alpha(sel.item, sel.dims[d], "interval", n_boot=n_boot,
                                                             seed=seed, ci=ci).to_dict()
    summary["per_rater"] = per_rater(sel)
    summary["human_vs_llm"] = human_vs_llm(table, field, level, n_boot, seed, ci)
    summary["label_distribution"] = _label_distribution(table)
    return summary


def _label_distribution(table: RatingTable) -> dict:
    groups: dict = {}
    for r, k, s in zip(table.rater, table.kind, table.labels):
        if s:
            g = "anonymous" if r is None else str(k)
            d = groups.setdefault(g, {})
            for lab in s:
                d[lab] = d.get(lab, 0) + 1
    return {g: {k: v / sum(d.values()) for k, v in sorted(d.items())} for g, d in groups.items()}


# --------------------------------------------------------------------------------------------
# plots (matplotlib -> inline base64 PNG)

def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def make_plots(summary: dict, table: RatingTable) -> dict[str, str]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plots = {}
    pc_rows = [r for r in summary.get("per_class", []) if r["value"] is not None]
    if pc_rows:
        pc_rows.sort(key=lambda r: r["value"])
        fig, ax = plt.subplots(figsize=(7, 0.28 * len(pc_rows) + 1.2))
        y = np.arange(len(pc_rows))
        v = np.array([r["value"] for r in pc_rows])
        lo = np.array([r["ci_low"] if r["ci_low"] is not None else r["value"] for r in pc_rows])
        hi = np.array([r["ci_high"] if r["ci_high"] is not None else r["value"] for r in pc_rows])
        ax.barh(y, v, color="#4c78a8")
        ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#d62728", capsize=2)
        ax.set_yticks(y, [r["label"] for r in pc_rows], fontsize=8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"Krippendorff's alpha (binary, per class) with {int(summary['ci'] * 100)}% CI")
        plots["per_class"] = _png(fig)
    rm = summary.get("rater_matrix")
    if rm and len(rm["raters"]) >= 2:
        k = np.array([[np.nan if v is None else v for v in row] for row in rm["kappa"]], dtype=float)
        ov = np.array(rm["overlap"])
        keep = np.argsort(-ov.sum(axis=1))[:MAX_HEATMAP_RATERS]
        keep.sort()
        k = k[np.ix_(keep, keep)]
        names = [rm["raters"][i] for i in keep]
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
        im = ax.imshow(np.ma.masked_invalid(k), cmap="viridis", vmin=-0.2, vmax=1)
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
        ax.set_yticks(range(len(names)), names, fontsize=6)
        fig.colorbar(im, ax=ax, label="Cohen's kappa")
        ax.set_title(f"Rater x rater Cohen's kappa (pairs with >= {rm['min_overlap']} shared items)", fontsize=9)
        plots["heatmap"] = _png(fig)
    dist = summary.get("label_distribution") or {}
    if dist:
        labels = sorted({lab for d in dist.values() for lab in d})
        fig, ax = plt.subplots(figsize=(max(6, 0.35 * len(labels) + 2), 3.6))
        width = 0.8 / len(dist)
        colors = {"human": "#4c78a8", "llm": "#f58518", "anonymous": "#54a24b", "self": "#b279a2",
                  "model": "#e45756"}
        for g_i, (g, d) in enumerate(sorted(dist.items())):
            ax.bar(np.arange(len(labels)) + g_i * width, [d.get(lab, 0) for lab in labels], width,
                   label=g, color=colors.get(g, None))
        ax.set_xticks(np.arange(len(labels)) + 0.4 - width / 2, labels, rotation=60, ha="right", fontsize=8)
        ax.set_ylabel("share of chosen labels")
        ax.legend(title="rater group", fontsize=8)
        plots["labels"] = _png(fig)
    v, a = table.dims["valence"], table.dims["arousal"]
    ok = np.isfinite(v) & np.isfinite(a)
    if ok.any():
        fig, ax = plt.subplots(figsize=(5, 5))
        groups = np.array(["anonymous" if r is None else str(k) for r, k in zip(table.rater, table.kind)])
        rng = np.random.default_rng(0)
        for g, color in (("human", "#4c78a8"), ("self", "#b279a2"), ("anonymous", "#54a24b"),
                         ("model", "#e45756"), ("llm", "#f58518")):
            m = ok & (groups == g)
            if m.any():
                jitter = rng.normal(0, 0.02, (2, int(m.sum())))  # discrete scales overlap
                ax.scatter(v[m] + jitter[0], a[m] + jitter[1], s=14, alpha=0.5, color=color, label=g)
        ax.set_xlim(-1.05, 1.05)
        ax.set_ylim(-1.05, 1.05)
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_xlabel("valence")
        ax.set_ylabel("arousal")
        ax.legend(fontsize=8)
        ax.set_title("Ratings in valence-arousal space", fontsize=9)
        plots["vad"] = _png(fig)
    ent = (summary.get("difficulty") or {}).get("entropies") or []
    if ent:
        fig, ax = plt.subplots(figsize=(5.5, 3))
        ax.hist(ent, bins=20, color="#72b7b2")
        ax.set_xlabel("entropy of the soft label (bits)")
        ax.set_ylabel("items")
        plots["difficulty"] = _png(fig)
    return plots


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


def _img(plots, key, alt) -> str:
    return f'<img id="plot-{key}" alt="{alt}" src="{plots[key]}">' if key in plots else ""


def render_html(summary: dict, plots: dict[str, str]) -> str:
    s = summary
    parts = [f"<p>{html.escape(s.get('dataset', ''))} &middot; corpora: {html.escape(', '.join(s.get('corpora', [])))} &middot; "
             f"field <b>{s['field']}</b> at level <b>{s['level']}</b> &middot; raters: {s['raters']} &middot; "
             f"{s['n_ratings']} ratings on {s['n_items_rated']} items ({s['n_samples']} samples) &middot; "
             f"{s['n_named_raters']} named raters, {s['n_anonymous_ratings']} anonymous votes &middot; "
             f"{s['n_boot']} bootstrap resamples (items), seed {s['seed']}</p>"]
    if s.get("reason"):
        parts.append(f"<p class=warn>{html.escape(s['reason'])}</p>")
    parts.append("<h2>Headline coefficients</h2>" + _est_rows(s.get("headline", [])))
    if s.get("continuous"):
        parts.append("<h2>Continuous dimensions (interval alpha)</h2>"
                     + _est_rows([{**e, "name": f"{d}: {e['name']}"} for d, e in s["continuous"].items()]))
    if "per_class" in s:
        parts.append("<h2>Per class</h2>" + _img(plots, "per_class", "per-class alpha")
                     + _est_rows([{**r, "name": r["label"]} for r in s["per_class"]]))
    if "rater_matrix" in s:
        parts.append("<h2>Rater x rater agreement</h2>" + (_img(plots, "heatmap", "rater heatmap") or
                                                            "<p>fewer than two named raters</p>"))
    if s.get("per_rater"):
        cols = ["rater", "kind", "n_items", "agreement_with_others", *[f"bias_{d}" for d in DIMENSIONS]]
        rows = "".join("<tr>" + "".join(f"<td>{_fmt(r[c])}</td>" for c in cols)
                       + f"<td class=small>{html.escape(json.dumps(r['label_distribution']))}</td></tr>"
                       for r in s["per_rater"])
        parts.append("<h2>Per rater</h2><p class=small>agreement_with_others: share of agreeing pairs with "
                     "co-raters on the same item; bias: mean of (own value &minus; co-rater value).</p><table><tr>"
                     + "".join(f"<th>{c}</th>" for c in cols) + "<th>top labels</th></tr>" + rows + "</table>")
    else:
        parts.append("<h2>Per rater</h2><p>anonymous votes only: no per-rater breakdown</p>")
    parts.append("<h2>Label distribution per rater group</h2>" + (_img(plots, "labels", "label distribution")
                                                                 or "<p>no categorical ratings</p>"))
    parts.append("<h2>Valence-arousal</h2>" + (_img(plots, "vad", "VAD scatter") or
                                                "<p>no ratings with both valence and arousal</p>"))
    diff = s.get("difficulty")
    if diff:
        if diff.get("reason"):
            parts.append(f"<h2>Item difficulty</h2><p>{html.escape(diff['reason'])}</p>")
        else:
            rows = "".join(f"<tr><td>{html.escape(h['id'])}</td><td class=num>{h['entropy']:.3f}</td>"
                           f"<td class=small>{html.escape(json.dumps(h['votes']))}</td></tr>" for h in diff["hardest"])
            parts.append(f"<h2>Item difficulty</h2><p>mean entropy {diff['mean_entropy']:.3f} bits over "
                         f"{diff['n_items']} items; {diff['share_unanimous']:.1%} unanimous</p>"
                         + _img(plots, "difficulty", "difficulty histogram")
                         + "<table><tr><th>hardest items</th><th>entropy</th><th>votes</th></tr>" + rows + "</table>")
    hv = s.get("human_vs_llm", {})
    parts.append("<h2>Humans vs LLMs</h2>")
    if hv.get("reason"):
        parts.append(f"<p>{html.escape(hv['reason'])}</p>")
    else:
        ests = [{**hv["alpha_humans"], "name": "alpha, humans only"},
                {**hv["alpha_humans_and_llms"], "name": "alpha, humans + LLMs"}]
        for r in hv["llm_raters"]:
            for k, v in r.items():
                if isinstance(v, dict):
                    ests.append({**v, "name": f"{r['rater']}: {v['name']}"})
        parts.append(_est_rows(ests))
    tpl = string.Template(TEMPLATE.read_text(encoding="utf-8"))
    return tpl.substitute(title=html.escape(f"Agreement report: {', '.join(s.get('corpora', []))}"),
                          body="\n".join(parts))


def render_markdown(summary: dict) -> str:
    s = summary
    lines = [f"# Agreement report: {', '.join(s.get('corpora', []))}", "",
             f"field `{s['field']}`, level `{s['level']}`, raters `{s['raters']}`; {s['n_ratings']} ratings on "
             f"{s['n_items_rated']} items; {s['n_boot']} bootstrap resamples, {int(s['ci'] * 100)}% CI.", ""]
    if s.get("reason"):
        lines += [f"**{s['reason']}**", ""]

    def table(ests):
        out = ["| coefficient | value | CI | items | reason |", "|---|---|---|---|---|"]
        for e in ests:
            ci = f"[{e['ci_low']:.3f}, {e['ci_high']:.3f}]" if e.get("ci_low") is not None else "-"
            v = f"{e['value']:.3f}" if e["value"] is not None else "undefined"
            out.append(f"| {e['name']} | {v} | {ci} | {e.get('n_items', '')} | {e.get('reason') or ''} |")
        return out + [""]

    lines += ["## Headline", ""] + table(s.get("headline", []))
    if s.get("continuous"):
        lines += ["## Continuous dimensions", ""] + table([{**e, "name": f"{d} {e['name']}"}
                                                         for d, e in s["continuous"].items()])
    if s.get("per_class"):
        lines += ["## Per class", ""] + table([{**r, "name": r["label"]} for r in s["per_class"]])
    hv = s.get("human_vs_llm", {})
    lines += ["## Humans vs LLMs", ""]
    if hv.get("reason"):
        lines += [hv["reason"], ""]
    else:
        lines += table([{**hv["alpha_humans"], "name": "alpha, humans only"},
                        {**hv["alpha_humans_and_llms"], "name": "alpha, humans + LLMs"}])
    return "\n".join(lines)


def write_report(summary: dict, table: RatingTable, out: str | Path) -> list[Path]:
    """Write ``out`` (HTML) plus ``.json`` and ``.md`` summaries next to it; returns the paths."""
    out = Path(out)
    html_text = render_html(summary, make_plots(summary, table))
    paths = [out, out.with_suffix(".json"), out.with_suffix(".md")]
    data = {k: v for k, v in summary.items()}
    if "difficulty" in data:
        data["difficulty"] = {k: v for k, v in data["difficulty"].items() if k != "entropies"}
    store.atomic_write_text(paths[1], json.dumps(data, indent=1, default=str))
    store.atomic_write_text(paths[2], render_markdown(summary))
    store.atomic_write_text(paths[0], html_text)
    return paths


def run_report(root, *, corpora=None, split=None, raters="all", level=None, field="label", condition=None,
               n_boot=1000, seed=0, ci=0.95, out) -> list[Path]:
    """Load, analyse and write the report (the ``emodata agreement`` command)."""
    table = load_ratings(root, corpora, split, condition)
    meta = {"dataset": str(root), "corpora": corpora or store.corpora(root), "split": split, "condition": condition}
    summary = analyse(table, field=field, level=level, raters=raters, n_boot=n_boot, seed=seed, ci=ci, meta=meta)
    return write_report(summary, table, out)
