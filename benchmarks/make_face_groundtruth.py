"""Reference face points from a second model, for the landmark accuracy figures of the faces stage.

MediaPipe Face Mesh (the legacy ``solutions.face_mesh`` of mediapipe 0.10.14, whose wheel carries
its model; 468 points) is run on the real faces shipped with scikit-image: ``astronaut()`` and the
100 faces of ``lfw_subset()`` (25x25 crops, upscaled to 200x200 with bicubic interpolation, as the
benchmark and tests feed them to the backends). Sixteen points that both schemes define the same
way are mapped onto the iBUG 68-point indices (eye corners, eyelid midpoints, nose tip, mouth
corners, lip centres, chin) and written to ``tests/pipelines/data/landmarks_mediapipe.json``.
Images where Face Mesh finds no face are left out.

MediaPipe is not an emodata dependency (its legacy API is gone from current releases); run this
once in a throw-away virtual environment:

    python -m venv /tmp/mp && /tmp/mp/bin/pip install mediapipe==0.10.14 scikit-image
    /tmp/mp/bin/python benchmarks/make_face_groundtruth.py
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tests/pipelines/data/landmarks_mediapipe.json"
LFW_SIZE = 200
# iBUG 68 index (or a midpoint of two) -> Face Mesh vertex
MAP = {"36": 33, "39": 133, "42": 362, "45": 263,            # eye corners (image left to right)
       "37+38": 159, "40+41": 145, "43+44": 386, "46+47": 374,  # upper / lower eyelid midpoints
       "30": 1, "48": 61, "54": 291, "51": 0, "57": 17,      # nose tip, mouth corners, outer lip centres
       "62": 13, "66": 14, "8": 152}                          # inner lip centres, chin


def images() -> list[tuple[dict, np.ndarray]]:
    """(key, RGB uint8 image) of every face image: astronaut() and the faces of lfw_subset()."""
    from skimage import data, transform

    out = [({"image": "astronaut"}, data.astronaut())]
    for i, face in enumerate(data.lfw_subset()[:100]):
        big = transform.resize(face, (LFW_SIZE, LFW_SIZE), order=3)
        gray = (np.clip(big, 0, 1) * 255).astype(np.uint8)
        out.append(({"image": "lfw_subset", "index": i, "size": LFW_SIZE}, np.stack([gray] * 3, axis=-1)))
    return out


def main() -> None:
    import mediapipe as mp

    faces = []
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1) as mesh:
        for key, img in images():
            found = mesh.process(img).multi_face_landmarks
            if not found:
                continue
            h, w = img.shape[:2]
            pts = {name: [round(found[0].landmark[v].x * w, 2), round(found[0].landmark[v].y * h, 2)]
                   for name, v in MAP.items()}
            faces.append({**key, "points": pts})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"model": f"mediapipe {mp.__version__} face_mesh", "faces": faces}, indent=1) + "\n")
    print(f"{len(faces)} faces -> {OUT}")


if __name__ == "__main__":
    main()
