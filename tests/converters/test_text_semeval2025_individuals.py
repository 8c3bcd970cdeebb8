"""SemEval-2025 Task 11 per-annotator files: fixtures built in the documented layouts of the task repo.

Every judgment of the per-annotator files must be stored exactly once (one rating per text and
annotator with at least one filled cell), an annotator who marked no emotion is a vote
(``labels == []``), an annotator with empty cells is absent, and a text that appears in tracks
a, b and c carries its ratings on one row only.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from click.testing import CliRunner

from emodata.cli import main
from emodata.convert import ConversionError, get_converter
from emodata.store import read_table, write_corpus

EMO6 = ["Joy", "Fear", "Anger", "Sadness", "Disgust", "Surprise"]
RON6 = ["bucurie", "tristete", "furie", "frica", "surpriza", "dezgust"]

# Swedish, wide layout (text_id,text,emotion,Annotator-k; CRLF; intensities 0-3).
# text id -> (text, {annotator: {emotion: cell}}); a missing emotion means a 0 cell, None = whole rater empty
SWE = {
    "1": ("Bra service av @kalle https://example.se", {1: {"Joy": "2"}, 2: {}, 3: None}),
    "2": ("Samma text", {1: {"Anger": "1"}, 2: {"Anger": "3"}, 3: {}}),
    "3": ("Samma text", {1: {"Sadness": "3"}, 2: {"Fear": "1", "Sadness": "2"}, 3: None}),
    "4": ("  Vad glad\r\njag blir ", {1: {"Joy": "3", "Surprise": "1"}, 2: {"Joy": "1"}, 3: {"Joy": "2"}}),
    "5": ("Finns inte i spåren", {1: {}, 2: {"Disgust": "2"}, 3: {}}),
}
# Romanian, no text_id, Romanian emotion names, annotator numbers with gaps, empty cells, 0.0/1.0 votes
RON = [("Ce zi frumoasa, azi!", {1: {"bucurie": "1.0"}, 2: {}, 5: None}),
       ("Stire trista: a murit", {1: None, 2: {"tristete": "2.0", "frica": "1.0"}, 5: {}})]
# German, one line per text, emotion and annotator (id,text,emotion,annotator,intensity), zipped
DEU = {"651": ("Ich bin so froh ##URL##", {"annotator1@uni-hamburg.de": {"Joy": "3"},
                                           "annotator2@uni-goettingen.de": {},
                                           "annotator3@uni-goettingen.de": None})}


def wide(rows: dict, emotions: list[str], raters: list[int], id_col=True, style="Annotator-{}") -> str:
    """A per-annotator file in the wide long-format layout (one line per text and emotion)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow((["text_id"] if id_col else []) + ["text", "emotion"] + [style.format(k) for k in raters])
    for tid, (text, votes) in rows.items():
        for e in emotions:
            cells = ["" if votes[k] is None else votes[k].get(e, "0") for k in raters]
            w.writerow(([tid] if id_col else []) + [text, e] + cells)
    return buf.getvalue()


def judgments(rows: dict, ref, rater) -> set[tuple[str, str]]:
    """(per-annotator item, rater id) for every annotator with a filled cell: the raw judgments."""
    return {(ref(tid), rater(k)) for tid, (_, votes) in rows.items() for k, v in votes.items() if v is not None}


def track(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.fixture
def release(tmp_path):
    root = tmp_path / "SemEval2025-Task11"
    ds = root / "task-dataset/semeval-2025-task11-dataset"
    h6 = ["id", "text", "anger", "disgust", "fear", "joy", "sadness", "surprise"]
    track(ds / "track_a/train/swe.csv", h6, [
        ["swe_train_track_a_00001", "Bra service av <username> ##URL##", 0, 0, 0, 1, 0, 0],
        ["swe_train_track_a_00002", "Samma text", 1, 0, 0, 0, 0, 0],
        ["swe_train_track_a_00003", "Samma text", 0, 0, 0, 0, 1, 0],
        ["swe_train_track_a_00004", "Ingen annoterad", 0, 0, 0, 0, 0, 0]])
    track(ds / "track_b/train/swe.csv", h6, [["swe_train_track_b_00001", "Bra service av <username> ##URL##",
                                              0, 0, 0, 2, 0, 0]])
    track(ds / "track_a/dev/swe.csv", h6, [["swe_dev_track_a_00001", "Vad glad jag blir", 0, 0, 0, 1, 0, 0]])
    track(ds / "track_c/dev/swe.csv", h6, [["swe_dev_track_c_00007", "Vad glad\njag blir", 0, 0, 0, 1, 0, 0]])
    track(ds / "track_a/train/ron.csv", ["id", "text", "Joy", "Fear", "Anger", "Sadness", "Disgust", "Surprise"],
          [["ron_train_track_a_00001", "Ce zi frumoasa azi", 1, 0, 0, 0, 0, 0]])
    track(ds / "track_a/test/deu.csv", h6, [["deu_test_track_a_00001", "Ich bin so froh ##URL##", "", "", "", "", "", ""]])
    ind = root / "individual_labels"
    (ind / "swe").mkdir(parents=True)
    (ind / "swe/swe_individuals.csv").write_bytes(wide(SWE, EMO6, [1, 2, 3]).encode())
    (ind / "ron").mkdir()
    (ind / "ron/ron_individuals.csv").write_text(
        wide(dict(enumerate(RON)), RON6, [1, 2, 5], id_col=False, style="annotator_{}"), encoding="utf-8")
    (ind / "deu").mkdir()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text", "emotion", "annotator", "intensity"])
    for tid, (text, votes) in DEU.items():
        for e in EMO6:
            for rater, v in votes.items():
                w.writerow([tid, text, e, rater, "" if v is None else v.get(e, "0")])
    with zipfile.ZipFile(ind / "deu/deu_individual_intensities.csv.zip", "w") as z:
        z.writestr("deu_individual_intensities.csv", buf.getvalue())
        z.writestr("__MACOSX/._deu_individual_intensities.csv", b"\x00\x05\x16\x07 mac resource fork")
    return root


def rows_by_id(out):
    rows = {}
    for r in read_table(out, "semeval2025task11").to_pylist():
        r["extra"] = json.loads(r["extra"]) if r["extra"] else {}
        rows[r["native_id"]] = r
    return rows


def test_every_judgment_stored_once(release, out):
    summary = write_corpus(get_converter("semeval2025task11"), release, out)
    assert summary["skipped"] == 0
    rows = rows_by_id(out)
    ind = "individual_labels"
    expected = (judgments(SWE, lambda t: f"{ind}/swe/swe_individuals.csv#{t}", lambda k: f"swe/annotator_{k}")
                # no text id in the ron file: an item is named by the line its text first appears on
                | judgments(dict(enumerate(RON)), lambda t: f"{ind}/ron/ron_individuals.csv:{2 + 6 * t}",
                            lambda k: f"ron/annotator_{k}")
                | judgments(DEU, lambda t: f"{ind}/deu/deu_individual_intensities.csv.zip#{t}", lambda k: f"deu/{k}"))
    stored = [(r["extra"]["individual"], x["rater_id"]) for r in rows.values() for x in r["ratings"] or []]
    assert len(stored) == len(set(stored)) == 19           # 13 Swedish + 4 Romanian + 2 German judgments
    assert set(stored) == expected


def test_votes_absences_and_item_identity(release, out):
    write_corpus(get_converter("semeval2025task11"), release, out)
    rows = rows_by_id(out)
    a1 = rows["swe_train_track_a_00001"]        # linked although the track masks the URL and user name
    by_rater = {x["rater_id"]: x for x in a1["ratings"]}
    assert by_rater["swe/annotator_1"]["labels"] == ["joy"]
    assert by_rater["swe/annotator_2"]["labels"] == []          # saw it, chose no emotion: a vote
    assert by_rater["swe/annotator_2"]["native"] == "joy:0,fear:0,anger:0,sadness:0,disgust:0,surprise:0"
    assert "swe/annotator_3" not in by_rater                     # empty cells: did not rate
    assert a1["extra"]["individual"] == "individual_labels/swe/swe_individuals.csv#1"
    b1 = rows["swe_train_track_b_00001"]                         # same text in track b: no second copy
    assert b1["ratings"] == [] and b1["extra"]["ratings_on"] == "swe_train_track_a_00001"
    # identical texts with different ids stay two items, each with its own votes
    two, three = rows["swe_train_track_a_00002"], rows["swe_train_track_a_00003"]
    assert [x["labels"] for x in two["ratings"]] == [["anger"], ["anger"], []]
    assert [x["labels"] for x in three["ratings"]] == [["sadness"], ["fear", "sadness"]]
    # whitespace and a Windows line break inside the text; track c names the track a row
    dev = rows["swe_dev_track_a_00001"]
    assert len(dev["ratings"]) == 3 and rows["swe_dev_track_c_00007"]["extra"]["ratings_on"] == dev["native_id"]
    assert rows["swe_train_track_a_00004"]["ratings"] == [] and "ratings_on" not in rows["swe_train_track_a_00004"]["extra"]
    loose = rows["swe_individual_00004"]                         # in no track file
    assert loose["split"] == "unassigned" and [x["labels"] for x in loose["ratings"]] == [[], ["disgust"], []]
    # Romanian: punctuation dropped in the track file, Romanian names, gaps, 0.0/1.0 votes
    ron = rows["ron_train_track_a_00001"]
    assert {x["rater_id"]: x["labels"] for x in ron["ratings"]} == {"ron/annotator_1": ["joy"],
                                                                    "ron/annotator_2": []}
    sad = rows["ron_individual_00001"]
    assert {x["rater_id"]: x["labels"] for x in sad["ratings"]} == {"ron/annotator_2": ["fear", "sadness"],
                                                                    "ron/annotator_5": []}
    deu = rows["deu_test_track_a_00001"]                         # zipped one-line-per-annotator layout
    assert {x["rater_id"]: x["labels"] for x in deu["ratings"]} == {"deu/annotator1@uni-hamburg.de": ["joy"],
                                                                    "deu/annotator2@uni-goettingen.de": []}
    assert deu["label"] == "joy"                                 # no gold in the test file: the raters' plurality


def test_duplicate_lines_count_once_and_conflicts_fail(tmp_path, out):
    track(tmp_path / "track_a/train/hin.csv", ["id", "text", "joy", "fear"],
          [["hin_train_track_a_00001", "Ek", 1, 0]])
    lines = "text_id,text,emotion,Annotator-1,Annotator-2\nh1,Ek,Joy,1,0\nh1,Ek,Fear,0,0\n"
    p = tmp_path / "individual_labels/hin/hin_train_dev.csv"
    p.parent.mkdir(parents=True)
    p.write_text(lines + "h1,Ek,Joy,1,0\nh1,Ek,Fear,0,0\n")   # the same block shipped twice
    write_corpus(get_converter("semeval2025task11"), tmp_path, out)
    (row,) = read_table(out, "semeval2025task11").to_pylist()
    assert [(x["rater_id"], x["labels"]) for x in row["ratings"]] == [("hin/annotator_1", ["joy"]),
                                                                      ("hin/annotator_2", [])]
    p.write_text(lines + "h1,Ek,Joy,0,0\n")
    with pytest.raises(ConversionError, match=r"hin_train_dev.csv:4: hin/annotator_1 Joy = 0 contradicts line 2"):
        write_corpus(get_converter("semeval2025task11"), tmp_path, tmp_path / "o2")


def test_bad_cell_strict_names_line_and_lenient_skips_the_whole_line(tmp_path):
    track(tmp_path / "track_a/train/swe.csv", ["id", "text", "joy", "fear"],
          [["swe_train_track_a_00001", "Hej", 1, 0]])
    p = tmp_path / "individual_labels/swe/swe_individuals.csv"
    p.parent.mkdir(parents=True)
    p.write_text("text_id,text,emotion,Annotator-1,Annotator-2\n1,Hej,Joy,3,x\n1,Hej,Fear,0,1\n")
    with pytest.raises(ConversionError, match=r"swe_individuals.csv:2: Annotator-2 = 'x'; expected empty"):
        write_corpus(get_converter("semeval2025task11"), tmp_path, tmp_path / "strict")
    assert not (tmp_path / "strict/data").exists()
    res = CliRunner().invoke(main, ["convert", "semeval2025task11", str(tmp_path), "--out", str(tmp_path / "o"),
                                    "--lenient"])
    assert res.exit_code == 0, res.output
    (row,) = read_table(tmp_path / "o").to_pylist()
    # annotator 1's joy vote sat on the bad line: nothing of that line is kept
    assert [(x["rater_id"], x["labels"], x["native"]) for x in row["ratings"]] == [
        ("swe/annotator_1", [], "fear:0"), ("swe/annotator_2", ["fear"], "fear:1")]


def test_unknown_layout_and_emotion(tmp_path):
    track(tmp_path / "track_a/train/swe.csv", ["id", "text", "joy"], [["swe_train_track_a_00001", "Hej", 1]])
    p = tmp_path / "individual_labels/swe/swe_individuals.csv"
    p.parent.mkdir(parents=True)
    p.write_text("text,label,rater1\nHej,Joy,1\n")
    with pytest.raises(ConversionError, match=r"swe_individuals.csv:1: unsupported per-annotator layout"):
        write_corpus(get_converter("semeval2025task11"), tmp_path, tmp_path / "a")
    p.write_text("text_id,text,emotion,Annotator-1\n1,Hej,Glädje,1\n")
    with pytest.raises(ConversionError, match=r"swe_individuals.csv:2: unknown label 'glädje'"):
        write_corpus(get_converter("semeval2025task11"), tmp_path, tmp_path / "b")
    p.write_bytes("text_id,text,emotion,Annotator-1\n1,Hej då,Joy,1\n".encode("latin-1"))
    with pytest.raises(ConversionError, match=r"swe_individuals.csv: not utf-8 text \(byte 0xe5\)"):
        write_corpus(get_converter("semeval2025task11"), tmp_path, tmp_path / "c")


def test_older_snapshot_puts_files_in_individual_labels(tmp_path, out):
    track(tmp_path / "track_a/test/mar.csv", ["id", "text", "joy"], [["mar_test_track_a_00001", "Ek", 1]])
    (tmp_path / "individual_labels").mkdir()
    (tmp_path / "individual_labels/Marathi_all_test_individuals.csv").write_text(
        "text_id,text,emotion,Annotator-1,Annotator-2\n1102,Ek,Joy,2,0\n")
    write_corpus(get_converter("semeval2025task11"), tmp_path, out)
    (row,) = read_table(out, "semeval2025task11").to_pylist()
    assert [(x["rater_id"], x["labels"]) for x in row["ratings"]] == [("mar/annotator_1", ["joy"]),
                                                                      ("mar/annotator_2", [])]
