"""Expression descriptors from 68-point iBUG landmarks (dlib or FAN): geometric proxies, not FACS AUs.

Each face is put in its own frame: origin at the midpoint of the eye centres, x along the eye
line (roll removed), unit = inter-ocular distance (IOD, between the eye centres). Raw measures
(:data:`MEASURES`, in IOD):

* ``eye_open``    mean eyelid gap (upper to lower lid, both eyes)
* ``brow_height`` mean height of the ten brow points above the eye line
* ``brow_gap``    distance between the inner brow ends (points 21 and 22)
* ``mouth_open``  mean inner-lip gap (61-67, 62-66, 63-65)
* ``corner_drop`` mean height of the mouth corners (48, 54) below the nose base (33)
* ``brow_tilt`` / ``corner_tilt``  left minus right brow height / corner drop (for asymmetry)

Descriptors (:data:`DESCRIPTORS`) are changes of these against a reference face: the track's
own neutral-most frame when the track has at least ``MIN_TRACK`` frames (the frame closest to
the population reference), else the population reference :data:`NEUTRAL` (the median over the
real faces of scikit-image's ``lfw_subset()``, see docs/pipelines.md):

* ``eye_open``   + wider, - narrowed or closing
* ``brow_raise`` + raised, - lowered
* ``brow_furrow`` + inner brows drawn together
* ``mouth_open`` + lips parted
* ``lip_corner`` + corners pulled up towards the nose (as in a smile), - depressed
* ``asymmetry``  |change of brow tilt| + |change of corner tilt| (>= 0)

They are what the landmarks show, not action-unit intensities: head yaw and pitch change the
projected distances, and identity differences remain when a still image is compared with the
population reference.
"""
from __future__ import annotations

import numpy as np

MEASURES = ("eye_open", "brow_height", "brow_gap", "mouth_open", "corner_drop", "brow_tilt", "corner_tilt")
DESCRIPTORS = ("eye_open", "brow_raise", "brow_furrow", "mouth_open", "lip_corner", "asymmetry")
# Population reference: median raw measures of dlib's 68 points (HOG detector) on the 22 faces of
# lfw_subset() with closed lips (mouth_open < 0.05) among those with reference points; mouth_open
# and the tilts are set to their anatomical neutral 0 (python benchmarks/bench_pipelines.py --only accuracy).
NEUTRAL = np.array([0.115, 0.310, 0.416, 0.0, 0.324, 0.0, 0.0])
# Spread (1.4826 x median absolute deviation) of the same measures on the same faces: the unit in
# which the neutral-most frame is chosen.
SPREAD = np.array([0.032, 0.054, 0.052, 0.033, 0.066, 0.013, 0.033])
# Cue words: descriptor -> (threshold in IOD, words above +threshold, words below -threshold);
# thresholds are about 1.5 to 2 spreads. mouth_open has a second, larger step.
CUES = {"brow_raise": (0.08, "brows raised", "brows lowered"),
        "brow_furrow": (0.08, "brows drawn together", None),
        "eye_open": (0.05, "eyes widened", "eyes narrowed"),
        "mouth_open": (0.08, "lips parted", None),
        "lip_corner": (0.10, "lip corners pulled up", "lip corners pulled down"),
        "asymmetry": (0.08, "asymmetric", None)}
MOUTH_WIDE = 0.25
MIN_TRACK = 3


def measures(pts: np.ndarray) -> np.ndarray:
    """Raw measures (n, len(MEASURES)) of faces ``pts`` (n, 68, 2), in inter-ocular distances."""
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 68, 2)
    right, left = pts[:, 36:42].mean(1), pts[:, 42:48].mean(1)  # image-left eye, image-right eye
    axis = left - right
    iod = np.linalg.norm(axis, axis=1)
    iod = np.where(iod > 0, iod, np.nan)  # degenerate faces give NaN, not a division error
    ux = axis / iod[:, None]
    uy = np.stack([-ux[:, 1], ux[:, 0]], axis=1)  # perpendicular, pointing down the face
    rel = pts - ((right + left) / 2)[:, None]
    x = np.einsum("nkd,nd->nk", rel, ux) / iod[:, None]
    y = np.einsum("nkd,nd->nk", rel, uy) / iod[:, None]
    gap = lambda top, bottom: (y[:, bottom] - y[:, top]).mean(1)  # noqa: E731
    eye_open = gap([37, 38, 43, 44], [41, 40, 47, 46])
    brow_r, brow_l = -y[:, 17:22].mean(1), -y[:, 22:27].mean(1)
    drop_r, drop_l = y[:, 48] - y[:, 33], y[:, 54] - y[:, 33]
    mouth = np.clip(gap([61, 62, 63], [67, 66, 65]), 0, None)
    return np.stack([eye_open, (brow_r + brow_l) / 2, x[:, 22] - x[:, 21], mouth, (drop_r + drop_l) / 2,
                     brow_l - brow_r, drop_l - drop_r], axis=1)


def descriptors(raw: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Descriptors (n, len(DESCRIPTORS)) of raw measures against reference measures (same shape or 1-D)."""
    d = raw - reference
    return np.stack([d[:, 0], d[:, 1], -d[:, 2], d[:, 3], -d[:, 4], np.abs(d[:, 5]) + np.abs(d[:, 6])], axis=1)


def neutral_index(raw: np.ndarray) -> int:
    """Index of the neutral-most of a track's frames: closest to the population reference."""
    return int(np.nanargmin(np.nansum(np.abs((raw - NEUTRAL) / SPREAD), axis=1)))


def track_descriptors(raw: np.ndarray) -> tuple[np.ndarray, int | None]:
    """Descriptors of one track's frames (raw: frames x measures) and its neutral frame's index.

    Tracks shorter than ``MIN_TRACK`` frames are compared with the population reference (index None).
    """
    if len(raw) < MIN_TRACK or np.isnan(raw).all():
        return descriptors(raw, NEUTRAL), None
    ref = neutral_index(raw)
    return descriptors(raw, raw[ref]), ref


def text(values: dict) -> str:
    """Cue words for one face's descriptors, e.g. "brows raised and drawn together, mouth open"."""
    words = {}
    for key, (threshold, up, down) in CUES.items():
        v = values.get(key)
        if v is None:
            continue
        if v >= threshold and up:
            words[key] = "mouth open" if key == "mouth_open" and v >= MOUTH_WIDE else up
        elif v <= -threshold and down:
            words[key] = down
    if "brow_raise" in words and "brow_furrow" in words:  # one phrase for both brow movements
        words["brow_raise"] += " and drawn together"
        del words["brow_furrow"]
    return ", ".join(words.values())
