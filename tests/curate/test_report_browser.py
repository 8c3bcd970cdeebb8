"""The curation report renders in a real headless chromium: reliability bars, thumbnails, leakage rows."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from curate_fixtures import CLASSES, planted_crowd, write_rows
from PIL import Image

from emodata.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BAR, LEAK = (0x4A, 0x7B, 0xD0), (0xFD, 0xEC, 0xEA)


def screenshot(html, png, height=3000):
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size=1280,{height}", f"--screenshot={png}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


def pixels(img, colour, tol=6):
    return int((np.abs(img - np.array(colour)).max(axis=2) <= tol).sum())


@pytest.mark.slow
def test_report_renders_bars_thumbnails_and_leakage(tmp_path):
    assert CHROMIUM, "chromium is required (.ci/setup_core.sh installs it)"
    ratings, truth, _, _ = planted_crowd(n_items=40, knows=np.linspace(0.3, 0.95, 6), per_item=4, seed=4)
    media = tmp_path / "media" / "faces"
    media.mkdir(parents=True)
    rng = np.random.default_rng(0)
    by = {}
    for r in ratings:
        by.setdefault(r["id"], []).append({"rater_id": r["rater_id"], "rater_kind": "human", "labels": r["labels"]})
    rows = []
    for k, (sid, y) in enumerate(sorted(truth.items())):
        Image.fromarray(rng.integers(0, 255, (8, 8), dtype=np.uint8)).resize((64, 64)).save(media / f"{sid}.png")
        given = CLASSES[(CLASSES.index(y) + 1) % 4] if k % 10 == 0 else y
        rows.append({"id": f"faces/{sid}", "label": given, "native_label": given, "ratings": by[sid],
                     "image_path": f"{sid}.png", "split": "test" if k < 2 else "train",
                     "text": "the very same caption for two images" if k in (0, 5) else f"caption {k}"})
    write_rows(tmp_path, "faces", rows)
    run = CliRunner().invoke
    for args in (["relabel", str(tmp_path), "--corpus", "faces", "--method", "dawid-skene"],
                 ["curate", "labels", str(tmp_path), "--corpus", "faces"],
                 ["curate", "duplicates", str(tmp_path), "--out", str(tmp_path / "d"), "--kind", "text"],
                 ["curate", "report", str(tmp_path), "--duplicates", str(tmp_path / "d"), "--out",
                  str(tmp_path / "r.html")]):
        res = run(main, args)
        assert res.exit_code == 0, res.output
    html = (tmp_path / "r.html").read_text()
    assert html.count("data:image/png;base64") >= 10 and str(tmp_path) not in html
    img = screenshot(tmp_path / "r.html", tmp_path / "shot.png")
    assert img.std() > 20                              # not a blank page
    assert pixels(img, BAR) > 2000                     # six reliability bars
    assert pixels(img, LEAK) > 2000                    # the test/train rows of the leakage table
    blank = tmp_path / "blank.html"
    blank.write_text("<html><body></body></html>")
    assert screenshot(blank, tmp_path / "blank.png").std() < 1   # the checks can fail
