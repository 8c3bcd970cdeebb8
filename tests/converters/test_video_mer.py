"""MER 2023 / 2024 / 2025: discrete + valence labels, npz test labels, open-vocabulary words."""
from __future__ import annotations

import numpy as np
import pytest
from video_support import assert_strict_fails, convert, write, write_mp4


def build_mer2023(root):
    write(root / "train-label.csv", "name,discrete,valence\nsample_00000001,happy,2.5\nsample_00000002,worried,-1.0\n")
    np.savez(root / "label-6way.npz",
             train_corpus=np.array({"sample_00000001": {"emo": "happy", "val": 2.5}}, dtype=object),
             test1_corpus=np.array({"sample_00001000": {"emo": "angry", "val": -3.0}}, dtype=object),
             test3_corpus=np.array({"sample_00003000": {"emo": "neutral"}}, dtype=object))
    write(root / "transcription.csv", "name,chinese,english\nsample_00000001,我很开心,I am happy\n")
    write_mp4(root / "train/sample_00000001.mp4", seconds=0.2)
    return root


def test_mer2023_csv_and_npz(tmp_path, out):
    summary, rows = convert("mer2023", build_mer2023(tmp_path / "mer2023"), out)
    assert summary["splits"] == {"train": 2, "test1": 1, "test3": 1}
    happy, worried, angry, neutral = rows
    assert (happy["label"], happy["valence"], happy["vad_scale"]) == ("happiness", 0.5, "-5..5")
    assert happy["text"] == "我很开心" and happy["extra"]["text_en"] == "I am happy"
    assert happy["video_path"] == "train/sample_00000001.mp4"
    assert happy["extra"]["label_sources"] == ["train-label.csv:2", "label-6way.npz:train_corpus"]
    assert (worried["native_label"], worried["label"]) == ("worried", "worry")
    assert (angry["split"], angry["label"], angry["valence"]) == ("test1", "anger", pytest.approx(-0.6))
    assert neutral["vad_source"] == "mapped"


def build_mer2024(root):
    write(root / "label-disdim.csv", "name,discrete,valence\nsample_1,sad,-4\n")
    write(root / "final-openset-english.csv",
          "name,english\nsample_1,\"['sad', 'helpless', 'wistful']\"\nsample_9,\"surprised, curious\"\n")
    return root


def test_mer2024_open_vocabulary(tmp_path, out):
    summary, rows = convert("mer2024", build_mer2024(tmp_path / "mer2024"), out)
    assert summary["splits"] == {"train": 1, "ov": 1}
    sad, ov = rows
    assert sad["native_labels"] == ["sad", "helpless", "wistful"]
    assert sad["labels"] == ["sadness", "other"] and sad["label"] == "sadness"
    assert ov["native_label"] is None and ov["labels"] == ["surprise", "curiosity"] and ov["label"] is None


def build_mer2025(root):
    write(root / "track2_train_ovmerd.csv", "name,openset\ns1,\"['happy', 'excited']\"\n")
    write(root / "track3_train_mercaptionplus.csv",
          "name,openset,description\ns1,\"['happy', 'proud']\",\"She smiles broadly.\"\n")
    write(root / "subtitle_chieng.csv", "name,chinese,english\ns1,太好了,Great\n")
    return root


def test_mer2025_tracks(tmp_path, out):
    _, rows = convert("mer2025", build_mer2025(tmp_path / "mer2025"), out)
    (row,) = rows
    assert row["native_labels"] == ["happy", "excited", "proud"]
    assert row["labels"] == ["happiness", "excitement", "pride"]
    assert row["extra"]["description"] == "She smiles broadly." and row["text"] == "太好了"


def test_mer_bad_label(tmp_path, out):
    root = tmp_path / "mer2023"
    write(root / "train-label.csv", "name,discrete,valence\na,happy,1\nb,joyous,2\n")
    assert_strict_fails("mer2023", root, out, "train-label.csv", 3, "unknown discrete label 'joyous'")
    summary, rows = convert("mer2023", root, out, strict=False)
    assert summary["skipped"] == 1 and [r["native_id"] for r in rows] == ["a"]
