"""Faces: detection, landmarks, 5-point similarity alignment, crops and tracks.

Backends (``auto``, the default, picks ``face-alignment`` when its checkpoints exist, else
``dlib-cnn`` when dlib and its model files are installed, else ``opencv``):

* ``face-alignment``: S3FD detector + 2D-FAN 68-point landmarks from the
  face-alignment package. Weights are read from the torch hub cache
  (``<weights>/checkpoints/s3fd-619a316812.pth`` and ``2DFAN4-11f355bf06.pth.tar``, the
  package's own file names; ``weights`` defaults to ``torch.hub.get_dir()``), never downloaded.
  Frames are detected in batches of ``batch_size`` (same-sized frames stacked into one tensor)
  and all faces of a batch go through FAN together.
* ``dlib-cnn`` / ``dlib-hog``: dlib's CNN (MMOD) or HOG face detector and its 68-point shape
  predictor (iBUG 300-W scheme, the same as FAN's), from the ``dlib-bin`` wheel and the model
  files shipped in ``face-recognition-models`` (``mmod_human_face_detector.dat``,
  ``shape_predictor_68_face_landmarks.dat``; ``weights`` may name another folder holding them).
  Images whose shorter side is below ``min_side`` pixels are upscaled first. The CNN runs
  same-sized frames in batches of ``batch_size``; HOG runs per frame.
* ``opencv``: Haar cascades shipped in opencv-python 4.x. The face box is detected; the two
  eye centres come from the Haar eye cascade inside the box, and nose tip and mouth corners
  are *estimated* by mapping the canonical template onto the eyes (``landmark_source`` is
  ``haar-eyes``); with fewer than two eyes found all five points are the template fitted to
  the box (``box``). No batching: the cascade runs per frame. The fallback with no model files.

``landmark_source`` names the points' model: ``fan68``, ``dlib68``, ``haar-eyes`` or ``box``.
Faces with 68 points get expression descriptors (:mod:`.expression`) relative to their track's
neutral-most frame (tracks of at least three frames) or to the population reference.

Every face is aligned with a similarity transform of its five points (eye centres, nose tip,
mouth corners) to the 112x112 ArcFace template and stored as a PNG crop.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import expression
from .media import default_device, load_image, resolve, video_frames
from .runner import MediaError

TEMPLATE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                         [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)
POINT = pa.list_(pa.float32())
SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("frame", pa.int32()),
    pa.field("time", pa.float64()),
    pa.field("track_id", pa.int32()),
    pa.field("box", POINT),
    pa.field("score", pa.float32()),
    pa.field("landmarks", pa.list_(POINT)),
    pa.field("points5", pa.list_(POINT)),
    pa.field("landmark_source", pa.string()),
    pa.field("crop", pa.binary()),
    pa.field("backend", pa.string()),
    pa.field("expression", pa.struct([pa.field(k, pa.float32()) for k in expression.DESCRIPTORS])),
    pa.field("neutral_frame", pa.int32()),
])
FAN_FILE, S3FD_FILE = "2DFAN4-11f355bf06.pth.tar", "s3fd-619a316812.pth"
DLIB_68, DLIB_MMOD = "shape_predictor_68_face_landmarks.dat", "mmod_human_face_detector.dat"
BACKENDS = ("auto", "face-alignment", "dlib-cnn", "dlib-hog", "opencv")
DLIB_INSTALL = "pip install dlib-bin==20.0.1.post1 face-recognition-models==0.3.0 (the faces extra)"


def align(image: np.ndarray, points5: np.ndarray, size: int = 112) -> np.ndarray:
    """Crop aligned by the similarity transform mapping ``points5`` onto the template."""
    import cv2

    template = TEMPLATE_112 * (size / 112.0)
    matrix, _ = cv2.estimateAffinePartial2D(points5.astype(np.float32), template, method=cv2.LMEDS)
    if matrix is None:
        raise ValueError("degenerate landmarks")
    return cv2.warpAffine(image, matrix, (size, size), borderMode=cv2.BORDER_CONSTANT)


def points5_from_68(pts: np.ndarray) -> np.ndarray:
    """Eye centres, nose tip and mouth corners from the 68-point iBUG layout."""
    return np.stack([pts[36:42].mean(0), pts[42:48].mean(0), pts[30], pts[48], pts[54]]).astype(np.float32)


def template_on_box(box: np.ndarray) -> np.ndarray:
    """The template's five points scaled into a face box (x1, y1, x2, y2)."""
    x1, y1, x2, y2 = box
    return (TEMPLATE_112 / 112.0 * [x2 - x1, y2 - y1] + [x1, y1]).astype(np.float32)


def template_from_eyes(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The template's five points moved so that its eyes land on the detected eye centres."""
    src, dst = TEMPLATE_112[:2], np.stack([left, right])
    sv, dv = src[1] - src[0], dst[1] - dst[0]
    scale = np.linalg.norm(dv) / np.linalg.norm(sv)
    angle = np.arctan2(dv[1], dv[0]) - np.arctan2(sv[1], sv[0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return ((TEMPLATE_112 - src[0]) @ rot.T + dst[0]).astype(np.float32)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def track(frames: list[list[np.ndarray]], threshold: float = 0.3, max_gap: int = 2) -> list[list[int]]:
    """Greedy IoU tracking: a track id for each box of each frame."""
    active: dict[int, tuple[np.ndarray, int]] = {}  # track -> (last box, last frame)
    next_id, out = 0, []
    for f, boxes in enumerate(frames):
        ids, taken = [], set()
        for box in boxes:
            best, best_iou = None, threshold
            for tid, (prev, last) in active.items():
                score = iou(box, prev)
                if tid not in taken and f - last <= max_gap and score >= best_iou:
                    best, best_iou = tid, score
            if best is None:
                best, next_id = next_id, next_id + 1
            taken.add(best)
            active[best] = (box, f)
            ids.append(best)
        out.append(ids)
    return out


class OpenCVBackend:
    """Haar cascades shipped with opencv-python 4.x."""

    name = "opencv"

    def __init__(self, min_face: int = 40):
        import cv2

        self.face = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        self.eyes = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
        if self.face.empty() or self.eyes.empty():
            raise RuntimeError("OpenCV Haar cascades not found: install opencv-python(-headless)==4.12.0.88")
        self.min_face = min_face

    def detect(self, frames: list[np.ndarray]) -> list[list[tuple[np.ndarray, float, np.ndarray, str]]]:
        """Per frame: (box, score, landmarks, landmark_source) for each face."""
        import cv2

        out = []
        for frame in frames:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            up = max(1.0, 2 * self.min_face / min(gray.shape))  # small images (FER 48x48) are upscaled
            if up > 1:
                gray = cv2.resize(gray, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC)
            gray = cv2.equalizeHist(gray)
            faces, _, weights = self.face.detectMultiScale3(gray, 1.1, 5, minSize=(self.min_face, self.min_face),
                                                            outputRejectLevels=True)
            found = []
            for (x, y, w, h), score in zip(faces, np.ravel(weights)):
                box = np.array([x, y, x + w, y + h], dtype=np.float32)
                pts, source = self._points(gray, box)
                found.append((box / up, float(score), pts / up, source))
            out.append(found)
        return out

    def _points(self, gray: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, str]:
        x1, y1, x2, y2 = box.astype(int)
        roi = gray[y1:y1 + int(0.6 * (y2 - y1)), x1:x2]
        side = max(8, (x2 - x1) // 8)
        eyes = self.eyes.detectMultiScale(roi, 1.1, 3, minSize=(side, side))
        if len(eyes) >= 2:
            eyes = sorted(eyes, key=lambda e: -e[2] * e[3])[:2]
            centres = sorted((np.array([x1 + ex + ew / 2, y1 + ey + eh / 2]) for ex, ey, ew, eh in eyes),
                             key=lambda c: c[0])
            if centres[1][0] - centres[0][0] > 0.2 * (x2 - x1):
                return template_from_eyes(centres[0], centres[1]), "haar-eyes"
        return template_on_box(box), "box"


def dlib_models(weights: str | None = None) -> Path:
    """Folder holding dlib's model files: ``weights``, else face-recognition-models' ``models/``."""
    if weights:
        return Path(weights)
    spec = importlib.util.find_spec("face_recognition_models")  # not imported: its __init__ needs pkg_resources
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"dlib model files not found: {DLIB_INSTALL}")
    return Path(spec.submodule_search_locations[0]) / "models"


def fan_checkpoints(weights: str | None = None) -> dict[str, Path]:
    """Paths of face-alignment's S3FD and 2D-FAN checkpoints in a torch hub folder."""
    if weights:
        hub = Path(weights)
    else:
        import torch
        hub = Path(torch.hub.get_dir())
    return {name: hub / "checkpoints" / name for name in (S3FD_FILE, FAN_FILE)}


def best_backend(weights: str | None = None) -> str:
    """The best installed backend: face-alignment with its checkpoints, else dlib's CNN, else Haar."""
    if importlib.util.find_spec("face_alignment") and all(p.is_file() for p in fan_checkpoints(weights).values()):
        return "face-alignment"
    if importlib.util.find_spec("dlib"):
        try:
            if all((dlib_models(weights) / f).is_file() for f in (DLIB_68, DLIB_MMOD)):
                return "dlib-cnn"
        except FileNotFoundError:
            pass
    return "opencv"


class DlibBackend:
    """dlib's CNN (MMOD) or HOG face detector and its 68-point shape predictor."""

    def __init__(self, detector: str = "cnn", weights: str | None = None, batch_size: int = 16,
                 min_side: int = 128, max_faces: int = 8):
        try:
            import dlib
        except ImportError as exc:
            raise ImportError(f"dlib is not installed: {DLIB_INSTALL}") from exc
        models = dlib_models(weights)
        need = [models / DLIB_68] + ([models / DLIB_MMOD] if detector == "cnn" else [])
        missing = [str(p) for p in need if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"dlib model files not found: {', '.join(missing)} ({DLIB_INSTALL})")
        self.name = f"dlib-{detector}"
        self.predictor = dlib.shape_predictor(str(models / DLIB_68))
        self.cnn = dlib.cnn_face_detection_model_v1(str(models / DLIB_MMOD)) if detector == "cnn" else None
        self.hog = dlib.get_frontal_face_detector() if detector == "hog" else None
        self.batch_size, self.min_side, self.max_faces = batch_size, min_side, max_faces

    def _prepare(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
        """RGB frame, upscaled (bicubic) so that its shorter side is at least ``min_side``."""
        import cv2

        up = max(1.0, self.min_side / min(frame.shape[:2]))
        rgb = np.ascontiguousarray(frame[:, :, ::-1])
        return (cv2.resize(rgb, None, fx=up, fy=up, interpolation=cv2.INTER_CUBIC) if up > 1 else rgb), up

    def _boxes(self, images: list[np.ndarray]) -> list[list[tuple]]:
        """Per image: (dlib rectangle, score), best first."""
        if self.hog is not None:  # upsampled once: faces down to about 40 px
            found = []
            for img in images:
                rects, scores, _ = self.hog.run(img, 1, 0.0)
                found.append(list(zip(rects, scores)))
        else:  # the CNN finds faces from about 80 px: frames up to 512 px without a confident face
            found = self._cnn(images, range(len(images)), 0)  # (score >= 0.5) are searched again at 2x
            best = lambda faces: max((d[1] for d in faces), default=-1.0)  # noqa: E731
            again = [i for i, f in enumerate(found) if best(f) < 0.5 and min(images[i].shape[:2]) <= 512]
            for i, faces in zip(again, self._cnn(images, again, 1)):
                if best(faces) > best(found[i]):
                    found[i] = faces
        return [sorted(f, key=lambda d: -d[1])[:self.max_faces] for f in found]

    def _cnn(self, images: list[np.ndarray], which, upsample: int) -> list[list[tuple]]:
        """CNN detections of ``images[i]`` for i in ``which``, same-sized images batched."""
        which = list(which)
        found: dict[int, list] = {}
        by_shape: dict[tuple, list[int]] = {}
        for i in which:
            by_shape.setdefault(images[i].shape, []).append(i)
        for idx in by_shape.values():
            for k in range(0, len(idx), self.batch_size):
                chunk = idx[k:k + self.batch_size]
                for i, dets in zip(chunk, self.cnn([images[i] for i in chunk], upsample, batch_size=len(chunk))):
                    found[i] = [(d.rect, d.confidence) for d in dets]
        return [found[i] for i in which]

    def detect(self, frames: list[np.ndarray]) -> list[list[tuple[np.ndarray, float, np.ndarray, str]]]:
        """Per frame: (box, score, 68 landmarks, "dlib68") for each face."""
        prepared = [self._prepare(f) for f in frames]
        out = []
        for (img, up), found in zip(prepared, self._boxes([p[0] for p in prepared])):
            faces = []
            for rect, score in found:
                shape = self.predictor(img, rect)
                pts = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32) / up
                box = np.array([rect.left(), rect.top(), rect.right(), rect.bottom()], dtype=np.float32) / up
                faces.append((box, float(score), pts, "dlib68"))
            out.append(faces)
        return out


class FaceAlignmentBackend:
    """S3FD + 2D-FAN from face-alignment, weights from a local torch hub cache."""

    name = "face-alignment"

    def __init__(self, weights: str | None = None, device: str = "cpu", batch_size: int = 16,
                 threshold: float = 0.5, max_faces: int = 8):
        import torch
        from face_alignment.detection.sfd.sfd_detector import SFDDetector
        from face_alignment.models import FAN

        ckpt = fan_checkpoints(weights)
        missing = [str(p) for p in ckpt.values() if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"face-alignment weights not found: {', '.join(missing)} "
                                    "(put the package's checkpoints there or pass --weights DIR)")
        self.torch, self.device, self.batch_size, self.max_faces = torch, device, batch_size, max_faces
        self.detector = SFDDetector(device=device, path_to_detector=str(ckpt[S3FD_FILE]), filter_threshold=threshold)
        self.fan = FAN(4)
        self.fan.load_state_dict(torch.load(ckpt[FAN_FILE], map_location=device, weights_only=True))
        self.fan.to(device).eval()

    def detect(self, frames: list[np.ndarray]) -> list[list[tuple[np.ndarray, float, np.ndarray, str]]]:
        boxes: list[list[np.ndarray]] = [[] for _ in frames]
        by_shape: dict[tuple, list[int]] = {}
        for i, frame in enumerate(frames):
            by_shape.setdefault(frame.shape, []).append(i)
        with self.torch.no_grad():
            for idx in by_shape.values():
                for k in range(0, len(idx), self.batch_size):
                    chunk = idx[k:k + self.batch_size]
                    rgb = np.stack([frames[i][:, :, ::-1] for i in chunk]).transpose(0, 3, 1, 2)
                    found = self.detector.detect_from_batch(self.torch.from_numpy(np.ascontiguousarray(rgb)).float())
                    for i, dets in zip(chunk, found):
                        dets = sorted(dets, key=lambda d: -d[4])[:self.max_faces]
                        boxes[i] = [np.asarray(d, dtype=np.float32) for d in dets]
            landmarks = self._landmarks(frames, boxes)
        return [[(d[:4], float(d[4]), pts, "fan68") for d, pts in zip(ds, ls)] for ds, ls in zip(boxes, landmarks)]

    def _landmarks(self, frames, boxes) -> list[list[np.ndarray]]:
        """68 points for every box; all crops of the batch through FAN in chunks of batch_size."""
        from face_alignment.utils import crop, get_preds_fromhm

        jobs, crops = [], []
        for f, ds in enumerate(boxes):
            rgb = frames[f][:, :, ::-1]
            for d in ds:
                d = d.astype(np.float64)
                center = np.array([(d[0] + d[2]) / 2, (d[1] + d[3]) / 2 - (d[3] - d[1]) * 0.12])
                scale = float(d[2] - d[0] + d[3] - d[1]) / self.detector.reference_scale
                jobs.append((f, center, scale))
                crops.append(crop(rgb, center, scale).transpose(2, 0, 1).astype(np.float32) / 255.0)
        out: list[list[np.ndarray]] = [[] for _ in frames]
        for k in range(0, len(crops), self.batch_size):
            batch = self.torch.from_numpy(np.stack(crops[k:k + self.batch_size])).to(self.device)
            with self.torch.no_grad():
                heat = self.fan(batch)
            heat = (heat[-1] if isinstance(heat, list) else heat).float().cpu().numpy()
            for j, (f, center, scale) in enumerate(jobs[k:k + self.batch_size]):
                _, pts, _ = get_preds_fromhm(heat[j:j + 1], center, scale)
                out[f].append(pts[0].astype(np.float32))
        return out


def add_expressions(rows: list[dict]) -> None:
    """Fill ``expression`` and ``neutral_frame`` of the 68-point faces of one sample, track by track."""
    by_track: dict[int, list[dict]] = {}
    for row in rows:
        if len(row["landmarks"]) == 68:
            by_track.setdefault(row["track_id"], []).append(row)
    for faces in by_track.values():
        raw = expression.measures(np.array([f["landmarks"] for f in faces]))
        values, ref = expression.track_descriptors(raw)
        for face, v in zip(faces, values):
            face["expression"] = {k: (None if np.isnan(x) else round(float(x), 4))
                                  for k, x in zip(expression.DESCRIPTORS, v)}
            face["neutral_frame"] = None if ref is None else faces[ref]["frame"]


class FaceStage:
    """Pipeline stage writing the ``faces`` table."""

    name = "faces"
    schema = SCHEMA
    columns = ("image_path", "video_path", "start", "end")

    def __init__(self, backend: str = "auto", fps: float = 2.0, size: int = 112,
                 weights: str | None = None, device: str | None = None, batch_size: int = 16):
        if backend not in BACKENDS:
            raise ValueError(f"unknown faces backend {backend!r}: {' | '.join(BACKENDS)}")
        if backend == "auto":
            backend = best_backend(weights)
        self.backend_name, self.fps, self.size, self.weights = backend, fps, size, weights
        self.device = device or default_device()
        self.batch_size = batch_size
        self.backend = None

    def params(self) -> dict:
        return {"backend": self.backend_name, "fps": self.fps, "size": self.size, "device": self.device}

    def setup(self) -> None:
        if self.backend is None:
            if self.backend_name == "opencv":
                self.backend = OpenCVBackend()
            elif self.backend_name.startswith("dlib-"):
                self.backend = DlibBackend(self.backend_name[5:], self.weights, self.batch_size)
            else:
                self.backend = FaceAlignmentBackend(self.weights, self.device, self.batch_size)

    def __getstate__(self):
        return {**self.__dict__, "backend": None}

    def frames(self, sample: dict, media: Path) -> list[tuple[int, float, np.ndarray]]:
        if sample.get("image_path"):
            return [(0, 0.0, load_image(resolve(sample, "image_path", media)))]
        if sample.get("video_path"):
            return list(video_frames(resolve(sample, "video_path", media), self.fps, sample.get("start"),
                                     sample.get("end")))
        raise MediaError(f"{sample['id']}: neither image_path nor video_path")

    def process(self, samples: list[dict], media: Path) -> tuple[list[dict], dict[str, str]]:
        self.setup()
        errors: dict[str, str] = {}
        decoded: list[tuple[dict, list]] = []
        for s in samples:
            try:
                decoded.append((s, self.frames(s, media)))
            except Exception as exc:  # one bad file must not stop the run
                errors[s["id"]] = f"{type(exc).__name__}: {exc}"
        flat = [img for _, frames in decoded for _, _, img in frames]
        detections = iter(self.backend.detect(flat))
        rows = []
        for s, frames in decoded:
            dets = [next(detections) for _ in frames]
            try:
                rows += self._rows(s["id"], frames, dets)
            except Exception as exc:  # e.g. degenerate landmarks: this sample fails, not the run
                errors[s["id"]] = f"{type(exc).__name__}: {exc}"
        return rows, errors

    def _rows(self, sample_id: str, frames: list, dets: list) -> list[dict]:
        """Rows of one sample: aligned crop, landmarks and track of every detected face."""
        import cv2

        rows = []
        tracks = track([[d[0] for d in fd] for fd in dets])
        for (index, t, img), fd, tids in zip(frames, dets, tracks):
            for (box, score, pts, source), tid in zip(fd, tids):
                p5 = pts if len(pts) == 5 else points5_from_68(pts)
                ok, png = cv2.imencode(".png", align(img, p5, self.size))
                rows.append({"id": sample_id, "frame": index, "time": t, "track_id": tid,
                             "box": box.tolist(), "score": score, "landmarks": pts.tolist(),
                             "points5": p5.tolist(), "landmark_source": source,
                             "crop": png.tobytes() if ok else None, "backend": self.backend_name,
                             "expression": None, "neutral_frame": None})
        add_expressions(rows)
        return rows

