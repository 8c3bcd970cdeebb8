"""Declarative converter layouts shared by many corpora.

- :class:`FilenameConverter`: labels coded in media file or folder names (RAVDESS, EmoDB, TESS,
  ESD...): declare a glob, a regex with named groups and code tables.
- :class:`TableConverter`: one delimited label file per split (MELD, DailyDialog-style CSVs...):
  declare the files and which column feeds which schema field.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, ClassVar, Mapping

import polars as pl
import pyarrow as pa

from .columnar import LOC, Columns, float_rule, floats, int_rule, ints
from .convert import ConversionContext, ConversionError, Converter

MEDIA_FIELDS = {"audio": "audio_path", "video": "video_path", "image": "image_path"}
SUFFIX_MEDIA = {".wav": "audio", ".mp3": "audio", ".flac": "audio", ".ogg": "audio", ".m4a": "audio",
                ".aiff": "audio", ".aif": "audio",
                ".mp4": "video", ".avi": "video", ".flv": "video", ".mkv": "video", ".webm": "video",
                ".png": "image", ".jpg": "image", ".jpeg": "image", ".bmp": "image"}


class FilenameConverter(Converter):
    """Labels coded in file (and folder) names.

    ``regex`` must match the tail of the path relative to the corpus root (the file name,
    optionally with parent folders; leading folders are allowed) and have a group
    ``emotion``; groups named ``speaker`` and ``intensity`` fill those fields, every other
    group goes to ``extra``. ``codes`` maps a group name to its code table (applied before
    the label map for ``emotion``). ``pattern`` is a glob, or several tried in order (the
    first that finds files wins). Override :meth:`describe` for corpus-specific fields."""

    pattern: ClassVar[str | tuple[str, ...]]   # glob(s) under the corpus root, e.g. "Actor_*/*.wav"
    regex: ClassVar[str]
    codes: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    split: ClassVar[str] = "all"

    def describe(self, groups: dict[str, Any], rel: str, ctx: ConversionContext) -> dict[str, Any]:
        """Schema fields from the decoded groups (hook); may pop or rewrite groups (the rest go to ``extra``)."""
        return {}

    def decode(self, rel: str) -> dict[str, Any]:
        m = re.fullmatch(r"(?:.*?/)?(?:" + self.regex + ")", rel)
        if not m:
            raise ConversionError(f"file name does not match the {self.name} naming scheme {self.regex!r}")
        groups = {}
        for key, value in m.groupdict().items():
            table = self.codes.get(key)
            if value is not None and table is not None:
                if value not in table:
                    raise ConversionError(f"unknown {key} code {value!r}; expected one of {sorted(table)}")
                value = table[value]
            groups[key] = value
        return groups

    def media_files(self, ctx: ConversionContext) -> list[Path]:
        patterns = (self.pattern,) if isinstance(self.pattern, str) else self.pattern
        for pattern in patterns[:-1]:
            if any(p.is_file() for p in ctx.src.glob(pattern)):
                return ctx.files(pattern)
        return ctx.files(patterns[-1], expect=f"media files named like {self.regex}")

    def samples(self, ctx: ConversionContext):
        for path in self.media_files(ctx):
            with ctx.at(path):
                rel = path.relative_to(ctx.src).as_posix()
                media = SUFFIX_MEDIA.get(path.suffix.lower())
                if media is None:
                    raise ConversionError(f"unsupported media type {path.suffix!r}")
                groups = self.decode(rel)
                described = self.describe(groups, rel, ctx)
                fields = {"modalities": [media], MEDIA_FIELDS[media]: rel, "split": self.split,
                          "native_id": path.stem, "speaker_id": groups.pop("speaker", None),
                          "intensity": groups.pop("intensity", None), **described}
                emotion = groups.pop("emotion")
                extra = {k: v for k, v in groups.items() if v is not None}
                yield ctx.row(fields.pop("native_id"), fields.pop("split"), native_label=emotion,
                              extra=extra or None, **fields)


class TableConverter(Converter):
    """One delimited label file per split, converted column-wise (:mod:`emodata.columnar`).

    ``columns`` maps schema fields (``native_id``, ``text``, ``native_label``,
    ``speaker_id``, ``dialogue_id``, ``turn_index``, ``valence``...) to column names; all
    other columns go to ``extra``. Fields in ``numeric`` are read as Python's ``float()`` reads
    them, ``turn_index`` as ``int()``. Split files that are absent are skipped (at least one
    must exist). Override :meth:`fields` for derived fields (polars expressions over the file's
    columns; an ``extra`` struct adds keys to the row's extra) and :meth:`rules` for their data
    checks."""

    split_files: ClassVar[Mapping[str, str | tuple[str, ...]]]  # split -> file (or candidate paths)
    columns: ClassVar[Mapping[str, str]]
    delimiter: ClassVar[str] = ","
    quoting: ClassVar[int] = csv.QUOTE_MINIMAL
    encoding: ClassVar[str] = "utf-8"
    numeric: ClassVar[tuple[str, ...]] = ("valence", "arousal", "dominance", "intensity", "start", "end")
    reads: ClassVar[tuple[str, ...]] = ()    # other columns :meth:`fields` reads (the header must have them)

    def fields(self, split: str) -> dict[str, pl.Expr]:
        """Derived schema fields as expressions over the file's columns (hook); they override ``columns``."""
        return {}

    def rules(self, split: str) -> list[tuple[pl.Expr, pl.Expr]]:
        """Checks ``(bad, message)`` of the columns :meth:`fields` reads, in the order it meets them (hook)."""
        return []

    def samples(self, ctx: ConversionContext):
        cols, found = Columns(ctx), False
        used = list(dict.fromkeys(self.columns.values()))
        for split, candidates in self.split_files.items():
            candidates = (candidates,) if isinstance(candidates, str) else candidates
            rel = ctx.first(*candidates)
            if rel is None:
                continue
            found = True
            for frame in cols.read_batches(rel, columns=[*used, *self.reads], delimiter=self.delimiter,
                                           quoting=self.quoting, encoding=self.encoding):   # bounded memory
                yield self._rows(cols, frame, split, used)
        if not found:
            expected = [c if isinstance(c, str) else c[0] for c in self.split_files.values()]
            raise ConversionError(f"no split file found; expected any of {expected}", ctx.src)

    def _rows(self, cols: Columns, frame: pl.DataFrame, split: str, used: list[str]) -> pa.Table:
        """Schema rows of a frame of one split file's cells: checks (a row's first error is the one
        row-by-row conversion meets first: numbers, turn index, :meth:`rules`, label), fields, ``extra``."""
        numeric = [f for f in self.numeric if f in self.columns]
        given = {f: pl.col(self.columns[f]).str.len_chars() > 0 for f in numeric}     # an empty cell is no value
        rules = [(given[f] & float_rule(self.columns[f])[0], float_rule(self.columns[f])[1]) for f in numeric]
        rules += [int_rule(self.columns["turn_index"])] if "turn_index" in self.columns else []
        rules += self.rules(split)
        if "native_label" in self.columns:
            rules += filter(None, [cols.label_rule(frame, self.columns["native_label"])])
        frame = cols.check(frame, *rules)
        values = {f: pl.col(c) for f, c in self.columns.items()}
        values.update({f: pl.when(given[f]).then(floats(self.columns[f])) for f in numeric})
        if "turn_index" in self.columns:
            values["turn_index"] = ints(self.columns["turn_index"])
        values.update(self.fields(split))
        native_id = values.get("native_id")
        missing = pl.lit(True) if native_id is None else native_id.is_null() | (native_id == "")
        if frame.select(missing.any()).item():      # no id: the row's line, as row-by-row conversion numbered it
            line_id = pl.lit(f"{split}-") + pl.lit(cols.lines(frame[LOC])).cast(pl.String)
            values["native_id"] = line_id if native_id is None else pl.when(missing).then(line_id).otherwise(native_id)
        derived = values.pop("extra", None)
        extra = [pl.col(c) for c in frame.columns if c not in used and c != LOC]     # the columns not mapped
        extra += [derived.struct.unnest()] if derived is not None else []
        samples = frame.select(LOC, split=pl.lit(split), **values, **({"extra": pl.struct(extra)} if extra else {}))
        return cols.rows(samples, drop_null_extra=True)
