"""The report: sections, header counts, breakdowns, the CLI, outputs and degenerate inputs."""
from __future__ import annotations

import html
import json
import math
import re

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner

from emodata.annotation import agreement as ag
from emodata.annotation.agreement_report import RatingTable, analyse, load_ratings, run_report
from emodata.cli import main

from agreement_support import synthetic_samples, write_dataset


@pytest.fixture
def dataset(tmp_path):
    write_dataset(tmp_path / "ds", "toy", synthetic_samples())
    return tmp_path / "ds"


def headline(section, name):
    return next(e for e in section["headline"] if e["name"] == name)


def only(summary):
    assert len(summary["sections"]) == 1
    return summary["sections"][0]


def test_cli_writes_html_json_md(dataset, tmp_path):
    out = tmp_path / "rep" / "toy.html"
    res = CliRunner().invoke(main, ["agreement", str(dataset), "--report", str(out), "--n-boot", "200"])
    assert res.exit_code == 0, res.output
    assert out.exists() and out.with_suffix(".json").exists() and out.with_suffix(".md").exists()
    page = out.read_text()
    assert page.count("<svg") >= 5 and "Humans vs LLMs" in page and "toy \u00b7 condition: none recorded" in page
    s = json.loads(out.with_suffix(".json").read_text())
    assert s["dataset"] == "ds" and str(tmp_path) not in out.with_suffix(".json").read_text()  # no local path
    sec = only(s)
    # alpha from the CLI equals the krippendorff package on the same ratings
    table = load_ratings(dataset)
    items, raters = sorted(set(table.item)), sorted(set(table.rater.codes))
    cats = {"anger": 1, "joy": 2, "neutral": 3, "sadness": 4}
    dense = np.full((len(raters), len(items)), np.nan)
    for i, r, lab in zip(table.item, table.rater.codes, table.labels.to_pylist()):
        dense[raters.index(r), items.index(i)] = cats[lab[0]]
    alpha = headline(sec, "alpha (nominal)")
    assert alpha["value"] == pytest.approx(krippendorff.alpha(reliability_data=dense,
                                                              level_of_measurement="nominal"), abs=1e-6)
    assert alpha["ci_low"] < alpha["value"] < alpha["ci_high"] and alpha["n_boot"] == 200
    assert {e["name"] for e in sec["headline"]} >= {"Fleiss' kappa", "Gwet's AC1", "percent agreement"}
    # header counts equal the coefficients' counts, and the report says so
    assert sec["counts"]["items_rated"] == alpha["n_items"] == 80 and sec["counts"]["ratings"] == alpha["n_ratings"]
    assert sec["coverage"] == "The coefficients use all 80 items and all 320 ratings."
    assert "| alpha (nominal) |" in out.with_suffix(".md").read_text()


def test_breakdowns(dataset):
    sec = only(analyse(load_ratings(dataset), n_boot=100))
    by_rater = {r["rater"]: r for r in sec["per_rater"]}
    assert by_rater["h0"]["bias_valence"] == pytest.approx(0.3, abs=0.02)
    assert by_rater["h1"]["bias_valence"] < 0 and by_rater["h1"]["bias_arousal"] == pytest.approx(0.0, abs=0.15)
    assert by_rater["llm:test|t@1"]["kind"] == "llm" and by_rater["h0"]["n_items"] > 10
    top = by_rater["h0"]["top_labels"]
    assert {name for name, _ in top} <= {"joy", "anger", "sadness", "neutral"} and top[0][1] >= top[-1][1]
    assert {c["label"] for c in sec["per_class"]} == {"joy", "anger", "sadness", "neutral"}
    m = sec["rater_matrix"]
    assert len(m["raters"]) == 6 and m["kappa"][0][0] is None
    light = headline(sec, "mean pairwise Cohen's kappa")
    assert light["n_items"] == 80 and light["details"]["pairs"] == 15   # its real item count
    hv = sec["human_vs_llm"]
    assert hv["alpha_humans"]["value"] != hv["alpha_humans_and_llms"]["value"]
    llm = hv["llm_raters"][0]
    assert llm["rater"] == "llm:test|t@1" and 0.5 < llm["accuracy_vs_human_consensus"] <= 1
    # the LLM's arousal is mirrored: concordance with the human mean is strongly negative
    assert llm["ccc_arousal_vs_human_mean"]["value"] < -0.8
    assert llm["ccc_valence_vs_human_mean"]["value"] > 0.5
    assert sec["difficulty"]["n_items"] == 80 and len(sec["difficulty"]["hardest"]) == 10


def test_rater_selection_and_continuous_field(dataset, tmp_path):
    table = load_ratings(dataset)
    human = only(analyse(table, raters="human", n_boot=0))
    assert human["counts"]["ratings"] == 240 and human["counts"]["ratings_by_kind"] == {"human": 240}
    llm = only(analyse(table, raters="llm", n_boot=0))
    assert headline(llm, "alpha (nominal)")["reason"].startswith("no item has two")
    val = only(analyse(table, field="valence", n_boot=50))
    names = [e["name"] for e in val["headline"]]
    assert names[0] == "alpha (interval)" and "ICC1" in names and "ICC3k" in names
    ratio = only(analyse(table, field="arousal", level="ratio", n_boot=0))
    assert [e["name"] for e in ratio["headline"]][:2] == ["alpha (ratio)", "alpha (interval)"]
    res = CliRunner().invoke(main, ["agreement", str(dataset), "--level", "ordinal", "--report",
                                    str(tmp_path / "x.html")])
    assert res.exit_code != 0 and "needs a numeric --field" in res.output
    res = CliRunner().invoke(main, ["agreement", str(tmp_path), "--report", str(tmp_path / "x.html")])
    assert res.exit_code != 0 and "no converted" in res.output


def test_multilabel_and_anonymous_votes(tmp_path):
    samples = {f"s{i}": [{"rater_id": None, "rater_kind": "human", "labels": labs}
                         for labs in (["joy"], ["joy", "love"], ["love"] if i % 2 else ["joy"])]
               for i in range(30)}
    write_dataset(tmp_path / "ds", "votes", samples)
    sec = only(analyse(load_ratings(tmp_path / "ds"), n_boot=50))
    names = {e["name"]: e for e in sec["headline"]}
    assert "alpha (masi_distance)" in names and "alpha (jaccard_distance)" in names
    assert "anonymous" in names["mean pairwise Cohen's kappa"]["reason"]
    assert sec["per_rater"] == [] and sec["counts"]["anonymous_ratings"] == 90
    assert set(sec["label_distribution"]) == {"anonymous"}


def test_chose_none_is_a_vote_in_the_report(tmp_path):
    """A rater who chose none of the labels ([]) is a 0 for every class; one who did not rate is absent:
    the report's per-class alpha equals the krippendorff package on the raw matrix."""
    rng = np.random.default_rng(11)
    labels = ["anger", "fear", "joy", "sadness"]
    samples, raw = {}, {lab: np.full((5, 50), np.nan) for lab in labels}
    for i in range(50):
        ratings = []
        for r in rng.choice(5, size=int(rng.integers(2, 6)), replace=False):
            chosen = [lab for lab in labels if rng.random() < 0.3]
            ratings.append({"rater_id": f"a{r}", "rater_kind": "human", "labels": chosen})
            for lab in labels:
                raw[lab][r, i] = float(lab in chosen)
        samples[f"t{i}"] = ratings
    write_dataset(tmp_path / "ds", "semeval", samples)
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["agreement", str(tmp_path / "ds"), "--report", str(out), "--n-boot", "50"])
    assert res.exit_code == 0, res.output
    sec = only(json.loads(out.with_suffix(".json").read_text()))
    for row in sec["per_class"]:
        expected = krippendorff.alpha(reliability_data=raw[row["label"]], level_of_measurement="nominal")
        assert row["value"] == pytest.approx(expected, abs=1e-6), row["label"]
    assert sec["counts"]["chose_none"] > 0 and "chose none of the labels" in sec["coverage"]
    assert "(none)" in sec["label_distribution"]["human"]


def test_items_rated_once_are_left_out_everywhere_and_said(tmp_path):
    """Adding items that only one LLM rated changes no coefficient; the header says what is left out."""
    base = synthetic_samples(n_items=40, llm=False)
    extra = {f"x{i}": [{"rater_id": "llm:m|t@1", "rater_kind": "llm", "labels": ["joy"]}] for i in range(12)}
    write_dataset(tmp_path / "a", "toy", base)
    write_dataset(tmp_path / "b", "toy", {**base, **extra})
    a = only(analyse(load_ratings(tmp_path / "a"), n_boot=0))
    b = only(analyse(load_ratings(tmp_path / "b"), n_boot=0))
    for name in ("alpha (nominal)", "Fleiss' kappa", "Gwet's AC1", "percent agreement"):
        assert headline(b, name)["value"] == pytest.approx(headline(a, name)["value"], abs=1e-12)
        assert headline(b, name)["n_items"] == 40
    assert b["counts"]["items_rated"] == 52 and b["counts"]["items_rated_once"] == 12
    assert b["coverage"].startswith("The coefficients use 40 of the 52 items and 120 of the 132 ratings")
    assert "12 items with a single label rating" in b["coverage"]


def test_conditions_are_separate_sections(tmp_path):
    """CREMA-D-like votes in three presentation conditions: one section each, never pooled."""
    rng = np.random.default_rng(3)
    emotions = ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
    samples, counts = {}, {c: [] for c in ("audio", "video", "audiovisual")}
    for i in range(60):
        truth = rng.integers(6)
        ratings = []
        for cond, p in (("audio", 0.4), ("video", 0.7), ("audiovisual", 0.8)):
            votes = np.where(rng.random(8) < p, truth, rng.integers(0, 6, 8))
            counts[cond].append(np.bincount(votes, minlength=6))
            ratings += [{"rater_id": None, "rater_kind": "human", "condition": cond, "labels": [emotions[v]],
                         "perspective": "perceived"} for v in votes]
        samples[f"c{i}"] = ratings
    write_dataset(tmp_path / "ds", "crema", samples)
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["agreement", str(tmp_path / "ds"), "--report", str(out), "--n-boot", "50"])
    assert res.exit_code == 0, res.output
    s = json.loads(out.with_suffix(".json").read_text())
    assert [sec["condition"] for sec in s["sections"]] == ["audio", "audiovisual", "video"]
    for sec in s["sections"]:
        expected = krippendorff.alpha(value_counts=np.array(counts[sec["condition"]]), level_of_measurement="nominal")
        assert headline(sec, "alpha (nominal)")["value"] == pytest.approx(expected, abs=1e-6)  # JSON: 6 digits
        assert sec["counts"]["ratings"] == 480 and sec["perspectives"] == {"perceived": 480}
        assert sec["splits"] == ["all"]
    page = out.read_text()
    assert all(f"crema \u00b7 condition: {c} \u00b7 split: all" in page for c in counts)
    res = CliRunner().invoke(main, ["agreement", str(tmp_path / "ds"), "--condition", "video", "--report",
                                    str(tmp_path / "v.html"), "--n-boot", "0"])
    assert res.exit_code == 0
    v = json.loads((tmp_path / "v.json").read_text())
    assert [sec["condition"] for sec in v["sections"]] == ["video"] and v["condition"] == "video"


def test_own_ratings_in_other_conditions_are_not_co_raters(tmp_path):
    samples = {f"s{i}": [{"rater_id": "a", "rater_kind": "human", "condition": "audio", "labels": ["joy"]},
                         {"rater_id": "a", "rater_kind": "human", "condition": "video", "labels": ["joy"]},
                         {"rater_id": "b", "rater_kind": "human", "condition": "audio",
                          "labels": ["anger" if i % 2 else "joy"]}]
               for i in range(10)}
    write_dataset(tmp_path / "ds", "cond", samples)
    s = analyse(load_ratings(tmp_path / "ds"), n_boot=0)
    audio = next(sec for sec in s["sections"] if sec["condition"] == "audio")
    by_rater = {r["rater"]: r for r in audio["per_rater"]}
    assert by_rater["a"]["agreement_with_others"] == pytest.approx(0.5)
    video = next(sec for sec in s["sections"] if sec["condition"] == "video")
    assert video["per_rater"][0]["agreement_with_others"] is None     # nobody else rated in video


@pytest.mark.parametrize("ratings_of,why", [
    (lambda i: [{"rater_id": "a", "rater_kind": "human", "labels": ["joy"], "valence": 0.1 * i}],
     "no item has two or more ratings"),                                           # one rater
    (lambda i: [{"rater_id": r, "rater_kind": "human", "labels": ["joy"], "valence": 0.5} for r in "ab"],
     "no variation"),                                                              # identical values, one class
    (lambda i: [{"rater_id": f"r{i}", "rater_kind": "human", "labels": ["joy", "anger"][i % 2:][:1]}],
     "no item has two or more ratings"),                                           # no overlapping items
])
def test_degenerate_datasets_give_reasons(tmp_path, ratings_of, why):
    write_dataset(tmp_path / "ds", "deg", {f"s{i}": ratings_of(i) for i in range(6)})
    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["agreement", str(tmp_path / "ds"), "--report", str(out), "--n-boot", "20"])
    assert res.exit_code == 0, res.output
    sec = only(json.loads(out.with_suffix(".json").read_text()))
    alpha = sec["headline"][0]
    assert alpha["value"] is None and why in alpha["reason"]
    assert why in out.read_text()


def test_per_class_reason_one_rating_per_item(tmp_path):
    """Every item rated once: per class says so, not 'label never chosen'."""
    write_dataset(tmp_path / "ds", "one", {f"s{i}": [{"rater_id": f"r{i % 4}", "rater_kind": "human",
                                                      "labels": ["joy" if i % 3 else "fear"]}] for i in range(9)})
    sec = only(analyse(load_ratings(tmp_path / "ds"), n_boot=0))
    assert all("no item has two or more ratings" in row["reason"] for row in sec["per_class"])


@pytest.mark.parametrize("samples,args,message", [
    ({"s0": [], "s1": []}, [], "no ratings to compare in ds for the whole dataset (2 samples read, none with a rating)"),
    ({"s0": [{"rater_id": "a", "rater_kind": "human", "labels": ["joy"]}]}, ["--raters", "llm"],
     "no ratings from raters=llm (the ratings here are human) in ds for the whole dataset"),
    ({"s0": [{"rater_id": "a", "rater_kind": "human", "labels": ["joy"], "condition": "audio"}]},
     ["--condition", "video"], "no ratings to compare in ds for condition=video"),
])
def test_a_selection_without_ratings_is_one_clear_line(tmp_path, samples, args, message):
    write_dataset(tmp_path / "ds", "empty", samples)
    res = CliRunner().invoke(main, ["agreement", str(tmp_path / "ds"), "--report", str(tmp_path / "r.html"), *args])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip().splitlines() == [f"Error: {message}"] or message in res.output.strip()
    assert len(res.output.strip().splitlines()) == 1 and not (tmp_path / "r.html").exists()


def test_empty_selection_and_missing_field():
    t = RatingTable.from_records([{"id": "c/x", "rater_id": "a", "rater_kind": "human", "labels": ["joy"]},
                                  {"id": "c/x", "rater_id": "b", "rater_kind": "human", "labels": ["joy"]}])
    assert "no ratings from raters=llm" in analyse(t, raters="llm")["reason"]
    sec = only(analyse(t, field="dominance", n_boot=0))
    assert sec["reason"] == "no rating has a dominance value" and sec["headline"] == []
    assert sec["human_vs_llm"]["reason"] == "no LLM ratings in this section"
    assert math.isnan(ag.krippendorff_alpha(t.item, ["joy", None]).value)


def test_one_vocabulary(tmp_path):
    """Humans say joy, the LLM says happiness (joy's basic emotion): the report warns, and
    --labels basic compares both as happiness."""
    samples = {f"s{i}": [{"rater_id": "h1", "rater_kind": "human", "labels": ["joy" if i % 2 else "anger"]},
                         {"rater_id": "h2", "rater_kind": "human", "labels": ["joy" if i % 2 else "anger"]},
                         {"rater_id": "llm:m|t@1", "rater_kind": "llm", "labels": ["happiness" if i % 2 else "anger"]}]
               for i in range(20)}
    write_dataset(tmp_path / "ds", "voc", samples)
    out = tmp_path / "r.html"
    run_report(tmp_path / "ds", out=out, n_boot=0)
    sec = only(json.loads(out.with_suffix(".json").read_text()))
    assert sec["vocabulary"]["mixed"] == [{"term": "joy", "basic": "happiness", "term_used_by": ["human"],
                                           "basic_used_by": ["llm"]}]
    assert "and its basic emotion 'happiness' (used by llm)" in out.read_text()
    assert headline(sec, "alpha (nominal)")["value"] < 0.9
    run_report(tmp_path / "ds", out=out, n_boot=0, labels="basic")
    basic = only(json.loads(out.with_suffix(".json").read_text()))
    assert basic["vocabulary"]["mixed"] == [] and headline(basic, "alpha (nominal)")["value"] == pytest.approx(1.0)
    assert {r["label"] for r in basic["per_class"]} == {"anger", "happiness"}
    # a corpus whose own label set holds both (GoEmotions: annoyance and anger) is no vocabulary clash
    both = {f"s{i}": [{"rater_id": r, "rater_kind": "human", "labels": [["annoyance", "anger"][(i + k) % 2]]}
                      for k, r in enumerate("ab")] for i in range(10)}
    write_dataset(tmp_path / "go", "go", both)
    assert only(analyse(load_ratings(tmp_path / "go"), n_boot=0))["vocabulary"]["mixed"] == []


def test_readable_heatmap_rater_labels_and_hardest_items(tmp_path):
    """15 raters: every defined cell carries its value; top labels are text; the hardest items show their text."""
    rng = np.random.default_rng(5)
    samples, texts = {}, {}
    for i in range(120):
        truth = ["joy", "anger", "fear"][i % 3]
        samples[f"s{i}"] = [{"rater_id": f"rater{r:02d}", "rater_kind": "human",
                             "labels": [truth if rng.random() < 0.7 else "fear"]}
                            for r in rng.choice(15, size=6, replace=False)]
        texts[f"s{i}"] = f"comment number {i}"
    write_dataset(tmp_path / "ds", "crowd", samples, texts=texts)
    out = tmp_path / "r.html"
    run_report(tmp_path / "ds", out=out, n_boot=0)
    page = out.read_text()
    sec = only(json.loads(out.with_suffix(".json").read_text()))
    heat = re.search(r'<figure id="plot-heatmap">(.*?)</figure>', page, re.S).group(1)
    defined = sum(v is not None for row in sec["rater_matrix"]["kappa"] for v in row)
    assert defined > 150 and len(re.findall(r">-?\d\.\d\d</text>", heat)) == defined
    assert all(f">rater{r:02d}</text>" in heat for r in range(15))
    assert "{" not in re.search(r"<h3>Per rater</h3>.*?</table>", page, re.S).group(0)   # no raw JSON
    hardest = sec["difficulty"]["hardest"][0]
    assert hardest["text"].startswith("comment number") and hardest["text"] in page


def test_label_studio_studies_that_are_not_independent_are_named(tmp_path):
    """A shared (non-blind) study and pre-annotations shown to raters are said in the report header."""
    samples = {f"s{i}": [{"rater_id": r, "rater_kind": "human", "labels": [["joy", "anger"][(i + k) % 2]]}
                         for k, r in enumerate(("ls:a@x", "ls:b@x"))] for i in range(10)}
    write_dataset(tmp_path / "ds", "toy", samples)
    studies = tmp_path / "ds" / "annotation" / "labelstudio"
    studies.mkdir(parents=True)
    (studies / "pilot.json").write_text(json.dumps({"corpus": "toy", "blind": False, "overlap": 2,
                                                    "prefill": "llm:m|cfsa@1", "prefilled_samples": ["s0", "s1"]}))
    (studies / "main.json").write_text(json.dumps({"corpus": "toy", "blind": True, "overlap": 2, "prefill": None}))
    (studies / "other.json").write_text(json.dumps({"corpus": "elsewhere", "blind": False, "overlap": 3}))
    out = tmp_path / "r.html"
    run_report(tmp_path / "ds", out=out, n_boot=0)
    summary = json.loads(out.with_suffix(".json").read_text())
    assert [s["name"] for s in summary["studies"]] == ["main", "pilot"]       # only this corpus's studies
    text = html.unescape(out.read_text())
    assert "Label Studio study 'main' (toy): blind, no pre-annotations" in text
    assert ("study 'pilot' (toy): not independent: raters shared one Label Studio project and could read and edit "
            "each other's annotations; 2 samples were shown pre-annotated by llm:m|cfsa@1") in text
    assert "study 'pilot'" in out.with_suffix(".md").read_text()
