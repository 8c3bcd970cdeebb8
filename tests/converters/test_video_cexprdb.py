"""C-EXPR-DB: compound expressions per frame -> multi-label segments."""
from __future__ import annotations

import pytest
from video_support import assert_strict_fails, convert, write, write_mp4

HEADER = ("Fearfully_Surprised,Happily_Surprised,Sadly_Surprised,Disgustedly_Surprised,"
          "Angrily_Surprised,Sadly_Fearful,Sadly_Angry")


def build(root):
    write(root / "Annotations/v001.txt", HEADER.replace("_", " ") + "\n1\n1\n-1\n6\n")
    write_mp4(root / "videos/v001.mp4", seconds=0.4, fps=10)
    return root


def test_cexprdb_per_video_files(tmp_path, out):
    summary, rows = convert("cexprdb", build(tmp_path / "cexpr"), out)
    assert summary["splits"] == {"all": 3}
    hs, gap, sa = rows
    assert (hs["native_id"], hs["native_label"], hs["native_labels"]) == ("v001/00001-00002", "Happily Surprised",
                                                                          ["Happily", "Surprised"])
    assert hs["label"] is None and sorted(hs["labels"]) == ["happiness", "surprise"]
    assert {s["label"]: s["prob"] for s in hs["soft_label"]} == {"happiness": 0.5, "surprise": 0.5}
    assert hs["end"] == pytest.approx(0.2) and hs["fps"] == pytest.approx(10)
    assert gap["extra"]["annotated"] is False and gap["labels"] is None
    assert sorted(sa["labels"]) == ["anger", "sadness"] and sa["vad_source"] == "mapped"


def test_cexprdb_frame_table(tmp_path, out):
    root = tmp_path / "cexpr"
    write(root / "labels.csv", f"image_location,{HEADER}\nv2/00001.jpg,0\nv2/00002.jpg,0\nv2/00005.jpg,0\n"
                               "v1/00001.jpg,5\n")
    _, rows = convert("cexprdb", root, out)
    # a gap in frame numbers splits the run
    assert [(r["native_id"], r["native_label"]) for r in rows] == [
        ("v1/00001-00001", "Sadly Fearful"), ("v2/00001-00002", "Fearfully Surprised"),
        ("v2/00005-00005", "Fearfully Surprised")]


def test_cexprdb_bad_row(tmp_path, out):
    root = tmp_path / "cexpr"
    write(root / "labels.csv", f"image_location,{HEADER}\nv2/00001.jpg,0\nv2/00002.jpg,12\n")
    assert_strict_fails("cexprdb", root, out, "labels.csv", 3, "class index 12")
    summary, rows = convert("cexprdb", root, out, strict=False)
    assert summary["skipped"] == 1 and len(rows) == 1
