"""Helpers for the agreement tests: schema datasets on disk and headless-browser screenshots."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emodata.schema import RATING_FIELDS, SCHEMA

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def write_dataset(root: Path, corpus: str, samples: dict[str, list[dict]], split: str = "all",
                  texts: dict[str, str] | None = None) -> Path:
    """``samples``: sample id -> ratings (dicts of RATING_TYPE fields), written in the real schema."""
    rows = []
    for sid, ratings in samples.items():
        row = {name: None for name in SCHEMA.names}
        row.update(id=f"{corpus}/{sid}", corpus=corpus, split=split, native_id=sid, text=(texts or {}).get(sid),
                   ratings=[{f: r.get(f) for f in RATING_FIELDS} for r in ratings])
        rows.append(row)
    path = root / "data" / corpus / split / "part-00000.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return path


def synthetic_samples(n_items=80, seed=0, llm=True) -> dict[str, list[dict]]:
    """Five human raters (h0 rates valence 0.3 higher than the others) and one LLM rater."""
    rng = np.random.default_rng(seed)
    labels = ["joy", "anger", "sadness", "neutral"]
    out = {}
    for i in range(n_items):
        true = labels[rng.integers(len(labels))]
        v, a = rng.uniform(-0.6, 0.6, 2)
        ratings = []
        for r in rng.choice(5, size=3, replace=False):
            lab = true if rng.random() < 0.75 else labels[rng.integers(len(labels))]
            ratings.append({"rater_id": f"h{r}", "rater_kind": "human", "labels": [lab],
                            "valence": float(v + (0.3 if r == 0 else 0.0)), "arousal": float(a)})
        if llm:
            ratings.append({"rater_id": "llm:test|t@1", "rater_kind": "llm",
                            "labels": [true if rng.random() < 0.8 else "joy"],
                            "valence": float(v), "arousal": float(-a)})
        out[f"s{i}"] = ratings
    return out


def screenshot(html: Path, png: Path, height: int = 2400) -> Path:
    """Render ``html`` in headless chromium and save a screenshot."""
    with tempfile.TemporaryDirectory() as profile:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size=1280,{height}",
               html.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if not png.exists():
        raise AssertionError(f"chromium wrote no screenshot (rc={proc.returncode}): {proc.stderr[-2000:]}")
    return png


def color_pixels(png: Path, rgb: tuple[int, int, int], tol: int = 12) -> int:
    """How many pixels are within ``tol`` of ``rgb``."""
    import matplotlib.image as mpimg
    img = (mpimg.imread(str(png))[..., :3] * 255).astype(int)
    return int((np.abs(img - np.array(rgb)).max(axis=-1) <= tol).sum())


def pixel_std(png: Path) -> float:
    import matplotlib.image as mpimg
    return float(mpimg.imread(str(png))[..., :3].std())
