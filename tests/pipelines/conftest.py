"""Small converted corpora for the pipeline tests: the real converters (cremad, meld, ferplus)
run on the first rows of the real label files in ../shared, with synthetic media at the paths
the converters record (espeak-ng speech, astronaut() video, lfw_subset() faces)."""
import csv
from pathlib import Path

import pytest

from emodata.convert import get_converter
import synth
from emodata.store import read_table, write_corpus

FORMATS = Path(__file__).resolve().parents[2] / "../shared/data/formats"


def head_csv(src: Path, dest: Path, n: int | None, keep=None) -> None:
    """Copy the header and the first ``n`` rows (or the rows where ``keep(row)``) of a real CSV."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(src, newline="", encoding="utf-8") as f, open(dest, "w", newline="", encoding="utf-8") as g:
        reader, writer = csv.reader(f), csv.writer(g, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(next(reader))
        for i, row in enumerate(reader):
            if (keep and keep(row)) or (not keep and i < n):
                writer.writerow(row)


def build(kind: str, base: Path, n: int) -> tuple[Path, str]:
    """Convert ``n`` samples of a corpus with its real converter; returns (dataset root, corpus)."""
    src, root = base / f"src-{kind}", base / "dataset"
    if kind == "cremad":
        d = FORMATS / "CREMA-D"
        head_csv(d / "SentenceFilenames.csv", src / "SentenceFilenames.csv", n)
        clips = {r[1] for r in csv.reader(open(src / "SentenceFilenames.csv"))}
        head_csv(d / "VideoDemographics.csv", src / "VideoDemographics.csv", 10_000)
        head_csv(d / "tabulatedVotes.csv", src / "processedResults/tabulatedVotes.csv", None,
                 keep=lambda r: r[7] in clips)
    elif kind == "meld":
        head_csv(FORMATS / "MELD" / "dev_sent_emo.csv", src / "dev_sent_emo.csv", n)
    elif kind == "ferplus":
        head_csv(FORMATS / "FERPlus" / "fer2013new.csv", src / "fer2013new.csv", n)
    write_corpus(get_converter(kind), src, root)
    rows = read_table(root, kind).to_pylist()
    for i, row in enumerate(sorted(rows, key=lambda r: r["id"])):
        if kind == "cremad":
            synth.speech_wav(src / row["audio_path"], i)
        elif kind == "meld":
            synth.video_clip(src / row["video_path"], i)
        elif row["image_path"]:
            synth.face_png(src / row["image_path"], i)
    return root, kind


@pytest.fixture(scope="session")
def cremad(tmp_path_factory):
    return build("cremad", tmp_path_factory.mktemp("cremad"), 6)


@pytest.fixture(scope="session")
def meld(tmp_path_factory):
    return build("meld", tmp_path_factory.mktemp("meld"), 3)


@pytest.fixture(scope="session")
def ferplus(tmp_path_factory):
    return build("ferplus", tmp_path_factory.mktemp("ferplus"), 8)
