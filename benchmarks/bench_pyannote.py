"""pyannote.audio backend speed on CPU: load time and real-time factor of the local speaker-diarization
pipeline built by tests/pipelines/test_pipelines_pyannote.py (real segmentation-3.0 weights, stand-in
WeSpeaker ResNet34 embedding and PLDA: the arithmetic, hence the speed, is that of the real pipeline;
the speaker labels are not). Run: ``python benchmarks/bench_pyannote.py [--device cuda]``; prints a
Markdown table (copied into docs/pipelines.md with the machine described).
"""
from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests/pipelines/test_pipelines_pyannote.py"
sys.path.insert(0, str(TESTS.parents[1]))      # tests/synth.py: synthetic conversations and DER


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    import torch

    from synth import SR, conversation, der

    from emodata.pipelines.speech import SpeechStage

    spec = importlib.util.spec_from_file_location("pyannote_tests", TESTS)
    tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tests)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = tests.build_pipeline(Path(tmp))
        t = time.perf_counter()
        stage = SpeechStage("pyannote", model=str(folder), device=args.device, overlap=False)
        stage.setup()
        took = time.perf_counter() - t
        rows.append(("pyannote pipeline load (3 local parts; pyannote.audio imported)", f"{took:.1f} s"))
        for n_turns in (2, 6):
            audio, ref = conversation(n_speakers=2, n_turns=n_turns)
            stage.diarize(audio)  # warm-up
            t = time.perf_counter()
            out = stage.diarize(audio)
            took = time.perf_counter() - t
            speech = der([(s, e, "x") for s, e, _ in ref], [(r["start"], r["end"], "x") for r in out])
            rows.append((f"pyannote diarization, {len(audio) / SR:.0f} s of 2 espeak-ng voices",
                         f"RTF {took / (len(audio) / SR):.2f}; speech/non-speech error {speech['der']:.3f}"))
    print(f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, "
          f"device {args.device}\n")
    print("| measurement | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
