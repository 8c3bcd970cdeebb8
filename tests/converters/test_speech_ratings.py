"""MSP-Podcast, MSP-IMPROV, ESD and eNTERFACE'05: fixtures built to the documented layouts."""
from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner

from emodata.cli import main
from emodata.convert import ConversionError, get_converter
from emodata.store import read_table, write_corpus
from corpus_fixtures import write_wav

CONSENSUS_HEAD = """FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set
MSP-PODCAST_0001_0008.wav,N,2.2,4.0,2.6,30,Male,Test1
MSP-PODCAST_0001_0009.wav,N,3.777778,3.555556,3.777778,39,Male,Test1
MSP-PODCAST_0001_0011.wav,N,4.125,4.75,4.0,39,Male,Test1
MSP-PODCAST_0001_0013.wav,N,3.0,3.75,3.166667,39,Male,Test1
MSP-PODCAST_0001_0016.wav,N,2.4,4.2,2.8,30,Male,Test1
MSP-PODCAST_0002_0001.wav,A,6.0,1.5,5.5,Unknown,Unknown,Train
MSP-PODCAST_0003_0004.wav,X,4.0,4.0,4.0,77,Female,Development
MSP-PODCAST_0004_0002.wav,U,5.0,5.0,4.0,12,Female,Test2
"""
DETAILED = {
    "MSP-PODCAST_0003_0004.wav": {
        "WORKER00001": {"EmoClass_Major": "Angry", "EmoClass_Second": "Frustrated", "EmoAct": 6, "EmoVal": 2, "EmoDom": 5},
        "WORKER00002": {"EmoClass_Major": "Happy", "EmoClass_Second": "Amused", "EmoAct": 5, "EmoVal": 6, "EmoDom": 4},
        "WORKER00003": {"EmoClass_Major": "Other-Sarcastic", "EmoClass_Second": "", "EmoAct": 1, "EmoVal": 4, "EmoDom": 3},
    },
    "MSP-PODCAST_0002_0001.wav": {
        "WORKER00001": {"EmoClass_Major": "Angry", "EmoClass_Second": "", "EmoAct": 7, "EmoVal": 1, "EmoDom": 7},
    },
}


def msp_podcast(root, consensus="labels_consensus.csv", text=CONSENSUS_HEAD, detailed=DETAILED):
    (root / "Labels").mkdir(parents=True)
    (root / "Labels" / consensus).write_text(text, encoding="utf-8")
    if detailed is not None:
        (root / "Labels" / "labels_detailed.json").write_text(json.dumps(detailed), encoding="utf-8")
    return root


def rows_of(out, corpus):
    return {r["native_id"]: r for r in read_table(out, corpus).to_pylist()}


def test_mspodcast_consensus_and_raters(tmp_path, out):
    summary = write_corpus(get_converter("mspodcast"), msp_podcast(tmp_path / "src"), out)
    assert summary["splits"] == {"test1": 5, "train": 1, "validation": 1, "test2": 1}
    rows = rows_of(out, "mspodcast")
    first = rows["MSP-PODCAST_0001_0008"]
    assert first["label"] == "neutral" and first["speaker_id"] == "30" and first["speaker_gender"] == "male"
    assert first["vad_source"] == "annotated" and first["vad_scale"] == "1-7"
    # 1-7 -> [-1, 1]: valence 4.0 -> 0, arousal 2.2 -> -0.6, dominance 2.6 -> -0.4667
    assert first["valence"] == pytest.approx(0.0) and first["arousal"] == pytest.approx(-0.6)
    assert first["dominance"] == pytest.approx(-0.46667, abs=1e-4)
    assert first["audio_path"] == "Audios/MSP-PODCAST_0001_0008.wav" and first["dialogue_id"] == "MSP-PODCAST_0001"
    unknown = rows["MSP-PODCAST_0002_0001"]
    assert unknown["speaker_id"] is None and unknown["speaker_gender"] is None and unknown["label"] == "anger"
    nocons = rows["MSP-PODCAST_0003_0004"]
    assert nocons["native_label"] == "X" and nocons["label"] is None
    assert {d["label"]: round(d["prob"], 3) for d in nocons["soft_label"]} == {"anger": 0.333, "happiness": 0.333,
                                                                                "other": 0.333}
    raters = {r["rater_id"]: r for r in nocons["ratings"]}
    assert raters["WORKER00003"]["labels"] == ["other"]
    assert json.loads(raters["WORKER00003"]["native"])["EmoClass_Major"] == "Other-Sarcastic"
    assert raters["WORKER00001"]["arousal"] == pytest.approx(2 / 3)     # 6 on 1-7
    assert rows["MSP-PODCAST_0004_0002"]["label"] == "surprise" and rows["MSP-PODCAST_0004_0002"]["ratings"] == []


def test_mspodcast_old_release_misspelt_file_without_raters(tmp_path, out):
    src = msp_podcast(tmp_path / "src", consensus="labels_concensus.csv", detailed=None)
    assert write_corpus(get_converter("mspodcast"), src, out)["rows"] == 8


def test_mspodcast_bad_split_names_file_and_line(tmp_path, out):
    text = CONSENSUS_HEAD + "MSP-PODCAST_0005_0001.wav,H,4,4,4,1,Male,Holdout\n"
    src = msp_podcast(tmp_path / "src", text=text)
    with pytest.raises(ConversionError, match=r"labels_consensus.csv:10: unknown Split_Set 'Holdout'"):
        write_corpus(get_converter("mspodcast"), src, out)
    assert not (out / "data" / "mspodcast").exists()
    result = CliRunner().invoke(main, ["convert", "mspodcast", str(src), "--out", str(out), "--lenient"])
    assert result.exit_code == 0, result.output
    assert len(rows_of(out, "mspodcast")) == 8
    report = [json.loads(x) for x in open(out / "reports" / "mspodcast-skipped.jsonl")]
    assert report[0]["line"] == 10 and "Holdout" in report[0]["reason"]


@pytest.mark.parametrize("rater, message", [
    ({"EmoClass_Major": "Bored", "EmoAct": 4}, "rater W9: unknown EmoClass_Major 'Bored'"),
    ({"EmoClass_Major": "Sad", "EmoVal": "abc"}, "ValueError: could not convert string to float: 'abc'"),
    ({"EmoClass_Major": "Sad", "EmoAct": 9}, r"rating arousal 1.66+\d* is outside \[-1, 1\]"),
])
def test_mspodcast_bad_rater_fails_its_segment_line(tmp_path, out, rater, message):
    """A bad rater record is an error at its segment's consensus line; lenient drops the segment whole."""
    detailed = {**DETAILED, "MSP-PODCAST_0002_0001.wav": {"W1": DETAILED["MSP-PODCAST_0002_0001.wav"]["WORKER00001"],
                                                          "W9": rater}}
    text = CONSENSUS_HEAD.replace("6.0,1.5,5.5,Unknown", "x,1.5,5.5,Unknown")   # the rater is met before this
    src = msp_podcast(tmp_path / "src", text=text, detailed=detailed)
    with pytest.raises(ConversionError, match=r"labels_consensus.csv:7: .*" + message):
        write_corpus(get_converter("mspodcast"), src, out)
    assert write_corpus(get_converter("mspodcast"), src, out, strict=False)["rows"] == 7
    assert "MSP-PODCAST_0002_0001" not in rows_of(out, "mspodcast")


def test_mspodcast_first_error_is_the_earliest_line(tmp_path, out):
    """An unknown consensus code on line 3 is reported before a bad split on line 10 (as row by row)."""
    text = (CONSENSUS_HEAD.replace("0001_0009.wav,N,", "0001_0009.wav,Z,")
            + "MSP-PODCAST_0005_0001.wav,H,4,4,4,1,Male,Holdout\n")
    src = msp_podcast(tmp_path / "src", text=text)
    with pytest.raises(ConversionError, match=r"labels_consensus.csv:3: unknown label 'Z'"):
        write_corpus(get_converter("mspodcast"), src, out)


def test_mspodcast_in_chunks_equals_one_pass(tmp_path, monkeypatch):
    """Segments convert in chunks of CHUNK_SEGMENTS (bounded memory): the rows are those of one pass."""
    from emodata.converters import mspodcast
    src = msp_podcast(tmp_path / "src")
    write_corpus(get_converter("mspodcast"), src, tmp_path / "one")
    monkeypatch.setattr(mspodcast, "CHUNK_SEGMENTS", 3)
    write_corpus(get_converter("mspodcast"), src, tmp_path / "chunks")
    assert read_table(tmp_path / "chunks", "mspodcast").sort_by("id").equals(
        read_table(tmp_path / "one", "mspodcast").sort_by("id"))
    assert len({f.parent.name for f in (tmp_path / "chunks" / "data" / "mspodcast").rglob("*.parquet")}) == 4


def test_mspodcast_nan_rater_value_is_missing_and_a_repeated_segment_is_an_error(tmp_path, out):
    detailed = {"MSP-PODCAST_0002_0001.wav": {"W1": {"EmoClass_Major": "Sad", "EmoVal": "nan", "EmoAct": "NaN",
                                                     "EmoDom": 7}}}
    src = msp_podcast(tmp_path / "src", detailed=detailed)
    write_corpus(get_converter("mspodcast"), src, out)
    (rating,) = rows_of(out, "mspodcast")["MSP-PODCAST_0002_0001"]["ratings"]
    assert rating["valence"] is None and rating["arousal"] is None and rating["dominance"] == pytest.approx(1.0)
    text = CONSENSUS_HEAD + "MSP-PODCAST_0002_0001.wav,H,4,4,4,1,Male,Train\n"
    src = msp_podcast(tmp_path / "src2", text=text, detailed=detailed)
    with pytest.raises(ConversionError, match="labels_consensus.csv:10: segment MSP-PODCAST_0002_0001 is listed twice"):
        write_corpus(get_converter("mspodcast"), src, out)


EVALUATION = """UTD-IMPROV-S01A-F01-S-FM01.avi; A; A:4.000000; V:2.000000; D:4.000000 ; N:5.000000;
Evaluator_1; Angry; Frustrated; A:4.0; V:2.0; D:4.0; N:5.0
Evaluator_2; Angry; ; A:4.0; V:2.0; D:4.0; N:5.0
Evaluator_3; Neutral; ; A:4.0; V:2.0; D:4.0; N:5.0

UTD-IMPROV-S02H-M03-R-MF02.avi; X; A:3.000000; V:3.500000; D:3.000000 ; N:2.000000;
Evaluator_4; Happy;
Evaluator_5; Sad;
Evaluator_5; Other-bored;
"""


def mspimprov(root):
    root.mkdir(parents=True)
    (root / "Evaluation.txt").write_text(EVALUATION, encoding="utf-8")
    return root


def test_mspimprov_evaluation_blocks(tmp_path, out):
    write_corpus(get_converter("mspimprov"), mspimprov(tmp_path / "src"), out)
    rows = rows_of(out, "mspimprov")
    a = rows["MSP-IMPROV-S01A-F01-S-FM01"]
    assert a["label"] == "anger" and a["speaker_id"] == "F01" and a["speaker_gender"] == "female"
    assert a["audio_path"] == "session1/S01A/S/MSP-IMPROV-S01A-F01-S-FM01.wav"
    assert a["valence"] == pytest.approx(-0.5) and a["arousal"] == pytest.approx(0.5) and a["vad_scale"] == "1-5"
    assert {d["label"]: round(d["prob"], 3) for d in a["soft_label"]} == {"anger": 0.667, "neutral": 0.333}
    assert json.loads(a["extra"]) == {"naturalness": 5.0, "sentence": "01", "target_emotion": "anger",
                                      "recording_type": "S", "dyad": "FM01"}
    assert a["ratings"][0]["native"].startswith("Evaluator_1; Angry; Frustrated")
    assert a["ratings"][0]["valence"] == pytest.approx(-0.5)
    x = rows["MSP-IMPROV-S02H-M03-R-MF02"]
    assert x["label"] is None and x["speaker_id"] == "M03" and x["dialogue_id"] == "session3"
    assert [(r["rater_id"], r["labels"], r["condition"]) for r in x["ratings"]] == [
        ("Evaluator_4", ["happiness"], None), ("Evaluator_5", ["sadness"], None), ("Evaluator_5", ["other"], "repeat-2")]


def test_mspimprov_malformed_header(tmp_path, out):
    (tmp_path / "src").mkdir()
    bad = EVALUATION.replace("UTD-IMPROV-S02H-M03-R-MF02.avi; X; A:3.000000;", "UTD-IMPROV-S02H-M03-R-MF02.avi; X;")
    (tmp_path / "src" / "Evaluation.txt").write_text(bad, encoding="utf-8")
    with pytest.raises(ConversionError, match=r"Evaluation.txt:6: malformed clip header"):
        write_corpus(get_converter("mspimprov"), tmp_path / "src", out)
    summary = write_corpus(get_converter("mspimprov"), tmp_path / "src", out, strict=False)
    assert summary["rows"] == 1 and summary["skipped"] == 4   # the header and its three rater lines


def esd_tree(root):
    for spk, emo, split, utt in [("0001", "Angry", "train", "000351"), ("0001", "Sad", "test", "001390"),
                                 ("0015", "Happy", "evaluation", "000701"), ("0015", "Neutral", "train", "000137")]:
        write_wav(root / spk / emo / split / f"{spk}_{utt}.wav", seconds=0.02)
    (root / "0001" / "0001.txt").write_bytes(
        "0001_000351\t打远一看，它们的确很是美丽，\t生气\n0001_001390\t我们的船漂浮在空中。\t伤心\n".encode("gb2312"))
    (root / "0015" / "0015.txt").write_text(
        "0015_000701\tThe nine the eggs, I keep.\tHappy\n0015_000137\tLet the glass globe be\tNeutral\n", encoding="utf-8")
    return root


def test_esd_folders_transcripts_and_corrections(tmp_path, out):
    summary = write_corpus(get_converter("esd"), esd_tree(tmp_path / "src"), out)
    assert summary["splits"] == {"train": 2, "test": 1, "validation": 1}
    rows = rows_of(out, "esd")
    zh = rows["0001_000351"]
    assert zh["label"] == "anger" and zh["language"] == "zh" and zh["speaker_gender"] == "female"
    assert zh["text"] == "打远一看，它们的确很是美丽，" and json.loads(zh["extra"])["transcript_emotion"] == "生气"
    en = rows["0015_000701"]
    assert en["split"] == "validation" and en["language"] == "en" and en["text"] == "The nine the eggs, I keep."
    assert rows["0015_000137"]["text"] == "Let the glass globe be."        # known transcript error corrected


def test_esd_malformed_transcript_line(tmp_path, out):
    src = esd_tree(tmp_path / "src")
    with open(src / "0015" / "0015.txt", "a", encoding="utf-8") as f:
        f.write("0015_000702 no tabs here\n")
    with pytest.raises(ConversionError, match=r"0015.txt:3: expected 3 tab-separated fields"):
        write_corpus(get_converter("esd"), src, out)
    summary = write_corpus(get_converter("esd"), src, out, strict=False)
    assert summary["rows"] == 4 and summary["skipped"] == 1


def tiny_avi(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=32x32:d=0.1",
                    "-f", "lavfi", "-i", "sine=f=220:d=0.1", "-shortest", "-c:v", "mjpeg", "-c:a", "pcm_s16le",
                    str(path)], check=True)
    return path


def enterface_tree(root):
    clip = tiny_avi(root.parent / "clip.avi")
    for rel in ["subject 1/anger/sentence 1/s1_an_1.avi", "subject 11/happiness/sentence 3/s12_ha_3.avi",
                "subject 16/surprise/sentence 3/s16_su_3avi.avi", "subject 3/fear/s_3_fe_5.avi"]:
        (root / "enterface database" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "enterface database" / rel).symlink_to(clip)
    return root


def test_enterface_folders_and_name_quirks(tmp_path, out):
    summary = write_corpus(get_converter("enterface05"), enterface_tree(tmp_path / "src"), out)
    assert summary["rows"] == 4
    rows = rows_of(out, "enterface05")
    assert set(rows) == {"s1/anger/1/s1_an_1", "s11/happiness/3/s12_ha_3", "s16/surprise/3/s16_su_3avi",
                         "s3/fear/5/s_3_fe_5"}
    r = rows["s11/happiness/3/s12_ha_3"]
    assert r["speaker_id"] == "s11" and r["label"] == "happiness" and r["elicitation"] == "induced"
    assert r["modalities"] == ["audio", "video"] and r["video_path"] == r["audio_path"]
    assert (tmp_path / "src" / r["video_path"]).is_file()
    assert json.loads(rows["s3/fear/5/s_3_fe_5"]["extra"]) == {"sentence": 5}


NEMO_TSV = """file_id\temotion\traw_text\tnormalized_text\tspeaker_id\tgender\tage
SB0_anger_0.wav\tanger\tDzień dobry, "proszę".\tdzień dobry proszę\tSB0\tmale\t24
WR0_surprised_12.wav\tsurprised\tNaprawdę?\tnaprawdę\tWR0\tfemale\t23
"""


def test_nemo_tsv(tmp_path, out):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "data.tsv").write_text(NEMO_TSV, encoding="utf-8")
    write_corpus(get_converter("nemo"), tmp_path / "src", out)
    rows = rows_of(out, "nemo")
    a = rows["SB0_anger_0"]
    assert a["label"] == "anger" and a["text"] == 'Dzień dobry, "proszę".' and a["speaker_age"] == 24
    assert a["speaker_gender"] == "male" and a["audio_path"] == "samples/SB0_anger_0.wav" and a["split"] == "all"
    assert json.loads(a["extra"]) == {"normalized_text": "dzień dobry proszę"}
    assert rows["WR0_surprised_12"]["label"] == "surprise"


def test_nemo_unknown_label_names_line(tmp_path, out):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "data.tsv").write_text(NEMO_TSV + "X_bored_1.wav\tbored\tNo.\tno\tX\tmale\t30\n", encoding="utf-8")
    with pytest.raises(ConversionError, match=r"data.tsv:4: unknown label 'bored'"):
        write_corpus(get_converter("nemo"), tmp_path / "src", out)
