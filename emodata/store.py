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
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import __version__
from .aggregate import derive, votes
from .convert import ConversionContext, ConversionError, Converter
from .root import atomic_path, atomic_write_text, corpus_dir, data_dir, pending_dir, replace_dir, skipped_report
from .schema import METADATA_KEY, RATING_FIELDS, RATING_TYPE, SCHEMA, file_metadata, read_metadata

BATCH_ROWS = 5000          # row dicts buffered per split before a row group is written
ROW_GROUP_ROWS = 20_000    # rows per row group from a columnar batch (5000: 20% slower writes, 10% larger files)
SHARD_ROWS = 500_000       # rows per Parquet file before the next part starts
# how every corpus file is written: zstd, min/max statistics for the flat columns only (readers
# filter on those; on the nested ratings and labels they took 15% of the write and serve no reader)
WRITE_OPTIONS = {"compression": "zstd",
                 "write_statistics": [f.name for f in SCHEMA if not pa.types.is_nested(f.type)]}


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
    """Rows of a dataset (optionally one corpus / split / some columns), pending ratings applied."""
    files = corpus_files(root, corpus, split)
    patches = _patches(root, files)
    return pa.concat_tables(_read(f, columns, patches[f.parent.parent.name]) for f in files)


def connect(root: str | Path, corpus: str | None = None, split: str | None = None):
    """A DuckDB connection with views ``samples`` (one row per sample) and ``ratings`` (one row
    per rating, with the sample's id, corpus and split)."""
    import duckdb
    files = corpus_files(root, corpus, split)
    patches = [p for p in _patches(root, files).values() if p is not None]
    con = duckdb.connect()
    try:
        base = con.read_parquet([str(f) for f in files], union_by_name=True)
        if patches:                                  # pending ratings: the patched samples' columns replaced
            con.register("pending", pa.concat_tables(patches))
            base.create_view("stored")
            swap = ", ".join(f"CASE WHEN p.id IS NULL THEN s.{c} ELSE p.{c} END AS {c}" for c in PATCH_COLUMNS)
            con.execute(f"CREATE VIEW samples AS SELECT s.* REPLACE ({swap}) FROM stored s LEFT JOIN pending p USING (id)")
        else:
            base.create_view("samples")
        con.execute("CREATE VIEW ratings AS SELECT id, corpus, split, UNNEST(ratings, recursive := true) FROM samples")
    except BaseException:
        con.close()
        raise
    return con


def dialogue_context(root: str | Path, corpus: str, rows: Iterable[dict], turns: int) -> dict[str, list[dict]]:
    """Up to ``turns`` previous turns (``speaker``, ``text``; oldest first) of each row's dialogue,
    looked up in the whole corpus (every split, not only ``rows``): ``{id: turns}`` for the rows
    with a ``dialogue_id`` and ``turn_index`` (``[]`` for a first turn). What Label Studio tasks
    and self-ask prompts show as context."""
    rows = [r for r in rows if r.get("dialogue_id") is not None and r.get("turn_index") is not None]
    if not rows or turns <= 0:
        return {}
    by_dialogue: dict[str, list[tuple]] = {}
    with connect(root, corpus) as con:
        con.register("wanted", pa.table({"dialogue_id": sorted({r["dialogue_id"] for r in rows})}))
        for d, t, speaker, text in con.execute(
                "SELECT dialogue_id, turn_index, speaker_id, text FROM samples JOIN wanted USING (dialogue_id) "
                "WHERE turn_index IS NOT NULL ORDER BY dialogue_id, turn_index").fetchall():
            by_dialogue.setdefault(d, []).append((t, speaker, text))
    return {r["id"]: [{"speaker": s, "text": text} for t, s, text in by_dialogue.get(r["dialogue_id"], ())
                      if t < r["turn_index"]][-turns:] for r in rows}


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
            parts.append(pq.ParquetWriter(tmp / split / part_name(len(parts)), SCHEMA, **WRITE_OPTIONS))
        parts[-1].write_table(table)
        counts[split] = counts.get(split, 0) + table.num_rows
        if on_rows:
            on_rows(table.num_rows)

    def flush(split: str) -> None:
        rows = buffers.pop(split, [])
        if rows:
            write(split, pa.Table.from_pylist(rows, schema=SCHEMA))

    def write_batch(table: pa.Table) -> None:
        """A columnar batch (:mod:`emodata.columnar`): each split's rows after those buffered before
        it, the splits written in parallel (pyarrow releases the GIL) from slices of the batch
        sorted by split (stably; no copy when it comes sorted)."""
        split = table["split"]
        if len(split) > 1 and not pc.all(pc.less_equal(split[:-1], split[1:])).as_py():
            table = table.take(pc.sort_indices(split))
        counts = pc.value_counts(table["split"])
        slices, start = [], 0
        for value, count in sorted(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())):
            slices.append((value, table.slice(start, count)))
            start += count
        for value, _ in slices:
            flush(value)

        def write_split(item: tuple[str, pa.Table]) -> None:
            value, rows = item
            for begin in range(0, rows.num_rows, ROW_GROUP_ROWS):
                write(value, rows.slice(begin, ROW_GROUP_ROWS))

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(write_split, slices))

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
        shutil.rmtree(pending_dir(root, converter.name), ignore_errors=True)   # patches of the old conversion
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


# -- rewriting files; the label rule over stored rows ----------------------------------------

def _set_column(table: pa.Table, name: str, values: list) -> pa.Table:
    field = SCHEMA.field(name)
    return table.set_column(SCHEMA.get_field_index(name), field, pa.array(values, field.type))


def _replace_file(f: Path, table: pa.Table) -> None:
    """Write ``table`` over the Parquet file ``f`` atomically, keeping its provenance metadata."""
    provenance = pq.read_metadata(f).metadata or {}
    table = table.replace_schema_metadata({METADATA_KEY: provenance[METADATA_KEY]} if METADATA_KEY in provenance else None)
    with atomic_path(f) as tmp:
        pq.write_table(table, tmp, **WRITE_OPTIONS)


def copy_file(src: Path, dest: Path, provenance: Callable[[dict], dict], patch: pa.Table | None = None) -> None:
    """Copy the Parquet file ``src`` to ``dest`` row group by row group (atomically) with the
    pending ``patch`` applied, its provenance metadata passed through ``provenance`` (e.g.
    :func:`emodata.root.portable_provenance`)."""
    source = pq.ParquetFile(src)
    meta = provenance(read_metadata(source.metadata))
    with atomic_path(dest) as tmp, pq.ParquetWriter(tmp, SCHEMA, **WRITE_OPTIONS) as writer:
        for i in range(source.num_row_groups):
            writer.write_table(_apply(source.read_row_group(i), patch).cast(SCHEMA))
        writer.add_key_value_metadata({METADATA_KEY: json.dumps(meta, sort_keys=True).encode()})


LABEL_COLUMNS = ("label", "labels", "soft_label", "valence", "arousal", "dominance", "vad_source", "vad_scale")


def relabelled(row: dict, kinds: Iterable[str] = ("human",), posterior: Callable | None = None) -> dict | None:
    """The label columns (:data:`LABEL_COLUMNS`) that :func:`emodata.aggregate.derive`, the rule
    of conversion, gives ``row`` from the ratings of ``kinds``; ``None`` without such ratings.

    A gold label (``native_label``) and gold ``labels`` stay; annotated VAD stays, mapped VAD
    follows the new soft label. ``posterior(id) -> (soft, labels) | None`` (a rater model,
    :mod:`emodata.curate.raters`) gives the soft label (and multi-label set) instead of the vote shares."""
    sample_votes = votes(row["ratings"], kinds)
    if not sample_votes:
        return None
    gold = row["native_label"] is not None
    keep = row["labels"] if gold or row["native_labels"] is not None else None
    fitted = posterior(row["id"]) if posterior else None
    if posterior and not fitted:
        return None
    if fitted:
        d = derive(soft=fitted[0], label=row["label"] if gold else None, gold=gold,
                   labels=keep if keep is not None else fitted[1])
    else:
        d = derive(sample_votes, label=row["label"] if gold else None, gold=gold, labels=keep)
    new = {"label": d.label, "labels": d.labels, "soft_label": [{"label": k, "prob": v} for k, v in d.soft.items()]}
    if row["vad_source"] != "annotated":
        valence, arousal, dominance = d.vad or (None, None, None)
        new.update(valence=valence, arousal=arousal, dominance=dominance,
                   vad_source="mapped" if d.vad else None, vad_scale=None)
    return new


def recompute_soft_labels(root: str | Path, corpus: str, kinds: Iterable[str] = ("human",),
                          posterior: Callable | None = None) -> int:
    """Recompute the label columns from the ratings of the given rater kinds (e.g. after pulling
    Label Studio annotations) with :func:`relabelled`: the same label, soft label and mapped VAD
    a fresh conversion of the same ratings gives. Pending ratings are folded in on the way.

    Rows without such ratings keep what they have; ``posterior``: see :func:`relabelled`.
    Returns the number of rows changed."""
    kinds = tuple(kinds)
    inputs = ("id", "ratings", "native_label", "native_labels", *LABEL_COLUMNS)
    changed = 0

    def edit(table: pa.Table) -> pa.Table:
        nonlocal changed
        cols = {c: table[c].to_pylist() for c in inputs}
        touched = False
        for i in range(table.num_rows):
            new = relabelled({c: cols[c][i] for c in inputs}, kinds, posterior)
            if new is not None and any(_differs(cols[k][i], v) for k, v in new.items()):
                changed += 1
                touched = True
                for k, v in new.items():
                    cols[k][i] = v
        if not touched:
            return table
        for name in LABEL_COLUMNS:
            table = _set_column(table, name, cols[name])
        return table

    _rewrite(root, corpus, edit)
    return changed


def _differs(old, new) -> bool:
    """Whether a stored value differs from a new one (floats compared at float32 precision)."""
    if isinstance(new, float) and old is not None:
        return abs(old - new) > 1e-6
    if isinstance(new, list) and new and isinstance(new[0], dict):    # soft labels
        return old is None or len(old) != len(new) or any(
            a["label"] != b["label"] or abs(a["prob"] - b["prob"]) > 1e-6 for a, b in zip(old, new))
    return old != new


# -- ratings written back by annotation tools ------------------------------------------------
#
# An upsert or delete never rewrites the corpus files: it appends one part to
# <root>/pending/<corpus>/ holding, for every sample it changed, the sample's whole new ratings
# list and label columns (a later part wins). Every reader here (read_table, iter_batches, connect;
# so emodata.load and export too) applies the pending patches; compact_ratings and
# recompute_soft_labels fold them into the data files. Cost of an upsert: one read of the
# affected samples (DuckDB, id column of the corpus plus the matching rows) and one small file.

PATCH_COLUMNS = ("ratings", *LABEL_COLUMNS)
PATCH_SCHEMA = pa.schema([SCHEMA.field("id"), *(SCHEMA.field(c) for c in PATCH_COLUMNS)])


def _rating_key(sample_id: str, r: dict) -> tuple:
    return sample_id, r.get("rater_id"), r.get("condition")


def _pending_parts(root: str | Path, corpus: str) -> list[Path]:
    return sorted(pending_dir(root, corpus).glob("part-*.parquet"))          # names sort by write time


def has_pending(root: str | Path, corpus: str) -> bool:
    """Whether ratings of ``corpus`` wait to be folded into its files (:func:`compact_ratings`)."""
    return bool(_pending_parts(root, corpus))


def pending(root: str | Path, corpus: str, parts: list[Path] | None = None) -> pa.Table | None:
    """The latest pending patch of each sample (``id`` + :data:`PATCH_COLUMNS`), or ``None``."""
    parts = _pending_parts(root, corpus) if parts is None else parts
    if not parts:
        return None
    table = pa.concat_tables(pq.read_table(p, schema=PATCH_SCHEMA) for p in parts)
    table = table.append_column("_seq", pa.array(range(table.num_rows), pa.int64()))
    latest = table.group_by("id", use_threads=False).aggregate([("_seq", "max")])["_seq_max"]
    return table.take(latest).drop_columns("_seq")


def _apply(table: pa.Table, patch: pa.Table | None) -> pa.Table:
    """``table`` with the patched samples' ratings and label columns replaced (``table`` itself if none)."""
    if patch is None or "id" not in table.column_names:
        return table
    pos = pc.index_in(table["id"], value_set=patch["id"])
    if pos.null_count == len(pos):
        return table
    n = table.num_rows
    take = pc.if_else(pc.is_null(pos), pa.array(range(n), pa.int64()), pc.add(pos.cast(pa.int64()), n))
    for name in PATCH_COLUMNS:
        if name in table.column_names:
            merged = pa.concat_arrays([table[name].combine_chunks(), patch[name].combine_chunks()])
            table = table.set_column(table.column_names.index(name), table.schema.field(name), merged.take(take))
    return table


def _read(f: Path, columns: list[str] | None, patch: pa.Table | None) -> pa.Table:
    """One data file with the pending patch applied (``id`` read too when the patch needs it)."""
    if patch is None or (columns is not None and not set(columns) & set(PATCH_COLUMNS)):
        return pq.read_table(f, columns=columns)
    wanted = None if columns is None else list(dict.fromkeys(["id", *columns]))
    table = _apply(pq.read_table(f, columns=wanted), patch)
    return table if columns is None else table.select(columns)


def _patches(root: str | Path, files: list[Path]) -> dict[str, pa.Table | None]:
    """The pending patch of every corpus the files belong to (``data/<corpus>/<split>/<file>``)."""
    return {c: pending(root, c) for c in dict.fromkeys(f.parent.parent.name for f in files)}


def _current(root: str | Path, corpus: str, ids: set[str], patch: pa.Table | None) -> dict[str, dict]:
    """The rows (ratings and the columns the label rule reads) of the samples ``ids`` that exist."""
    import duckdb
    columns = ["id", "native_label", "native_labels", *PATCH_COLUMNS]
    with duckdb.connect() as con:
        con.register("wanted", pa.table({"id": pa.array(sorted(ids), pa.string())}))
        table = con.sql(f"SELECT {', '.join(columns)} FROM read_parquet($files) WHERE id IN (SELECT id FROM wanted)",
                        params={"files": [str(f) for f in corpus_files(root, corpus)]}).to_arrow_table()
    return {r["id"]: r for r in _apply(table.cast(pa.schema([SCHEMA.field(c) for c in columns])), patch).to_pylist()}


def _write_patch(root: str | Path, corpus: str, rows: list[dict]) -> None:
    if rows:
        path = pending_dir(root, corpus) / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}.parquet"
        with atomic_path(path) as tmp:
            pq.write_table(pa.Table.from_pylist(rows, schema=PATCH_SCHEMA), tmp, compression="zstd")


def _edit_ratings(root: str | Path, corpus: str, ids: set[str], edit: Callable[[str, list[dict]], list[dict]],
                  relabel: Iterable[str] | None, strict: bool) -> set[str]:
    """Apply ``edit(sample_id, ratings) -> ratings`` to the samples ``ids`` as one pending part;
    with ``relabel`` (rater kinds) their label columns follow by :func:`relabelled`. Returns the
    ids not in the corpus (``strict``: then nothing is written)."""
    patch = pending(root, corpus)
    rows = _current(root, corpus, ids, patch)
    missing = ids - set(rows)
    if missing and strict:
        return missing
    changed = []
    for sid in sorted(rows):
        row = rows[sid]
        before = row["ratings"] or []
        row["ratings"] = edit(sid, before)
        new = relabelled(row, relabel) if relabel is not None else None
        if row["ratings"] != before or (new and any(_differs(row[k], v) for k, v in new.items())):
            row.update(new or {})
            changed.append(row)
    _write_patch(root, corpus, changed)
    return missing


def upsert_ratings(root: str | Path, corpus: str, ratings: Iterable[dict], *,
                   relabel: Iterable[str] | None = None) -> dict:
    """Add or replace ratings (dicts with ``id`` plus rating fields).

    A rating is identified by (sample id, ``rater_id``, ``condition``): an existing one is
    replaced, a new one appended, an identical one left alone. Unknown sample ids raise and
    nothing is written. ``relabel`` (rater kinds, e.g. ``("human",)``): the changed samples'
    label columns are re-derived by the conversion rule. Written as a pending part (see above)."""
    incoming: dict[tuple, dict] = {}
    for r in ratings:
        incoming[_rating_key(r["id"], r)] = r
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    if not incoming:
        return counts
    normal = pa.array([{k: r.get(k) for k in RATING_FIELDS} for r in incoming.values()], RATING_TYPE).to_pylist()
    by_sample: dict[str, dict[tuple, dict]] = {}
    for key, rating in zip(incoming, normal):           # stored values (float32) so that equal means unchanged
        by_sample.setdefault(key[0], {})[key] = rating

    def edit(sample_id: str, current: list[dict]) -> list[dict]:
        mine = dict(by_sample[sample_id])
        out = []
        for old in current:
            new = mine.pop(_rating_key(sample_id, old), None)
            if new is None or new == old:
                counts["unchanged"] += new is not None
                out.append(old)
            else:
                counts["updated"] += 1
                out.append(new)
        counts["added"] += len(mine)
        return out + list(mine.values())

    missing = _edit_ratings(root, corpus, set(by_sample), edit, relabel, strict=True)
    if missing:
        raise KeyError(f"{len(missing)} sample id(s) not in corpus {corpus!r}: {sorted(missing, key=str)[:5]}")
    return counts


def delete_ratings(root: str | Path, corpus: str, keys: Iterable[tuple], *,
                   relabel: Iterable[str] | None = None) -> int:
    """Remove ratings identified by (sample id, rater_id, condition); returns how many went
    (unknown samples or keys remove nothing). ``relabel`` as in :func:`upsert_ratings`."""
    keys = set(keys)
    removed = 0

    def edit(sample_id: str, current: list[dict]) -> list[dict]:
        nonlocal removed
        kept = [r for r in current if _rating_key(sample_id, r) not in keys]
        removed += len(current) - len(kept)
        return kept

    if keys:
        _edit_ratings(root, corpus, {k[0] for k in keys}, edit, relabel, strict=False)
    return removed


def _rewrite(root: str | Path, corpus: str, edit: Callable[[pa.Table], pa.Table] | None = None) -> None:
    """Fold the pending patches into the data files (and apply ``edit(table) -> table``), each file
    replaced atomically; then drop the folded parts. Re-running after a crash is harmless."""
    parts = _pending_parts(root, corpus)
    patch = pending(root, corpus, parts)
    for f in corpus_files(root, corpus):
        table = pq.read_table(f)
        new = _apply(table, patch)
        new = edit(new) if edit else new
        if new is not table:
            _replace_file(f, new)
    for p in parts:
        p.unlink()


def compact_ratings(root: str | Path, corpus: str) -> int:
    """Fold the pending ratings of ``corpus`` into its data files; returns how many samples they patched."""
    patch = pending(root, corpus)
    if patch is not None:
        _rewrite(root, corpus)
    return 0 if patch is None else patch.num_rows


def iter_batches(root: str | Path, corpus: str | None = None, split: str | None = None,
                 columns: list[str] | None = None, batch_size: int = 10_000) -> Iterator[pa.RecordBatch]:
    """Stream record batches (pending ratings applied) without loading a whole corpus."""
    files = corpus_files(root, corpus, split)
    patches = _patches(root, files)
    for f in files:
        patch = patches[f.parent.parent.name]
        wanted = None if patch is None or columns is None else list(dict.fromkeys(["id", *columns]))
        for batch in pq.ParquetFile(f).iter_batches(batch_size=batch_size, columns=wanted if patch else columns):
            if patch is None:
                yield batch
                continue
            table = _apply(pa.Table.from_batches([batch]), patch)
            yield (table if columns is None else table.select(columns)).combine_chunks().to_batches()[0]


__all__ = ["corpora", "splits", "corpus_files", "read_table", "connect", "corpus_metadata", "write_corpus",
           "upsert_ratings", "delete_ratings", "compact_ratings", "has_pending", "pending", "recompute_soft_labels", "iter_batches",
           "copy_file", "dialogue_context", "METADATA_KEY"]
