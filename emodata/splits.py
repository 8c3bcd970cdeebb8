"""``emodata split``: speaker/subject-independent, label-stratified splits as assignment tables.

Rows are grouped (by speaker, dialogue, session, any column or ``extra.<key>``; several keys
joined with ``+`` are merged into connected components so that no value of any key is in
two parts). Whole groups are assigned greedily, largest first with seeded tie-breaking, to
the part whose label counts fall furthest short of their targets, so label proportions
stay close to the corpus's. Methods: ``holdout`` (train/validation/test by ``ratios``),
``kfold`` and ``logo`` (leave one group out: one fold per speaker or session).

The result is ``<root>/splits/<name>/<corpus>.parquet`` (``id``, ``group``, ``split`` or
``fold``) plus ``<corpus>.report.json`` with the leakage checks and label balance; the
official ``split`` column under ``data/`` is never touched.
"""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from . import store
from .components import Components
from .root import atomic_path, atomic_write_text, named_split_dir
from .schema import SCHEMA

METHODS = ("holdout", "kfold", "logo")
PART_NAMES = ("train", "validation", "test")
ALIASES = {"speaker": "speaker_id", "dialogue": "dialogue_id", "session": "extra.session"}
NO_LABEL = "(none)"


class SplitError(Exception):
    pass


def _key_values(rows: list[dict], key: str) -> list[str | None]:
    """Values of one grouping key per row; ``session`` falls back to ``dialogue_id``."""
    col = ALIASES.get(key, key)
    if col.startswith("extra."):
        field = col[len("extra."):]
        values = [json.loads(r["extra"]).get(field) if r["extra"] else None for r in rows]
        if key == "session" and all(v is None for v in values):
            values = [r["dialogue_id"] for r in rows]
        return [None if v is None else str(v) for v in values]
    if rows and col not in rows[0]:
        raise SplitError(f"unknown grouping key {key!r}; use speaker, dialogue, session, a column or extra.<key>")
    return [None if r[col] is None else str(r[col]) for r in rows]


def groups_of(rows: list[dict], by: str) -> list[str]:
    """Group id per row: connected components over the ``+``-joined keys (rows with no value
    for any key stay alone)."""
    keys = by.split("+")
    columns = [_key_values(rows, k) for k in keys]
    comp = Components()
    nodes = []
    for i, r in enumerate(rows):
        values = [f"{k}={c[i]}" for k, c in zip(keys, columns) if c[i] is not None]
        if not values:
            values = [f"row={r['id']}"]
        for v in values[1:]:
            comp.attach(v, values[0])
        nodes.append(values[0])
    if len(keys) == 1:
        return [n.split("=", 1)[1] for n in nodes]
    return [comp.find(n).split("=", 1)[1] for n in nodes]


def assign(groups: Sequence[str], labels: Sequence[str], weights: Sequence[float], seed: int,
           stratify: bool = True) -> list[int]:
    """Part index per group (dict order of first appearance), balancing labels and sizes.

    Each group goes, largest first, to the part where it most reduces the squared shortfall
    from the targets (``weights`` share of each label count, relative to that label's total,
    so rare labels count as much as common ones; plus the part size)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for g, y in zip(groups, labels):
        counts[g][y if stratify else NO_LABEL] += 1
    total = Counter()
    for c in counts.values():
        total.update(c)
    n = sum(total.values())
    w = [x / sum(weights) for x in weights]
    rng = random.Random(seed)
    order = list(counts)
    rng.shuffle(order)
    order.sort(key=lambda g: -sum(counts[g].values()))
    have = [Counter() for _ in w]
    size = [0] * len(w)
    part_of = {}
    for g in order:
        c, m = counts[g], sum(counts[g].values())
        best, best_cost = 0, None
        for p, wp in enumerate(w):
            cost = sum(((have[p][y] + k - wp * total[y]) ** 2 - (have[p][y] - wp * total[y]) ** 2) / total[y]
                       for y, k in c.items())
            cost += ((size[p] + m - wp * n) ** 2 - (size[p] - wp * n) ** 2) / n
            if best_cost is None or cost < best_cost - 1e-9:
                best, best_cost = p, cost
        part_of[g] = best
        have[best].update(c)
        size[best] += m
    return [part_of[g] for g in dict.fromkeys(groups)]


def _report(rows: list[dict], parts: list[str], by: str, groups: list[str]) -> dict:
    """Leakage (keys shared across parts) and label balance per part."""
    leakage = {}
    for key in dict.fromkeys([*by.split("+"), "speaker", "dialogue"]):
        try:
            values = _key_values(rows, key)
        except SplitError:
            continue
        where: dict[str, set] = defaultdict(set)
        for v, p in zip(values, parts):
            if v is not None:
                where[v].add(p)
        if where:
            leakage[f"{key} shared across parts"] = sum(len(s) > 1 for s in where.values())
    keyed = [_key_values(rows, k) for k in by.split("+")]
    leakage["rows without a grouping value"] = sum(all(c[i] is None for c in keyed) for i in range(len(rows)))
    overall = Counter(r["label"] or NO_LABEL for r in rows)
    n = len(rows)
    balance = {}
    for part in sorted(set(parts), key=str):
        c = Counter(r["label"] or NO_LABEL for r, p in zip(rows, parts) if p == part)
        m = sum(c.values())
        balance[str(part)] = {
            "rows": m, "groups": len({g for g, p in zip(groups, parts) if p == part}),
            "labels": dict(c.most_common()),
            "max_abs_deviation": round(max(abs(c[y] / m - overall[y] / n) for y in overall), 4) if m else None}
    return {"rows": n, "groups": len(set(groups)), "leakage": leakage, "balance": balance}


def join_duplicates(rows: list[dict], groups: list[str], folder: str | Path) -> tuple[list[str], int]:
    """``groups`` merged with the duplicate groups of ``folder`` (``duplicates.parquet``);
    returns the new group per row and how many groups were joined into others."""
    from .curate.duplicates import read_duplicates
    try:
        dup = read_duplicates(folder).select(["group", "id"]).to_pylist()
    except FileNotFoundError:
        raise SplitError(f"{folder}: no duplicates.parquet (run emodata curate duplicates ROOT --out DIR)") from None
    group_of = dict(zip((r["id"] for r in rows), groups))
    comp = Components()
    first: dict[str, str] = {}
    for d in dup:
        g = group_of.get(d["id"])
        if g is None:
            continue
        comp.join(g, first.setdefault(d["group"], g))
    new = [comp.find(g) for g in groups]
    return new, len(set(groups)) - len(set(new))


def make_split(root: str | Path, corpus: str, name: str, *, by: str = "speaker", method: str = "holdout",
               ratios: Sequence[float] = (0.8, 0.1, 0.1), folds: int = 5, seed: int = 0, stratify: bool = True,
               within: Sequence[str] | None = None, overwrite: bool = False,
               duplicates: str | Path | None = None) -> dict:
    """Write ``<root>/splits/<name>/<corpus>.parquet`` and its report; returns the report.

    ``duplicates``: an ``emodata curate duplicates`` output folder; rows of one duplicate group
    join one group (connected components), so duplicates stay on one side."""
    if method not in METHODS:
        raise SplitError(f"method must be one of {METHODS}, not {method!r}")
    if name in ("", "data") or "/" in name:
        raise SplitError(f"invalid split name {name!r}")
    out_dir = named_split_dir(root, name)
    dest = out_dir / f"{corpus}.parquet"
    if dest.exists() and not overwrite:
        raise SplitError(f"{dest} exists; choose another --name or pass --overwrite")
    columns = ["id", "split", "label", "speaker_id", "dialogue_id", "extra"]
    columns += [k for k in by.split("+") if k in SCHEMA.names and k not in columns]
    table = store.read_table(root, corpus, columns=columns)
    rows = table.to_pylist()
    if within:
        rows = [r for r in rows if r["split"] in set(within)]
        if not rows:
            raise SplitError(f"{corpus}: no rows in official split(s) {list(within)}")
    groups = groups_of(rows, by)
    joined = None
    if duplicates is not None:
        groups, joined = join_duplicates(rows, groups, duplicates)
    unique = list(dict.fromkeys(groups))
    labels = [r["label"] or NO_LABEL for r in rows]
    if method == "logo":
        index = {g: i for i, g in enumerate(sorted(unique))}
        part_of = index
    else:
        weights = list(ratios) if method == "holdout" else [1.0] * folds
        if method == "holdout" and len(weights) not in (2, 3):
            raise SplitError("--ratios needs 2 (train, test) or 3 (train, validation, test) numbers")
        if len(unique) < len(weights):
            raise SplitError(f"{corpus}: {len(unique)} group(s) by {by!r} cannot fill {len(weights)} parts")
        part_of = dict(zip(unique, assign(groups, labels, weights, seed, stratify)))
    if method == "holdout":
        names = PART_NAMES if len(ratios) == 3 else ("train", "test")
        parts = [names[part_of[g]] for g in groups]
        columns = {"split": pa.array(parts, pa.string())}
    else:
        parts = [part_of[g] for g in groups]
        columns = {"fold": pa.array(parts, pa.int32())}
    out = pa.table({"id": pa.array([r["id"] for r in rows], pa.string()),
                    "group": pa.array(groups, pa.string()), **columns})
    settings = {"corpus": corpus, "name": name, "by": by, "method": method, "seed": seed, "stratify": stratify,
                "ratios": list(ratios) if method == "holdout" else None,
                "folds": folds if method == "kfold" else (len(unique) if method == "logo" else None),
                "within": list(within) if within else None}
    if joined is not None:
        settings["duplicates"] = {"folder": Path(duplicates).name, "groups joined": joined}
    report = {**settings, **_report(rows, parts, by, groups)}
    out = out.replace_schema_metadata({b"emodata_split": json.dumps(settings).encode()})
    with atomic_path(dest) as tmp:
        pq.write_table(out, tmp)
    atomic_write_text(out_dir / f"{corpus}.report.json", json.dumps(report, indent=2))
    return report


def read_split(root: str | Path, name: str, corpus: str) -> pa.Table:
    """The assignment table ``id, group, split|fold`` of a named split."""
    return pq.read_table(named_split_dir(root, name) / f"{corpus}.parquet")
