"""Eight converters on the real release files in ../shared, against the counts their SOURCE.txt publishes.

These guard the converters' rewrites: each asserts the published totals (per split, per label,
speakers, dialogues) and, where the release states no per-label figure, a plain count of the
file read here independently of the converter.
"""
from __future__ import annotations

import collections
import csv
import json

import duckdb
import pytest

from corpus_fixtures import link_tree
from emodata.convert import get_converter
from emodata.store import corpus_files, write_corpus


def convert(name, src, out):
    summary = write_corpus(get_converter(name), src, out)
    assert summary["skipped"] == 0
    return summary


def sql(out, corpus, query):
    con = duckdb.connect()
    con.read_parquet([str(f) for f in corpus_files(out, corpus)]).create_view("samples")
    return con.sql(query).fetchall()


def touch_all(root, names):
    for name in names:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.touch()
    return root


def test_armanemo_published_counts(formats, out):
    summary = convert("armanemo", formats / "ArmanEmo", out)
    assert summary["splits"] == {"train": 6157, "test": 1151} and summary["rows"] == 7308
    expected = collections.Counter()
    for name in ("train", "test"):
        for line in (formats / "ArmanEmo" / "dataset" / f"{name}.tsv").read_text(encoding="utf-8-sig").splitlines():
            expected[line.rpartition("\t")[2].strip()] += 1
    assert dict(sql(out, "armanemo", "SELECT native_label, count(*) FROM samples GROUP BY 1")) == expected
    (unlabelled, padded), = sql(out, "armanemo", "SELECT count(*) FILTER (label IS NULL), "
                                                 "count(*) FILTER (text != trim(text)) FROM samples")
    assert unlabelled == 0 and padded == 0


def test_cped_validation_published_counts(formats, out):
    summary = convert("cped", formats / "CPED", out)
    assert summary["splits"] == {"validation": 11137}
    (dialogues, unlabelled), = sql(out, "cped", "SELECT count(DISTINCT dialogue_id), "
                                                "count(*) FILTER (label IS NULL) FROM samples")
    assert dialogues == 934 and unlabelled == 0
    with open(formats / "CPED" / "data" / "CPED" / "valid_split.csv", encoding="utf-8", newline="") as f:
        expected = collections.Counter(r["Emotion"] for r in csv.DictReader(f))
    assert dict(sql(out, "cped", "SELECT native_label, count(*) FROM samples GROUP BY 1")) == expected


def test_shemo_published_counts(formats, tmp_path, out):
    index = json.loads((formats / "ShEMO" / "shemo.json").read_text(encoding="utf-8"))
    src = touch_all(tmp_path / "ShEMO", [f"{v['gender']}/{k}.wav" for k, v in index.items()])
    assert convert("shemo", src, out)["splits"] == {"all": 3000}
    assert dict(sql(out, "shemo", "SELECT label, count(*) FROM samples GROUP BY 1")) == {
        "neutral": 1160, "anger": 1042, "sadness": 362, "happiness": 203, "surprise": 201, "fear": 32}
    (speakers,), = sql(out, "shemo", "SELECT count(DISTINCT speaker_id) FROM samples")
    assert speakers == 87
    gender = dict(sql(out, "shemo", "SELECT native_id, speaker_gender FROM samples"))
    assert gender == {k: v["gender"] for k, v in index.items()}


def test_nemo_published_counts(formats, tmp_path, out):
    src = link_tree(formats / "nEMO", tmp_path / "nEMO", {"data.tsv": "data.tsv"})
    assert convert("nemo", src, out)["splits"] == {"all": 4481}
    names = set((formats / "nEMO" / "samples_file_names.txt").read_text().split())
    paths = {p for (p,) in sql(out, "nemo", "SELECT audio_path FROM samples")}
    assert paths == {f"samples/{n}" for n in names}
    (speakers, unlabelled), = sql(out, "nemo", "SELECT count(DISTINCT trim(speaker_id)), "
                                               "count(*) FILTER (label IS NULL) FROM samples")
    assert speakers == 9 and unlabelled == 0
    assert {k for (k,) in sql(out, "nemo", "SELECT DISTINCT label FROM samples")} == {
        "anger", "fear", "happiness", "sadness", "surprise", "neutral"}


def test_semeval2018_ec_published_counts(formats, out):
    summary = convert("semeval2018task1", formats / "SemEval2018-Task1", out)
    assert summary["splits"] == {"train": 6838, "validation": 886, "test": 3259}
    (test_labelled,), = sql(out, "semeval2018task1", "SELECT count(*) FROM samples WHERE split = 'test' "
                                                     "AND (label IS NOT NULL OR labels IS NOT NULL)")
    assert test_labelled == 0                       # the test file's label cells are NONE
    with open(formats / "SemEval2018-Task1" / "2018-E-c-En-train.txt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    emotions = list(rows[0])[2:]
    expected = {e: sum(r[e] == "1" for r in rows) for e in emotions}
    expected["neutral"] = sum(all(r[e] == "0" for e in emotions) for r in rows)
    got = dict(sql(out, "semeval2018task1", """
        SELECT e, count(*) FROM (SELECT unnest(coalesce(native_labels, [native_label])) AS e
                                 FROM samples WHERE split = 'train') GROUP BY 1"""))
    assert got == expected


def test_wassa2017_published_counts(formats, out):
    summary = convert("wassa2017", formats / "WASSA2017", out)
    assert summary["splits"] == {"train": 3613, "validation": 347}
    counts = {(s, e): n for s, e, n in sql(out, "wassa2017", "SELECT split, label, count(*) FROM samples GROUP BY 1, 2")}
    assert counts == {("train", "anger"): 857, ("train", "fear"): 1147, ("train", "joy"): 823,
                      ("train", "sadness"): 786, ("validation", "anger"): 84, ("validation", "fear"): 110,
                      ("validation", "joy"): 79, ("validation", "sadness"): 74}
    (lo, hi, missing), = sql(out, "wassa2017", "SELECT min(intensity), max(intensity), "
                                               "count(*) FILTER (intensity IS NULL) FROM samples")
    assert 0 <= lo < hi <= 1 and missing == 0


def test_expw_subset_published_counts(formats, tmp_path, out):
    src = link_tree(formats / "ExpW", tmp_path / "ExpW", {"data/label/label.lst": "label.lst"})
    assert convert("expw", src, out)["splits"] == {"all": 5705}
    assert dict(sql(out, "expw", "SELECT label, count(*) FROM samples GROUP BY 1")) == {
        t: 815 for t in ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")}
    (ids,), = sql(out, "expw", "SELECT count(DISTINCT id) FROM samples")
    assert ids == 5705


@pytest.mark.parametrize("folder", ["wav", "wav_corpus"])
def test_emodb_published_counts(formats, tmp_path, out, folder):
    names = (formats / "EmoDB" / "wav_file_names.txt").read_text().split()
    src = touch_all(tmp_path / "EmoDB", [f"{folder}/{n}" for n in names])
    assert convert("emodb", src, out)["splits"] == {"all": 535}
    assert dict(sql(out, "emodb", "SELECT label, count(*) FROM samples GROUP BY 1")) == {
        "anger": 127, "boredom": 81, "neutral": 79, "happiness": 71, "fear": 69, "sadness": 62, "disgust": 46}
    (speakers, female, male), = sql(out, "emodb", "SELECT count(DISTINCT speaker_id), "
                                    "count(DISTINCT speaker_id) FILTER (speaker_gender = 'female'), "
                                    "count(DISTINCT speaker_id) FILTER (speaker_gender = 'male') FROM samples")
    assert (speakers, female, male) == (10, 5, 5)
