"""Convert real files (GoEmotions raters, IEMOCAP evaluators, FER+ and CREMA-D votes) and report on them."""
from __future__ import annotations

import csv
import json
import re

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from emodata.cli import main

from agreement_support import CHROMIUM, color_pixels, pixel_std, screenshot

LAYOUT = {
    "goemotions": ("GoEmotions", {"full_dataset/goemotions_1.csv": "goemotions_1_excerpt.csv"}),
    "iemocap": ("IEMOCAP", {"Session1/dialog/EmoEvaluation/Ses01M_impro07.txt": "EmoEvaluation_excerpt.txt"}),
    "ferplus": ("FERPlus", {"fer2013new.csv": "fer2013new.csv"}),
    "cremad": ("CREMA-D", {"SentenceFilenames.csv": "SentenceFilenames.csv",
                           "VideoDemographics.csv": "VideoDemographics.csv",
                           "processedResults/tabulatedVotes.csv": "tabulatedVotes.csv"}),
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory, formats):
    """The three excerpts converted by ``emodata convert`` into one dataset root."""
    base = tmp_path_factory.mktemp("agreement_e2e")
    root = base / "root"
    for corpus, (folder, names) in LAYOUT.items():
        for native, original in names.items():
            target = base / corpus / native
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(formats / folder / original)
        res = CliRunner().invoke(main, ["convert", corpus, str(base / corpus), "--out", str(root)])
        assert res.exit_code == 0, res.output
    return root, formats


def report(root, corpus, out, *args):
    res = CliRunner().invoke(main, ["agreement", str(root), "--corpus", corpus, "--report", str(out),
                                    "--n-boot", "200", *args])
    assert res.exit_code == 0, res.output
    return json.loads(out.with_suffix(".json").read_text())


def named(section, name):
    return next(e for e in section["headline"] if e["name"] == name)


def only(summary):
    assert len(summary["sections"]) == 1
    return summary["sections"][0]


@pytest.mark.slow
def test_ferplus_votes(converted, tmp_path):
    root, formats = converted
    s = only(report(root, "ferplus", tmp_path / "ferplus.html"))
    # independent: the krippendorff package on the vote counts read straight from fer2013new.csv
    emotions = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt"]
    with open(formats / "FERPlus" / "fer2013new.csv", newline="") as f:
        counts = np.array([[int(r[e]) for e in emotions] + [int(r["unknown"]) + int(r["NF"])]
                           for r in csv.DictReader(f)])
    # "unknown" / "not a face" votes make no categorical judgment (labels null): left out, not a category
    assert s["counts"]["chose_none"] == 0
    assert s["counts"]["ratings"] - s["counts"]["label_ratings"] == counts[:, -1].sum()
    expected = krippendorff.alpha(value_counts=counts[:, :-1], level_of_measurement="nominal")
    alpha = named(s, "alpha (nominal)")
    assert alpha["value"] == pytest.approx(expected, abs=1e-6)
    assert alpha["ci_low"] < alpha["value"] < alpha["ci_high"]
    assert s["counts"]["named_raters"] == 0 and s["per_rater"] == [] and s["counts"]["anonymous_ratings"] > 300_000
    happy = next(c for c in s["per_class"] if c["label"] == "happiness")
    assert happy["value"] > 0.7  # happiness is the easiest FER+ class
    assert "anonymous votes only" in (tmp_path / "ferplus.html").read_text()


@pytest.mark.slow
def test_iemocap_evaluators(converted, tmp_path):
    root, formats = converted
    out = tmp_path / "iemocap.html"
    by = {sec["condition"]: sec for sec in report(root, "iemocap", out)["sections"]}
    assert set(by) == {"categorical", "dimensional"}      # C- and A- evaluator lines: two tasks, two sections
    cat, dim = by["categorical"], by["dimensional"]
    # independent: valence from the A- lines of the raw file (1-5; interval alpha ignores the rescale)
    text = (formats / "IEMOCAP" / "EmoEvaluation_excerpt.txt").read_text()
    blocks = [b for b in text.split("\n\n") if b.strip().startswith("[")]
    rows = {}
    for k, block in enumerate(blocks):
        for rater, val in re.findall(r"^A-(\w+):\s+val (\d)", block, flags=re.M):
            rows.setdefault(rater, {})[k] = float(val)
    dense = np.array([[r.get(k, np.nan) for k in range(len(blocks))] for r in rows.values()])
    expected = krippendorff.alpha(reliability_data=dense, level_of_measurement="interval")
    assert dim["continuous"]["valence"]["value"] == pytest.approx(expected, abs=1e-6)
    assert dim["counts"]["items_rated"] == len(blocks) and "continuous" not in cat or not cat["continuous"]
    kinds = {r["rater"]: r["kind"] for sec in (cat, dim) for r in sec["per_rater"]}
    assert kinds["E1"] == "human" and any(k == "self" for k in kinds.values())
    assert len(cat["rater_matrix"]["raters"]) >= 3 and cat["per_class"]
    v = report(root, "iemocap", tmp_path / "iemocap_val.html", "--field", "valence", "--raters", "human")
    v = next(sec for sec in v["sections"] if sec["condition"] == "dimensional")
    assert named(v, "alpha (interval)")["value"] is not None and "ICC1" in [e["name"] for e in v["headline"]]
    assert CHROMIUM, "chromium is required (run .ci/setup_agreement.sh)"
    png = screenshot(out, tmp_path / "iemocap.png", height=3600)
    assert pixel_std(png) > 0.05 and color_pixels(png, (0x4C, 0x78, 0xA8)) > 3000


@pytest.mark.slow
def test_goemotions_raters(converted, tmp_path):
    root, _ = converted
    s = only(report(root, "goemotions", tmp_path / "goemotions.html"))
    # the excerpt holds one rating per comment: agreement is undefined, with the reason
    alpha = named(s, "alpha (nominal)")
    assert alpha["value"] is None and "no item has two or more ratings" in alpha["reason"]
    assert s["counts"]["named_raters"] > 10 and s["per_rater"][0]["n_items"] >= 1
    assert all(c["value"] is None for c in s["per_class"])
    assert "no item has two or more ratings" in (tmp_path / "goemotions.html").read_text()


@pytest.mark.slow
def test_cremad_conditions(converted, tmp_path):
    """The real CREMA-D votes: voice, face and audio-visual are three sections, each equal to the
    krippendorff package on that condition's vote counts read straight from tabulatedVotes.csv."""
    root, formats = converted
    out = tmp_path / "cremad.html"
    s = report(root, "cremad", out)
    counts = {"audio": [], "video": [], "audiovisual": []}
    with open(formats / "CREMA-D" / "tabulatedVotes.csv", newline="") as f:
        for r in csv.DictReader(f):
            counts[("audio", "video", "audiovisual")[int(r[""]) // 100000 - 1]].append([int(r[k]) for k in "ADFHNS"])
    assert [sec["condition"] for sec in s["sections"]] == ["audio", "audiovisual", "video"]
    for sec in s["sections"]:
        expected = krippendorff.alpha(value_counts=np.array(counts[sec["condition"]]), level_of_measurement="nominal")
        alpha = named(sec, "alpha (nominal)")
        assert alpha["value"] == pytest.approx(expected, abs=1e-6)
        assert alpha["n_items"] == 7442 and alpha["n_ratings"] == sum(map(sum, counts[sec["condition"]]))
        assert sec["perspectives"] == {"perceived": alpha["n_ratings"]}
    by = {sec["condition"]: round(named(sec, "alpha (nominal)")["value"], 3) for sec in s["sections"]}
    assert by == {"audio": 0.281, "video": 0.458, "audiovisual": 0.497}   # the pooled 0.347 is never reported
    assert "cremad \u00b7 condition: audio \u00b7 split: all" in out.read_text()
