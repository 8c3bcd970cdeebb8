"""CPED: label tables plus optional feature files (no media)."""
from __future__ import annotations

from video_support import assert_strict_fails, convert, write

HEADER = ("TV_ID,Dialogue_ID,Utterance_ID,Speaker,Gender,Age,Neuroticism,Extraversion,Openness,Agreeableness,"
          "Conscientiousness,Scene,FacePosition_LU,FacePosition_RD,Sentiment,Emotion,DA,Utterance\n")
ROWS = ("27,27_000,27_000_000,林宛瑜,female,young,low,high,high,high,high,car,488_14,654_204,neutral,neutral,"
        "statement-non-opinion,好了没事了\n"
        "27,27_000,27_000_001,其他,unknown,unknown,unknown,unknown,unknown,unknown,unknown,car,,,negative,worried,"
        "question,怎么了\n")


def test_cped_tables_and_features(tmp_path, out):
    root = tmp_path / "CPED"
    write(root / "data/CPED/train_split.csv", HEADER + ROWS)
    write(root / "data/CPED/test_split.csv", HEADER + ROWS.replace("27", "31").replace("worried", "positive-other"))
    write(root / "features/audio/27_000_000.npy", "x")
    write(root / "features/visual/27_000_000.npy", "x")
    write(root / "features/audio/31_000_000.npy", "x")
    summary, rows = convert("cped", root, out)
    assert summary["splits"] == {"train": 2, "test": 2}
    a, b, c, d = rows
    assert (a["native_id"], a["speaker_id"], a["speaker_gender"], a["turn_index"]) == (
        "27_000_000", "27/林宛瑜", "female", 0)
    assert (a["text"], a["label"], a["dialogue_id"], a["audio_path"]) == ("好了没事了", "neutral", "27_000", None)
    assert a["extra"]["features"] == {"audio": "features/audio/27_000_000.npy", "visual": "features/visual/27_000_000.npy"}
    assert a["extra"]["Age"] == "young" and a["extra"]["DA"] == "statement-non-opinion"
    assert (b["speaker_id"], b["speaker_gender"], b["label"]) == (None, None, "worry")
    assert "features" not in b["extra"] and d["label"] == "other" and d["native_label"] == "positive-other"
    assert c["extra"]["features"] == {"audio": "features/audio/31_000_000.npy", "visual": None}   # a kind it lacks


def test_cped_bad_emotion(tmp_path, out):
    root = tmp_path / "CPED"
    write(root / "train_split.csv", HEADER + ROWS.replace(",worried,", ",grumpy,"))
    assert_strict_fails("cped", root, out, "train_split.csv", 3, "unknown label 'grumpy'")
    summary, rows = convert("cped", root, out, strict=False)
    assert summary["skipped"] == 1 and len(rows) == 1
