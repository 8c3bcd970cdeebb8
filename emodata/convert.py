"""Shared converter base: read a corpus in its native layout, yield rows of the schema.

A corpus module in ``converters/`` declares a :class:`Converter` subclass (label map,
scales, defaults) and writes :meth:`Converter.samples`, a generator over the source files
that calls :meth:`ConversionContext.row` once per sample. Everything else (file checks and
checksums, CSV reading with line numbers, label mapping, soft labels, mapped VAD, strict
or lenient error handling) lives here.
"""
from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import importlib
import json
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping, Sequence

from . import aggregate
from . import schema
from .schema import ELICITATIONS, PERSPECTIVES
from .taxonomy import rescale

csv.field_size_limit(1 << 24)


class ConversionError(Exception):
    """A problem in the source data, located by file and line."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message, self.path, self.line = message, path, line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.line is not None else (f"{self.path}: " if self.path else "")
        return where + self.message


@dataclass
class Skipped:
    path: str
    line: int | None
    reason: str


class Converter:
    """Declarative description of one corpus; subclasses implement :meth:`samples`."""

    name: ClassVar[str]                     # key in catalog.yaml
    version: ClassVar[str] = "1"
    # native label -> canonical term; a tuple of terms for a compound label; None: not an emotion
    label_map: ClassVar[Mapping[str, str | tuple[str, ...] | None]] = {}
    # native scale of annotated VAD, e.g. "1-5", or one per dimension {"valence": "-3..3", "arousal": "0-6"}
    vad_scale: ClassVar[str | Mapping[str, str] | None] = None
    intensity_scale: ClassVar[str | None] = None
    defaults: ClassVar[Mapping[str, Any]] = {}  # row defaults: language, perspective, elicitation, modalities

    def samples(self, ctx: "ConversionContext") -> Iterator[dict]:
        raise NotImplementedError

    def map_label(self, native: str) -> str | tuple[str, ...] | None:
        try:
            return self.label_map[native]
        except KeyError:
            raise ConversionError(f"unknown label {native!r}; expected one of "
                                  f"{sorted(self.label_map)}") from None


class ConversionContext:
    """Per-run state: source root, strictness, files read (with SHA-256), skipped records."""

    def __init__(self, converter: Converter, src: str | Path, strict: bool = True):
        self.converter = converter
        self.src = Path(src)
        self.strict = strict
        self.sources: dict[str, str] = {}
        self.skipped: list[Skipped] = []
        self.where: tuple[Path | None, int | None] = (None, None)   # last file and line read (error messages)
        if not self.src.is_dir():
            raise ConversionError(f"source folder not found; expected the {converter.name} corpus root "
                                  f"in its native layout", self.src)

    # -- files ---------------------------------------------------------------------------
    def path(self, rel: str, expect: str = "") -> Path:
        """``src/rel``; a clear error if it does not exist."""
        p = self.src / rel
        if not p.exists():
            raise ConversionError(f"missing {rel!r} in {self.src}" + (f"; expected {expect}" if expect else ""), p)
        return p

    def first(self, *candidates: str) -> str | None:
        """The first of several relative paths that exists, or ``None``."""
        return next((rel for rel in candidates if (self.src / rel).exists()), None)

    def find(self, *candidates: str, expect: str = "") -> Path:
        """The first existing of several relative paths (corpora ship in several layouts); an error if none."""
        rel = self.first(*candidates)
        if rel is not None:
            return self.src / rel
        raise ConversionError(f"none of {list(candidates)} found in {self.src}" + (f"; expected {expect}" if expect else ""),
                              self.src)

    def record(self, p: Path) -> None:
        """Note a source file read outside the helpers below (its SHA-256 goes into the provenance)."""
        rel = str(p.relative_to(self.src)) if p.is_relative_to(self.src) else str(p)
        if rel not in self.sources:
            h = hashlib.sha256()
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            self.sources[rel] = h.hexdigest()

    def lines(self, rel: str, encoding: str = "utf-8", expect: str = "") -> Iterator[tuple[int, str]]:
        """(1-based line number, line without newline) of a text file."""
        p = self.path(rel, expect)
        self.record(p)
        with open(p, encoding=encoding, newline="") as f, self.decoding(p, encoding):
            for n, line in enumerate(f, 1):
                self.where = (p, n)
                yield n, line.rstrip("\r\n")

    def json(self, rel: str, expect: str = "", record: bool = True) -> Any:
        """A parsed JSON file; invalid JSON is an error naming file and line. ``record=False``
        leaves it out of the provenance checksums (e.g. one small file per image)."""
        p = self.path(rel, expect)
        if record:
            self.record(p)
        try:
            with gc_paused():
                return json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ConversionError(f"invalid JSON: {e.msg}", p, e.lineno) from None

    def csv_rows(self, rel: str, *, columns: Sequence[str] = (), fieldnames: Sequence[str] | None = None,
                 delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL, encoding: str = "utf-8",
                 expect: str = "") -> Iterator[tuple[int, dict]]:
        """(line number, row dict) of a delimited file.

        ``columns`` must be present in the header; ``fieldnames`` reads a header-less
        file. A row with the wrong number of fields is an error (or skipped when lenient)."""
        p = self.path(rel, expect)
        self.record(p)
        with open(p, encoding=encoding, newline="") as f, self.decoding(p, encoding):
            reader = csv.reader(f, delimiter=delimiter, quoting=quoting)
            if fieldnames is None:
                try:
                    header = next(reader)
                except StopIteration:
                    raise ConversionError("empty file; expected a header row", p, 1) from None
                header[0] = header[0].lstrip("\ufeff")
                missing = [c for c in columns if c not in header]
                if missing:
                    raise ConversionError(f"header lacks column(s) {missing}; found {header}", p, 1)
            else:
                header = list(fieldnames)
            for fields in reader:
                line = reader.line_num
                self.where = (p, line)
                if not fields:
                    continue
                if len(fields) != len(header):
                    self.fail(f"expected {len(header)} fields ({', '.join(header)}), found {len(fields)}", p, line)
                    continue
                yield line, dict(zip(header, fields))

    def files(self, pattern: str, expect: str = "") -> list[Path]:
        """Sorted files matching a glob under the source root (media listings); must be non-empty."""
        found = sorted(p for p in self.src.glob(pattern) if p.is_file())
        if not found:
            raise ConversionError(f"no files match {pattern!r} in {self.src}" + (f"; expected {expect}" if expect else ""),
                                  self.src)
        self.sources[f"listing:{pattern}"] = hashlib.sha256(
            "\n".join(str(p.relative_to(self.src)) for p in found).encode()).hexdigest()
        return found

    # -- errors ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def decoding(self, path: Path, encoding: str):
        """Undecodable bytes (a binary or wrongly encoded file) become an error naming the file."""
        try:
            yield
        except UnicodeDecodeError as e:
            after = f" after line {self.where[1]}" if self.where[0] == path else ""
            raise ConversionError(f"not {encoding} text (byte 0x{e.object[e.start]:02x}{after}); expected the "
                                  f"text file of the {self.converter.name} release", path) from None

    def fail(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        """Strict: raise. Lenient: record the skip and return."""
        if self.strict:
            raise ConversionError(message, path, line)
        self.skipped.append(Skipped(str(path), line, message))

    @contextlib.contextmanager
    def at(self, path: str | Path, line: int | None = None):
        """Attribute any data error in the block to ``path:line``; lenient mode skips the record."""
        try:
            yield
        except ConversionError as e:
            self.fail(e.message, e.path or path, e.line if e.line is not None else line)
        except (KeyError, ValueError, TypeError, IndexError) as e:
            self.fail(f"{type(e).__name__}: {e}", path, line)

    # -- rows ------------------------------------------------------------------------------
    def labels(self, natives: Sequence[str]) -> list[str]:
        """Native labels -> canonical terms (non-emotion codes mapped to None are dropped)."""
        out = []
        for native in natives:
            term = self.converter.map_label(native)
            for t in (term,) if isinstance(term, str) else term or ():
                if t not in out:
                    out.append(t)
        return out

    def rating_labels(self, natives: Sequence[str] | None) -> list[str] | None:
        """A rating's canonical labels: ``None`` without a categorical answer, or when every choice is a
        code mapped to None (FER+ ``unknown``/``NF``: no emotion judgment); ``[]`` when the rater chose
        none of the offered labels (a vote)."""
        if natives is None:
            return None
        terms = self.labels(natives)
        return terms if terms or not natives else None

    def rating(self, rater_id: str | None, kind: str = "human", *, labels: Sequence[str] | None = None,
               native: str | None = None, valence: float | None = None, arousal: float | None = None,
               dominance: float | None = None, intensity: float | None = None,
               confidence: float | None = None, perspective: str | None = None,
               condition: str | None = None, comment: str | None = None, ref: str | None = None) -> dict:
        """One raw rating; ``labels`` are native labels, VAD and intensity on the native scales.

        ``labels=None`` (the default): the rating makes no categorical judgment (stored null);
        ``labels=[]``: the rater saw the item and chose none of the offered labels (a vote).
        Built by :func:`emodata.schema.rating` once labels are mapped and values rescaled."""
        c = self.converter
        try:
            return schema.rating(
                rater_id, kind, perspective=perspective, condition=condition, native=native,
                labels=self.rating_labels(labels),
                valence=self._vad(valence, "valence"), arousal=self._vad(arousal, "arousal"),
                dominance=self._vad(dominance, "dominance"),
                intensity=rescale(intensity, c.intensity_scale, "0-1") if c.intensity_scale else intensity,
                confidence=confidence, comment=comment, ref=ref)
        except ValueError as e:
            raise ConversionError(str(e)) from None

    def _vad(self, value: float | None, dimension: str) -> float | None:
        scale = self.converter.vad_scale
        if value is None or scale is None:
            return value
        return rescale(value, scale if isinstance(scale, str) else scale[dimension])

    def _vad_scale_text(self) -> str | None:
        scale = self.converter.vad_scale
        return scale if scale is None or isinstance(scale, str) else "; ".join(f"{k} {v}" for k, v in scale.items())

    def row(self, native_id: str, split: str, *, native_label: str | None = None,
            native_labels: Sequence[str] | None = None, soft_label: Mapping[str, float] | None = None,
            ratings: Sequence[dict] = (), valence: float | None = None, arousal: float | None = None,
            dominance: float | None = None, intensity: float | None = None,
            extra: Mapping[str, Any] | None = None, **fields: Any) -> dict:
        """Build one schema row from native values.

        The canonical label comes from ``native_label`` through the label map (or, without
        one, from the ratings' plurality); the soft label from the human (not self) ratings'
        votes, else ``soft_label`` (canonical terms), else one-hot of the label; VAD is
        rescaled from ``vad_scale`` (``annotated``) or, when absent, mapped from the soft
        label through the taxonomy norms (``mapped``)."""
        c = self.converter
        row = {**c.defaults, **fields, "id": f"{c.name}/{native_id}", "corpus": c.name,
               "split": split, "native_id": native_id, "ratings": list(ratings)}
        for key, allowed in (("perspective", PERSPECTIVES), ("elicitation", ELICITATIONS)):
            if row.get(key) is not None and row[key] not in allowed:
                raise ConversionError(f"{key} {row[key]!r} is not one of {allowed}")
        labels = self.labels(native_labels) if native_labels else None
        label = c.map_label(native_label) if native_label is not None else None
        if isinstance(label, tuple):          # a compound label: several terms, no single label
            labels = labels or list(label)
            label = None
        derived = aggregate.derive(aggregate.votes(ratings), soft=soft_label, label=label, labels=labels,
                                   gold=native_label is not None)
        vad = (self._vad(valence, "valence"), self._vad(arousal, "arousal"), self._vad(dominance, "dominance"))
        if any(v is not None for v in vad):
            row["vad_source"], row["vad_scale"] = "annotated", self._vad_scale_text()
        elif derived.vad:
            vad = derived.vad
            row["vad_source"], row["vad_scale"] = "mapped", None
        row["valence"], row["arousal"], row["dominance"] = vad
        row.update(native_label=native_label, native_labels=list(native_labels) if native_labels else None,
                   label=derived.label, labels=derived.labels,
                   soft_label=[{"label": k, "prob": v} for k, v in derived.soft.items()] or None,
                   intensity=rescale(intensity, c.intensity_scale, "0-1") if c.intensity_scale else intensity,
                   extra=json.dumps(dict(extra), ensure_ascii=False, sort_keys=True) if extra else None)
        return row


@contextlib.contextmanager
def gc_paused():
    """Python's cycle collector off while millions of objects are made that hold no cycles (a
    parsed JSON file, rows of it): each collection would scan all of them (json.loads of
    MSP-Podcast's 128 MB: 1.5 s with it, 1.05 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def converter_names() -> list[str]:
    """Names of all corpus modules in ``emodata.converters``."""
    import emodata.converters as pkg
    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))


def get_converter(name: str) -> Converter:
    """The converter of a corpus (module ``emodata.converters.<name>``, attribute ``CONVERTER``)."""
    key = name.lower().replace("-", "").replace("_", "")
    for module in converter_names():
        if module.replace("_", "") == key:
            return importlib.import_module(f"emodata.converters.{module}").CONVERTER
    import difflib
    close = difflib.get_close_matches(key, converter_names(), n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    raise KeyError(f"no converter for corpus {name!r}; {hint}`emodata catalog --status converted` lists all "
                   f"{len(converter_names())}")
