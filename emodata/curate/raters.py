"""Rater models as soft-label methods (crowd-kit): Dawid-Skene, MACE, GLAD, one-coin, majority, soft.

:func:`fit` takes long-format categorical ratings (sample ``id``, ``rater_id``, ``labels``) and
returns each sample's posterior over labels plus a per-rater report. Methods:

* ``dawid-skene``: one confusion matrix per rater (crowd-kit ``DawidSkene``); reliability = the
  rater's expected accuracy, sum over classes of prior x P(says c | truth c).
* ``one-coin``: one accuracy per rater (``OneCoinDawidSkene``); reliability = that accuracy.
* ``mace``: each rater knows the answer or guesses (``MACE``); reliability = P(knows).
* ``glad``: rater ability x item difficulty (``GLAD``); reliability = the model's mean
  probability that the rater is right on the items they rated, sigmoid(alpha x exp(beta)).
* ``majority``: one-hot on the plurality label (ties split evenly); ``soft``: vote shares.
  Both report each rater's agreement with the plurality as reliability.

Multi-label data (a rating with several labels) is modelled per class (crowd-kit
``BinaryRelevance``: one binary model per label): the posterior is P(label present) per class,
the rater's reliability the mean over classes of their balanced accuracy (DS) or per-class
skill, also reported per class. Anonymous votes (``rater_id`` null) are pooled into one
pseudo-rater ``(anonymous)``: the models then describe the crowd as a whole (one shared confusion
matrix, accuracy, competence or ability), which they allow; per-rater reliability cannot be
estimated and the report says so.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

METHODS = ("dawid-skene", "mace", "glad", "one-coin", "majority", "soft")
MODELS = ("dawid-skene", "mace", "glad", "one-coin")
ANONYMOUS = "(anonymous)"
ANONYMOUS_NOTE = ("anonymous votes are pooled into one pseudo-rater '(anonymous)': the model describes "
                  "the crowd as a whole; per-rater reliability cannot be estimated without rater ids")


class RaterModelError(Exception):
    pass


@dataclass
class RaterModel:
    """Posteriors per sample and the rater report of one fitted model."""
    method: str
    multilabel: bool
    posteriors: dict[str, dict[str, float]]      # sample id -> label -> probability (per class if multilabel)
    raters: list[dict]
    notes: list[str] = field(default_factory=list)

    def soft_label(self, sample_id: str) -> dict[str, float]:
        """A distribution summing to 1 (multi-label: the per-class probabilities normalised)."""
        post = self.posteriors.get(sample_id) or {}
        total = sum(post.values())
        return {k: v / total for k, v in sorted(post.items(), key=lambda kv: (-kv[1], kv[0])) if v > 0} if total else {}

    def labels(self, sample_id: str, threshold: float = 0.5) -> list[str]:
        """Multi-label: classes with P(present) >= threshold; single-label: the top class (unless tied)."""
        post = self.posteriors.get(sample_id) or {}
        if self.multilabel:
            return sorted(k for k, v in post.items() if v >= threshold)
        if not post:
            return []
        top = max(post.values())
        best = [k for k, v in post.items() if np.isclose(v, top)]
        return best if len(best) == 1 else []


def ratings_frame(rows: Iterable[dict]):
    """crowd-kit's long format (``task``, ``worker``, ``label``: list of labels) from rating dicts
    with ``id``, ``rater_id`` and ``labels`` (ratings without labels are left out)."""
    import pandas as pd
    data = [(r["id"], r.get("rater_id") or ANONYMOUS, sorted(set(r["labels"])))
            for r in rows if r.get("labels")]
    return pd.DataFrame(data, columns=["task", "worker", "label"])


def _model(method: str, seed: int):
    from crowdkit.aggregation import GLAD, MACE, DawidSkene, OneCoinDawidSkene
    return {"dawid-skene": lambda: DawidSkene(n_iter=100),
            "one-coin": lambda: OneCoinDawidSkene(n_iter=100),
            # crowd-kit seeds every restart alike, so restarts would repeat the same run
            "mace": lambda: MACE(n_restarts=1, n_iter=50, random_state=seed),
            "glad": lambda: GLAD(n_iter=100)}[method]()


def _reliability(method: str, model, data, names: Sequence[str] = ()) -> tuple[dict, dict]:
    """Per worker: reliability and the model's own parameter (confusion matrix, alpha...);
    ``names`` are the class names of the label codes (for the confusion matrices)."""
    workers = list(dict.fromkeys(data["worker"]))
    if method == "dawid-skene":
        err, prior = model.errors_, model.priors_
        rel, extra = {}, {}
        for w in workers:
            m = err.loc[w]
            classes = [c for c in prior.index if c in m.index and c in m.columns]
            rel[w] = float(sum(prior[c] * m.loc[c, c] for c in classes))
            if names:
                extra[w] = {"confusion": {names[t]: {names[o]: round(float(m.loc[o, t]), 4) for o in m.index}
                                          for t in m.columns}}
        return rel, extra
    if method == "one-coin":
        return {w: float(model.skills_[w]) for w in workers}, {}
    if method == "mace":
        import pandas as pd
        _, names = pd.factorize(data["worker"])
        return {w: float(model.spamming_[i, 1]) for i, w in enumerate(names)}, {}
    if method == "glad":
        a = data["worker"].map(model.alphas_).to_numpy(float)
        b = np.exp(data["task"].map(model.betas_).to_numpy(float))
        p = 1.0 / (1.0 + np.exp(-a * b))
        mean = data.assign(p=p).groupby("worker")["p"].mean()
        return {w: float(mean[w]) for w in workers}, {w: {"alpha": round(float(model.alphas_[w]), 4)} for w in workers}
    raise ValueError(method)


def _plurality_probas(data):
    """Vote shares per task (a rating with k labels gives 1/k to each)."""
    votes = data.explode("label")
    votes["w"] = 1.0 / data["label"].str.len().reindex(votes.index).to_numpy()
    counts = votes.pivot_table(index="task", columns="label", values="w", aggfunc="sum", fill_value=0.0)
    return counts.div(counts.sum(axis=1), axis=0)


def _fit_single(method: str, data, seed: int, names: Sequence[str]):
    """(probas DataFrame task x label, reliability per worker, extra per worker)."""
    flat = data.assign(label=data["label"].str[0])
    if method in ("majority", "soft"):
        probas = _plurality_probas(data)
        if method == "majority":
            top = probas.to_numpy()
            hard = np.isclose(top, top.max(axis=1, keepdims=True)).astype(float)
            probas = probas.copy()
            probas[:] = hard / hard.sum(axis=1, keepdims=True)
        top = probas.idxmax(axis=1)
        agree = (flat["label"].to_numpy() == flat["task"].map(top).to_numpy())
        rel = flat.assign(a=agree).groupby("worker")["a"].mean()
        return probas, {w: float(rel[w]) for w in dict.fromkeys(flat["worker"])}, {}
    model = _model(method, seed).fit(flat)
    rel, extra = _reliability(method, model, flat, names)
    return model.probas_, rel, extra


def _fit_multilabel(method: str, data, seed: int):
    """One binary model per class (crowd-kit BinaryRelevance); probas = P(class present)."""
    import pandas as pd
    flat = data["label"].explode()
    present = pd.crosstab(flat.index, flat.to_numpy()).reindex(data.index, fill_value=0) > 0   # rating x class
    classes = list(present.columns)
    if method in ("majority", "soft"):
        share = present.groupby(data["task"]).mean()
        probas = (share > 0.5).astype(float) if method == "majority" else share
        per_class = {c: (present[c].to_numpy() == data["task"].map(probas[c] >= 0.5).to_numpy()) for c in classes}
        rel = {c: pd.Series(v).groupby(data["worker"].to_numpy()).mean() for c, v in per_class.items()}
        workers = list(dict.fromkeys(data["worker"]))
        return probas, {c: {w: float(rel[c][w]) for w in workers} for c in classes}, {}
    from crowdkit.aggregation import BinaryRelevance
    br = BinaryRelevance(_model(method, seed))
    br.aggregators_ = {}                      # crowd-kit's default dict is shared between instances
    br.fit(data)
    probas, rel = {}, {}
    binary = data[["task", "worker"]].copy()
    for c in classes:
        model = br.aggregators_[c]
        binary["label"] = present[c].to_numpy().astype(int)
        p = model.probas_
        probas[c] = p[1] if 1 in p.columns else 0.0 * p.iloc[:, 0]
        if method == "dawid-skene":      # balanced accuracy: mean of P(1|1) and P(0|0)
            err = model.errors_
            rel[c] = {w: float(np.mean([err.loc[(w, k), k] for k in (0, 1)
                                         if (w, k) in err.index and k in err.columns] or [np.nan]))
                      for w in dict.fromkeys(binary["worker"])}
        else:
            rel[c] = _reliability(method, model, binary)[0]
    return pd.DataFrame(probas).fillna(0.0), rel, {}


def fit(rows: Iterable[dict] | object, method: str = "dawid-skene", seed: int = 0) -> RaterModel:
    """Fit ``method`` to ratings (dicts with ``id``, ``rater_id``, ``labels``, or a crowd-kit frame)."""
    if method not in METHODS:
        raise RaterModelError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    import pandas as pd
    data = rows if hasattr(rows, "columns") else ratings_frame(rows)
    if data.empty:
        raise RaterModelError("no categorical ratings to model")
    multilabel = bool((data["label"].str.len() > 1).any())
    notes = []
    if bool((data["worker"] == ANONYMOUS).any()):
        notes.append(ANONYMOUS_NOTE)
    # integer codes: crowd-kit's pandas indexing is many times slower on pandas 3 string columns
    tasks, task_names = pd.factorize(data["task"])
    workers, worker_names = pd.factorize(data["worker"])
    names = sorted({c for labels in data["label"] for c in labels})
    index = {c: k for k, c in enumerate(names)}
    coded = pd.DataFrame({"task": tasks, "worker": workers,
                          "label": [[index[c] for c in labels] for labels in data["label"]]})
    with warnings.catch_warnings():       # crowd-kit 1.4.2 uses pandas idioms pandas 3 deprecates
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        if multilabel:
            notes.append("multi-label ratings: one binary model per class; posteriors are P(class present)")
            probas, per_class, extra = _fit_multilabel(method, coded, seed)
            per_class = {names[c]: {worker_names[w]: v for w, v in r.items()} for c, r in per_class.items()}
            rel = {w: float(np.nanmean([per_class[c].get(w, np.nan) for c in per_class])) for w in worker_names}
        else:
            probas, rel, extra = _fit_single(method, coded, seed, names)
            rel = {worker_names[w]: v for w, v in rel.items()}
            per_class = None
    extra = {worker_names[w]: v for w, v in extra.items()}
    probas.index = task_names[probas.index.to_numpy(int)]
    probas.columns = [names[int(c)] for c in probas.columns]
    posteriors = {str(t): {str(k): float(v) for k, v in row.items() if v > 0}
                  for t, row in zip(probas.index, probas.to_dict("records"))}
    raters = _rater_report(data, probas, rel, per_class, extra, multilabel)
    return RaterModel(method, multilabel, posteriors, raters, notes)


def _rater_report(data, probas, rel, per_class, extra, multilabel) -> list[dict]:
    """Per rater: reliability, items rated, agreement with the model's labels (+ model parameters)."""
    if multilabel:
        classes = list(probas.columns)
        model_sets = {t: {c for c in classes if row[c] >= 0.5} for t, row in zip(probas.index, probas.to_dict("records"))}
        agree = [len(set(ls) & model_sets[t] | (set(classes) - set(ls) - model_sets[t])) / len(classes)
                 for t, ls in zip(data["task"], data["label"])]
    else:
        top = probas.idxmax(axis=1)
        agree = (data["label"].str[0].to_numpy() == data["task"].map(top).to_numpy()).astype(float)
    stats = data.assign(agree=agree).groupby("worker").agg(items=("task", "nunique"), ratings=("task", "size"),
                                                         agreement=("agree", "mean"))
    out = []
    for w in sorted(stats.index, key=lambda w: (-rel.get(w, 0.0) if np.isfinite(rel.get(w, np.nan)) else 1.0, w)):
        entry = {"rater_id": None if w == ANONYMOUS else w, "reliability": round(float(rel[w]), 4),
                 "items": int(stats.loc[w, "items"]), "ratings": int(stats.loc[w, "ratings"]),
                 "agreement_with_model": round(float(stats.loc[w, "agreement"]), 4)}
        if w == ANONYMOUS:
            entry.update(pooled=True, note=ANONYMOUS_NOTE)
        if per_class is not None:
            entry["per_class"] = {c: round(float(v[w]), 4) for c, v in per_class.items()
                                  if w in v and np.isfinite(v[w])}
        entry.update(extra.get(w, {}))
        out.append(entry)
    return out


def corpus_ratings(root, corpus: str, kinds: Iterable[str] = ("human",)) -> list[dict]:
    """Categorical ratings of a converted corpus by raters of ``kinds`` (``id``, ``rater_id``, ``labels``)."""
    from .. import store
    kinds_sql = ", ".join("'" + k.replace("'", "''") + "'" for k in kinds)
    con = store.connect(root, corpus)
    try:
        return con.sql(f"SELECT id, rater_id, labels FROM ratings WHERE rater_kind IN ({kinds_sql}) "
                       "AND len(labels) > 0").to_arrow_table().to_pylist()
    finally:
        con.close()


def rater_report_path(root, corpus: str):
    from ..root import reports_dir
    return reports_dir(root) / "raters" / f"{corpus}.json"


def relabel(root, corpus: str, method: str = "dawid-skene", kinds: Iterable[str] = ("human",), seed: int = 0) -> dict:
    """Fit ``method`` to a corpus's ratings, write its posteriors as the soft labels (through the
    label rule, :func:`emodata.store.recompute_soft_labels`) and the rater report
    ``ROOT/reports/raters/<corpus>.json`` (a list of objects with ``rater_id``, ``reliability``...)."""
    import json

    from .. import store
    from ..root import atomic_write_text
    kinds = tuple(kinds)
    model = fit(corpus_ratings(root, corpus, kinds), method, seed=seed)

    def posterior(sample_id: str):
        if sample_id not in model.posteriors:
            return None
        return model.soft_label(sample_id), (model.labels(sample_id) if model.multilabel else None)

    changed = store.recompute_soft_labels(root, corpus, kinds, posterior=posterior)
    path = rater_report_path(root, corpus)
    atomic_write_text(path, json.dumps(model.raters, indent=2))
    return {"changed": changed, "report": path, "raters": len(model.raters), "notes": model.notes,
            "multilabel": model.multilabel}
