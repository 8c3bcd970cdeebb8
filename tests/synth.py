"""Synthetic media with known ground truth (espeak-ng, sox, ffmpeg, scikit-image), and its scoring.

Used by the tests and benchmarks (which put tests/ on sys.path): multi-speaker conversations
with known turns, media files for small corpora laid out like CREMA-D (audio), MELD (video) and
FER (48x48 images), and :func:`der`, the diarization error rate of pyannote.metrics.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
VOICES = ("en-us+m3", "en-us+f2", "en-gb+m7", "en-us+f4")
LINES = (
    "I really think we should leave before the rain starts.",
    "No way, the concert has not even begun yet.",
    "Fine, but if we get soaked it is your fault.",
    "Deal. Let us find somewhere dry to stand.",
    "Look over there, the tent near the stage is empty.",
    "Great, then we can stay until the very last song.",
)


def speak(text: str, voice: str, pitch: int = 50, speed: int = 165) -> np.ndarray:
    """Synthesise ``text`` with espeak-ng; mono float32 at 16 kHz."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(raw), text],
                       check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", str(SR), "-c", "1", "-b", "16", str(wav)], check=True, capture_output=True)
        audio, _ = sf.read(wav, dtype="float32")
    voiced = np.flatnonzero(np.abs(audio) > 0.01)  # trim espeak's leading/trailing silence
    return audio[voiced[0]:voiced[-1] + 1] if voiced.size else audio


def conversation(n_speakers: int = 2, n_turns: int = 6, gap: float = 0.4, overlap_last: float = 0.0
                 ) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """A dialogue of alternating espeak-ng voices; returns (audio, reference turns).

    ``overlap_last`` seconds of the last turn are overlapped with the one before it.
    """
    audio = np.zeros(int(0.3 * SR), dtype=np.float32)
    turns: list[tuple[float, float, str]] = []
    pitches = (35, 70, 45, 80)
    for i in range(n_turns):
        spk = i % n_speakers
        clip = speak(LINES[i % len(LINES)], VOICES[spk], pitch=pitches[spk])
        start = len(audio) / SR
        if overlap_last and i == n_turns - 1:
            start -= overlap_last + gap
        begin = int(start * SR)
        end = begin + len(clip)
        if end > len(audio):
            audio = np.concatenate([audio, np.zeros(end - len(audio), dtype=np.float32)])
        audio[begin:end] += clip
        turns.append((begin / SR, end / SR, f"S{spk}"))
        audio = np.concatenate([audio, np.zeros(int(gap * SR), dtype=np.float32)])
    return np.clip(audio, -1, 1), turns


def speech_wav(path: Path, i: int = 0) -> Path:
    """A spoken CREMA-D-style sentence (espeak-ng voice ``i``) as a 16 kHz wav."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, speak("It is eleven o'clock.", VOICES[i % len(VOICES)], pitch=30 + 15 * (i % 4)), SR)
    return path


def astronaut_frames(n: int = 8, size: int = 256) -> list[np.ndarray]:
    """BGR frames of skimage's astronaut, slowly panning (one face per frame)."""
    import cv2
    from skimage import data

    img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    frames = []
    for i in range(n):
        x = 40 + 4 * i
        frames.append(cv2.resize(img[0:400, x:x + 400], (size, size)))
    return frames


def video_clip(path: Path, i: int = 0, fps: int = 10, seconds: float = 2.0) -> Path:
    """A MELD-style mp4: panning astronaut frames with an espeak-ng sentence as sound track."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for j, frame in enumerate(astronaut_frames(int(fps * seconds))):
            cv2.imwrite(f"{tmp}/f{j:04d}.png", frame)
        sf.write(f"{tmp}/a.wav", speak(LINES[i % len(LINES)], VOICES[i % 2]), SR)
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-framerate", str(fps), "-i", f"{tmp}/f%04d.png",
                        "-i", f"{tmp}/a.wav", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                        "-shortest", str(path)], check=True)
    return path


def face_png(path: Path, i: int = 0) -> Path:
    """A FER-style 48x48 grayscale PNG of face ``i`` of scikit-image's LFW subset."""
    import cv2
    from skimage import data

    path.parent.mkdir(parents=True, exist_ok=True)
    img = (cv2.resize(data.lfw_subset()[i], (48, 48)) * 255).astype(np.uint8)
    cv2.imwrite(str(path), img)
    return path


def der(reference: list[tuple[float, float, str]], hypothesis: list[tuple[float, float, str]]) -> dict:
    """Diarization error rate of ``(start, end, speaker)`` turns by pyannote.metrics (no collar,
    overlap scored, optimal speaker mapping): ``der`` and ``miss``, ``false_alarm``, ``confusion``,
    ``total`` (reference speech) in seconds."""
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    def annotation(turns):
        a = Annotation()
        for i, (start, end, speaker) in enumerate(turns):
            a[Segment(start, end), i] = speaker
        return a

    turns = reference + hypothesis
    uem = Timeline([Segment(min(t[0] for t in turns), max(t[1] for t in turns))]) if turns else Timeline()
    d = DiarizationErrorRate(collar=0.0, skip_overlap=False)(annotation(reference), annotation(hypothesis),
                                                             uem=uem, detailed=True)
    return {"der": d["diarization error rate"], "miss": d["missed detection"], "false_alarm": d["false alarm"],
            "confusion": d["confusion"], "total": d["total"]}
