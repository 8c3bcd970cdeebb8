"""Text corpora without real files in ../shared: fixtures built to each documented layout."""
from __future__ import annotations

import json

import pytest

from emodata.convert import ConversionError, get_converter
from emodata.store import read_table, write_corpus


def convert(name, src, out, **kw):
    summary = write_corpus(get_converter(name), src, out, **kw)
    return summary, {r["native_id"]: r for r in read_table(out, name).to_pylist()}


def build_emotionlines(root):
    friends = [[{"speaker": "Chandler", "utterance": "My duties?  All right.", "emotion": "surprise",
                 "annotation": "2000030"},
                {"speaker": "Joey", "utterance": "Whoa.", "emotion": "non-neutral", "annotation": "2011010"}]]
    (root / "Friends").mkdir(parents=True)
    (root / "Friends/friends_train.json").write_text(json.dumps(friends))
    aug = [[{"speaker": "u1", "utterance": "so happy", "emotion": "joy", "annotation": "0500000",
             "utterance_de": "so glad", "utterance_fr": "so happy", "utterance_it": "very happy"}]]
    (root / "emotionpush.augmented.json").write_text(json.dumps(aug))
    return root


def test_emotionlines_votes_become_ratings(tmp_path, out):
    summary, rows = convert("emotionlines", build_emotionlines(tmp_path), out)
    assert summary["splits"] == {"train": 2, "all": 1}
    r = rows["friends/train/0000_00"]
    assert (r["label"], r["speaker_id"], r["turn_index"], r["elicitation"]) == ("surprise", "friends/Chandler", 0, "acted")
    assert sorted(x["labels"][0] for x in r["ratings"]) == ["neutral", "neutral", "surprise", "surprise", "surprise"]
    nn = rows["friends/train/0000_01"]
    assert nn["native_label"] == "non-neutral" and nn["label"] is None
    assert {e["label"]: round(e["prob"], 2) for e in nn["soft_label"]} == {"neutral": 0.4, "fear": 0.2, "surprise": 0.2,
                                                                           "sadness": 0.2}
    push = rows["emotionpush/all/0000_00"]
    assert push["label"] == "joy" and json.loads(push["extra"])["utterance_de"] == "so glad"


def test_emotionlines_bad_annotation(tmp_path):
    (tmp_path / "friends.json").write_text(json.dumps([[{"speaker": "A", "utterance": "x", "emotion": "joy",
                                                         "annotation": "05"}]]))
    with pytest.raises(ConversionError, match=r"friends.json: dialogue 0 line 0: annotation '05'"):
        write_corpus(get_converter("emotionlines"), tmp_path, tmp_path / "o")


def emowoz_turn(text, codes=None, final=None):
    if codes is None:
        return {"text": text, "emotion": [], "metadata": {}}
    items = [{"annotator": f"ann0000{i}", "emotion": c} for i, c in enumerate(codes)]
    return {"text": text, "emotion": [*items, {"emotion": final, "sentiment": 1 if final in (1, 2, 3, 4) else 0}]}


def build_emowoz(root):
    data = {"MUL0001.json": {"goal": {}, "log": [emowoz_turn("I need a taxi", [0, 0, 2], 0),
                                                 emowoz_turn("Where to?"),
                                                 emowoz_turn("Ugh, that's useless", [2, 2, 4], 2)]}}
    (root / "data").mkdir(parents=True)
    (root / "data/emowoz-multiwoz.json").write_text(json.dumps(data))
    (root / "data/emowoz-dialmage.json").write_text(json.dumps({"DMAGE001.json": {"log": [
        emowoz_turn("thanks, great", [6, 6, 6], 6), emowoz_turn("bye")]}}))
    (root / "data/data-split.json").write_text(json.dumps({"train": {"multiwoz": ["MUL0001.json"]},
                                                           "test": {"dialmage": ["DMAGE001.json"]}}))
    return root


def test_emowoz_turns_annotators_and_official_split(tmp_path, out):
    summary, rows = convert("emowoz", build_emowoz(tmp_path), out)
    assert summary["splits"] == {"train": 3, "test": 2}
    r = rows["MUL0001.json/02"]
    assert (r["native_label"], r["label"], r["speaker_id"]) == ("dissatisfied, disliking", "disapproval",
                                                               "MUL0001.json/user")
    assert [x["rater_id"] for x in r["ratings"]] == ["ann00000", "ann00001", "ann00002"]
    assert json.loads(r["extra"])["sentiment"] == "negative"
    assert rows["MUL0001.json/01"]["label"] is None and json.loads(rows["MUL0001.json/01"]["extra"])["role"] == "system"
    assert rows["DMAGE001.json/01"]["elicitation"] == "synthetic" and rows["DMAGE001.json/00"]["label"] == "approval"


def test_emowoz_unknown_code(tmp_path):
    (tmp_path / "emowoz-multiwoz.json").write_text(json.dumps({"MUL1.json": {"log": [emowoz_turn("x", [0, 9, 0], 0)]}}))
    with pytest.raises(ConversionError, match=r"emowoz-multiwoz.json: emotion 9 is not one of"):
        write_corpus(get_converter("emowoz"), tmp_path, tmp_path / "o")


def test_semeval2018_all_subtasks(tmp_path, out):
    ec = ["ID\tTweet\t" + "\t".join("anger anticipation disgust fear joy love optimism pessimism sadness "
                                    "surprise trust".split()),
          "2018-En-21441\tWorry is a down payment\t0\t1\t0\t0\t0\t0\t1\t0\t0\t0\t1",
          "2018-En-31535\tWhatever \"quoted\" text\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0"]
    (tmp_path / "E-c").mkdir()
    (tmp_path / "E-c/2018-E-c-En-train.txt").write_text("\n".join(ec) + "\n")
    (tmp_path / "2018-EI-reg-En-anger-dev.txt").write_text(
        "ID\tTweet\tAffect Dimension\tIntensity Score\n2018-En-10264\tso mad\tanger\t0.562\n")
    (tmp_path / "2018-EI-oc-En-fear-test-gold.txt").write_text(
        "ID\tTweet\tAffect Dimension\tIntensity Class\n"
        "2018-En-1\tcalm day\tfear\t0: no fear can be inferred\n2018-En-2\tscary\tfear\t3: high amount of fear can be inferred\n")
    (tmp_path / "2018-Valence-reg-Ar-train.txt").write_text(
        "ID\tTweet\tAffect Dimension\tIntensity Score\n2018-Ar-1\tنص\tvalence\t0.75\n")
    (tmp_path / "2018-Valence-oc-Es-train.txt").write_text(
        "ID\tTweet\tAffect Dimension\tIntensity Class\n2018-Es-1\ttexto\tvalence\t-3: very negative emotional state can be inferred\n")
    summary, rows = convert("semeval2018task1", tmp_path, out)
    assert summary["splits"] == {"train": 4, "validation": 1, "test": 2}
    ec1 = rows["E-c/2018-En-21441"]
    assert ec1["native_labels"] == ["anticipation", "optimism", "trust"] and ec1["labels"] == ["anticipation", "optimism", "trust"]
    assert rows["E-c/2018-En-31535"]["label"] == "neutral" and rows["E-c/2018-En-31535"]["text"] == 'Whatever "quoted" text'
    reg = rows["EI-reg/2018-En-10264"]
    assert reg["label"] == "anger" and reg["intensity"] == pytest.approx(0.562)
    assert rows["EI-oc/2018-En-1"]["label"] is None and rows["EI-oc/2018-En-2"]["intensity"] == pytest.approx(1.0)
    v = rows["V-reg/2018-Ar-1"]
    assert v["language"] == "ar" and v["valence"] == pytest.approx(0.5) and v["vad_source"] == "annotated"
    assert rows["V-oc/2018-Es-1"]["valence"] == pytest.approx(-1.0)


def test_semeval2018_bad_cell(tmp_path):
    (tmp_path / "2018-E-c-En-dev.txt").write_text("ID\tTweet\t" + "\t".join(
        "anger anticipation disgust fear joy love optimism pessimism sadness surprise trust".split())
        + "\nx\tt\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t2\n")
    with pytest.raises(ConversionError, match=r"2018-E-c-En-dev.txt:2: emotion cells \{'trust': '2'\}"):
        write_corpus(get_converter("semeval2018task1"), tmp_path, tmp_path / "o")


def test_wassa2017_gold_wins_over_target(tmp_path, out):
    (tmp_path / "anger-ratings-0to1.train.txt").write_text("10000\tHow the fu*k! #angry\tanger\t0.938\n"
                                                          "10001\tso irritated\tanger\t0.896\n")
    (tmp_path / "joy-ratings-0to1.dev.target.txt").write_text("30823\tyay\tjoy\tNONE\n")
    (tmp_path / "joy-ratings-0to1.dev.gold.txt").write_text("30823\tyay\tjoy\t0.7\n")
    (tmp_path / "fear-ratings-0to1.test.target.txt").write_text("21257\tboo\tfear\tNONE\n")
    summary, rows = convert("wassa2017", tmp_path, out)
    assert summary["splits"] == {"train": 2, "validation": 1, "test": 1}
    assert rows["10000"]["intensity"] == pytest.approx(0.938) and rows["10000"]["label"] == "anger"
    assert rows["30823"]["intensity"] == pytest.approx(0.7) and rows["21257"]["intensity"] is None
    (tmp_path / "sadness-ratings-0to1.train.txt").write_text("40000\tsad\tsadness\t1.5\n")
    with pytest.raises(ConversionError, match=r"sadness-ratings-0to1.train.txt:1: intensity '1.5' outside 0-1"):
        write_corpus(get_converter("wassa2017"), tmp_path, tmp_path / "o")


def test_armanemo_tabs_in_text_and_lenient(tmp_path, out):
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset/train.tsv").write_text("\ufeffاز این فیلم خیلی ترسیدم\tFEAR\nمتن\tبا تب\tHAPPY\n")
    (tmp_path / "dataset/test.tsv").write_text("یک متن\tHATE\nبدون برچسب\tFOO\n")
    with pytest.raises(ConversionError, match=r"test.tsv:2: unknown label 'FOO'"):
        write_corpus(get_converter("armanemo"), tmp_path, out)
    summary, rows = convert("armanemo", tmp_path, out, strict=False)
    assert summary["splits"] == {"train": 2, "test": 1} and summary["skipped"] == 1
    assert rows["train-00002"]["text"] == "متن\tبا تب" and rows["train-00002"]["label"] == "happiness"
    assert rows["test-00001"]["label"] == "hate" and rows["train-00001"]["language"] == "fa"


ED_HEADER = "conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags"


def build_empatheticdialogues(root):
    lines = [ED_HEADER,
             "hit:0_conv:1,1,sentimental,I remember going to the fireworks with my best friend_comma_ it was great.,1,"
             "I remember going to see the fireworks with my best friend.,5|5|5_2|2|5,",
             "hit:0_conv:1,2,sentimental,I remember going to the fireworks with my best friend_comma_ it was great.,0,"
             "Was this a friend you were in love with_comma_ or just a best friend?,5|5|5_2|2|5,",
             "hit:1_conv:2,1,afraid,It feels like hitting to blank wall when i see the darkness,2,"
             "Do you ever feel like you're in the dark,,extra,tag"]
    (root / "empatheticdialogues").mkdir(parents=True)
    (root / "empatheticdialogues/valid.csv").write_text("\n".join(lines) + "\n")
    return root


def test_empatheticdialogues_one_row_per_conversation(tmp_path, out):
    summary, rows = convert("empatheticdialogues", build_empatheticdialogues(tmp_path), out)
    assert summary["splits"] == {"validation": 2}
    r = rows["hit:0_conv:1"]
    assert r["text"] == "I remember going to the fireworks with my best friend, it was great."
    assert (r["native_label"], r["label"], r["speaker_id"]) == ("sentimental", "other", "1")
    utts = json.loads(r["extra"])["utterances"]
    assert [u["speaker"] for u in utts] == ["1", "0"] and utts[1]["text"].startswith("Was this a friend you were in love with,")
    assert rows["hit:1_conv:2"]["label"] == "fear" and json.loads(rows["hit:1_conv:2"]["extra"])["utterances"][0]["tags"] == "extra,tag"
    (tmp_path / "empatheticdialogues/test.csv").write_text(ED_HEADER + "\nhit:9_conv:9,1,bored,x,1,y,,\n")
    with pytest.raises(ConversionError, match=r"test.csv:2: unknown label 'bored'"):
        write_corpus(get_converter("empatheticdialogues"), tmp_path, tmp_path / "o")
