"""catalog.yaml: one entry per corpus (modalities, languages, labels, scales, licence, status)."""
from __future__ import annotations

import functools
from importlib import resources

import yaml

REQUIRED = ("title", "modalities", "languages", "labels", "licence", "access", "redistributable",
            "homepage", "citation", "size", "status")


@functools.cache
def load_catalog() -> dict[str, dict]:
    text = resources.files("emodata").joinpath("catalog.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["corpora"]   # libyaml: 10x faster


def entry(corpus: str) -> dict:
    cat = load_catalog()
    if corpus not in cat:
        raise KeyError(f"corpus {corpus!r} is not in catalog.yaml")
    return cat[corpus]
