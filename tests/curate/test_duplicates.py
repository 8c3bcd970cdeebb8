"""Duplicates and leakage: text normalisation, perceptual hashes, audio fingerprints, embeddings,
and the real MELD / MELD Dyadic / EmoryNLP files (all Friends)."""
from __future__ import annotations

import json
import shutil
import subprocess
import wave

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from corpus_fixtures import link_tree
from curate_fixtures import write_rows

from emodata.convert import get_converter
from emodata.curate.duplicates import (
    DuplicateError,
    find_duplicates,
    is_leakage,
    normalise_text,
)
from emodata.store import write_corpus


def test_normalisation_fixes_windows_1252_case_punctuation_and_unicode():
    got = normalise_text(["My company\x92s  DUTIES\u2026", "my company’s duties!", "ＦＵＬＬ width", "Straße", None,
                          "caf\u00c3\u00a9 ok"]).to_pylist()
    assert got == ["my company s duties", "my company s duties", "full width", "strasse", None, "café ok"]
    assert normalise_text(["नमस्ते दुनिया!", "नमस दनिया"]).to_pylist() == ["नमस्ते दुनिया", "नमस दनिया"]  # marks kept


def _pairs(summary, **match):
    return [p for p in summary["pairs"] if all(p[k] == v for k, v in match.items())]


def test_text_duplicates_leakage_and_short_phrases(tmp_path):
    write_rows(tmp_path, "a", [
        {"id": "a/1", "split": "train", "text": "I can't believe you did that to me"},
        {"id": "a/2", "split": "train", "text": "I CAN'T believe you did that, to me!"},
        {"id": "a/3", "split": "test", "text": "So let\x92s talk a little bit about your duties."},
        {"id": "a/4", "split": "test", "text": "Okay."},
        {"id": "a/5", "split": "train", "text": "okay"},
        {"id": "a/6", "split": "train", "text": "Oh my God!"},
    ])
    write_rows(tmp_path, "b", [
        {"id": "b/1", "split": "train", "text": "So let’s talk a little bit about your duties"},
        {"id": "b/2", "split": "train", "text": "Oh, my God."},
        {"id": "b/3", "split": "train", "text": "Something else entirely, nothing shared"},
    ])
    out = tmp_path / "dups"
    summary = find_duplicates(tmp_path, out, kinds=["text"])
    table = pq.read_table(out / "duplicates.parquet")
    assert table.column_names == ["group", "id", "corpus", "split", "kind", "score"]
    groups = {}
    for r in table.to_pylist():
        groups.setdefault(r["group"], set()).add(r["id"])
    assert sorted(map(sorted, groups.values())) == [["a/1", "a/2"], ["a/3", "b/1"]]
    assert _pairs(summary, corpus_a="a", split_a="test", corpus_b="b", split_b="train") == [
        {"corpus_a": "a", "split_a": "test", "corpus_b": "b", "split_b": "train", "kind": "text", "n": 1,
         "leakage": True}]
    assert _pairs(summary, corpus_a="a", split_a="train", corpus_b="a", split_b="train")[0]["n"] == 2
    assert not _pairs(summary, corpus_a="a", split_a="train", corpus_b="a", split_b="train")[0]["leakage"]
    assert {(p["corpus_a"], p["split_a"], p["corpus_b"], p["split_b"]) for p in summary["leakage"]} == {
        ("a", "test", "b", "train"), ("b", "train", "a", "test")}
    short = summary["short_phrases"]
    assert short["min_words"] == 4 and short["groups"] == 2 and short["samples"] == 4
    assert {t["text"]: t["n"] for t in short["top"]} == {"okay": 2, "oh my god": 2}
    assert json.loads((out / "summary.json").read_text())["pairs"] == summary["pairs"]
    # a shorter threshold turns 'oh my god' into a duplicate, still never 'okay'
    summary = find_duplicates(tmp_path, out, kinds=["text"], min_words=3)
    assert summary["groups"]["text"] == {"groups": 3, "samples": 6}


def _noise_image(seed: int):
    from PIL import Image
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (8, 8), dtype=np.uint8)
    return Image.fromarray(small).resize((96, 96), Image.BILINEAR)


def _noise_wav(path, seed: int, seconds: float = 6.0, rate: int = 16000, gain: float = 1.0):
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    sig = sum(np.sin(2 * np.pi * f * t) * (rng.random(n // 1600 + 1).repeat(1600)[:n] > 0.5)
              for f in rng.uniform(200, 2000, 12))
    pcm = (gain * 2500 * sig).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def test_media_duplicates_images_frames_audio_and_embeddings(tmp_path):
    if not (shutil.which("fpcalc") and shutil.which("ffmpeg")):
        pytest.fail("fpcalc (libchromaprint-tools) and ffmpeg are required: .ci/setup_curate.sh installs them")
    ma, mb = tmp_path / "media" / "a", tmp_path / "media" / "b"
    ma.mkdir(parents=True)
    mb.mkdir(parents=True)
    _noise_image(1).save(ma / "face.png")
    _noise_image(1).resize((64, 64)).save(mb / "face.jpg", quality=80)      # rescaled, re-encoded
    _noise_image(2).save(mb / "other.png")
    _noise_wav(ma / "clip.wav", 7)
    _noise_wav(mb / "clip.wav", 7, gain=0.6)                                  # same recording, quieter
    _noise_wav(mb / "different.wav", 8)
    for name, folder, crf in (("v.mp4", ma, 20), ("v.mp4", mb, 35)):
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=2:size=96x96:rate=10",
                        "-crf", str(crf), "-pix_fmt", "yuv420p", str(folder / name)], check=True)
    write_rows(tmp_path, "a", [
        {"id": "a/img", "split": "test", "image_path": "face.png"},
        {"id": "a/wav", "split": "test", "audio_path": "clip.wav"},
        {"id": "a/vid", "split": "validation", "video_path": "v.mp4"},
    ])
    write_rows(tmp_path, "b", [
        {"id": "b/img", "split": "train", "image_path": "face.jpg"},
        {"id": "b/img2", "split": "train", "image_path": "other.png"},
        {"id": "b/wav", "split": "train", "audio_path": "clip.wav"},
        {"id": "b/wav2", "split": "train", "audio_path": "different.wav"},
        {"id": "b/vid", "split": "train", "video_path": "v.mp4"},
        {"id": "b/missing", "split": "train", "image_path": "gone.png"},
    ])
    rng = np.random.default_rng(0)
    base = rng.standard_normal(64)
    for corpus, ids, vecs in (("a", ["a/img", "a/wav"], [base, rng.standard_normal(64)]),
                              ("b", ["b/img", "b/wav"], [base + 0.05 * rng.standard_normal(64),
                                                         rng.standard_normal(64)])):
        d = tmp_path / "derived" / "embeddings" / corpus
        d.mkdir(parents=True)
        pq.write_table(pa.table({"id": ids, "model": ["toy"] * 2,
                                 "vector": pa.array([v.astype(np.float32).tolist() for v in vecs],
                                                    pa.list_(pa.float32()))}), d / "part-00000.parquet")
    summary = find_duplicates(tmp_path, tmp_path / "dups", workers=1)
    rows = pq.read_table(tmp_path / "dups" / "duplicates.parquet").to_pylist()
    by_kind = {}
    for r in rows:
        by_kind.setdefault(r["kind"], set()).add(r["id"])
    assert by_kind == {"image": {"a/img", "b/img"}, "audio": {"a/wav", "b/wav"}, "frame": {"a/vid", "b/vid"},
                       "embedding": {"a/img", "b/img"}}
    assert all(0.9 <= r["score"] <= 1.0 for r in rows)
    leaks = {(p["kind"], p["corpus_a"], p["split_a"]) for p in summary["leakage"]}
    assert leaks == {("image", "a", "test"), ("image", "b", "train"), ("audio", "a", "test"),
                     ("audio", "b", "train"), ("frame", "a", "validation"), ("frame", "b", "train"),
                     ("embedding", "a", "test"), ("embedding", "b", "train")}


def test_bad_arguments_are_one_line_errors(tmp_path):
    write_rows(tmp_path, "a", [{"id": "a/1", "text": "x"}])
    with pytest.raises(DuplicateError, match=r"unknown kind\(s\) \['smell'\]"):
        find_duplicates(tmp_path, tmp_path / "d", kinds=["smell"])
    with pytest.raises(DuplicateError, match=r"corpora not in .*\['nope'\]"):
        find_duplicates(tmp_path, tmp_path / "d", corpora=["nope"])
    assert not (tmp_path / "d").exists()


def test_leakage_means_evaluation_meets_train():
    assert is_leakage("test", "train") and is_leakage("train", "validation")
    assert not is_leakage("train", "train") and not is_leakage("test", "validation") and not is_leakage("all", "test")


@pytest.fixture(scope="module")
def friends(tmp_path_factory, formats):
    """MELD (train, dev), MELD Dyadic (dev) and Multimodal EmoryNLP (dev) from the real files:
    every utterance is from Friends. MELD's test file and EmotionLines' JSON are not in ../shared."""
    root = tmp_path_factory.mktemp("friends")
    src = link_tree(formats / "MELD", root / "src", {n: n for n in (
        "train_sent_emo.csv", "dev_sent_emo.csv", "dev_sent_emo_dya.csv", "emorynlp_dev_final.csv")})
    for corpus in ("meld", "melddyadic", "emorynlp"):
        write_corpus(get_converter(corpus), src, root / "ds")
    summary = find_duplicates(root / "ds", root / "dups", kinds=["text"])
    return root, summary


def _n(summary, ca, sa, cb, sb):
    found = _pairs(summary, corpus_a=ca, split_a=sa, corpus_b=cb, split_b=sb)
    return found[0]["n"] if found else 0


def test_real_friends_corpora_share_utterances(friends):
    root, s = friends
    assert (root / "ds" / "data" / "meld" / "train").is_dir() and not (root / "ds" / "data" / "meld" / "test").exists()
    # MELD Dyadic's dev is built from MELD's dev dialogues: 1,118 of its 1,462 utterances (4+ words)
    # are MELD dev utterances verbatim; 829 MELD dev utterances have a copy there
    assert _n(s, "melddyadic", "validation", "meld", "validation") == 1118
    assert _n(s, "meld", "validation", "melddyadic", "validation") == 829
    # EmoryNLP annotates Friends scenes again: 139 of its dev utterances (4+ words) are in MELD train
    # (leakage for a model trained on MELD and tested on EmoryNLP dev), 26 in MELD dev
    assert _n(s, "emorynlp", "validation", "meld", "train") == 139
    assert _n(s, "emorynlp", "validation", "meld", "validation") == 26
    assert _n(s, "meld", "train", "emorynlp", "validation") == 164


def test_real_meld_dev_train_leakage(friends):
    """MELD's official dev and train splits share 12 texts of 4+ words: 15 dev utterances (and 24
    train utterances) such as "what are you talking about" recur in other episodes; the 1,000+
    shorter shared lines ("Okay.", "Yeah.") are counted apart as short phrases."""
    root, s = friends
    leak = _pairs(s, corpus_a="meld", split_a="validation", corpus_b="meld", split_b="train")
    assert leak == [{"corpus_a": "meld", "split_a": "validation", "corpus_b": "meld", "split_b": "train",
                     "kind": "text", "n": 15, "leakage": True}]
    assert _n(s, "meld", "train", "meld", "validation") == 24
    table = pq.read_table(root / "dups" / "duplicates.parquet").to_pylist()
    dev_groups = {r["group"] for r in table if r["corpus"] == "meld" and r["split"] == "validation"}
    train_groups = {r["group"] for r in table if r["corpus"] == "meld" and r["split"] == "train"}
    assert len(dev_groups & train_groups) == 12
    short = {p["corpus_b"] + "/" + p["split_b"]: p["n"] for p in s["short_phrases"]["pairs"]
             if p["corpus_a"] == "meld" and p["split_a"] == "validation"}
    assert short["meld/train"] == 155
    assert s["short_phrases"]["top"][0]["text"] in {"hey", "yeah", "what", "okay", "oh"}


def test_a_missing_media_tool_is_one_line(tmp_path, monkeypatch):
    import emodata.curate.duplicates as dup
    (tmp_path / "media" / "a").mkdir(parents=True)
    _noise_wav(tmp_path / "media" / "a" / "x.wav", 1, seconds=1.0)
    write_rows(tmp_path, "a", [{"id": "a/1", "audio_path": "x.wav"}])
    monkeypatch.setattr(dup.shutil, "which", lambda tool: None)
    with pytest.raises(DuplicateError, match=r"audio duplicates need fpcalc \(apt install libchromaprint-tools\)"):
        find_duplicates(tmp_path, tmp_path / "d", kinds=["audio"])
    assert not (tmp_path / "d").exists()
    assert find_duplicates(tmp_path, tmp_path / "d", kinds=["text"])["samples"] == 1
