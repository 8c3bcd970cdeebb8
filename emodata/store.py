"""The samples of a dataset: ``<root>/data/<corpus>/<split>/part-00000.parquet`` (paths and
atomic writes: :mod:`emodata.root`).

Converters stream rows into one Parquet writer per split inside a temporary folder that
is renamed into place only when the whole corpus converted, so a failed run leaves
nothing half-written. Provenance goes into each file's key-value metadata.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import __version__
from .aggregate import derive, votes
from .convert import ConversionContext, ConversionError, Converter
from .root import atomic_path, atomic_write_text, corpus_dir, data_dir, replace_dir, skipped_report
from .schema import METADATA_KEY, RATING_FIELDS, SCHEMA, file_metadata, read_metadata

BATCH_ROWS = 5000          # rows buffered per split before a row group is written
SHARD_ROWS = 500_000       # rows per Parquet file before the next part starts


def part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def corpora(root: str | Path) -> list[str]:
    d = data_dir(root)
    return sorted(p.name for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")) if d.is_dir() else []


def splits(root: str | Path, corpus: str) -> list[str]:
    d = corpus_dir(root, corpus)
    return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


def corpus_files(root: str | Path, corpus: str | None = None, split: str | None = None) -> list[Path]:
    """Parquet files of a dataset, optionally one corpus and/or split; error if none."""
    root = Path(root)
    names = [corpus] if corpus else corpora(root)
    files = [f for c in names for s in ([split] if split else splits(root, c))
             for f in sorted((corpus_dir(root, c) / s).glob("*.parquet"))]
    if not files:
        what = " ".join(x for x in (f"corpus={corpus}" if corpus else "", f"split={split}" if split else "") if x)
        known = ", ".join(corpora(root)) or "none"
        raise FileNotFoundError(f"no converted data in {root}{' for ' + what if what else ''} "
                                f"(expected {root}/data/<corpus>/<split>/*.parquet; corpora here: {known})")
    return files


def read_table(root: str | Path, corpus: str | None = None, split: str | None = None,
               columns: list[str] | None = None) -> pa.Table:
    return pa.concat_tables(pq.read_table(f, columns=columns) for f in corpus_files(root, corpus, split))


def connect(root: str | Path, corpus: str | None = None, split: str | None = None):
    """A DuckDB connection with views ``samples`` (one row per sample) and ``ratings`` (one row
    per rating, with the sample's id, corpus and split)."""
    import duckdb
    files = [str(f) for f in corpus_files(root, corpus, split)]
    con = duckdb.connect()
    try:
        con.read_parquet(files, union_by_name=True).create_view("samples")
        con.execute("CREATE VIEW ratings AS SELECT id, corpus, split, UNNEST(ratings, recursive := true) FROM samples")
    except BaseException:
        con.close()
        raise
    return con


def corpus_metadata(root: str | Path, corpus: str) -> dict:
    """Provenance of a converted corpus (converter, sources with SHA-256, ``source_root``...)."""
    return read_metadata(pq.read_metadata(corpus_files(root, corpus)[0]))


def write_corpus(converter: Converter, src: str | Path, root: str | Path, *, strict: bool = True,
                 on_rows: Callable[[int], None] | None = None) -> dict:
    """Convert ``src`` into ``<root>/data/<corpus>/``; returns a summary with row counts per split.

    ``on_rows(n)`` is called after each written batch (progress bars)."""
    root = Path(root)
    ctx = ConversionContext(converter, src, strict=strict)
    created = [d for d in (root, data_dir(root)) if not d.exists()]   # removed again if nothing is written
    data_dir(root).mkdir(parents=True, exist_ok=True)
    tmp = data_dir(root) / f".{converter.name}.tmp-{uuid.uuid4().hex[:8]}"
    shards: dict[str, list[pq.ParquetWriter]] = {}   # per split; all stay open until provenance is known
    buffers: dict[str, list[dict]] = {}
    counts: dict[str, int] = {}

    def write(split: str, table: pa.Table) -> None:
        parts = shards.setdefault(split, [])
        if not parts or counts[split] >= len(parts) * SHARD_ROWS:
            (tmp / split).mkdir(parents=True, exist_ok=True)
            parts.append(pq.ParquetWriter(tmp / split / part_name(len(parts)), SCHEMA,
                                          compression="zstd"))
        parts[-1].write_table(table)
        counts[split] = counts.get(split, 0) + table.num_rows
        if on_rows:
            on_rows(table.num_rows)

    def flush(split: str) -> None:
        rows = buffers.pop(split, [])
        if rows:
            write(split, pa.Table.from_pylist(rows, schema=SCHEMA))

    def write_batch(table: pa.Table) -> None:
        """A columnar batch (:mod:`emodata.columnar`): each split's rows after those buffered before it."""
        for split in pc.unique(table["split"]).to_pylist():
            flush(split)
            rows = table.filter(pc.equal(table["split"], split))
            for start in range(0, rows.num_rows, BATCH_ROWS):
                write(split, rows.slice(start, BATCH_ROWS))

    try:
        try:
            for row in converter.samples(ctx):
                if isinstance(row, pa.Table):
                    write_batch(row)
                    continue
                buf = buffers.setdefault(row["split"], [])
                buf.append(row)
                if len(buf) >= BATCH_ROWS:
                    flush(row["split"])
        except (KeyError, ValueError, TypeError, IndexError) as e:   # a data error the converter did not locate
            path, line = ctx.where
            near = f" (last line read: {line})" if line else ""
            raise ConversionError(f"unexpected value ({type(e).__name__}: {e}){near}; expected the documented "
                                  f"{converter.name} layout", path or src) from None
        for split in list(buffers):
            flush(split)
        if not shards:
            raise ConversionError(f"no {converter.name} samples found (only headers or empty files?); "
                                  f"expected the corpus in its native layout", src)
        provenance = {
            "converter": converter.name, "converter_version": converter.version,
            "emodata_version": __version__, "source_root": str(Path(src).resolve()),
            "sources": dict(sorted(ctx.sources.items())), "strict": strict, "skipped": len(ctx.skipped),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        for w in (w for parts in shards.values() for w in parts):
            w.add_key_value_metadata(file_metadata(converter.name, provenance))
            w.close()
        shards.clear()
        replace_dir(tmp, corpus_dir(root, converter.name))
        created.clear()
    finally:
        for w in (w for parts in shards.values() for w in parts):
            w.close()
        shutil.rmtree(tmp, ignore_errors=True)
        for d in reversed(created):
            with contextlib.suppress(OSError):
                d.rmdir()                      # only if still empty
    report = skipped_report(root, converter.name)
    if ctx.skipped:
        atomic_write_text(report, "".join(json.dumps(s.__dict__) + "\n" for s in ctx.skipped))
    else:
        report.unlink(missing_ok=True)         # a report from an earlier lenient run no longer applies
    return {"corpus": converter.name, "splits": counts, "rows": sum(counts.values()),
            "skipped": len(ctx.skipped), "skipped_report": str(report) if ctx.skipped else None}


# -- ratings written back by annotation tools ------------------------------------------------

def _rating_key(sample_id: str, r: dict) -> tuple:
    return sample_id, r.get("rater_id"), r.get("condition")


def _rewrite_ratings(root: str | Path, corpus: str, ids: set[str],
                     edit: Callable[[str, list[dict]], list[dict]]) -> None:
    """Apply ``edit(sample_id, ratings) -> ratings`` to the rows in ``ids``, file by file, atomically."""
    for f in corpus_files(root, corpus):
        table = pq.read_table(f)
        hit = pc.is_in(table["id"], value_set=pa.array(sorted(ids), pa.string()))
        if not pc.any(hit).as_py():
            continue
        positions = pc.indices_nonzero(hit).to_pylist()
        sample_ids = table["id"].to_pylist()
        ratings = table["ratings"].to_pylist()
        for i in positions:
            ratings[i] = edit(sample_ids[i], ratings[i] or [])
        _replace_file(f, _set_column(table, "ratings", ratings))


def _set_column(table: pa.Table, name: str, values: list) -> pa.Table:
    field = SCHEMA.field(name)
    return table.set_column(SCHEMA.get_field_index(name), field, pa.array(values, field.type))


def _replace_file(f: Path, table: pa.Table) -> None:
    """Write ``table`` over the Parquet file ``f`` atomically, keeping its provenance metadata."""
    provenance = pq.read_metadata(f).metadata or {}
    table = table.replace_schema_metadata({METADATA_KEY: provenance[METADATA_KEY]} if METADATA_KEY in provenance else None)
    with atomic_path(f) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def copy_file(src: Path, dest: Path, provenance: Callable[[dict], dict]) -> None:
    """Copy the Parquet file ``src`` to ``dest`` row group by row group (atomically), its
    provenance metadata passed through ``provenance`` (e.g. :func:`emodata.root.portable_provenance`)."""
    source = pq.ParquetFile(src)
    meta = provenance(read_metadata(source.metadata))
    with atomic_path(dest) as tmp, pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
        for i in range(source.num_row_groups):
            writer.write_table(source.read_row_group(i).cast(SCHEMA))
        writer.add_key_value_metadata({METADATA_KEY: json.dumps(meta, sort_keys=True).encode()})


LABEL_COLUMNS = ("label", "labels", "soft_label", "valence", "arousal", "dominance", "vad_source", "vad_scale")


def relabelled(row: dict, kinds: Iterable[str] = ("human",)) -> dict | None:
    """The label columns (:data:`LABEL_COLUMNS`) that :func:`emodata.aggregate.derive`, the rule
    of conversion, gives ``row`` from the ratings of ``kinds``; ``None`` without such ratings.

    A gold label (``native_label``) and gold ``labels`` stay; annotated VAD stays, mapped VAD
    follows the new soft label."""
    sample_votes = votes(row["ratings"], kinds)
    if not sample_votes:
        return None
    gold = row["native_label"] is not None
    d = derive(sample_votes, label=row["label"] if gold else None, gold=gold,
               labels=row["labels"] if gold or row["native_labels"] is not None else None)
    new = {"label": d.label, "labels": d.labels, "soft_label": [{"label": k, "prob": v} for k, v in d.soft.items()]}
    if row["vad_source"] != "annotated":
        valence, arousal, dominance = d.vad or (None, None, None)
        new.update(valence=valence, arousal=arousal, dominance=dominance,
                   vad_source="mapped" if d.vad else None, vad_scale=None)
    return new


def recompute_soft_labels(root: str | Path, corpus: str, kinds: Iterable[str] = ("human",)) -> int:
    """Recompute the label columns from the ratings of the given rater kinds (e.g. after pulling
    Label Studio annotations) with :func:`relabelled`: the same label, soft label and mapped VAD
    a fresh conversion of the same ratings gives.

    Rows without such ratings keep what they have. Returns the number of rows changed."""
    kinds = tuple(kinds)
    inputs = ("ratings", "native_label", "native_labels", *LABEL_COLUMNS)
    changed = 0
    for f in corpus_files(root, corpus):
        table = pq.read_table(f)
        cols = {c: table[c].to_pylist() for c in inputs}
        touched = False
        for i in range(table.num_rows):
            new = relabelled({c: cols[c][i] for c in inputs}, kinds)
            if new is not None and any(_differs(cols[k][i], v) for k, v in new.items()):
                changed += 1
                touched = True
                for k, v in new.items():
                    cols[k][i] = v
        if touched:
            for name in LABEL_COLUMNS:
                table = _set_column(table, name, cols[name])
            _replace_file(f, table)
    return changed


def _differs(old, new) -> bool:
    """Whether a stored value differs from a new one (floats compared at float32 precision)."""
    if isinstance(new, float) and old is not None:
        return abs(old - new) > 1e-6
    if isinstance(new, list) and new and isinstance(new[0], dict):    # soft labels
        return old is None or len(old) != len(new) or any(
            a["label"] != b["label"] or abs(a["prob"] - b["prob"]) > 1e-6 for a, b in zip(old, new))
    return old != new


def upsert_ratings(root: str | Path, corpus: str, ratings: Iterable[dict]) -> dict:
    """Add or replace ratings (dicts with ``id`` plus rating fields).

    A rating is identified by (sample id, ``rater_id``, ``condition``): an existing one is
    replaced, a new one appended, an identical one left alone. Unknown sample ids raise."""
    incoming: dict[tuple, dict] = {}
    for r in ratings:
        rating = {k: r.get(k) for k in RATING_FIELDS}
        incoming[_rating_key(r["id"], rating)] = rating
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    seen: set[str] = set()

    def edit(sample_id: str, current: list[dict]) -> list[dict]:
        seen.add(sample_id)
        mine = {k: v for k, v in incoming.items() if k[0] == sample_id}
        out = []
        for old in current:
            new = mine.pop(_rating_key(sample_id, old), None)
            if new is None:
                out.append(old)
                continue
            same = pa.array([new], SCHEMA.field("ratings").type.value_type).to_pylist()[0] == old
            counts["unchanged" if same else "updated"] += 1
            out.append(old if same else new)
        counts["added"] += len(mine)
        return out + list(mine.values())

    ids = {k[0] for k in incoming}
    if ids:
        _rewrite_ratings(root, corpus, ids, edit)
    missing = ids - seen
    if missing:
        raise KeyError(f"{len(missing)} sample id(s) not in corpus {corpus!r}: {sorted(missing, key=str)[:5]}")
    return counts


def delete_ratings(root: str | Path, corpus: str, keys: Iterable[tuple]) -> int:
    """Remove ratings identified by (sample id, rater_id, condition); returns how many went."""
    keys = set(keys)
    removed = 0

    def edit(sample_id: str, current: list[dict]) -> list[dict]:
        nonlocal removed
        kept = [r for r in current if _rating_key(sample_id, r) not in keys]
        removed += len(current) - len(kept)
        return kept

    if keys:
        _rewrite_ratings(root, corpus, {k[0] for k in keys}, edit)
    return removed


def iter_batches(root: str | Path, corpus: str | None = None, split: str | None = None,
                 columns: list[str] | None = None, batch_size: int = 10_000) -> Iterator[pa.RecordBatch]:
    """Stream record batches without loading a whole corpus."""
    for f in corpus_files(root, corpus, split):
        yield from pq.ParquetFile(f).iter_batches(batch_size=batch_size, columns=columns)


__all__ = ["corpora", "splits", "corpus_files", "read_table", "connect", "corpus_metadata", "write_corpus",
           "upsert_ratings", "delete_ratings", "atomic_path", "atomic_write_text", "replace_dir", "recompute_soft_labels", "iter_batches", "METADATA_KEY"]
