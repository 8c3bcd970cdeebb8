"""Columnar conversion: label files read into Arrow, schema rows built from whole columns.

The vectorised twin of :meth:`ConversionContext.row` for corpora with many rows. A
converter reads its delimited files with :meth:`Columns.read` (every cell a string, verbatim,
as :meth:`ConversionContext.csv_rows` gives it), rejects bad cells with :meth:`Columns.check`,
and turns a polars frame of native values (one row per sample, plus an optional long frame
of ratings) into a ``pyarrow.Table`` in :data:`SCHEMA` with :meth:`Columns.rows`, which
``samples()`` yields like a row dict. Label mapping, the label rule of :func:`aggregate.derive`
(soft labels from the same votes in the same order and float arithmetic), VAD rescaling or
mapping through the taxonomy, rating fields and the ``extra`` JSON equal what ``row()`` gives;
tests/test_columnar.py compares the two on random inputs covering every branch.

Every frame row carries a location ``_loc``; an error names the file and line, found by
re-reading the file with Python's csv module only when there is an error to report.
"""
from __future__ import annotations

import bisect
import csv
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from .convert import ConversionContext, ConversionError
from .schema import ELICITATIONS, PERSPECTIVES, RATER_KINDS, RATING_TYPE, SCHEMA
from .taxonomy import get_taxonomy, parse_scale

LOC = "_loc"
STREAM_BLOCK = 1 << 20          # pyarrow's streaming block: bigger ones are read far ahead and hold more memory
VAD = ("valence", "arousal", "dominance")
RATING_INPUTS = ("rater_id", "rater_kind", "perspective", "condition", "native", "labels", *VAD, "intensity",
                 "confidence", "comment", "ref")


class Columns:
    """Columnar reading, checks and row building for one conversion (wraps its context)."""

    def __init__(self, ctx: ConversionContext):
        self.ctx = ctx
        self.converter = ctx.converter
        self._starts: list[int] = []                 # first location of each registered source
        self._next = 0                                # the next free location
        self._sources: list[tuple[Path, dict]] = []  # (path, csv dialect) per source
        self._lines: dict[int, list[int]] = {}       # source -> line of each of its rows (computed on demand)
        self._bad: dict[int, list[tuple[int, int]]] = {}   # source -> (line, fields) of its malformed rows
        self._mapped: dict[str, Any] = {}            # native label -> map_label(native)
        self._unknown: dict[str, str] = {}           # native label -> the error map_label raised

    # -- reading -----------------------------------------------------------------------------
    def read(self, *rels: str, columns: Sequence[str] = (), fieldnames: Sequence[str] | None = None,
             delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL, encoding: str = "utf-8",
             flags: Sequence[str] = (), expect: str = "") -> pl.DataFrame:
        """Delimited files as a frame of strings plus ``_loc``: the columnar :meth:`ConversionContext.csv_rows`.

        Same header check, same skipped blank lines; a row with the wrong number of fields is
        an error (or skipped when lenient). ``flags``: columns of 0/1 cells (multi-hot labels),
        returned as booleans; a row with any other value there is an error naming the columns.
        Several files of one layout are parsed in parallel, a thread each (three files on two cores
        take 1.5 files' time, not 2), and concatenated in order (a column one of them lacks is null
        there)."""
        dialect = {"delimiter": delimiter, "quoting": quoting, "encoding": encoding, "header": fieldnames is None}

        def load(rel: str):
            p = self.ctx.path(rel, expect)
            self.ctx.record(p)
            header = list(fieldnames) if fieldnames is not None else self._header(p, dialect, [*columns, *flags])
            names = [f"_{i}" for i in range(len(header))]    # positional names: duplicates and blanks are fine
            columns_of = dict(zip(header, names))             # the last of duplicate columns wins, as in a dict
            try:
                table, invalid = self._parse(p, names, {columns_of[f] for f in flags}, dialect)
            except pa.ArrowInvalid as e:
                if "to bool" not in str(e):
                    self._unreadable(p, {**dialect, "width": len(header)}, e)
                table, invalid = self._parse(p, names, set(), dialect)
            return p, header, table.select(list(columns_of.values())).rename_columns(list(columns_of)), invalid

        if len(rels) > 1:
            with ThreadPoolExecutor(min(len(rels), 32)) as pool:
                loaded = list(pool.map(load, rels))
        else:
            loaded = [load(rels[0])]
        frames = []
        for p, header, table, invalid in loaded:
            source = self._register(p, {**dialect, "width": len(header)})
            problems = [(line, _width_message(header, found)) for line, found in self._scan(source)[1]] if invalid else []
            frames.append(self._frame(source, table, problems, flags))
        return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal")

    def read_batches(self, rel: str, *, columns: Sequence[str] = (), fieldnames: Sequence[str] | None = None,
                     delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL, encoding: str = "utf-8",
                     expect: str = "", batch_bytes: int = 8 << 20) -> Iterator[pl.DataFrame]:
        """:meth:`read` of one file in frames of about ``batch_bytes`` each, so that a large file
        converts in bounded memory (errors are reported with the batch that holds them)."""
        p = self.ctx.path(rel, expect)
        self.ctx.record(p)
        dialect = {"delimiter": delimiter, "quoting": quoting, "encoding": encoding, "header": fieldnames is None}
        header = list(fieldnames) if fieldnames is not None else self._header(p, dialect, columns)
        dialect["width"] = len(header)
        source = self._register(p, dialect)
        names = [f"_{i}" for i in range(len(header))]
        columns_of = dict(zip(header, names))
        if p.stat().st_size == 0:
            return
        invalid: list[int] = []
        rows = reported = 0

        def frame(batches: list[pa.RecordBatch]) -> pl.DataFrame:
            nonlocal rows, reported
            table = pa.Table.from_batches(batches, batches[0].schema)
            problems: list[tuple[int, str]] = []
            if invalid:                       # rows with the wrong number of fields up to this frame's end
                good, bad = self._scanned(source)
                last = good[rows + table.num_rows - 1] if table.num_rows else reported
                problems = [(line, _width_message(header, found)) for line, found in bad if reported < line <= last]
                reported = max(reported, last)
            rows += table.num_rows
            table = table.select(list(columns_of.values())).rename_columns(list(columns_of))
            return self._frame(source, table, problems, ())

        # small blocks from pyarrow's streaming reader, gathered into frames of batch_bytes
        pending: list[pa.RecordBatch] = []
        try:
            for batch in pacsv.open_csv(p, **_csv_options(names, set(), dialect, invalid, STREAM_BLOCK)):
                pending.append(batch)
                if sum(b.nbytes for b in pending) >= batch_bytes:
                    yield frame(pending)
                    pending = []
        except pa.ArrowInvalid as e:
            self._unreadable(p, dialect, e)
        if pending:
            yield frame(pending)
        if invalid:
            for line, found in self._scanned(source)[1]:
                if line > reported:
                    self.ctx.fail(_width_message(header, found), p, line)

    def _header(self, p: Path, dialect: dict, required: Sequence[str]) -> list[str]:
        with open(p, encoding=dialect["encoding"], newline="") as f, self.ctx.decoding(p, dialect["encoding"]):
            header = next(csv.reader(f, delimiter=dialect["delimiter"], quoting=dialect["quoting"]), None)
        if header is None:
            raise ConversionError("empty file; expected a header row", p, 1)
        header[0] = header[0].lstrip("\ufeff")
        missing = [c for c in required if c not in header]
        if missing:
            raise ConversionError(f"header lacks column(s) {missing}; found {header}", p, 1)
        return header

    def _frame(self, source: int, table: pa.Table, problems: list[tuple[int, str]],
               flags: Sequence[str]) -> pl.DataFrame:
        """Parsed rows as a frame with locations; the bad rows (``problems``: line, message, plus
        bad flag cells) reported in line order."""
        p = self._sources[source][0]
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        start, self._next = self._next, self._next + frame.height
        frame = frame.with_columns(pl.int_range(start, start + frame.height, dtype=pl.Int64).alias(LOC))
        if flags and frame.schema[flags[0]] != pl.Boolean:     # a cell other than 0/1: name its columns
            bad = [(pl.col(f) != "0") & (pl.col(f) != "1") for f in flags]
            named = pl.concat_list([pl.when(b).then(pl.lit(repr(f))) for b, f in zip(bad, flags)]).list.drop_nulls()
            hits = frame.filter(pl.any_horizontal(bad)).select(LOC, pl.format("columns [{}] must be 0 or 1",
                                                                               named.list.join(", ")))
            problems += [(self.where(loc)[1], msg) for loc, msg in hits.iter_rows()]
            frame = frame.filter(~pl.col(LOC).is_in(hits[LOC].implode())).with_columns(
                [pl.col(f) == "1" for f in flags])
        for line, msg in sorted(problems):
            self.ctx.fail(msg, p, line)
        return frame

    def _parse(self, p: Path, names: list[str], flags: set[str], dialect: dict) -> tuple[pa.Table, bool]:
        """pyarrow's CSV reader with Python's csv dialect; whether any row had the wrong number of fields."""
        if p.stat().st_size == 0:
            return pa.table({n: pa.nulls(0, pa.string()) for n in names}), False
        invalid: list[int] = []
        return pacsv.read_csv(p, **_csv_options(names, flags, dialect, invalid)), bool(invalid)

    def _unreadable(self, p: Path, dialect: dict, error: Exception) -> None:
        """Raise the error Python's csv reader gives for a file pyarrow cannot read (undecodable
        text), or pyarrow's own."""
        with self.ctx.decoding(p, dialect["encoding"]):
            _scan(p, dialect)
        raise ConversionError(f"cannot read the file as delimited text ({error})", p)

    def _register(self, path: Path, dialect: dict) -> int:
        """A new source; its rows get the locations from the next free one on."""
        self._starts.append(self._next)
        self._sources.append((path, dialect))
        return len(self._sources) - 1

    def _scan(self, source: int) -> tuple[list[int], list[tuple[int, int]]]:
        good, bad = _scan(*self._sources[source])
        self._lines[source], self._bad[source] = good, bad
        return good, bad

    def _scanned(self, source: int) -> tuple[list[int], list[tuple[int, int]]]:
        return (self._lines[source], self._bad[source]) if source in self._lines else self._scan(source)

    def locate(self, path: Path, lines: Sequence[int]) -> pl.Series:
        """Locations for rows read without :meth:`read` (one per given line of ``path``), so that
        :meth:`check` and :meth:`rows` can name file and line."""
        source = self._register(path, {})
        self._lines[source], self._bad[source] = lines.to_list() if isinstance(lines, pl.Series) else list(lines), []
        start, self._next = self._next, self._next + len(lines)
        return pl.int_range(start, self._next, dtype=pl.Int64, eager=True)

    def lines(self, locs: pl.Series) -> pl.Series:
        """The line of each location (its file read again with Python's csv reader)."""
        locs = locs.to_numpy()
        sources = np.searchsorted(self._starts, locs, side="right") - 1
        out = np.zeros(len(locs), np.int64)
        for source in np.unique(sources):
            here = sources == source
            out[here] = np.asarray(self._scanned(int(source))[0])[locs[here] - self._starts[source]]
        return pl.Series(out)

    def where(self, loc: int) -> tuple[Path, int]:
        """File and line of a location."""
        source = bisect.bisect_right(self._starts, loc) - 1
        return self._sources[source][0], self._scanned(source)[0][loc - self._starts[source]]

    # -- checks ------------------------------------------------------------------------------
    def check(self, frame: pl.DataFrame, *rules: tuple[pl.Expr, pl.Expr | str]) -> pl.DataFrame:
        """Data errors: each rule is (``bad``, message), both row by row (a rule over the whole
        column, such as ``is_first_distinct``, belongs in a column computed before); a row breaking
        several gets the first rule's message. Strict raises the first row's error (file and line),
        lenient records one report line per row and drops the rows."""
        bad = pl.any_horizontal([b.fill_null(False) for b, _ in rules])
        if not frame.select(bad.any()).item():
            return frame
        flagged = frame.with_columns(bad.alias("_bad"))
        message = pl.when(rules[0][0].fill_null(False)).then(_text(rules[0][1]))
        for b, m in rules[1:]:
            message = message.when(b.fill_null(False)).then(_text(m))
        hits = flagged.filter("_bad").select(LOC, message.alias("_msg")).sort(LOC)
        self.fail(hits[LOC].to_list(), hits["_msg"].to_list())
        return frame.filter(~flagged["_bad"])

    def fail(self, locs: Sequence[int], messages: Sequence[str]) -> None:
        """Data errors at locations (in order): strict raises the first, lenient records them all."""
        for loc, msg in zip(locs, messages):
            path, line = self.where(loc)
            self.ctx.fail(msg, path, line)

    # -- labels ------------------------------------------------------------------------------
    def _map(self, natives: pl.Series) -> None:
        """Map the distinct native labels not seen yet through the converter's :meth:`map_label`."""
        for native in natives.unique().drop_nulls().to_list():
            if native not in self._mapped:
                try:
                    self._mapped[native] = self.converter.map_label(native)
                except ConversionError as e:
                    self._unknown[native] = e.message

    def label_rule(self, frame: pl.DataFrame, column: str) -> tuple[pl.Expr, pl.Expr] | None:
        """The check rule for native label(s) the label map does not know (``None``: all known).
        :meth:`rows` applies it; a converter adds it to its own :meth:`check` (last) so that a
        row's first error is the one row-by-row conversion meets first."""
        if column not in frame.columns:
            return None
        col = pl.col(column)
        is_list = isinstance(frame.schema[column], pl.List)
        self._map(frame[column].explode() if is_list else frame[column])
        unknown = list(self._unknown)
        if not unknown:
            return None
        first = col.list.eval(pl.element().filter(pl.element().is_in(unknown))).list.first() if is_list else col
        bad = col.list.eval(pl.element().is_in(unknown)).list.any() if is_list else col.is_in(unknown)
        return bad, first.replace_strict(self._unknown, default=None, return_dtype=pl.String)

    def _check_labels(self, frame: pl.DataFrame, column: str) -> pl.DataFrame:
        """Drop (lenient) or reject (strict) rows whose native label(s) the label map does not know."""
        rule = self.label_rule(frame, column)
        return self.check(frame, rule) if rule else frame

    def _term_ids(self, lists: pl.Series, vocab: "_Vocab", dedupe: bool = True,
                  mapped: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(row, term id) of the canonical terms of each row's native labels, in order, as
        :meth:`ConversionContext.labels`: non-emotion codes dropped, a term repeated in a row kept
        once. ``mapped=False``: the lists hold canonical terms already."""
        if mapped:
            ids = {k: [vocab.id(t) for t in ((v,) if isinstance(v, str) else v or ())] for k, v in self._mapped.items()}
        else:
            ids = {t: [vocab.id(t)] for t in lists.explode().drop_nulls().unique(maintain_order=True).to_list()}
        ex = (lists.rename("n").to_frame().with_row_index("_r").explode("n").drop_nulls("n")
              .with_columns(pl.col("n").replace_strict(ids, return_dtype=pl.List(pl.Int64)))
              .explode("n").drop_nulls("n"))
        rows = ex["_r"].to_numpy().astype(np.int64)
        terms = ex["n"].to_numpy().astype(np.int64)
        if dedupe and len(rows):
            _, first = np.unique(rows * max(len(vocab), 1) + terms, return_index=True)
            first.sort()
            rows, terms = rows[first], terms[first]
        return rows, terms

    # -- rows --------------------------------------------------------------------------------
    def rows(self, samples: pl.DataFrame, ratings: pl.DataFrame | None = None, *,
             drop_null_extra: bool = False) -> pa.Table:
        """Schema rows from native values, as :meth:`ConversionContext.row` builds them one by one.

        ``samples``: ``native_id`` and ``split`` (required), optionally ``native_label``,
        ``native_labels`` (list), ``valence``/``arousal``/``dominance``/``intensity`` on the
        native scales, ``extra`` (a struct: one JSON key per field), ``_loc`` and any other
        schema column (``text``, ``speaker_id``...); the converter's ``defaults`` fill the rest.
        ``ratings``: one row per rating in order, ``native_id`` naming its sample, plus the
        arguments of :meth:`ConversionContext.rating` (``labels`` a list of native labels,
        ``rater_kind`` defaulting to human). Rows with unknown labels or vocabulary are data
        errors (located by ``_loc``). ``drop_null_extra``: null fields get no key in ``extra``."""
        c = self.converter
        for key, allowed in (("perspective", PERSPECTIVES), ("elicitation", ELICITATIONS)):
            if key in samples.columns:
                samples = self.check(samples, (pl.col(key).is_not_null() & ~pl.col(key).is_in(allowed),
                                               pl.format(f"{key} '{{}}' is not one of {allowed}", pl.col(key))))
            elif c.defaults.get(key) is not None and c.defaults[key] not in allowed:
                raise ConversionError(f"{key} {c.defaults[key]!r} is not one of {allowed}")
        if not samples.height and (ratings is None or not ratings.height):
            return pa.Table.from_batches([], SCHEMA)   # not SCHEMA.empty_table(): it imports pandas
        samples = self._check_labels(self._check_labels(samples, "native_labels"), "native_label")
        n = samples.height
        nested, labelled = self._labelled(samples, ratings, n)
        table = self._plain(samples, n, drop_null_extra).with_columns(**labelled).to_arrow()
        columns = [_cast(nested[f.name] if f.name in nested else table[f.name], f.type) for f in SCHEMA]
        return pa.Table.from_arrays(columns, schema=SCHEMA)

    def _labelled(self, samples: pl.DataFrame, ratings: pl.DataFrame | None, n: int) -> tuple[dict, dict]:
        """The label rule's columns: ``labels``, ``soft_label`` and ``ratings`` (Arrow arrays), and
        ``label`` and VAD (polars series)."""
        c = self.converter
        vocab = _Vocab()
        # labels from native_labels (an empty list is none); a compound native_label gives labels, no label
        if "native_labels" in samples.columns:
            labels = _Listed(self._term_ids(samples["native_labels"], vocab), n,
                             (samples["native_labels"].list.len() > 0).fill_null(False).to_numpy())
        else:
            labels = _Listed(None, n, np.zeros(n, bool))
        label = np.full(n, -1, np.int64)
        has_native_label = np.zeros(n, bool)
        if "native_label" in samples.columns:
            native = samples["native_label"]
            has_native_label = native.is_not_null().to_numpy()
            single = {k: vocab.id(v) for k, v in self._mapped.items() if isinstance(v, str)}
            label = native.replace_strict(single, default=-1, return_dtype=pl.Int64).fill_null(-1).to_numpy().copy()
            compound = {k: list(v) for k, v in self._mapped.items() if isinstance(v, tuple)}
            if compound:
                is_compound = native.is_in(list(compound)).fill_null(False).to_numpy()
                parts = native.replace_strict(compound, default=None, return_dtype=pl.List(pl.String))
                rows, terms = self._term_ids(parts, vocab, dedupe=False, mapped=False)
                labels = labels.fill(is_compound & ~labels.nonempty(), rows, terms)
        # human raters' votes: soft label, plurality label, all-inclusive labels
        soft, has_votes = _Soft.empty(), np.zeros(n, bool)
        if ratings is not None:
            ratings = self._check_ratings(ratings)
            ratings = (ratings.join(samples.select("native_id").with_row_index("_i"), on="native_id", how="left",
                                    maintain_order="left").sort("_i", maintain_order=True))
            if ratings["_i"].null_count():
                raise ValueError("ratings name samples that are not in the frame")
            sample_of = ratings["_i"].to_numpy().astype(np.int64)
            if "labels" in ratings.columns:
                r_rows, r_terms = self._term_ids(ratings["labels"], vocab)
            else:
                r_rows, r_terms = np.zeros(0, np.int64), np.zeros(0, np.int64)
            human = ((ratings["rater_kind"] == "human").to_numpy() if "rater_kind" in ratings.columns
                     else np.ones(ratings.height, bool))
            k = np.bincount(r_rows, minlength=ratings.height)
            vote = human[r_rows]
            soft, agg_label, inclusive, has_votes = _aggregate(sample_of[r_rows[vote]], r_terms[vote],
                                                               1.0 / k[r_rows[vote]], n, vocab)
            multi = np.zeros(n, bool)
            multi[sample_of[human & (k > 1)]] = True
            from_votes = has_votes & ~has_native_label
            label[from_votes] = agg_label[from_votes]
            labels = labels.fill(from_votes & ~labels.valid & multi, inclusive.rows, inclusive.terms)
            rating_column = self._rating_column(ratings, sample_of, r_rows, r_terms, _strings(vocab.names()), n)
        soft = soft.merge(_Soft.from_choice(~has_votes, label, labels, n))
        tax = get_taxonomy()
        for term in vocab.names():
            tax.check(term, "label")
        # VAD: annotated (rescaled) when any dimension is given, else mapped from the soft label
        vad = [_rescale(samples[d].cast(pl.Float64).to_numpy() if d in samples.columns else np.full(n, np.nan),
                        _dim_scale(c.vad_scale, d), "-1..1") for d in VAD]
        annotated = ~(np.isnan(vad[0]) & np.isnan(vad[1]) & np.isnan(vad[2]))
        mapped = soft.expected_vad(vocab, n)
        use_mapped = ~annotated & ~np.isnan(mapped[0])
        names = _strings(vocab.names())
        nested = {"labels": labels.to_arrow(names), "soft_label": soft.to_arrow(names, n), "ratings": rating_column
                  if ratings is not None else pa.ListArray.from_arrays(_offsets(np.zeros(0, np.int64), n),
                                                                        pa.nulls(0, RATING_TYPE))}
        return nested, {
            **{d: _float_series(np.where(use_mapped, mapped[i], vad[i])) for i, d in enumerate(VAD)},
            "vad_source": pl.when(pl.Series(annotated)).then(pl.lit("annotated"))
            .when(pl.Series(use_mapped)).then(pl.lit("mapped")),
            "vad_scale": pl.when(pl.Series(annotated)).then(pl.lit(_scale_text(c.vad_scale), pl.String)),
            "label": pl.Series(vocab.names() or [None], dtype=pl.String).gather(np.maximum(label, 0))
            .scatter(np.flatnonzero(label < 0), None)}

    def _check_ratings(self, ratings: pl.DataFrame) -> pl.DataFrame:
        """VAD and intensity rescaled, then :meth:`ConversionContext.rating`'s checks in its order: known
        labels, rater kind, perspective, values in range (:func:`emodata.schema.rating`)."""
        c = self.converter
        scales = {d: (_dim_scale(c.vad_scale, d), "-1..1") for d in VAD}
        scales["intensity"] = (c.intensity_scale, "0-1")
        ratings = ratings.with_columns(_rescale_expr(pl.col(f).cast(pl.Float64), *scales[f]).alias(f)
                                       for f in scales if f in ratings.columns)
        rules = [rule] if (rule := self.label_rule(ratings, "labels")) else []
        if "rater_kind" in ratings.columns:
            rules.append((~pl.col("rater_kind").is_in(RATER_KINDS),
                          repr_message("rater kind {!r} is not one of " + str(RATER_KINDS), "rater_kind")))
        if "perspective" in ratings.columns:
            rules.append((pl.col("perspective").is_not_null() & ~pl.col("perspective").is_in(PERSPECTIVES),
                          repr_message("perspective {!r} is not one of " + str(PERSPECTIVES), "perspective")))
        for name in (*VAD, "intensity", "confidence"):
            if name in ratings.columns:
                low = -1.0 if name in VAD else 0.0
                v = pl.col(name).cast(pl.Float64)
                rules.append(((v < low - 1e-6) | (v > 1.0 + 1e-6),
                              repr_message(f"rating {name} {{!r}} is outside [{low:g}, 1]", name, float)))
        return self.check(ratings, *rules) if rules else ratings

    def _plain(self, samples: pl.DataFrame, n: int, drop_null_extra: bool) -> pl.DataFrame:
        """The schema's non-list columns from the samples and the converter's defaults (``id``,
        ``corpus``, ``intensity`` rescaled, ``extra`` as JSON); also ``native_labels`` (empty -> null)."""
        c = self.converter
        given = {"native_labels", "ratings", "extra", "intensity", *VAD}
        columns = {name: samples[name] for name in samples.columns if name in SCHEMA.names and name not in given}
        out = pl.DataFrame(columns, height=n).with_columns(
            id=pl.lit(f"{c.name}/") + pl.col("native_id"), corpus=pl.lit(c.name),
            **{f.name: pl.lit(c.defaults.get(f.name), _polars_type(f.type)) for f in SCHEMA
               if f.name not in columns and f.name not in ("id", "corpus", "labels", "soft_label", "ratings")})
        if "intensity" in samples.columns:
            values = samples["intensity"].cast(pl.Float64).to_numpy()
            out = out.with_columns(intensity=_float_series(_rescale(values, c.intensity_scale, "0-1")
                                                           if c.intensity_scale else values))
        if "native_labels" in samples.columns:       # an empty list is stored as null, as row() does
            nl = samples["native_labels"]
            out = out.with_columns(native_labels=pl.when(nl.list.len() > 0).then(nl))
        extra = json_objects(samples["extra"], drop_null_extra) if "extra" in samples.columns else None
        return out.with_columns(extra=pl.Series(extra, dtype=pl.String) if extra is not None
                                else pl.lit(None, pl.String))

    def _rating_column(self, ratings: pl.DataFrame, sample_of: np.ndarray, r_rows: np.ndarray, r_terms: np.ndarray,
                       names: pa.Array, n: int) -> pa.Array:
        """The ``ratings`` list column: the rating rows (sorted by sample, values rescaled) as
        :meth:`ConversionContext.rating` builds them."""
        m = ratings.height
        fields = {}
        for f in RATING_TYPE:
            if f.name == "labels":      # null: no categorical judgment; []: none of the offered labels
                # a choice of codes that all map to no term (FER+ unknown, NF) is no judgment either
                given = (ratings["labels"].list.len().to_numpy() == 0 if "labels" in ratings.columns
                         else np.zeros(m, bool)) | (np.bincount(r_rows, minlength=m) > 0)
                fields["labels"] = pa.ListArray.from_arrays(_offsets(r_rows, m), _take(names, r_terms),
                                                            mask=_bools(~given))
            elif f.name == "rater_kind" and f.name not in ratings.columns:
                fields[f.name] = pl.repeat("human", m, eager=True).to_arrow()
            elif f.name in ratings.columns:
                fields[f.name] = _cast(ratings[f.name].to_arrow(), f.type)
            else:
                fields[f.name] = pa.nulls(m, f.type)
        structs = pa.StructArray.from_arrays([_cast(fields[f.name], f.type) for f in RATING_TYPE],
                                             fields=list(RATING_TYPE))
        return pa.ListArray.from_arrays(_offsets(sample_of, n), structs)


# -- helpers ---------------------------------------------------------------------------------

def _csv_options(names: list[str], flags: set[str], dialect: dict, invalid: list, block_size: int = 1 << 20) -> dict:
    """pyarrow CSV options for Python's csv dialect: cells verbatim as strings (``flags`` as 0/1
    booleans), malformed rows skipped and noted in ``invalid``. One thread per file: on 2 shared
    cores that costs less CPU and no more time."""
    def skip(row) -> str:
        invalid.append(row.number)
        return "skip"

    encoding = dialect["encoding"]
    return {
        "read_options": pacsv.ReadOptions(
            column_names=names, skip_rows=int(dialect["header"]), use_threads=False,
            encoding="utf8" if encoding.lower().replace("-", "") in ("utf8", "utf8sig") else encoding,
            block_size=block_size),
        "parse_options": pacsv.ParseOptions(
            delimiter=dialect["delimiter"], quote_char=False if dialect["quoting"] == csv.QUOTE_NONE else '"',
            newlines_in_values=dialect["quoting"] != csv.QUOTE_NONE, invalid_row_handler=skip),
        "convert_options": pacsv.ConvertOptions(
            column_types={n: pa.bool_() if n in flags else pa.string() for n in names},
            true_values=["1"], false_values=["0"], null_values=[], strings_can_be_null=False,
            quoted_strings_can_be_null=False),
    }


def _width_message(header: list[str], found: int) -> str:
    return f"expected {len(header)} fields ({', '.join(header)}), found {found}"


def _scan(path: Path, dialect: dict) -> tuple[list[int], list[tuple[int, int]]]:
    """Lines of the well-formed rows of a delimited file, and (line, fields) of the others (Python's csv reader)."""
    good, bad = [], []
    with open(path, encoding=dialect["encoding"], newline="") as f:
        reader = csv.reader(f, delimiter=dialect["delimiter"], quoting=dialect["quoting"])
        if dialect["header"]:
            next(reader, None)
        for fields in reader:
            if fields:
                (good.append(reader.line_num) if len(fields) == dialect["width"]
                 else bad.append((reader.line_num, len(fields))))
    return good, bad


class _Vocab:
    """Canonical terms met in one batch, numbered in order of first use."""

    def __init__(self):
        self._ids: dict[str, int] = {}

    def id(self, term: str) -> int:
        return self._ids.setdefault(term, len(self._ids))

    def __len__(self) -> int:
        return len(self._ids)

    def names(self) -> list[str]:
        return list(self._ids)

    def name_rank(self) -> np.ndarray:
        """Rank of each term id in sorted name order (Python string order)."""
        names = self.names()
        rank = np.empty(len(names), np.int64)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return rank


class _Listed:
    """A per-sample list of term ids in long form (row, term), with a validity mask (null list)."""

    def __init__(self, long, n: int, valid: np.ndarray):
        self.n = n
        self.rows = long[0] if long is not None else np.zeros(0, np.int64)
        self.terms = long[1] if long is not None else np.zeros(0, np.int64)
        self.valid = valid.astype(bool)

    def nonempty(self) -> np.ndarray:
        out = np.zeros(self.n, bool)
        out[self.rows] = True
        return out & self.valid

    def _with(self, rows, terms, valid) -> "_Listed":
        order = np.argsort(rows, kind="stable")
        return _Listed((rows[order], terms[order]), self.n, valid)

    def fill(self, where: np.ndarray, rows: np.ndarray, terms: np.ndarray) -> "_Listed":
        """Replace the lists of samples ``where`` by the (row, term) pairs given for them."""
        keep = ~where[self.rows]
        new = where[rows]
        return self._with(np.concatenate([self.rows[keep], rows[new]]),
                          np.concatenate([self.terms[keep], terms[new]]), self.valid | where)

    def to_arrow(self, names: pa.Array) -> pa.Array:
        return pa.ListArray.from_arrays(_offsets(self.rows, self.n), _take(names, self.terms), mask=_bools(~self.valid))


class _Soft:
    """Soft labels in long form: (row, term, probability), rows ascending, each row in its order."""

    def __init__(self, rows, terms, probs):
        self.rows, self.terms, self.probs = rows, terms, probs

    @classmethod
    def empty(cls) -> "_Soft":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))

    @classmethod
    def from_choice(cls, where: np.ndarray, label: np.ndarray, labels: _Listed, n: int) -> "_Soft":
        """row()'s soft label without votes: one-hot of the label, else uniform over the labels."""
        single = where & (label >= 0)
        rows1 = np.flatnonzero(single)
        uniform = where & ~single
        keep = uniform[labels.rows]
        rows2, terms2 = labels.rows[keep], labels.terms[keep]
        k = np.bincount(rows2, minlength=n)
        rows = np.concatenate([rows1, rows2])
        order = np.argsort(rows, kind="stable")
        return cls(rows[order], np.concatenate([label[rows1], terms2])[order],
                   np.concatenate([np.ones(len(rows1)), 1.0 / k[rows2]])[order])

    def merge(self, other: "_Soft") -> "_Soft":
        rows = np.concatenate([self.rows, other.rows])
        order = np.argsort(rows, kind="stable")
        return _Soft(rows[order], np.concatenate([self.terms, other.terms])[order],
                     np.concatenate([self.probs, other.probs])[order])

    def expected_vad(self, vocab: _Vocab, n: int) -> list[np.ndarray]:
        """:func:`taxonomy.expected_vad` per row, summed in the soft label's order (NaN: none)."""
        tax = get_taxonomy()
        means = np.array([tax.terms[t].vad_mean or (np.nan,) * 3 if t in tax.terms else (np.nan,) * 3
                          for t in vocab.names()] or np.zeros((0, 3)), dtype=float).reshape(-1, 3)
        use = ~np.isnan(means[self.terms, 0]) & (self.probs > 0) if len(self.terms) else np.zeros(0, bool)
        rows, p, mean = self.rows[use], self.probs[use], means[self.terms[use]]
        total = np.bincount(rows, p, n)                     # in soft-label order, as Python sums them
        acc = [np.bincount(rows, p * mean[:, i], n) for i in range(3)]
        with np.errstate(invalid="ignore", divide="ignore"):
            return [np.where(total > 0, acc[i] / total, np.nan) for i in range(3)]

    def to_arrow(self, names: pa.Array, n: int) -> pa.Array:
        entries = pa.StructArray.from_arrays([_take(names, self.terms), _float_series(self.probs).to_arrow()],
                                             fields=list(SCHEMA.field("soft_label").type.value_type))
        return pa.ListArray.from_arrays(_offsets(self.rows, n), entries,
                                        mask=_bools(np.bincount(self.rows, minlength=n) == 0))


def _aggregate(rows: np.ndarray, terms: np.ndarray, weights: np.ndarray, n: int, vocab: _Vocab):
    """:func:`aggregate.aggregate` of every row's votes at once, with the same float arithmetic.

    ``rows``/``terms``/``weights``: one entry per (rating, label) in rating order, weight 1/k.
    ``np.bincount`` adds in array order, so each sum takes its terms in the order Python does.
    Returns the soft labels, the unique plurality label (-1: tie), the all-inclusive label
    lists and which rows had votes."""
    V = max(len(vocab), 1)
    has = np.zeros(n, bool)
    has[rows] = True
    if not len(rows):
        return _Soft.empty(), np.full(n, -1, np.int64), _Listed(None, n, np.zeros(n, bool)), has
    rank_name = vocab.name_rank()
    # one key per (row, label), ordered by row, then label name: the all-inclusive order
    keys, first, inverse = np.unique(rows * V + rank_name[terms], return_index=True, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights, len(keys))          # counts[label] += 1/k, in rating order
    krow, kterm = keys // V, np.argsort(rank_name)[keys % V]
    seq = np.lexsort((first, krow))                                     # sum(counts.values()): first-seen order
    total = np.bincount(krow[seq], counts[seq], n)
    probs = counts / total[krow]
    # by count (descending), then name: a stable sort of (row, rank of the count) keeps name order
    distinct, count_rank = np.unique(-counts, return_inverse=True)
    order = np.argsort(krow * len(distinct) + count_rank.ravel(), kind="stable")
    soft = _Soft(krow[order], kterm[order], probs[order])
    # plurality: every label within rel_tol 1e-9 of the top count (the row's first in soft order)
    heads = np.flatnonzero(np.r_[True, soft.rows[1:] != soft.rows[:-1]])
    top = np.zeros(n)
    top[soft.rows[heads]] = counts[order][heads]
    t = top[krow]
    tied = np.abs(counts - t) <= 1e-9 * np.maximum(np.abs(counts), np.abs(t))
    n_top = np.bincount(krow[tied], minlength=n)
    label = np.full(n, -1, np.int64)
    sole = tied & (n_top[krow] == 1)
    label[krow[sole]] = kterm[sole]
    return soft, label, _Listed((krow, kterm), n, has), has


def _text(message: pl.Expr | str) -> pl.Expr:
    return pl.lit(message) if isinstance(message, str) else message


# Arrow arrays are built from buffers or through polars: ``pa.array``/``pa.scalar`` import pandas
# on first use (about 0.3 s of every conversion).

def _buffer_array(type_: pa.DataType, values: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(type_, len(values), [None, pa.py_buffer(np.ascontiguousarray(values))])


def _bools(values: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(np.packbits(values, bitorder="little"))])


def _offsets(rows: np.ndarray, n: int) -> pa.Array:
    """List offsets of ``n`` lists from the (sorted) row of each item."""
    return _buffer_array(pa.int32(), np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int32))


def _strings(values: list[str]) -> pa.Array:
    return pl.Series(values, dtype=pl.String).to_arrow().cast(pa.string())


def _float_series(values: np.ndarray) -> pl.Series:
    """float32, NaN -> null."""
    return pl.Series(values.astype(np.float64)).fill_nan(None).cast(pl.Float32)


def _take(names: pa.Array, ids: np.ndarray) -> pa.Array:
    return names.take(_buffer_array(pa.int64(), ids.astype(np.int64)))


def _polars_type(type_: pa.DataType) -> pl.DataType:
    return pl.from_arrow(pa.nulls(0, type_)).dtype


def _dim_scale(scale, dimension: str) -> str | None:
    return scale if scale is None or isinstance(scale, str) else scale[dimension]


def _scale_text(scale) -> str | None:
    return scale if scale is None or isinstance(scale, str) else "; ".join(f"{k} {v}" for k, v in scale.items())


def _rescale_expr(value: pl.Expr, source, target: str) -> pl.Expr:
    """:func:`taxonomy.rescale` on a column (same operations in the same order)."""
    if source is None:
        return value
    slo, shi = parse_scale(source)
    tlo, thi = parse_scale(target)
    return tlo + (value - slo) * (thi - tlo) / (shi - slo)


def _col(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


def repr_message(template: str, column: str | pl.Expr, cast=str) -> pl.Expr:
    """A check message naming a cell as Python's ``repr`` does (``template`` holds ``{!r}``; only
    the rows in error are formatted)."""
    return _col(column).map_elements(lambda v: template.format(cast(v)), return_dtype=pl.String)


def floats(column: str | pl.Expr) -> pl.Expr:
    """Python's ``float()`` of a text column (or expression): null where it fails (it also refuses ``1_0``)."""
    return _col(column).str.strip_chars().cast(pl.Float64, strict=False)


def ints(column: str | pl.Expr) -> pl.Expr:
    """Python's ``int()`` of a text column (or expression): null where it fails."""
    text = _col(column).str.strip_chars()
    return pl.when(text.str.contains(r"^[+-]?[0-9]+$")).then(text.cast(pl.Int64, strict=False))


def int_rule(column: str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The check rule for the cells ``int()`` rejects, with Python's message."""
    return ints(column).is_null(), repr_message("ValueError: invalid literal for int() with base 10: {!r}", column)


def float_rule(column: str | pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The check rule for the cells ``float()`` rejects, with Python's message."""
    return floats(column).is_null(), repr_message("ValueError: could not convert string to float: {!r}", column)


def _rescale(values: np.ndarray, source, target: str) -> np.ndarray:
    """:func:`taxonomy.rescale` on an array (same operation order; NaN stays NaN)."""
    values = values.astype(float)
    if source is None:
        return values
    slo, shi = parse_scale(source)
    tlo, thi = parse_scale(target)
    return tlo + (values - slo) * (thi - tlo) / (shi - slo)


def _cast(array, type_: pa.DataType) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if array.type == type_ else array.cast(type_, safe=False)


def multi_hot(frame: pl.DataFrame, columns: Sequence[str], sep: str = ",") -> tuple[pl.Series, pl.Series]:
    """Per row, the names of the boolean ``columns`` that are true (multi-hot -> labels), in column
    order: as lists (of an Enum of the column names: gathers and sorts move integers, not text)
    and as ``sep``-joined text. Each row's pattern is packed into 64-bit words; the names are
    built once per distinct pattern."""
    words, shifted = {}, np.empty(frame.height, np.uint64)
    for start in range(0, len(columns), 64):
        word = np.zeros(frame.height, np.uint64)
        for bit, c in enumerate(columns[start:start + 64]):
            hot = frame[c].fill_null(False) if frame[c].null_count() else frame[c]
            np.left_shift(hot.to_numpy().view(np.uint8), np.uint64(bit), out=shifted, dtype=np.uint64)
            np.bitwise_or(word, shifted, out=word)
        words[f"w{start}"] = word
    keys = pl.DataFrame(words, height=frame.height)
    distinct = keys.unique(maintain_order=True).with_row_index("_j")
    index = keys.join(distinct, on=list(words), how="left", maintain_order="left")["_j"]
    names = [[c for i, c in enumerate(columns) if pattern[i // 64] >> (i % 64) & 1]
             for pattern in distinct.drop("_j").iter_rows()]
    return (pl.Series(names, dtype=pl.List(pl.String)).cast(pl.List(pl.Enum(list(columns)))).gather(index),
            pl.Series([sep.join(n) for n in names], dtype=pl.String).gather(index))


# -- extra as JSON ---------------------------------------------------------------------------

_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f"))
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'                     # a quote, a backslash or a control character
_LONG_ESCAPE = r"[\x00-\x07\x0b\x0e-\x1f]"               # a control character JSON writes as \u00XX


def _json_columns(frame: pl.DataFrame) -> list[pl.Expr]:
    """Per column, its values as ``json.dumps`` writes them (Python's encoder for floats, nested
    values and texts with rare control characters); null stays null. Texts are checked for
    characters to escape in one parallel pass over all columns."""
    texts = {k: pl.col(k) if t == pl.String else pl.col(k).explode() for k, t in frame.schema.items()
             if t == pl.String or (isinstance(t, pl.List) and t.inner == pl.String)}
    escape = frame.select(t.str.contains(_NEEDS_ESCAPE).any().alias(k) for k, t in texts.items()
                          ).row(0, named=True) if texts else {}
    long_escape = frame.select(t.str.contains(_LONG_ESCAPE).any().alias(k) for k, t in texts.items()
                               if escape[k]).row(0, named=True) if any(escape.values()) else {}
    out = []
    for k, dtype in frame.schema.items():
        col = pl.col(k)
        if dtype == pl.String and not long_escape.get(k):
            text = col
            if escape[k]:
                for old, new in _ESCAPES:
                    text = text.str.replace_all(old, new, literal=True)
            out.append(pl.concat_str([pl.lit('"'), text, pl.lit('"')]))
        elif dtype.is_integer():
            out.append(col.cast(pl.String))
        elif isinstance(dtype, pl.List) and dtype.inner == pl.String and not escape[k]:
            items = col.list.eval(pl.concat_str([pl.lit('"'), pl.element(), pl.lit('"')]).fill_null("null"))
            out.append(pl.concat_str([pl.lit("["), items.list.join(", "), pl.lit("]")]))
        elif isinstance(dtype, pl.List) and dtype.inner.is_integer():
            items = col.list.eval(pl.element().cast(pl.String).fill_null("null"))
            out.append(pl.concat_str([pl.lit("["), items.list.join(", "), pl.lit("]")]))
        elif dtype == pl.Boolean:
            out.append(col.replace_strict({True: "true", False: "false"}, return_dtype=pl.String))
        elif isinstance(dtype, pl.Struct):
            out.append(pl.lit(pl.Series(json_objects(frame[k]), dtype=pl.String)))
        else:
            out.append(pl.lit(pl.Series([None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)
                                         for v in frame[k].to_list()], dtype=pl.String)))
    return [e.alias(k) for e, k in zip(out, frame.columns)]


def json_objects(extra: pl.Series, drop_nulls: bool = False) -> pa.Array:
    """A struct column as the JSON objects ``row()`` writes to ``extra``
    (``json.dumps(..., ensure_ascii=False, sort_keys=True)``): one key per field, a null value
    ``null`` (or, with ``drop_nulls``, no key); a null or empty object is null."""
    n = len(extra)
    if not isinstance(extra.dtype, pl.Struct) or not extra.dtype.fields:
        return pa.nulls(n, pa.string())
    parts = extra.struct.unnest()
    keys = sorted(parts.columns)
    values = _json_columns(parts.select(keys))
    items = [pl.concat_str([pl.lit(json.dumps(k, ensure_ascii=False) + ": "), v if drop_nulls else v.fill_null("null")])
             for k, v in zip(keys, values)]    # concat_str: half the time of chained +
    text = pl.concat_str([pl.lit("{"), pl.concat_str(items, separator=", ", ignore_nulls=True), pl.lit("}")])
    if drop_nulls:
        text = pl.when(pl.any_horizontal(pl.col(k).is_not_null() for k in keys)).then(text)
    if extra.null_count():
        text = pl.when(pl.lit(extra.is_not_null())).then(text)
    return parts.select(text.alias("x"))["x"].to_arrow().cast(pa.string())


def json_records(records: Sequence[dict]) -> pl.Series:
    """``json.dumps(r, ensure_ascii=False, sort_keys=True)`` of each record (a rater's raw record
    kept as ``native``): column-wise (:func:`json_objects`) when the records share their keys and
    each key holds one scalar type, else record by record."""
    keys = records[0].keys() if records else {}
    if keys and all(isinstance(r, dict) and r.keys() == keys for r in records):
        try:
            columns = [pl.Series(k, [r[k] for r in records], strict=True) for k in keys]
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            columns = []
        if columns and all(c.dtype in (pl.String, pl.Int64, pl.Float64, pl.Boolean, pl.Null) for c in columns):
            return pl.Series(json_objects(pl.DataFrame(columns).to_struct("r")), dtype=pl.String)
    encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode     # json.dumps without its set-up
    return pl.Series([encode(r) for r in records], dtype=pl.String)


__all__ = ["Columns", "json_objects", "json_records", "multi_hot", "repr_message", "floats", "float_rule", "ints", "int_rule", "LOC"]
