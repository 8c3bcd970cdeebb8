"""GoEmotions (columnar converter) on a tiny release in the native layout: values worked out by hand."""
from __future__ import annotations

import json

import pytest

from corpus_fixtures import assert_strict_fails, write
from emodata.convert import get_converter
from emodata.store import read_table, write_corpus
from emodata.taxonomy import expected_vad

EMOTIONS = get_converter("goemotions").label_map
HEADER = "text,id,author,subreddit,link_id,parent_id,created_utc,rater_id,example_very_unclear," + ",".join(EMOTIONS)


def rating(text, cid, rater, chosen=(), unclear="False", meta=("au", "sub", "t3_l", "t1_p", "1.5e9")):
    cells = ["1" if e in chosen else "0" for e in EMOTIONS]
    return ",".join([text, cid, *meta, rater, unclear, *cells])


def release(root, raw1=None):
    write(root / "full_dataset/goemotions_1.csv", "\n".join([HEADER, *(raw1 or [
        rating("first", "c1", "r1", ["joy"]),
        rating("second", "c2", "r1", ["anger", "annoyance"]),
        rating("first again", "c1", "r2", ["joy", "love"]),
        rating("first", "c1", "r3", unclear="True"),
        rating("second", "c2", "r2", ["anger"]),
        rating("third", "c3", "r1", ["sadness"]),
        rating("fourth", "c4", "r1", ["neutral"]),
        rating("fourth", "c4", "r2", ["joy"]),
    ])]) + "\n")
    # a second raw file without the author column: no speaker, no author key in extra
    write(root / "full_dataset/goemotions_2.csv",
          HEADER.replace("author,", "") + "\n" + ",".join(["fifth", "c5", "sub", "t3_m", "t1_q", "1.6e9", "r4", "False",
                                                           *("1" if e == "surprise" else "0" for e in EMOTIONS)]) + "\n")
    ids = {e: i for i, e in enumerate(EMOTIONS)}
    write(root / "train.tsv", f"first\t{ids['joy']}\tc1\n\"\"\"q\"\" x\"\t{ids['anger']},{ids['annoyance']}\tc2\n"
                              f"only gold\t27\tc6\n")
    write(root / "dev.tsv", f"only gold, dev\t{ids['admiration']}\tc6\n")
    return root


def test_goemotions_rows_by_hand(tmp_path, out):
    summary = write_corpus(get_converter("goemotions"), release(tmp_path / "go"), out)
    assert summary["splits"] == {"train": 2, "unassigned": 3, "validation": 1} and summary["skipped"] == 0
    rows = {r["native_id"]: r for r in read_table(out, "goemotions").to_pylist()}
    c1 = rows["c1"]
    assert (c1["split"], c1["text"], c1["native_label"], c1["label"], c1["labels"]) == (
        "train", "first", "joy", "joy", ["joy"])
    assert [(r["rater_id"], r["labels"], r["native"]) for r in c1["ratings"]] == [
        ("r1", ["joy"], "joy"), ("r2", ["joy", "love"], "joy,love"), ("r3", None, "example_very_unclear")]
    soft = {"joy": 0.75, "love": 0.25}         # votes: joy 1 + 1/2, love 1/2; the unclear rating is no vote
    assert {d["label"]: d["prob"] for d in c1["soft_label"]} == soft
    assert [c1["valence"], c1["arousal"], c1["dominance"]] == pytest.approx(expected_vad(soft), abs=1e-6)
    assert c1["vad_source"] == "mapped" and c1["speaker_id"] == "au" and c1["dialogue_id"] == "t3_l"
    assert json.loads(c1["extra"]) == {"author": "au", "subreddit": "sub", "link_id": "t3_l", "parent_id": "t1_p",
                                       "created_utc": "1.5e9"}
    c2 = rows["c2"]                            # two gold labels: no single label from the gold, plurality of votes
    assert (c2["native_labels"], c2["native_label"], c2["label"], c2["labels"]) == (
        ["anger", "annoyance"], None, "anger", ["anger", "annoyance"])
    assert [(d["label"], d["prob"]) for d in c2["soft_label"]] == [("anger", 0.75), ("annoyance", 0.25)]
    assert (rows["c3"]["split"], rows["c3"]["label"], rows["c3"]["labels"]) == ("unassigned", "sadness", None)
    c4 = rows["c4"]                            # a tie: no label, both in the soft label (name order)
    assert c4["label"] is None and [(d["label"], d["prob"]) for d in c4["soft_label"]] == [("joy", 0.5), ("neutral", 0.5)]
    c5 = rows["c5"]
    assert c5["speaker_id"] is None and "author" not in json.loads(c5["extra"]) and c5["label"] == "surprise"
    c6 = rows["c6"]                            # only in the split files; the later file's entry wins
    assert (c6["split"], c6["text"], c6["label"], c6["ratings"], c6["extra"]) == (
        "validation", "only gold, dev", "admiration", [], None)


@pytest.mark.parametrize("bad, line, words", [
    (rating("x", "c9", "r1", ["joy"]).replace(",1,", ",2,", 1), 3, "columns ['joy'] must be 0 or 1"),
    (rating("x", "c9", "r1", ["joy"], unclear="maybe"), 3, "KeyError: 'maybe'"),
    (rating("x", "c9", "r1", ["joy"]) + ",extra", 3, "expected 37 fields"),
])
def test_goemotions_bad_rating_rows(tmp_path, out, bad, line, words):
    raws = [rating("first", "c1", "r1", ["joy"]), bad, rating("third", "c3", "r1", ["sadness"])]
    src = release(tmp_path / "go", raws)
    assert_strict_fails("goemotions", src, out, "goemotions_1.csv", line, words)
    summary = write_corpus(get_converter("goemotions"), src, out, strict=False)
    assert summary["skipped"] == 1 and summary["rows"] == 5
    report = [json.loads(x) for x in (out / "reports" / "goemotions-skipped.jsonl").read_text().splitlines()]
    assert report[0]["line"] == line and words in report[0]["reason"]


@pytest.mark.parametrize("ids, words", [("x", "ValueError: invalid literal for int() with base 10: 'x'"),
                                        ("3,99", "IndexError: list index out of range")])
def test_goemotions_bad_label_ids(tmp_path, out, ids, words):
    src = release(tmp_path / "go")
    write(src / "test.tsv", f"fine\t1\tc7\nbad\t{ids}\tc8\n")
    assert_strict_fails("goemotions", src, out, "test.tsv", 2, words)
