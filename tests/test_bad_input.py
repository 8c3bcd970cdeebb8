"""Bad input: clear errors naming file, line and expectation; nothing half-written; --lenient."""
import json
import shutil

import pytest
from click.testing import CliRunner

from emodata.cli import main
from emodata.convert import ConversionError, get_converter
from emodata.store import write_corpus


def meld_copy(formats, tmp_path, edit=None):
    src = tmp_path / "meld"
    src.mkdir()
    text = (formats / "MELD" / "dev_sent_emo.csv").read_bytes().decode("utf-8")
    lines = text.split("\n")
    if edit:
        edit(lines)
    (src / "dev_sent_emo.csv").write_bytes("\n".join(lines).encode("utf-8"))
    return src


def test_unknown_label_names_file_line_and_expectation(formats, tmp_path, out):
    def edit(lines):
        lines[5] = lines[5].replace(",sadness,negative,", ",happy,negative,")
    src = meld_copy(formats, tmp_path, edit)
    with pytest.raises(ConversionError) as e:
        write_corpus(get_converter("meld"), src, out)
    msg = str(e.value)
    assert "dev_sent_emo.csv:6:" in msg and "unknown label 'happy'" in msg and "'neutral'" in msg
    assert not out.exists()                              # no temp folder, no empty data/ left behind


def test_malformed_row_and_lenient_report(formats, tmp_path, out):
    def edit(lines):
        lines[3] = "3,truncated row,Ross"
    src = meld_copy(formats, tmp_path, edit)
    with pytest.raises(ConversionError, match=r"dev_sent_emo.csv:4: expected 11 fields .* found 3"):
        write_corpus(get_converter("meld"), src, out)
    summary = write_corpus(get_converter("meld"), src, out, strict=False)
    assert summary["rows"] == 1108 and summary["skipped"] == 1
    report = [json.loads(l) for l in open(summary["skipped_report"])]
    assert report[0]["line"] == 4 and "expected 11 fields" in report[0]["reason"]


def test_missing_folder_and_missing_file(tmp_path, out):
    with pytest.raises(ConversionError, match="source folder not found"):
        write_corpus(get_converter("cremad"), tmp_path / "nope", out)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConversionError, match="missing 'VideoDemographics.csv'"):
        write_corpus(get_converter("cremad"), tmp_path / "empty", out)
    with pytest.raises(ConversionError, match="no split file found; expected any of"):
        write_corpus(get_converter("meld"), tmp_path / "empty", out)
    with pytest.raises(ConversionError, match="no files match"):
        write_corpus(get_converter("ravdess"), tmp_path / "empty", out)


def test_bad_file_name_code(tmp_path, out):
    actor = tmp_path / "rav" / "Actor_01"
    actor.mkdir(parents=True)
    (actor / "03-01-09-01-01-01-01.wav").write_bytes(b"RIFF")
    with pytest.raises(ConversionError, match=r"03-01-09-01-01-01-01.wav: file name does not match"):
        write_corpus(get_converter("ravdess"), tmp_path / "rav", out)


def test_failed_run_keeps_the_previous_conversion(formats, tmp_path, out):
    good = meld_copy(formats, tmp_path)
    write_corpus(get_converter("meld"), good, out)
    before = sorted(p.name for p in (out / "data" / "meld").rglob("*"))
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    text = (bad / "dev_sent_emo.csv").read_text(encoding="utf-8").replace(",anger,", ",rage!,", 1)
    (bad / "dev_sent_emo.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ConversionError):
        write_corpus(get_converter("meld"), bad, out)
    assert sorted(p.name for p in (out / "data" / "meld").rglob("*")) == before
    assert len(list((out / "data").iterdir())) == 1


def test_cli_reports_errors_without_a_traceback(formats, tmp_path, out):
    src = meld_copy(formats, tmp_path, lambda lines: lines.__setitem__(3, lines[3].replace(",neutral,neutral,", ",meh,neutral,")))
    res = CliRunner().invoke(main, ["convert", "meld", str(src), "--out", str(out)])
    assert res.exit_code == 1 and "dev_sent_emo.csv:4: unknown label 'meh'" in res.output
    assert "Nothing was written" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["convert", "nosuchcorpus", str(src)])
    assert res.exit_code == 1 and "no converter for corpus 'nosuchcorpus'" in res.output
    res = CliRunner().invoke(main, ["convert", "meld", str(src), "--out", str(out), "--lenient"])
    assert res.exit_code == 0 and "skipped 1 record" in res.output
