"""Merge and split use the duplicate finder; relabel writes rater-model posteriors and the rater report;
the curate CLI."""
from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
from click.testing import CliRunner
from curate_fixtures import crowd_corpus, write_rows
from scipy.stats import spearmanr

from emodata.cli import main
from emodata.curate.duplicates import find_duplicates
from emodata.merge import merge
from emodata.splits import make_split, read_split
from emodata.store import read_table


def _two_corpora(root):
    def row(id_, split, text, label):
        return {"id": id_, "split": split, "text": text, "label": label, "native_label": label,
                "soft_label": [{"label": label, "prob": 1.0}]}
    write_rows(root, "tweets", [row("tweets/1", "test", "I am so happy for you today", "joy"),
                                row("tweets/2", "train", "This is the worst day ever", "sadness"),
                                row("tweets/3", "train", "Okay.", "neutral")])
    write_rows(root, "forum", [row("forum/1", "train", "I am SO happy for you, today!", "joy"),
                               row("forum/2", "train", "okay", "neutral"),
                               row("forum/3", "train", "Nothing in common with the other corpus", "anger")])


def test_merge_reports_drops_or_groups_cross_corpus_duplicates(tmp_path):
    _two_corpora(tmp_path / "ds")
    rep = merge([tmp_path / "ds"], tmp_path / "mix", "ekman7")
    dup = rep["duplicates"]
    assert dup["action"] == "report" and dup["groups"] == 1 and dup["rows"] == 2 and dup["dropped"] == 0
    assert {(p["corpus_a"], p["split_a"], p["corpus_b"], p["split_b"], p["leakage"]) for p in dup["pairs"]} == {
        ("tweets", "test", "forum", "train", True), ("forum", "train", "tweets", "test", True)}
    assert (tmp_path / "mix" / "reports" / "duplicates" / "duplicates.parquet").is_file()
    assert "Duplicates across corpora" in (tmp_path / "mix" / "reports" / "merge.md").read_text()
    assert read_table(tmp_path / "mix").num_rows == 6

    rep = merge([tmp_path / "ds"], tmp_path / "mix2", "ekman7", duplicates="drop")
    ids = set(read_table(tmp_path / "mix2")["id"].to_pylist())
    assert "forum/1" not in ids and "tweets/1" in ids          # the test row stays, its train copy goes
    assert rep["corpora"]["forum"]["excluded"] == {"duplicate in another corpus": 1}
    assert rep["corpora"]["forum"]["rows_in"] == 3 and rep["duplicates"]["dropped"] == 1

    merge([tmp_path / "ds"], tmp_path / "mix3", "ekman7", duplicates="group")
    rows = {r["id"]: json.loads(r["extra"] or "{}") for r in read_table(tmp_path / "mix3").to_pylist()}
    assert rows["forum/1"]["duplicate_group"] == rows["tweets/1"]["duplicate_group"]
    assert "duplicate_group" not in rows["forum/2"]                 # 'okay' is a short phrase, not a duplicate

    assert merge([tmp_path / "ds"], tmp_path / "mix4", "ekman7", duplicates="off")["duplicates"] is None


def test_split_keeps_duplicate_groups_on_one_side(tmp_path):
    rows = []
    for d in range(40):
        for t in range(3):
            text = f"the same long sentence number {d % 10}" if t == 0 else f"dialogue {d} turn {t} unique words"
            rows.append({"id": f"c/{d:02d}_{t}", "dialogue_id": f"d{d}", "text": text,
                         "label": ["joy", "anger"][d % 2], "native_label": "x"})
    write_rows(tmp_path, "c", rows)
    find_duplicates(tmp_path, tmp_path / "dups", kinds=["text"])
    plain = make_split(tmp_path, "c", "plain", by="dialogue", seed=0)
    kept = make_split(tmp_path, "c", "dedup", by="dialogue", seed=0, duplicates=tmp_path / "dups")
    assert "duplicates" not in plain and kept["duplicates"] == {"folder": "dups", "groups joined": 30}
    for name, expect_split in (("plain", True), ("dedup", False)):
        part = dict(zip(*read_split(tmp_path, name, "c").select(["id", "split"]).to_pydict().values()))
        sides = {}
        for d in range(40):
            sides.setdefault(d % 10, set()).add(part[f"c/{d:02d}_0"])
        assert any(len(s) > 1 for s in sides.values()) == expect_split


def test_relabel_with_a_rater_model_writes_posteriors_and_the_rater_report(tmp_path):
    truth, flipped, accuracy = crowd_corpus(tmp_path, n_items=300, knows=np.linspace(0.3, 0.95, 8), errors=0)
    before = {r["id"]: r["soft_label"] for r in read_table(tmp_path, "crowd").to_pylist()}
    res = CliRunner().invoke(main, ["relabel", str(tmp_path), "--corpus", "crowd", "--method", "dawid-skene"])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "reports" / "raters" / "crowd.json").read_text())
    assert isinstance(report, list) and len(report) == 8
    assert all({"rater_id", "reliability", "items", "agreement_with_model", "confusion"} <= set(r) for r in report)
    assert report[0]["rater_id"] == "r07"                                          # most reliable first
    order = [accuracy[r["rater_id"]] for r in report]
    assert spearmanr(order, sorted(order, reverse=True))[0] > 0.85
    after = read_table(tmp_path, "crowd").to_pylist()
    row = after[0]
    assert abs(sum(e["prob"] for e in row["soft_label"]) - 1) < 1e-5 and row["soft_label"] != before[row["id"]]
    assert row["valence"] is not None and row["vad_source"] == "mapped"
    top = [max(r["soft_label"], key=lambda e: e["prob"])["label"] for r in after]
    assert np.mean([t == truth[r["id"]] for t, r in zip(top, after)]) > 0.9
    assert all(r["label"] == r["native_label"] for r in after)                     # the gold label stays


def test_curate_cli_labels_duplicates_report_and_errors(tmp_path):
    _, flipped, _ = crowd_corpus(tmp_path, n_items=120, knows=np.linspace(0.55, 0.95, 8), errors=5)
    run = CliRunner().invoke
    res = run(main, ["curate", "labels", str(tmp_path), "--corpus", "crowd", "--top", "5"])
    assert res.exit_code == 0, res.output
    ranked = pq.read_table(tmp_path / "reports" / "curation" / "crowd.labels.parquet").to_pylist()
    assert {r["id"] for r in ranked[:5]} == flipped
    res = run(main, ["curate", "duplicates", str(tmp_path), "--out", str(tmp_path / "d"), "--kind", "text"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "d" / "summary.json").read_text())["corpora"] == ["crowd"]
    res = run(main, ["curate", "report", str(tmp_path), "--duplicates", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "reports" / "curation" / "report.html").read_text()
    assert "Most likely label errors" in html and "Split leakage" in html and str(tmp_path) not in html
    bad = run(main, ["curate", "labels", str(tmp_path), "--corpus", "nosuch"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "nosuch" in bad.output
    bad = run(main, ["curate", "report", str(tmp_path), "--duplicates", str(tmp_path)])
    assert bad.exit_code != 0 and "no summary.json" in bad.output
