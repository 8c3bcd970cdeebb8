"""A real Label Studio server (session-scoped) and real converted corpora with media stand-ins.

CREMA-D (audio) and FER+ (image; its first 300 rows) labels come from ../shared through the real converters;
their media are tiny generated files at the paths the rows name; DailyDialog gives a
text corpus with dialogue turns.
"""
from __future__ import annotations

import math
import os
import secrets
import struct
import wave
import zlib
from pathlib import Path

import pytest

from emodata import store
from emodata.annotation.labelstudio_client import Client, Servers
from emodata.annotation.labelstudio_server import LabelStudioServer
from emodata.converters.cremad import CONVERTER as CREMAD
from emodata.converters.dailydialog import CONVERTER as DAILYDIALOG
from emodata.converters.ferplus import CONVERTER as FERPLUS

SHARED = Path(os.environ.get("EMODATA_SHARED", Path(__file__).resolve().parents[2].parent / "shared")) \
    / "data" / "formats"
ADMIN = "admin@example.com"
CREMAD_ACTOR = "1001"


def ls_write_wav(path: Path, seconds: float = 1.0, rate: int = 16000, freq: float = 330.0) -> None:
    """A real PCM WAV: a decaying sine tone (visible waveform in the UI)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = int(seconds * rate)
    frames = b"".join(struct.pack("<h", int(12000 * math.exp(-2 * i / n) * math.sin(2 * math.pi * freq * i / rate)))
                      for i in range(n))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def ls_write_png(path: Path, size: int = 96) -> None:
    """A real RGB PNG: a face-like pattern (48x48 like FER, upscaled)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    c = size / 2
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            d = math.hypot(x - c, y - c)
            eye = math.hypot(x - c * 0.7, y - c * 0.75) < size / 14 or math.hypot(x - c * 1.3, y - c * 0.75) < size / 14
            mouth = abs(y - c * 1.35) < size / 30 and abs(x - c) < size / 5
            v = 40 if eye or mouth else (200 if d < size * 0.42 else 90)
            row += bytes([v, int(v * 0.85), int(v * 0.7)])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")
    path.write_bytes(png)


def _link(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.symlink_to(src)


@pytest.fixture(scope="session")
def ls_media_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ls-media")


@pytest.fixture(scope="session")
def ls_dataset(tmp_path_factory, ls_media_root) -> Path:
    """Dataset root with cremad (+ WAVs for actor 1001), ferplus (+ PNGs) and dailydialog, converted by the real converters."""
    if not SHARED.is_dir():
        pytest.fail(f"real corpus files not found at {SHARED} (set EMODATA_SHARED)")
    root = tmp_path_factory.mktemp("ls-dataset")
    crema = ls_media_root / "cremad"
    for name in ("SentenceFilenames.csv", "VideoDemographics.csv"):
        _link(SHARED / "CREMA-D" / name, crema / name)
    _link(SHARED / "CREMA-D" / "tabulatedVotes.csv", crema / "processedResults" / "tabulatedVotes.csv")
    store.write_corpus(CREMAD, crema, root)
    for r in store.read_table(root, "cremad", columns=["speaker_id", "audio_path"]).to_pylist():
        if r["speaker_id"] == CREMAD_ACTOR:
            ls_write_wav(crema / r["audio_path"])
    fer = ls_media_root / "ferplus"
    fer.mkdir()
    with open(SHARED / "FERPlus" / "fer2013new.csv", encoding="utf-8") as f:   # the first 300 real rows
        (fer / "fer2013new.csv").write_text("".join(line for _, line in zip(range(301), f)), encoding="utf-8")
    store.write_corpus(FERPLUS, fer, root)
    face = fer / "face.png"
    ls_write_png(face)
    for r in store.read_table(root, "ferplus", columns=["image_path"]).to_pylist():
        if r["image_path"]:
            (fer / r["image_path"]).parent.mkdir(parents=True, exist_ok=True)
            (fer / r["image_path"]).write_bytes(face.read_bytes())
    dd = ls_media_root / "dailydialog"
    for name in ("dialogues_validation.txt", "dialogues_emotion_validation.txt", "dialogues_act_validation.txt"):
        _link(SHARED / "DailyDialog" / name, dd / name)
    store.write_corpus(DAILYDIALOG, dd, root)
    return root


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory, ls_media_root):
    """A fresh Label Studio on 127.0.0.1 (own SQLite data dir); stopped by PID at the end."""
    server = LabelStudioServer(tmp_path_factory.mktemp("ls-data"), username=ADMIN,
                               password=secrets.token_urlsafe(12), token=secrets.token_hex(20),
                               document_root=ls_media_root)
    server.start()
    yield server
    server.stop()
    assert server.proc.poll() is not None


@pytest.fixture(scope="session")
def ls_servers(ls_server) -> Servers:
    """Clients by server URL with the admin token (the servers of the tests share it)."""
    with Servers(ls_server.url, ls_server._token, retries=1) as s:
        yield s


@pytest.fixture(scope="session")
def ls_admin(ls_servers) -> Client:
    return ls_servers.default
