"""What an upsert of 1,000 ratings costs as the corpus grows (issue 12, docs/architecture.md).

A synthetic corpus in the schema (3 human ratings per sample, parts of 500,000 rows as
``write_corpus`` writes them) of 10k, 100k and 1M rows; 1,000 new ratings on random samples.
Side by side: ``emodata.store.upsert_ratings`` (a pending part; then reading with the pending
ratings applied, and ``compact_ratings`` folding them into the files) and what a user does without
emodata (append the ratings to a Parquet file of their own with pyarrow, never touching the corpus).

Run: nice -n 10 python benchmarks/bench_upsert.py [--rows 10000 100000 1000000] [--ratings 1000]
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emodata import store
from emodata.root import corpus_dir
from emodata.schema import RATING_TYPE, SCHEMA, file_metadata

LABELS = ("neutral", "happiness", "sadness", "anger", "fear", "disgust", "surprise")
PER_SAMPLE = 3


def synthetic_part(start: int, n: int, rng: np.random.Generator) -> pa.Table:
    """``n`` schema rows (ids ``bench/<i>``) with 3 human ratings each, built column by column."""
    ids = pa.array([f"bench/{i:08d}" for i in range(start, start + n)], pa.string())
    k = n * PER_SAMPLE
    fields = {f.name: pa.nulls(k, f.type) for f in RATING_TYPE}
    fields["rater_id"] = pa.array(np.char.add("r", (np.arange(k) % PER_SAMPLE).astype(str)), pa.string())
    fields["rater_kind"] = pa.array(["human"] * k, pa.string())
    choice = rng.integers(0, len(LABELS), k)
    fields["labels"] = pa.ListArray.from_arrays(np.arange(k + 1, dtype=np.int32),
                                                pa.array(np.array(LABELS)[choice], pa.string()))
    ratings = pa.ListArray.from_arrays(np.arange(0, k + 1, PER_SAMPLE, dtype=np.int32),
                                       pa.StructArray.from_arrays(list(fields.values()), fields=list(RATING_TYPE)))
    label = pa.array(np.array(LABELS)[choice[::PER_SAMPLE]], pa.string())
    soft = pa.ListArray.from_arrays(np.arange(n + 1, dtype=np.int32), pa.StructArray.from_arrays(
        [label, pa.array(np.ones(n, np.float32))], fields=list(SCHEMA.field("soft_label").type.value_type)))
    columns = {f.name: pa.nulls(n, f.type) for f in SCHEMA}
    columns.update(id=ids, corpus=pa.array(["bench"] * n, pa.string()), split=pa.array(["train"] * n, pa.string()),
                   native_id=pa.array([s[6:] for s in ids.to_pylist()], pa.string()), text=ids,
                   label=label, soft_label=soft, ratings=ratings)
    return pa.table(columns, schema=SCHEMA)


def build(root: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    meta = file_metadata("bench", {"converter": "bench", "source_root": None, "sources": {}})
    folder = corpus_dir(root, "bench") / "train"
    folder.mkdir(parents=True)
    for part, start in enumerate(range(0, rows, store.SHARD_ROWS)):
        n = min(store.SHARD_ROWS, rows - start)
        with pq.ParquetWriter(folder / store.part_name(part), SCHEMA, compression="zstd") as w:
            for s in range(start, start + n, store.BATCH_ROWS):
                w.write_table(synthetic_part(s, min(store.BATCH_ROWS, start + n - s), rng))
            w.add_key_value_metadata(meta)


def new_ratings(rows: int, count: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"id": f"bench/{i:08d}", "rater_id": "ls:new@example.org", "rater_kind": "human",
             "labels": [LABELS[int(j)]], "ref": str(n)}
            for n, (i, j) in enumerate(zip(rng.choice(rows, count, replace=False), rng.integers(0, 7, count)))]


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def append_baseline(folder: Path, ratings: list[dict]) -> None:
    """Without emodata: the new ratings appended as one more Parquet file of the user's own."""
    folder.mkdir(exist_ok=True)
    pq.write_table(pa.Table.from_pylist(ratings), folder / f"ratings-{time.time_ns()}.parquet")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--ratings", type=int, default=1000)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    a = ap.parse_args()
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in cpu.splitlines() if l.startswith("Model name")), "?")
    print(f"# {platform.machine()} {model}, Python {platform.python_version()}, pyarrow {pa.__version__}")
    print(f"{'rows':>10} {'build s':>8} {'upsert s':>9} {'2nd upsert s':>12} {'read s':>7} {'read+pending s':>14} "
          f"{'compact s':>9} {'append s':>9}")
    figures = []
    for rows in a.rows:
        tmp = Path(tempfile.mkdtemp(prefix="bench-upsert-"))
        try:
            root = tmp / "root"
            build_s = timed(lambda: build(root, rows))
            first = new_ratings(rows, a.ratings, 1)
            second = new_ratings(rows, a.ratings, 2)
            counts = {}
            up1 = timed(lambda: counts.update(store.upsert_ratings(root, "bench", first)))
            assert counts == {"added": a.ratings, "updated": 0, "unchanged": 0}, counts
            up2 = timed(lambda: store.upsert_ratings(root, "bench", second))
            read_pending = timed(lambda: store.read_table(root, "bench", columns=["id", "ratings"]))
            compact = timed(lambda: store.compact_ratings(root, "bench"))
            read = timed(lambda: store.read_table(root, "bench", columns=["id", "ratings"]))
            append = timed(lambda: append_baseline(tmp / "mine", first))
            figures.append({"rows": rows, "build_s": build_s, "upsert_s": up1, "upsert2_s": up2, "read_s": read,
                            "read_pending_s": read_pending, "compact_s": compact, "append_baseline_s": append})
            print(f"{rows:>10,} {build_s:8.2f} {up1:9.2f} {up2:12.2f} {read:7.2f} {read_pending:14.2f} "
                  f"{compact:9.2f} {append:9.3f}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps({"machine": model, "ratings": a.ratings, "figures": figures}, indent=1))


if __name__ == "__main__":
    main()
