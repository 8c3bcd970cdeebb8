"""Choosing the samples of an annotation job (Label Studio ``launch``, ``selfask run``).

One selection for both: explicit ids, a SQL filter (``--where``) or a full query over the
view ``samples`` (``--sql``), optionally a sample of ``n`` stratified by a column. Runs in
DuckDB over the corpus's Parquet files (:func:`emodata.store.connect`).
"""
from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa

from .. import store


def stratified_sample(strata: dict, n: int, seed: int) -> list[str]:
    """``n`` ids drawn from ``{stratum: [ids]}`` in proportion to stratum size (largest
    remainder); every stratum gets at least one while ``n`` allows."""
    rng = random.Random(seed)
    keys = sorted(strata, key=str)
    total = sum(len(strata[k]) for k in keys)
    if n >= total:
        return [i for k in keys for i in strata[k]]
    quota = {k: n * len(strata[k]) / total for k in keys}
    alloc = {k: int(quota[k]) for k in keys}
    for k in sorted(keys, key=lambda k: alloc[k] - quota[k])[:n - sum(alloc.values())]:
        alloc[k] += 1
    if n >= len(keys):
        for k in keys:
            if alloc[k] == 0:
                alloc[max(keys, key=lambda j: alloc[j])] -= 1
                alloc[k] = 1
    return [i for k in keys for i in rng.sample(strata[k], alloc[k])]


def select_rows(root: str | Path, corpus: str, *, split: str | None = None, ids: list[str] | None = None,
                where: str | None = None, sql: str | None = None, sample: int | None = None,
                stratify: str = "label", seed: int = 0, columns: str = "sel.*") -> list[dict]:
    """Rows of ``corpus`` (``split``) that are in ``ids`` and match ``where`` (or the query ``sql``
    over the view ``samples``), optionally a stratified sample of ``sample`` of them, in a stable
    order. An empty selection is an error."""
    if where and sql:
        raise ValueError("give either a filter (--where) or a full query (--sql), not both")
    base = sql or "SELECT * FROM samples" + (f" WHERE {where}" if where else "")
    with store.connect(root, corpus, split) as con:
        if ids is not None:
            con.register("wanted", pa.table({"id": list(dict.fromkeys(ids))}))
            known = {r[0] for r in con.execute("SELECT id FROM samples JOIN wanted USING (id)").fetchall()}
            unknown = [i for i in dict.fromkeys(ids) if i not in known]
            if unknown:
                raise ValueError(f"{len(unknown)} of the {len(set(ids))} given ids are not samples of {corpus}"
                                 f"{' (' + split + ')' if split else ''}: {', '.join(unknown[:5])}"
                                 f"{' ...' if len(unknown) > 5 else ''}")
            base = f"SELECT * FROM ({base}) AS b WHERE id IN (SELECT id FROM wanted)"
        try:
            keyed = con.execute(f"SELECT id, CAST({stratify} AS VARCHAR) FROM ({base}) AS sel ORDER BY id").fetchall()
        except duckdb.Error as e:
            raise ValueError(f"selection failed: {str(e).splitlines()[0]} (query: {base}; columns: see "
                             f"schemas/schema_v1.md; stratify column: {stratify})") from None
        if not keyed:
            raise ValueError(f"the selection matched no sample of {corpus}: {base}")
        if sample:
            strata: dict = defaultdict(list)
            for sid, stratum in keyed:
                strata[stratum].append(sid)
            chosen = stratified_sample(strata, sample, seed)
        else:
            chosen = [sid for sid, _ in keyed]
        con.register("chosen", pa.table({"id": chosen, "pos": list(range(len(chosen)))}))
        return con.sql(f"SELECT {columns} FROM ({base}) AS sel JOIN chosen USING (id) ORDER BY chosen.pos") \
            .to_arrow_table().to_pylist()


def select_ids(root: str | Path, corpus: str, **selection) -> list[str]:
    """The ids of :func:`select_rows`."""
    return [r["id"] for r in select_rows(root, corpus, columns="sel.id", **selection)]
