"""Upload to the Hugging Face Hub of a folder written by :func:`emodata.root.export_folder`."""
from __future__ import annotations

import os
from pathlib import Path

from . import store
from .catalog import load_catalog
from .root import card_path


class PushRefused(Exception):
    """The upload would break a corpus licence or lacks credentials."""


def check_licences(folder: str | Path, private: bool) -> None:
    """Refuse a public push of any corpus whose licence forbids redistribution."""
    catalog = load_catalog()
    closed = [c for c in store.corpora(folder) if not catalog.get(c, {}).get("redistributable", False)]
    if closed and not private:
        raise PushRefused(f"{', '.join(closed)}: licence does not allow redistribution; "
                          "push to a private repo with --private (or export without these corpora)")


def push_folder(folder: str | Path, repo_id: str, *, private: bool = False, revision: str | None = None,
                endpoint: str | None = None) -> str:
    """Create the dataset repo if needed and upload ``folder``; token from ``HF_TOKEN``."""
    from huggingface_hub import HfApi
    folder = Path(folder)
    if not card_path(folder).exists():
        raise PushRefused(f"{folder} has no README.md dataset card; run 'emodata export' first")
    check_licences(folder, private)
    token = os.environ.get("HF_TOKEN")
    if not token:
        raise PushRefused("set HF_TOKEN in the environment (a write token from your Hub settings)")
    api = HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT"), token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    info = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset", revision=revision,
                             commit_message="Upload with emodata")
    return str(getattr(info, "commit_url", info))
