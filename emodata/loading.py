"""``emodata.load``: converted data from a local folder or a Hugging Face Hub dataset repo."""
from __future__ import annotations

import os
from pathlib import Path

from . import store

FORMATS = ("datasets", "polars", "arrow")


def resolve(path_or_repo_id: str | Path, corpus: str | None = None, split: str | None = None) -> Path:
    """A local folder as is; otherwise a Hub dataset repo id fetched (only the files needed)
    with huggingface_hub into its cache (offline when HF_HUB_OFFLINE=1 and cached)."""
    p = Path(path_or_repo_id)
    if p.exists():
        return p
    from huggingface_hub import snapshot_download
    pattern = f"data/{corpus or '*'}/{split or '*'}/*.parquet"
    return Path(snapshot_download(str(path_or_repo_id), repo_type="dataset", endpoint=os.environ.get("HF_ENDPOINT"),
                                  allow_patterns=["README.md", pattern]))


def load(path_or_repo_id: str | Path, corpus: str | None = None, split: str | None = None,
         format: str = "datasets"):
    """Rows of a converted dataset as a ``datasets.Dataset`` (default), polars or Arrow table."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {format!r}")
    root = resolve(path_or_repo_id, corpus, split)
    files = store.corpus_files(root, corpus, split)
    if format == "arrow":
        return store.read_table(root, corpus, split)
    pending = any(store.has_pending(root, c) for c in ([corpus] if corpus else store.corpora(root)))
    if format == "polars":
        import polars as pl
        return pl.from_arrow(store.read_table(root, corpus, split)) if pending else pl.read_parquet(files)
    import datasets
    if pending:                 # ratings not yet compacted: in memory (emodata compact folds them into the files)
        return datasets.Dataset(datasets.table.InMemoryTable(store.read_table(root, corpus, split)))
    return datasets.load_dataset("parquet", data_files=[str(f) for f in files], split="train")
