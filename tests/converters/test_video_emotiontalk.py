"""EmotionTalk: per-modality JSON annotations -> one row per utterance, ratings per modality."""
from __future__ import annotations

import json

from video_support import assert_strict_fails, convert, write


def put(root, modality, utt, doc):
    write(root / modality / "json" / utt.split("_")[0] / f"{utt}.json", json.dumps(doc, ensure_ascii=False))


def build(root):
    utt = "G00003_01_001"
    put(root, "Text", utt, {"data": ["Happy", "Neutral", "Happy"], "emotion_result": "Happy", "speaker_id": 7,
                            "file_name": "Text/G00003/G00003_01_001.txt", "content": "太好了"})
    put(root, "Audio", utt, {"data": [{"annotator": "a1", "emotion": "Happy"}, {"annotator": "a2", "emotion": "Surprised"}],
                             "emotion_result": "Happy", "speaker_id": 7, "file_name": "Audio/G00003/G00003_01_001.wav",
                             "content": "太好了", "sourceAttr": {"style": "excited"}})
    put(root, "Multimodal", utt, {"data": ["Happy", "Happy"], "emotion_result": "Happy", "speaker_id": 7,
                                  "Continuous label_result": 0.8, "file_name": "Video/G00003/G00003_01_001.mp4"})
    put(root, "Video", "G00007_02_010", {"data": ["生气"], "emotion_result": "生气", "speaker_id": "3",
                                         "file_name": "Video/G00007/G00007_02_010.mp4"})
    return root


def test_emotiontalk_modalities(tmp_path, out):
    summary, rows = convert("emotiontalk", build(tmp_path / "EmotionTalk"), out)
    assert summary["splits"] == {"test": 1, "train": 1}
    a, b = rows
    assert (a["label"], a["split"], a["text"], a["speaker_id"]) == ("happiness", "test", "太好了", "7")
    assert a["audio_path"] == "Audio/G00003/G00003_01_001.wav" and a["modalities"] == ["audio", "text"]
    assert [(r["condition"], r["rater_id"], r["labels"]) for r in a["ratings"]][:4] == [
        ("text", "text#0", ["happiness"]), ("text", "text#1", ["neutral"]), ("text", "text#2", ["happiness"]),
        ("audio", "a1", ["happiness"])]
    assert len(a["ratings"]) == 7
    assert a["extra"]["continuous_label"] == 0.8 and a["extra"]["caption"] == {"style": "excited"}
    assert a["extra"]["emotion_result"] == {"text": "Happy", "audio": "Happy", "multimodal": "Happy"}
    # no multimodal file: label from the votes
    assert (b["label"], b["native_label"], b["split"], b["video_path"]) == ("anger", None, "train",
                                                                            "Video/G00007/G00007_02_010.mp4")


def test_emotiontalk_bad_label(tmp_path, out):
    root = tmp_path / "EmotionTalk"
    put(root, "Text", "G00002_01_001", {"data": ["Happy"], "emotion_result": "Happy"})
    put(root, "Text", "G00002_01_002", {"data": ["Bored"], "emotion_result": "Bored"})
    assert_strict_fails("emotiontalk", root, out, "G00002_01_002.json", None, "unknown label 'bored'")
    summary, rows = convert("emotiontalk", root, out, strict=False)
    assert summary["skipped"] == 1 and [r["native_id"] for r in rows] == ["G00002_01_001"]
