"""Release quirks cleaned on conversion: nEMO's padded speaker ids (real data.tsv in ../shared) and
EmotionLines' Windows-1252 punctuation stored as C1 control characters (fixture in the JSON layout;
no real EmotionLines JSON is in ../shared)."""
from __future__ import annotations

import collections
import csv
import json

from corpus_fixtures import link_tree
from emodata.convert import get_converter
from emodata.store import read_table, write_corpus


def test_nemo_speaker_ids_are_stripped(formats, tmp_path, out):
    src = link_tree(formats / "nEMO", tmp_path / "nEMO", {"data.tsv": "data.tsv"})
    summary = write_corpus(get_converter("nemo"), src, out)
    rows = read_table(out, "nemo").to_pylist()
    # SOURCE.txt: 4,481 utterances, 9 speakers; the release pads every speaker_id with spaces
    assert summary["rows"] == len(rows) == 4481 and summary["skipped"] == 0
    with open(formats / "nEMO/data.tsv", encoding="utf-8", newline="") as f:
        raw = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert all(r["speaker_id"] != r["speaker_id"].strip() for r in raw)
    speakers = collections.Counter(r["speaker_id"] for r in rows)
    assert speakers == collections.Counter(r["speaker_id"].strip() for r in raw) and len(speakers) == 9
    assert all(r["speaker_id"] == r["native_id"].split("_")[0] for r in rows)   # file ids start with the speaker
    surprised = {"surprised": "surprise"}
    assert collections.Counter(r["label"] for r in rows) == collections.Counter(
        surprised.get(r["emotion"], r["emotion"]) for r in raw)


def test_emotionlines_c1_controls_become_windows_1252_punctuation(tmp_path, out):
    friends = [[{"speaker": "Monica", "utterance": "I don\u0092t know\u0085 \u0093fine\u0094", "emotion": "neutral",
                 "annotation": "4000010"},
                {"speaker": "Ross", "utterance": "Plain text, caf\u00e9 \u2019ok\u2019", "emotion": "joy",
                 "annotation": "0500000"}]]
    (tmp_path / "friends_dev.json").write_text(json.dumps(friends), encoding="utf-8")
    write_corpus(get_converter("emotionlines"), tmp_path, out)
    rows = {r["native_id"]: r for r in read_table(out, "emotionlines").to_pylist()}
    assert rows["friends/validation/0000_00"]["text"] == "I don\u2019t know\u2026 \u201cfine\u201d"
    assert rows["friends/validation/0000_01"]["text"] == "Plain text, caf\u00e9 \u2019ok\u2019"   # already right
    assert not any("\x80" <= ch <= "\x9f" for r in rows.values() for ch in r["text"])
    # every vote of the 5 annotators is kept: 4 neutral + 1 surprise
    assert sorted(x["labels"][0] for x in rows["friends/validation/0000_00"]["ratings"]) == [
        "neutral"] * 4 + ["surprise"]
