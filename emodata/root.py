"""The dataset root: every path under it, every atomic write, the dataset card and the export.

    <root>/README.md                                  dataset card (Hub-ready), :func:`write_card`
    <root>/data/<corpus>/<split>/part-NNNNN.parquet    samples (:mod:`emodata.store`)
    <root>/pending/<corpus>/part-*.parquet             ratings written since the last compaction (emodata.store)
    <root>/reports/<name>                             skip reports, merge / self-ask / agreement reports
    <root>/derived/<table>/<corpus>/part-*.parquet     pipeline outputs and self-ask traces, keyed by ``id``
    <root>/derived/<name>.sqlite                       caches (self-ask answers)
    <root>/splits/<name>/<corpus>.parquet              named splits (:mod:`emodata.splits`)
    <root>/annotation/labelstudio/<name>.json         Label Studio manifests

No other module builds a path under a dataset root by hand. Writes go to a temporary file or
folder beside the destination that is renamed into place only when complete
(:func:`atomic_path`, :func:`atomic_write_text`, :func:`atomic_dir`), so readers never see a
half-written file. :func:`export_folder` writes the Hub-ready copy whose provenance carries no
local path (see :func:`portable_provenance`).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

CARD = "README.md"


# -- paths ---------------------------------------------------------------------------------------

def data_dir(root: str | Path) -> Path:
    return Path(root) / "data"


def corpus_dir(root: str | Path, corpus: str) -> Path:
    return data_dir(root) / corpus


def pending_dir(root: str | Path, corpus: str) -> Path:
    """Patches of samples whose ratings changed since the corpus files were last written."""
    return Path(root) / "pending" / corpus


def reports_dir(root: str | Path) -> Path:
    return Path(root) / "reports"


def skipped_report(root: str | Path, corpus: str) -> Path:
    """What a lenient conversion skipped and why (one JSON object per line)."""
    return reports_dir(root) / f"{corpus}-skipped.jsonl"


def derived_dir(root: str | Path, table: str, corpus: str) -> Path:
    """Parts of a derived table (pipeline output, self-ask traces) of one corpus."""
    return Path(root) / "derived" / table / corpus


def derived_parts(root: str | Path, table: str, corpus: str, pattern: str = "part-*.parquet") -> list[Path]:
    """The finished parts of a derived table, sorted by name (temporary files are dot-files, never listed)."""
    return sorted(derived_dir(root, table, corpus).glob(pattern))


def cache_file(root: str | Path, name: str) -> Path:
    """A cache beside the derived tables, e.g. ``selfask_cache.sqlite``."""
    return Path(root) / "derived" / name


def named_split_dir(root: str | Path, name: str) -> Path:
    """Where the named split ``name`` (``emodata split --name``) is written."""
    return Path(root) / "splits" / name


def labelstudio_dir(root: str | Path) -> Path:
    return Path(root) / "annotation" / "labelstudio"


def card_path(root: str | Path) -> Path:
    return Path(root) / CARD


def media_dir(root: str | Path, corpus: str, override: str | Path | None = None) -> Path | None:
    """The corpus media folder: ``override``, else the ``source_root`` recorded at conversion
    (an exported dataset records none: :func:`portable_provenance`); ``None`` when unknown."""
    if override:
        return Path(override)
    from .store import corpus_metadata
    src = corpus_metadata(root, corpus).get("source_root")
    return Path(src) if src else None


# -- atomic writes -------------------------------------------------------------------------------

def _beside(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}.{tag}-{uuid.uuid4().hex[:8]}{path.suffix if tag == 'tmp' else ''}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it replaces ``path`` when the block
    succeeds and is removed when it fails (so readers never see a half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _beside(path, "tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def replace_dir(tmp: Path, dest: Path) -> None:
    """Move ``tmp`` to ``dest``, replacing an old ``dest`` only after the new one is complete."""
    old = _beside(dest, "old")
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(dest: str | Path) -> Iterator[Path]:
    """A temporary folder beside ``dest`` to fill; it replaces ``dest`` when the block succeeds
    and is removed when it fails."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _beside(dest, "tmp")
    tmp.mkdir()
    try:
        yield tmp
        replace_dir(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- card and export -----------------------------------------------------------------------------

def write_card(root: str | Path) -> Path:
    """(Re)write the dataset card ``<root>/README.md`` (atomically) from the corpora under ``data/``."""
    from .card import render
    atomic_write_text(card_path(root), render(root))
    return card_path(root)


def portable_provenance(provenance: dict, root: str | Path) -> dict:
    """``provenance`` without local paths: an absolute path under ``root`` becomes relative to it,
    any other absolute path (the source corpus folder, a merged dataset) becomes ``None`` (a dict
    key: its file name), and the home folder inside any other text becomes ``~``."""
    root = Path(root).resolve()
    home = str(Path.home())

    def text(s: str, key: bool = False):
        if os.path.isabs(s):
            p = Path(s).resolve()
            if p.is_relative_to(root):
                return p.relative_to(root).as_posix()
            return p.name if key else None
        return s.replace(home, "~") if len(home) > 1 else s

    def walk(x):
        if isinstance(x, dict):
            return {text(k, key=True): walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return text(x) if isinstance(x, str) else x

    return walk(provenance)


def export_folder(root: str | Path, dest: str | Path, corpora: list[str] | None = None) -> Path:
    """Write the chosen corpora (default: all) to the new folder ``dest`` with a dataset card,
    atomically: ``data/<corpus>/<split>/*.parquet`` with every pending rating folded in and
    provenance relative to the root (no absolute path, no user name; :func:`portable_provenance`)."""
    from . import store
    root, dest = Path(root), Path(dest)
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; choose a new folder")
    found = store.corpora(root)
    missing = [c for c in corpora or () if c not in found] if found else ["(any)"]
    if missing:
        raise FileNotFoundError(f"{root}: no converted corpus {', '.join(missing)} under data/ "
                                "(convert one first: emodata convert CORPUS SRC --out ROOT)")
    names = corpora or found
    with atomic_dir(dest) as tmp:
        for corpus in names:
            patch = store.pending(root, corpus)
            for f in store.corpus_files(root, corpus):
                store.copy_file(f, tmp / f.relative_to(root), lambda meta: portable_provenance(meta, root), patch)
        write_card(tmp)
    return dest
