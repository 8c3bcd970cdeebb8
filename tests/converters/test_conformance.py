"""Every converter through the same checks, the way TFDS tests every builder.

For each module in ``emodata.converters``: its catalog entry exists, says ``converted`` and names
the modalities its rows carry; the scales it declares equal the catalog's; its label map lands on
taxonomy terms; a fixture in its native layout converts strictly; and the rows match the schema
(types, ids, vocabularies, ranges, taxonomy terms, ratings built by the one constructor, label
columns equal to what the label rule gives from the ratings).

The fixtures are the ones the converter's own tests build (their builder functions, pytest
fixtures and the real files in ../shared), listed in :data:`FIXTURES`; a converter without one
fails here unless :data:`NO_FIXTURE` names it with a reason.
"""
from __future__ import annotations

import math

import pyarrow.parquet as pq
import pytest

import test_faces_affectnet
import test_faces_ckplus
import test_faces_emoreact
import test_faces_emotic
import test_faces_expw
import test_faces_fer2013
import test_faces_findingemo_emoset as test_findingemo_emoset
import test_faces_rafdb
import test_speech_filenames
import test_speech_ratings
import test_text_dailydialog_semeval
import test_text_fixtures
import test_video_cexprdb
import test_video_emotiontalk
import test_video_mer
from corpus_fixtures import REPO, link_tree, write
from faces_support import write_image
from test_first_converters import ravdess_tree
from test_video_affwild2 import abaw  # noqa: F401  (pytest fixtures, reused through request.getfixturevalue)
from test_video_bah import bah  # noqa: F401
from test_video_cmumosei import raw, s3prl  # noqa: F401
from test_video_continuous import omg, veatic  # noqa: F401
from test_video_dfew import dfew  # noqa: F401

from emodata.catalog import REQUIRED, load_catalog
from emodata.convert import converter_names, get_converter
from emodata.schema import ELICITATIONS, PERSPECTIVES, RATER_KINDS, SCHEMA, VAD_SOURCES
from emodata.store import _differs, corpus_files, read_table, relabelled, write_corpus
from emodata.taxonomy import get_taxonomy, parse_scale

DIMENSIONS = ("valence", "arousal", "dominance")


def shared(folder, names=None):
    """Real release files from ../shared: the folder itself, or ``names`` (native path -> file) linked."""
    def build(tmp_path, request):
        formats = request.getfixturevalue("formats")
        return formats / folder if names is None else link_tree(formats / folder, tmp_path / "src", names)
    return build


def built(fn, *args):
    """A builder function of a converter's own test module, called on a fresh folder."""
    return lambda tmp_path, request: fn(tmp_path / "src", *args)


def fixture(name):
    """A pytest fixture of a converter's own test module."""
    return lambda tmp_path, request: request.getfixturevalue(name)


def findingemo(root):
    return write(root / "data/annotations_single.ann",
                 test_findingemo_emoset.FE_HEADER + "\n".join(test_findingemo_emoset.FE_LINES) + "\n").parents[1]


def expw(root):
    write(root / "data/label/label.lst", test_faces_expw.LINES)
    write_image(root / "data/image/origin/afraid_african_214.jpg", (300, 300))
    return root




FIXTURES = {
    **{c: built(test_speech_filenames.build, files) for c, (files, _) in test_speech_filenames.CASES.items()},
    "affectnet": built(test_faces_affectnet.build),
    "affwild2": fixture("abaw"),
    "armanemo": shared("ArmanEmo"),
    "bah": fixture("bah"),
    "cexprdb": built(test_video_cexprdb.build),
    "ckplus": built(test_faces_ckplus.build),
    "cmumosei": fixture("raw"),
    "cped": shared("CPED"),
    "cremad": shared("CREMA-D", {"SentenceFilenames.csv": "SentenceFilenames.csv",
                                 "VideoDemographics.csv": "VideoDemographics.csv",
                                 "processedResults/tabulatedVotes.csv": "tabulatedVotes.csv"}),
    "dailydialog": shared("DailyDialog", test_text_dailydialog_semeval.DD),
    "dfew": fixture("dfew"),
    "emobank": shared("EmoBank", {f"corpus/{n}": n for n in ("emobank.csv", "reader.csv", "writer.csv", "raw.csv",
                                                             "meta.tsv", "individual_reader_ratings.csv",
                                                             "individual_writer_ratings.csv")}),
    "emoreact": built(test_faces_emoreact.build),
    "emorynlp": shared("MELD", {"data/emorynlp/emorynlp_dev_final.csv": "emorynlp_dev_final.csv"}),
    "emoset": built(test_findingemo_emoset.build_emoset),
    "emotic": built(test_faces_emotic.build_mat),
    "emotionlines": built(test_text_fixtures.build_emotionlines),
    "emotiontalk": built(test_video_emotiontalk.build),
    "emowoz": built(test_text_fixtures.build_emowoz),
    "empatheticdialogues": built(test_text_fixtures.build_empatheticdialogues),
    "enterface05": built(test_speech_ratings.enterface_tree),
    "esd": built(test_speech_ratings.esd_tree),
    "expw": built(expw),
    "fer2013": built(test_faces_fer2013.build),
    "ferplus": lambda tmp_path, request: REPO / "emodata" / "demo" / "ferplus",
    "findingemo": built(findingemo),
    "goemotions": lambda tmp_path, request: REPO / "emodata" / "demo" / "goemotions",
    "iemocap": shared("IEMOCAP", {"Session2/dialog/EmoEvaluation/Ses02F_impro01.txt": "EmoEvaluation_excerpt.txt"}),
    "isear": lambda tmp_path, request: write(tmp_path / "src" / "isear.csv",     # its tests' two-column export
                                             'joy,"On days when I feel close to my partner, I am happy."\n'
                                             "shame,I lied\n").parent,
    "meld": shared("MELD", {"dev_sent_emo.csv": "dev_sent_emo.csv"}),
    "melddyadic": shared("MELD", {"data/MELD_Dyadic/dev_sent_emo_dya.csv": "dev_sent_emo_dya.csv"}),
    "mer2023": built(test_video_mer.build_mer2023),
    "mer2024": built(test_video_mer.build_mer2024),
    "mer2025": built(test_video_mer.build_mer2025),
    "mspimprov": built(test_speech_ratings.mspimprov),
    "mspodcast": built(test_speech_ratings.msp_podcast),
    "nemo": shared("nEMO", {"data.tsv": "data.tsv"}),
    "omgempathy": fixture("omg"),
    "rafdb": built(test_faces_rafdb.build),
    "ravdess": built(ravdess_tree, range(1, 3)),
    "semeval2018task1": shared("SemEval2018-Task1"),
    "semeval2025task11": shared("SemEval2025-Task11", test_text_dailydialog_semeval.SE),
    "veatic": fixture("veatic"),
    "wassa2017": shared("WASSA2017"),
}

# converters without a reusable fixture, each with the reason (none at present)
NO_FIXTURE: dict[str, str] = {}


def scales(entry_scales: dict) -> dict[str, str]:
    """Catalog scales per schema field: ``vad`` stands for valence, arousal and dominance; keys
    outside the schema (MSP-IMPROV's naturalness) are not compared."""
    out = {}
    for key, value in (entry_scales or {}).items():
        for field in (DIMENSIONS if key == "vad" else (key,)):
            if field in (*DIMENSIONS, "intensity"):
                out[field] = str(value)
    return out


def numeric(scale: str) -> bool:
    try:
        parse_scale(scale)
    except (ValueError, KeyError):
        return False
    return True


@pytest.mark.parametrize("module", converter_names())
def test_catalog_scales_and_label_map(module):
    converter = get_converter(module)
    entry = load_catalog().get(converter.name)
    assert entry is not None, f"{converter.name} has no catalog.yaml entry"
    assert entry["status"] == "converted" and not [k for k in REQUIRED if k not in entry]
    declared = converter.defaults.get("modalities")
    assert declared is None or set(declared) == set(entry["modalities"]), (declared, entry["modalities"])

    catalog = scales(entry.get("scales"))
    vad = converter.vad_scale
    for dim in DIMENSIONS:
        mine = vad if isinstance(vad, str) or vad is None else vad.get(dim)
        if dim in catalog:
            assert mine == catalog[dim], f"{dim}: converter {mine!r}, catalog {catalog[dim]!r}"
        elif isinstance(vad, dict):
            assert dim not in vad, f"{dim} scale {vad[dim]!r} is not in the catalog"
    if vad is not None:
        assert any(dim in catalog for dim in DIMENSIONS), f"VAD scale {vad!r} is not in the catalog"
    intensity = catalog.get("intensity")
    expected = intensity if intensity is not None and numeric(intensity) else None   # 'faible/fort': a code table
    assert converter.intensity_scale == expected, (converter.intensity_scale, intensity)

    terms = get_taxonomy().terms
    for native, term in converter.label_map.items():
        for t in (term,) if isinstance(term, str) else term or ():
            assert t in terms, f"label map {native!r} -> {t!r}: not a taxonomy term"


def test_every_converter_has_a_fixture():
    missing = sorted(set(converter_names()) - set(FIXTURES) - set(NO_FIXTURE))
    assert not missing, f"converters without a fixture in FIXTURES (or a reason in NO_FIXTURE): {missing}"
    assert not set(FIXTURES) & set(NO_FIXTURE)


def check_rating(r: dict, terms) -> None:
    assert r["rater_kind"] in RATER_KINDS and (r["perspective"] is None or r["perspective"] in PERSPECTIVES)
    assert r["labels"] is None or all(t in terms for t in r["labels"])
    for dim in DIMENSIONS:
        assert r[dim] is None or -1 - 1e-6 <= r[dim] <= 1 + 1e-6, (dim, r[dim])
    for name in ("intensity", "confidence"):
        assert r[name] is None or -1e-6 <= r[name] <= 1 + 1e-6, (name, r[name])


@pytest.mark.parametrize("module", sorted(FIXTURES))
def test_fixture_converts_to_the_schema(module, tmp_path, request, out):
    converter = get_converter(module)
    entry = load_catalog()[converter.name]
    src = FIXTURES[module](tmp_path, request)
    summary = write_corpus(converter, src, out, strict=True)
    assert summary["rows"] > 0 and summary["skipped"] == 0
    for f in corpus_files(out, converter.name):
        schema = pq.read_schema(f)
        assert [(x.name, x.type) for x in schema] == [(x.name, x.type) for x in SCHEMA]
    rows = read_table(out, converter.name).to_pylist()
    assert len({r["id"] for r in rows}) == len(rows) == summary["rows"]
    terms = get_taxonomy().terms
    for row in rows:
        assert row["id"] == f"{converter.name}/{row['native_id']}" and row["corpus"] == converter.name
        assert set(row["modalities"] or ()) <= set(entry["modalities"]), row["modalities"]
        assert row["perspective"] is None or row["perspective"] in PERSPECTIVES
        assert row["elicitation"] is None or row["elicitation"] in ELICITATIONS
        assert row["label"] is None or row["label"] in terms
        assert all(t in terms for t in row["labels"] or ())
        if row["soft_label"]:
            assert all(e["label"] in terms for e in row["soft_label"])
            assert math.isclose(sum(e["prob"] for e in row["soft_label"]), 1.0, abs_tol=1e-4)
        assert row["vad_source"] is None or row["vad_source"] in VAD_SOURCES
        for dim in DIMENSIONS:
            assert row[dim] is None or -1 - 1e-6 <= row[dim] <= 1 + 1e-6, (dim, row[dim])
            assert row[dim] is None or row["vad_source"] is not None
        assert row["intensity"] is None or -1e-6 <= row["intensity"] <= 1 + 1e-6
        for r in row["ratings"] or ():
            check_rating(r, terms)
        derived = relabelled(row)                  # the label rule gives what conversion stored
        if derived is not None:
            assert not [c for c in derived if _differs(row[c], derived[c])], (row["id"], derived)
