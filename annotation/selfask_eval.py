"""Evaluate an LLM rater against the human labels of a converted corpus.

Accuracy and macro-F1 on the consensus label, Jensen-Shannon divergence of soft labels,
Lin's concordance correlation (CCC) on valence/arousal/dominance, expected calibration error
and a reliability plot of the verbalised confidence, and the cost (tokens, seconds) from the
self-ask traces.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from .. import store
from ..root import atomic_path, atomic_write_text
from ..taxonomy import get_taxonomy
from .selfask import read_traces


def _project(soft: dict[str, float], label_set: list[str]) -> dict[str, float]:
    tax = get_taxonomy()
    return tax.project({k: v for k, v in soft.items() if k in tax.terms}, label_set)[0]


def jsd(p: dict[str, float], q: dict[str, float]) -> float:
    """Jensen-Shannon divergence (base 2, in [0, 1]) of two distributions over labels."""
    def kl(a, m):
        return sum(a[k] * math.log2(a[k] / m[k]) for k in a if a[k] > 0)
    keys = set(p) | set(q)
    p = {k: p.get(k, 0.0) for k in keys}
    q = {k: q.get(k, 0.0) for k in keys}
    m = {k: (p[k] + q[k]) / 2 for k in keys}
    return max(0.0, 0.5 * kl(p, m) + 0.5 * kl(q, m))


def ccc(x: list[float], y: list[float]) -> float | None:
    """Lin's concordance correlation coefficient; None with fewer than 2 pairs or no variance."""
    n = len(x)
    if n < 2:
        return None
    mx, my = sum(x) / n, sum(y) / n
    vx = sum((a - mx) ** 2 for a in x) / n
    vy = sum((b - my) ** 2 for b in y) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(x, y)) / n
    denom = vx + vy + (mx - my) ** 2
    return 2 * cov / denom if denom > 0 else None


def macro_f1(gold: list[str], pred: list[str]) -> float | None:
    """Macro-averaged F1 over the classes that occur in gold or predictions."""
    classes = sorted(set(gold) | set(pred))
    if not classes:
        return None
    f1s = []
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def calibration(conf: list[float], correct: list[bool], bins: int = 10) -> tuple[float | None, list[dict]]:
    """Expected calibration error with equal-width bins, and the per-bin reliability table."""
    if not conf:
        return None, []
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(conf) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if not idx:
            continue
        acc = sum(correct[i] for i in idx) / len(idx)
        mc = sum(conf[i] for i in idx) / len(idx)
        ece += len(idx) / len(conf) * abs(acc - mc)
        table.append({"bin": [lo, hi], "count": len(idx), "confidence": mc, "accuracy": acc})
    return ece, table


def evaluate(root: str | Path, corpus: str, rater: str, *, split: str | None = None, bins: int = 10) -> dict:
    """Metrics of ``rater`` against the human consensus of ``corpus``; see module docstring."""
    columns = ["id", "label", "soft_label", "valence", "arousal", "dominance", "ratings"]
    gold_l, pred_l, jsds, conf, correct = [], [], [], [], []
    vad = {d: ([], []) for d in ("valence", "arousal", "dominance")}
    rated = 0
    label_sets = set()
    ids: set[str] = set()
    rows = (row for batch in store.iter_batches(root, corpus, split, columns=columns) for row in batch.to_pylist())
    for row in rows:
        ids.add(row["id"])
        mine = [r for r in row["ratings"] or [] if r["rater_id"] == rater]
        if not mine:
            continue
        r = mine[0]
        rated += 1
        native = json.loads(r["native"])
        labels = get_taxonomy().label_set(native["label_set"])
        label_sets.add(native["label_set"])
        pred_soft = native["soft_label"]
        pred = r["labels"][0]
        for d, (xs, ys) in vad.items():
            if r[d] is not None and row[d] is not None:
                xs.append(r[d])
                ys.append(row[d])
        gold_soft = {}
        if row["soft_label"]:
            gold_soft = _project({e["label"]: e["prob"] for e in row["soft_label"]}, labels)
        if not gold_soft and row["label"]:
            gold_soft = _project({row["label"]: 1.0}, labels)
        if not gold_soft:
            continue
        gold = _project({row["label"]: 1.0}, labels) if row["label"] else {}
        gold = max(gold or gold_soft, key=(gold or gold_soft).get)
        gold_l.append(gold)
        pred_l.append(pred)
        jsds.append(jsd(pred_soft, gold_soft))
        if r["confidence"] is not None:
            conf.append(r["confidence"])
            correct.append(pred == gold)
    ece, reliability = calibration(conf, correct, bins)
    traces = [t for t in read_traces(root, corpus, rater) if t["id"] in ids]
    n_req = sum(len(json.loads(t["trace"])) for t in traces)
    cost = {"samples": len(traces), "requests": n_req,
            "prompt_tokens": sum(t["prompt_tokens"] for t in traces),
            "completion_tokens": sum(t["completion_tokens"] for t in traces),
            "seconds": round(sum(t["seconds"] for t in traces), 3),
            "status": {s: sum(t["status"] == s for t in traces) for s in {t["status"] for t in traces}}}
    if traces:
        cost["seconds_per_sample"] = round(cost["seconds"] / len(traces), 3)
        cost["tokens_per_sample"] = round((cost["prompt_tokens"] + cost["completion_tokens"]) / len(traces), 1)
    n = len(gold_l)
    return {
        "corpus": corpus, "split": split, "rater_id": rater, "label_sets": sorted(label_sets),
        "rows": len(ids), "rated": rated, "with_gold": n,
        "accuracy": sum(g == p for g, p in zip(gold_l, pred_l)) / n if n else None,
        "macro_f1": macro_f1(gold_l, pred_l),
        "jsd": sum(jsds) / len(jsds) if jsds else None,
        "ccc": {d: ccc(xs, ys) for d, (xs, ys) in vad.items()},
        "vad_pairs": {d: len(xs) for d, (xs, _) in vad.items()},
        "ece": ece, "reliability": reliability, "cost": cost,
    }


def write_report(report: dict, out: str | Path) -> dict[str, Path]:
    """Write ``report.json`` and the reliability plot ``reliability.png`` under ``out``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "selfask-" + "".join(c if c.isalnum() or c in "._-" else "_" for c in report["rater_id"])[:100]
    paths = {"json": out / f"{stem}.json", "png": out / f"{stem}-reliability.png"}
    atomic_write_text(paths["json"], json.dumps(report, indent=2))
    fig, ax = plt.subplots(figsize=(4, 4))
    try:
        ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
        rel = report["reliability"]
        if rel:
            ax.bar([(b["bin"][0] + b["bin"][1]) / 2 for b in rel], [b["accuracy"] for b in rel],
                   width=0.9 * (rel[0]["bin"][1] - rel[0]["bin"][0]), alpha=0.7, label="accuracy")
            ax.plot([b["confidence"] for b in rel], [b["accuracy"] for b in rel], "o-", color="C1",
                    label="mean confidence")
        ece = report["ece"]
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="verbalised confidence", ylabel="accuracy",
               title=f"ECE {ece:.3f}" if ece is not None else "no confidences")
        ax.legend(loc="upper left", fontsize=7)
        fig.tight_layout()
        with atomic_path(paths["png"]) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    finally:
        plt.close(fig)
    return paths
