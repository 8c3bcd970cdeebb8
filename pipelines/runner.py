"""Sharded, resumable execution of a pipeline stage over a converted corpus.

A stage is a class with ``name`` (the derived table), ``schema`` (its pyarrow schema),
``columns`` (sample columns it reads), ``setup()`` (load models once per worker) and
``process(samples, media_root) -> (rows, errors)`` (one batch). The runner:

* reads the samples of ``<root>/data/<corpus>/*/*.parquet`` (:func:`emodata.store.read_table`);
* skips the ids already recorded in ``<root>/derived/<table>/<corpus>/part-*.parquet``
  (each part's key-value metadata lists the ids it covers, so samples that produced no row,
  e.g. an image without a face, are not redone);
* cuts the rest into shards, runs them on a local process pool (``engine="local"``),
  in-process (``workers=0``) or on Ray Data (``engine="ray"``), each shard in batches of
  ``batch_size``;
* writes each finished shard atomically (temp file, then rename), so a crash loses at most
  the shards in flight; per-sample errors (missing or corrupt media) are reported and retried
  on the next run, never fatal.
"""
from __future__ import annotations

import json
import os
import pickle
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from emodata import store
from emodata.root import atomic_path, derived_dir, derived_parts, media_dir
from emodata.schema import SCHEMA

PART_KEY = b"emodata_pipeline"


class MediaError(Exception):
    """A sample's media is missing or cannot be decoded."""


@dataclass
class RunResult:
    table: str
    corpus: str
    processed: int = 0
    skipped: int = 0
    rows: int = 0
    parts: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def media_root(root: str | Path, corpus: str, override: str | Path | None = None) -> Path:
    """The corpus media root: ``override``, else ``source_root`` from the corpus provenance."""
    media = media_dir(root, corpus, override)
    if media is None:
        raise ValueError(f"corpus {corpus!r} in {root} records no source_root; pass --media-root")
    return media


def read_samples(root: str | Path, corpus: str, columns: Iterable[str]) -> list[dict]:
    """Samples of a corpus (only ``columns`` of the schema plus ``id``), sorted by id."""
    cols = ["id"] + [c for c in columns if c in SCHEMA.names and c != "id"]
    return sorted(store.read_table(root, corpus, columns=cols).to_pylist(), key=lambda s: s["id"])


def done_ids(root: str | Path, table: str, corpus: str, match: dict | None = None) -> set[str]:
    """Ids recorded by the finished parts of a derived table (only parts whose params agree with ``match``)."""
    done: set[str] = set()
    for part in derived_parts(root, table, corpus):
        meta = pq.read_schema(part).metadata or {}
        if PART_KEY not in meta:
            raise ValueError(f"{part}: not written by emodata.pipelines (no {PART_KEY.decode()} metadata)")
        info = json.loads(meta[PART_KEY])
        if all(info["params"].get(k) == v for k, v in (match or {}).items()):
            done.update(info["ids"])
    return done


def read_derived(root: str | Path, table: str, corpus: str) -> pa.Table | None:
    """The whole derived table of a corpus, or None when nothing was written yet."""
    parts = derived_parts(root, table, corpus)
    if not parts:
        return None
    # parts written by an older emodata may lack newer columns (e.g. faces' expression): null there
    return pa.concat_tables([pq.read_table(p) for p in parts], promote_options="default")


def write_part(out_dir: Path, schema: pa.Schema, rows: list[dict], ids: list[str], params: dict) -> Path:
    """Write one shard atomically; its metadata lists the ids it covers."""
    meta = {PART_KEY: json.dumps({"ids": ids, "params": params}).encode()}
    table = pa.Table.from_pylist(rows, schema=schema).replace_schema_metadata(meta)
    path = out_dir / f"part-{uuid.uuid4().hex[:12]}.parquet"
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


# -- worker side -------------------------------------------------------------------------

_STAGE: Any = None


def _init_worker(stage: Any) -> None:
    global _STAGE
    _STAGE = stage
    _STAGE.setup()


def run_shard(stage: Any, samples: list[dict], media: str, batch_size: int) -> tuple[list[dict], dict[str, str]]:
    """Process one shard in batches; returns rows and per-sample errors."""
    rows: list[dict] = []
    errors: dict[str, str] = {}
    for i in range(0, len(samples), batch_size):
        batch_rows, batch_errors = stage.process(samples[i:i + batch_size], Path(media))
        rows.extend(batch_rows)
        errors.update(batch_errors)
    return rows, errors


def _pool_shard(samples: list[dict], media: str, batch_size: int):
    return run_shard(_STAGE, samples, media, batch_size)


class _RayShard:
    """Ray Data callable class: loads the stage once per actor, processes shards."""

    def __init__(self, stage_bytes: bytes, media: str, batch_size: int):
        self.stage = pickle.loads(stage_bytes)
        self.stage.setup()
        self.media, self.batch_size = media, batch_size

    def __call__(self, batch: dict) -> dict:
        out = []
        for payload in batch["samples"]:
            samples = pickle.loads(payload)
            out.append(pickle.dumps((samples, *run_shard(self.stage, samples, self.media, self.batch_size))))
        return {"result": out}


# -- driver ------------------------------------------------------------------------------

def run_stage(stage: Any, root: str | Path, corpus: str, *, media: str | Path | None = None,
              engine: str = "local", workers: int = 2, batch_size: int = 16, shard_size: int = 64,
              limit: int | None = None, progress: bool = True) -> RunResult:
    """Run ``stage`` over ``corpus`` of the dataset at ``root``; see the module docstring."""
    if engine not in ("local", "ray"):
        raise ValueError(f"engine must be 'local' or 'ray', got {engine!r}")
    if batch_size < 1 or shard_size < 1:
        raise ValueError("batch_size and shard_size must be >= 1")
    media_dir = str(media_root(root, corpus, media))
    samples = read_samples(root, corpus, stage.columns)
    if limit is not None:
        samples = samples[:limit]
    params = {"stage": stage.name, **stage.params()}
    done = done_ids(root, stage.name, corpus, {k: params[k] for k in getattr(stage, "resume_keys", ())})
    todo = [s for s in samples if s["id"] not in done]
    result = RunResult(stage.name, corpus, skipped=len(samples) - len(todo))
    shards = [todo[i:i + shard_size] for i in range(0, len(todo), shard_size)]
    out_dir = derived_dir(root, stage.name, corpus)

    def finish(shard: list[dict], rows: list[dict], errors: dict[str, str]) -> None:
        ids = [s["id"] for s in shard if s["id"] not in errors]
        if ids:
            result.parts.append(str(write_part(out_dir, stage.schema, rows, ids, params)))
        result.processed += len(ids)
        result.rows += len(rows)
        result.errors.update(errors)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    with Progress(TextColumn(f"{stage.name}:{corpus}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), disable=not progress) as bar:
        task = bar.add_task("samples", total=len(todo))
        for shard, rows, errors in _execute(stage, shards, media_dir, engine, workers, batch_size):
            finish(shard, rows, errors)
            bar.advance(task, len(shard))
    return result


def _execute(stage, shards, media_dir, engine, workers, batch_size):
    """Yield (shard, rows, errors) as shards finish."""
    if not shards:
        return
    if engine == "ray":
        yield from _execute_ray(stage, shards, media_dir, workers, batch_size)
    elif workers == 0:
        stage.setup()
        for shard in shards:
            yield (shard, *run_shard(stage, shard, media_dir, batch_size))
    else:
        import multiprocessing as mp
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(stage,)) as pool:
            futures = {pool.submit(_pool_shard, shard, media_dir, batch_size): shard for shard in shards}
            try:
                for fut in as_completed(futures):
                    yield (futures[fut], *fut.result())
            except BaseException:       # a failed shard or an interrupt: drop the shards not started yet
                pool.shutdown(wait=False, cancel_futures=True)
                raise


def _execute_ray(stage, shards, media_dir, workers, batch_size):
    import ray
    import ray.data

    if not ray.is_initialized():
        if os.environ.get("RAY_ADDRESS"):  # an existing cluster
            ray.init(log_to_driver=False)
        else:
            ray.init(num_cpus=max(workers, 1), include_dashboard=False, log_to_driver=False)
    items = [{"samples": pickle.dumps(shard)} for shard in shards]
    ds = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
        _RayShard, batch_size=1, concurrency=max(workers, 1),
        fn_constructor_kwargs={"stage_bytes": pickle.dumps(stage), "media": media_dir, "batch_size": batch_size},
        num_gpus=1 if stage.params().get("device", "cpu").startswith("cuda") else 0)
    for row in ds.iter_rows():
        yield pickle.loads(row["result"])
