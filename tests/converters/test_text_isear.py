"""ISEAR: fixtures built in the layouts of the circulated exports of the databank (no real file in ../shared).

The published databank has 7,666 situations; both real exports (the ``|`` databank and the
``Field1;SIT`` file) were checked by hand to convert to 7,666 rows with the same texts (see the
converter docstring); here each layout quirk is built in a small file.
"""
from __future__ import annotations

import json

import pytest

from emodata.convert import ConversionError, get_converter
from emodata.store import read_table, write_corpus

CODEBOOK = ("ID|CITY|COUN|SUBJ|SEX|AGE|RELI|PRAC|FOCC|MOCC|FIEL|EMOT|WHEN|LONG|INTS|ERGO|TROPHO|TEMPER|EXPRES|"
            "MOVE|EXP1|EXP2|EXP10|PARAL|CON|EXPC|PLEA|PLAN|FAIR|CAUS|COPING|MORL|SELF|RELA|VERBAL|NEUTRO|Field1|"
            "Field3|Field2|MYKEY|SIT|STATE|")
NAMES = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")
# (respondent, sex, age, EMOT code, situation as the | export writes it)
SITUATIONS = [
    ("11001", "1", "33", "1", "During the period of falling in love, each time that we met and á especially "
                               "when we had not met for a long time."),
    ("11001", "1", "33", "2", "When I climbed up a tree.  The angle of the ladder á|I was on did not enable me "
                              "á|to get high enough."),                     # extra | inside SIT: 45 fields
    ("11001", "1", "33", "7", "Two colleagues disturbed me by \\terror ringing\\\", i.e á|continuously "
                              "interrupting me.\""),                        # the export's quote escapes
    ("11002", "2", "0", "6", "I lied.á"),
]
TEXTS = ["During the period of falling in love, each time that we met and especially when we had not met "
         "for a long time.",
         "When I climbed up a tree.  The angle of the ladder I was on did not enable me to get high enough.",
         'Two colleagues disturbed me by "terror ringing", i.e continuously interrupting me.',
         "I lied."]


def pipe_line(resp, sex, age, emot, sit, key):
    codes = [resp, "1", "1", resp[-1], sex, age] + ["1"] * 5 + [emot] + ["2"] * 24 + [dict(enumerate(NAMES, 1)).get(int(emot), "?"), "3", "2"]
    return "|".join(codes + [key, sit, "1", ""])


def convert(src, out, **kw):
    summary = write_corpus(get_converter("isear"), src, out, **kw)
    return summary, read_table(out, "isear").to_pylist()


def test_pipe_databank_extra_pipes_markers_and_quotes(tmp_path, out):
    lines = [CODEBOOK] + [pipe_line(*s, key=f"0{s[0]}{s[3]}") for s in SITUATIONS]
    assert [len(line.split("|")) for line in lines] == [43, 43, 45, 44, 43]
    (tmp_path / "isear.csv").write_text("\n".join(lines), encoding="utf-8")
    summary, rows = convert(tmp_path, out)
    assert summary["rows"] == len(SITUATIONS) and summary["skipped"] == 0
    assert [r["text"] for r in rows] == TEXTS
    assert [r["label"] for r in rows] == ["joy", "fear", "guilt", "shame"]
    first, last = rows[0], rows[-1]
    assert (first["native_id"], first["speaker_id"], first["speaker_gender"], first["speaker_age"]) == (
        "0110011", "11001", "female", 33)
    assert last["speaker_gender"] == "male" and last["speaker_age"] is None       # AGE 0: not given
    extra = json.loads(first["extra"])
    assert extra["COUN"] == "1" and extra["STATE"] == "1" and "SIT" not in extra and "" not in extra


def test_pipe_databank_windows_1252_and_a_record_cut_by_a_line_break(tmp_path, out):
    cut = pipe_line("11003", "2", "22", "4", "When my grandmother died á\nand I was far away.", "0110034")
    (tmp_path / "isear.csv").write_bytes("\n".join([CODEBOOK, cut, ""]).replace("\n", "\r\n").encode("cp1252"))
    _, rows = convert(tmp_path, out)
    assert [(r["text"], r["label"]) for r in rows] == [("When my grandmother died and I was far away.", "sadness")]


def test_semicolon_export_gives_the_same_texts(tmp_path, out):
    # Field1;SIT: quoted texts with real line breaks after the marker (lost as U+FFFD in the circulated copy)
    semi = ['Field1;SIT',
            'joy;"During the period of falling in love, each time that we met and \ufffd\nespecially when we had '
            'not met for a long time."',
            'fear;"When I climbed up a tree.  The angle of the ladder \ufffd\nI was on did not enable me \ufffd\n'
            'to get high enough."',
            'guilt;"Two colleagues disturbed me by ""terror ringing"", i.e \ufffd\ncontinuously interrupting me."',
            'shame;I lied.']
    (tmp_path / "isear.csv").write_text("\n".join(semi) + "\n", encoding="utf-8")
    summary, rows = convert(tmp_path, out)
    assert [r["text"] for r in rows] == TEXTS
    assert [(r["native_id"], r["label"]) for r in rows] == [("00001", "joy"), ("00002", "fear"), ("00003", "guilt"),
                                                            ("00004", "shame")]


def test_two_column_export_with_and_without_header(tmp_path):
    for name, header in (("bare", ""), ("named", "Emotions,Statements\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "isear.csv").write_text(header + 'joy,"On days when I feel close to my partner á\n'
                                                   'and friends."\nshame,I lied\n', encoding="utf-8")
        _, rows = convert(tmp_path / name, tmp_path / f"{name}-out")
        assert [(r["native_id"], r["label"], r["text"]) for r in rows] == [
            ("00001", "joy", "On days when I feel close to my partner and friends."), ("00002", "shame", "I lied")]


def test_bad_lines_name_file_and_line(tmp_path):
    bad_code = pipe_line("11001", "1", "33", "9", "x", "0110019")
    (tmp_path / "isear.csv").write_text("\n".join([CODEBOOK, pipe_line(*SITUATIONS[0], key="k"), bad_code]))
    with pytest.raises(ConversionError, match=r"isear.csv:3: EMOT '9'; expected one of"):
        convert(tmp_path, tmp_path / "a")
    short = "11001|1|1|1|1|33|1"
    (tmp_path / "isear.csv").write_text("\n".join([CODEBOOK, short, pipe_line(*SITUATIONS[3], key="k")]))
    with pytest.raises(ConversionError, match=r"isear.csv:2: expected 43 \|-separated fields .* found 7"):
        convert(tmp_path, tmp_path / "b")
    summary, rows = convert(tmp_path, tmp_path / "c", strict=False)
    assert summary["skipped"] == 1 and [r["text"] for r in rows] == ["I lied."]
