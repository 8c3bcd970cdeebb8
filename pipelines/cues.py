"""Textualised cues: a short text per sample summarising face and voice evidence.

Voice statistics are computed from the audio (pitch by YIN on voiced frames, RMS energy,
speaking rate as words per voiced second when a transcript exists, else energy-peak
syllable nuclei per voiced second). Speaker turns and faces come from the ``speech`` and
``faces`` derived tables when they were computed. When the faces carry expression descriptors
(68-point landmarks, :mod:`.expression`), the longest face track's peak descriptors become
words ("brows raised and drawn together, mouth open") and ``features["face"]``.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import expression
from .media import SR, sample_audio
from .runner import read_derived

SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("cues", pa.string()),
    pa.field("features", pa.string()),
])


def voice_features(wave: np.ndarray, text: str | None = None) -> dict:
    """Pitch, energy and speaking-rate statistics of a 16 kHz waveform."""
    import librosa

    hop = 160
    rms = librosa.feature.rms(y=wave, frame_length=640, hop_length=hop)[0]
    db = 20 * np.log10(rms + 1e-8)
    voiced = db > max(db.max() - 35, -60)
    f0 = librosa.yin(wave, fmin=60, fmax=500, sr=SR, frame_length=1024, hop_length=hop)[:len(voiced)]
    pitch = f0[voiced[:len(f0)]]
    voiced_s = float(voiced.sum() * hop / SR)
    feats = {"duration_s": round(len(wave) / SR, 2), "voiced_s": round(voiced_s, 2),
             "pitch_hz": round(float(np.median(pitch)), 1) if pitch.size else None,
             "pitch_sd_hz": round(float(np.std(pitch)), 1) if pitch.size else None,
             "energy_db": round(float(db[voiced].mean()), 1) if voiced.any() else None,
             "energy_sd_db": round(float(db[voiced].std()), 1) if voiced.any() else None}
    if voiced_s > 0:
        if text:
            feats["rate"], feats["rate_unit"] = round(len(text.split()) / voiced_s, 2), "words/s"
        else:
            from scipy.signal import find_peaks

            env = np.convolve(rms, np.ones(5) / 5, mode="same")
            peaks, _ = find_peaks(env, height=env.max() * 0.2, distance=10)
            feats["rate"], feats["rate_unit"] = round(len(peaks) / voiced_s, 2), "syllables/s"
    return feats


def face_expression(faces: list[dict]) -> dict | None:
    """Peak expression descriptors of the longest track with descriptors (largest magnitude per
    descriptor over its frames), the reference they are measured against and their cue words."""
    tracks: dict[int, list[dict]] = defaultdict(list)
    for f in faces:
        if f.get("expression"):
            tracks[f["track_id"]].append(f)
    if not tracks:
        return None
    tid, rows = max(tracks.items(), key=lambda kv: (len(kv[1]), -kv[0]))
    peak = {}
    for key in expression.DESCRIPTORS:
        values = [r["expression"][key] for r in rows if r["expression"].get(key) is not None]
        if values:
            peak[key] = round(max(values, key=abs), 3)
    ref = rows[0].get("neutral_frame")
    return {"track": tid, "frames": len(rows), "peak": peak, "text": expression.text(peak),
            "reference": "population" if ref is None else f"frame {ref}"}


def describe(feats: dict, turns: list[dict], faces: list[dict]) -> str:
    """The cue text of one sample."""
    parts = []
    if feats.get("pitch_hz"):
        level = "high" if feats["pitch_hz"] > 200 else "low" if feats["pitch_hz"] < 120 else "mid"
        var = "varied" if feats["pitch_sd_hz"] > 0.2 * feats["pitch_hz"] else "flat"
        parts.append(f"Voice: {level} pitch ({feats['pitch_hz']:.0f} Hz, {var}, sd {feats['pitch_sd_hz']:.0f}), "
                     f"energy {feats['energy_db']:.0f} dBFS (sd {feats['energy_sd_db']:.0f}), "
                     f"speaking rate {feats.get('rate', 0):.1f} {feats.get('rate_unit', '')}, "
                     f"speech {feats['voiced_s']:.1f} of {feats['duration_s']:.1f} s.")
    if turns:
        speakers = sorted({t["speaker"] for t in turns})
        names = {s: chr(65 + i) for i, s in enumerate(speakers)}
        when = "; ".join(f"{names[t['speaker']]} {t['start']:.1f}-{t['end']:.1f} s" + (" (overlap)" if t["overlap"] else "")
                         for t in sorted(turns, key=lambda t: t["start"])[:8])
        parts.append(f"Speakers: {len(speakers)} ({when}).")
    if faces:
        frames = {f["frame"] for f in faces}
        tracks = {f["track_id"] for f in faces}
        text = f"Face: {len(tracks)} track(s) over {len(frames)} sampled frame(s)"
        expr = face_expression(faces)
        if expr:
            against = "a typical neutral face" if expr["reference"] == "population" else "its own most neutral frame"
            text += (f"; landmark geometry against {against}: {expr['text'] or 'no marked change'}")
        parts.append(text + ".")
    return " ".join(parts) if parts else "No face or voice evidence."


class CueStage:
    """Pipeline stage writing the ``cues`` table."""

    name = "cues"
    schema = SCHEMA
    columns = ("text", "audio_path", "video_path", "start", "end")

    def __init__(self, root: str | Path, corpus: str):
        self.root, self.corpus = str(root), corpus
        self.turns = self.faces = None

    def params(self) -> dict:
        return {}

    def __getstate__(self):
        return {**self.__dict__, "turns": None, "faces": None}

    def setup(self) -> None:
        if self.turns is None:
            self.turns, self.faces = self._by_id("speech"), self._by_id("faces", exclude=("crop", "landmarks"))

    def _by_id(self, table: str, exclude: tuple = ()) -> dict[str, list[dict]]:
        data = read_derived(self.root, table, self.corpus)
        out: dict[str, list[dict]] = defaultdict(list)
        if data is not None:
            for row in data.drop_columns([c for c in exclude if c in data.column_names]).to_pylist():
                out[row["id"]].append(row)
        return out

    def process(self, samples: list[dict], media: Path) -> tuple[list[dict], dict[str, str]]:
        self.setup()
        rows, errors = [], {}
        for s in samples:
            try:
                feats = {}
                if s.get("audio_path") or s.get("video_path"):
                    feats = voice_features(sample_audio(s, media), s.get("text"))
                faces = self.faces.get(s["id"], [])
                text = describe(feats, self.turns.get(s["id"], []), faces)
                expr = face_expression(faces)
                if expr:
                    feats["face"] = expr
                rows.append({"id": s["id"], "cues": text, "features": json.dumps(feats)})
            except Exception as exc:  # one bad file must not stop the run
                errors[s["id"]] = f"{type(exc).__name__}: {exc}"
        return rows, errors
