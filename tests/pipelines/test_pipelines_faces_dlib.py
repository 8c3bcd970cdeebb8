"""Real face models offline: dlib HOG / CNN detectors with the 68-point shape predictor on the real
faces of scikit-image (astronaut(), lfw_subset()), checked against reference points from a second
model (MediaPipe Face Mesh, tests/pipelines/data/landmarks_mediapipe.json, made by
benchmarks/make_face_groundtruth.py); the backend choice; expression descriptors, their cues and the self-ask observation round."""
import json
import shutil
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
import torch
from click.testing import CliRunner
from skimage import data

from emodata.annotation.llm_client import Cache, ChatClient, LLMConfig
from emodata.annotation.selfask import SelfAsker, SelfAskOptions, load_template, read_face_cues
from emodata.cli.pipeline import pipeline as cli
from emodata.pipelines import expression
from emodata.pipelines.cues import CueStage
from emodata.pipelines.faces import (DLIB_68, FAN_FILE, S3FD_FILE, DlibBackend, FaceStage, best_backend,
                                     dlib_models)
from emodata.pipelines.runner import read_derived, run_stage

REFERENCE = json.loads((Path(__file__).parent / "data" / "landmarks_mediapipe.json").read_text())


def astronaut():
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def copy_dataset(src_root: Path, dest: Path) -> Path:
    shutil.copytree(src_root, dest, ignore=shutil.ignore_patterns("derived"))
    return dest


def nme(pts: np.ndarray, ref: dict) -> float:
    """Mean distance to the reference points (68-scheme names, "37+38" = midpoint) / outer-eye-corner distance."""
    ref = {k: np.array(v) for k, v in ref.items()}
    err = [np.linalg.norm(np.mean([pts[int(i)] for i in k.split("+")], axis=0) - v) for k, v in ref.items()]
    return float(np.mean(err) / np.linalg.norm(ref["45"] - ref["36"]))


@pytest.fixture(scope="module")
def hog():
    return DlibBackend("hog")


@pytest.mark.parametrize("detector", ["hog", "cnn"])
def test_dlib_68_points_land_on_the_astronaut_face(detector, hog):
    backend = hog if detector == "hog" else DlibBackend("cnn")
    faces = backend.detect([astronaut()])[0]
    box, score, pts, source = faces[0]  # best first (HOG also scores a patch of her suit, at 0.12)
    assert source == "dlib68" and pts.shape == (68, 2) and score > 0.9
    assert 160 < box[0] < 185 and 60 < box[1] < 85 and 85 < box[2] - box[0] < 100
    ref = next(f["points"] for f in REFERENCE["faces"] if f["image"] == "astronaut")
    assert nme(pts, ref) < 0.06  # measured 0.04 against MediaPipe Face Mesh


def test_dlib_landmarks_agree_with_the_second_model_on_lfw_faces(hog):
    """The LFW faces at 200 px (as the reference was made): median NME below 0.07 (measured 0.043)."""
    from skimage import transform

    lfw = data.lfw_subset()
    errors = []
    for face in [f for f in REFERENCE["faces"] if f["image"] == "lfw_subset"][:30]:
        gray = (np.clip(transform.resize(lfw[face["index"]], (face["size"],) * 2, order=3), 0, 1) * 255)
        found = hog.detect([cv2.cvtColor(gray.astype(np.uint8), cv2.COLOR_GRAY2BGR)])[0]
        if found:
            errors.append(nme(found[0][2], face["points"]))
    assert len(errors) >= 25
    assert np.median(errors) < 0.07 and np.percentile(errors, 90) < 0.12


def test_hog_detection_recall_on_lfw_subset(hog):
    """lfw_subset(): 100 faces then 100 non-faces, 25x25; the backend upscales them itself."""
    images = [cv2.cvtColor((img * 255).astype(np.uint8), cv2.COLOR_GRAY2BGR) for img in data.lfw_subset()]
    found = [bool(f) for f in hog.detect(images)]
    assert sum(found[:100]) >= 88 and sum(found[100:]) <= 2  # measured 93 and 0


def test_best_backend_and_missing_model_files(tmp_path):
    assert best_backend() == "dlib-cnn"  # no face-alignment checkpoints in the hub cache here
    assert FaceStage().backend_name == "dlib-cnn"
    hub = tmp_path / "hub"
    (hub / "checkpoints").mkdir(parents=True)
    assert best_backend(str(hub)) == "opencv"  # neither FAN checkpoints nor dlib files there
    for name in (S3FD_FILE, FAN_FILE):
        torch.save({}, hub / "checkpoints" / name)
    assert best_backend(str(hub)) == "face-alignment"
    with pytest.raises(FileNotFoundError, match=DLIB_68):
        DlibBackend("hog", weights=str(tmp_path))
    assert (dlib_models() / DLIB_68).is_file()


def test_measures_are_invariant_to_rotation_scale_and_shift(hog):
    pts = hog.detect([astronaut()])[0][0][2].astype(np.float64)
    angle, scale = np.deg2rad(25), 1.7
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = pts @ rot.T + [40, -15]
    assert np.allclose(expression.measures(pts), expression.measures(moved), atol=1e-9)


def test_descriptors_follow_the_moved_points(hog):
    pts = hog.detect([astronaut()])[0][0][2].astype(np.float64)
    iod = np.linalg.norm(pts[42:48].mean(0) - pts[36:42].mean(0))  # the eye line is nearly horizontal here
    base = expression.measures(pts)
    raised = pts.copy()
    raised[17:27, 1] -= 0.1 * iod  # both brows up by 0.1 IOD
    together = pts.copy()
    together[21, 0] += 0.05 * iod
    together[22, 0] -= 0.05 * iod
    smile = pts.copy()
    smile[[48, 54], 1] -= 0.08 * iod
    one_side = pts.copy()
    one_side[22:27, 1] -= 0.1 * iod
    d = {name: dict(zip(expression.DESCRIPTORS, expression.descriptors(expression.measures(p), base)[0]))
         for name, p in (("raised", raised), ("together", together), ("smile", smile), ("one_side", one_side))}
    assert d["raised"]["brow_raise"] == pytest.approx(0.1, abs=0.005) and abs(d["raised"]["brow_furrow"]) < 1e-6
    assert d["together"]["brow_furrow"] == pytest.approx(0.1, abs=0.005)
    assert d["smile"]["lip_corner"] == pytest.approx(0.08, abs=0.005) and abs(d["smile"]["mouth_open"]) < 1e-6
    assert d["one_side"]["asymmetry"] == pytest.approx(0.1, abs=0.005)
    assert expression.text(d["raised"] | {"brow_furrow": 0.09}) == "brows raised and drawn together"


def test_the_astronaut_smile_reads_as_lips_parted_and_corners_up(hog):
    pts = hog.detect([astronaut()])[0][0][2]
    values = dict(zip(expression.DESCRIPTORS, expression.descriptors(expression.measures(pts), expression.NEUTRAL)[0]))
    assert expression.text(values) == "lips parted, lip corners pulled up"


def test_track_reference_is_its_most_neutral_frame():
    neutral = expression.NEUTRAL + [0.0, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0]
    open_mouth = neutral + [0.0, 0.0, 0.0, 0.3, 0.0, 0.0, 0.0]
    values, ref = expression.track_descriptors(np.stack([open_mouth, neutral, open_mouth]))
    assert ref == 1 and np.allclose(values[1], 0) and values[0][3] == pytest.approx(0.3)
    short, ref = expression.track_descriptors(np.stack([open_mouth, neutral]))
    assert ref is None and short[1][1] == pytest.approx(0.01)  # shorter tracks: the population reference


def test_faces_stage_writes_68_points_and_expressions(ferplus, meld, tmp_path):
    root = copy_dataset(ferplus[0], tmp_path / "fer")
    result = run_stage(FaceStage("dlib-hog"), root, "ferplus", workers=0, progress=False)
    assert result.processed == 8 and not result.errors
    faces = read_derived(root, "faces", "ferplus").to_pylist()
    assert len({f["id"] for f in faces}) >= 7  # 48x48 LFW faces
    for f in faces:
        assert f["backend"] == "dlib-hog" and f["landmark_source"] == "dlib68" and len(f["landmarks"]) == 68
        assert set(f["expression"]) == set(expression.DESCRIPTORS) and f["neutral_frame"] is None

    root = copy_dataset(meld[0], tmp_path / "meld")
    run_stage(FaceStage("dlib-hog", fps=2.0), root, "meld", workers=0, progress=False)
    one = [f for f in read_derived(root, "faces", "meld").to_pylist() if f["id"] == "meld/validation/dia0_utt0"]
    assert len(one) == 4 and len({f["track_id"] for f in one}) == 1  # 2 s at 2 fps, one track
    ref = one[0]["neutral_frame"]
    assert ref in {f["frame"] for f in one}
    assert all(v == 0 for v in next(f for f in one if f["frame"] == ref)["expression"].values())

    result = run_stage(CueStage(root, "meld"), root, "meld", workers=0, progress=False)
    assert not result.errors
    row = next(r for r in read_derived(root, "cues", "meld").to_pylist() if r["id"] == "meld/validation/dia0_utt0")
    assert "landmark geometry against its own most neutral frame: " in row["cues"]
    face = json.loads(row["features"])["face"]
    assert face["frames"] == 4 and face["reference"] == f"frame {ref}" and set(face["peak"]) == set(expression.DESCRIPTORS)
    # the same still face, panned and rescaled: descriptors stay below every cue threshold (measured <= 0.04)
    assert max(abs(v) for v in face["peak"].values()) < 0.06 and row["cues"].endswith("no marked change.")
    words = read_face_cues(root, "meld", {"meld/validation/dia0_utt0"})["meld/validation/dia0_utt0"]
    assert words.endswith("(against the person's most neutral frame)")


def schema_filler(request: httpx.Request) -> httpx.Response:
    """An OpenAI-compatible endpoint answering every round with the first value its JSON schema allows."""
    def fill(node):
        if "enum" in node:
            return node["enum"][0]
        kind = node.get("type")
        if kind == "object":
            return {k: fill(v) for k, v in node["properties"].items()}
        if kind == "array":
            return [fill(node["items"])]
        return {"string": "x", "number": 0.5, "boolean": True}[kind]

    if request.url.path.endswith("/models"):
        return httpx.Response(200, json={"object": "list", "data": [{"id": "filler", "object": "model"}]})
    body = json.loads(request.content)
    answer = fill(body["response_format"]["json_schema"]["schema"])
    if "probs" in answer:
        answer["probs"] = [{"label": "happiness", "prob": 1.0}]
    return httpx.Response(200, json={"choices": [{"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant", "content": json.dumps(answer)}}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}})


def test_selfask_observation_round_runs_only_with_face_words(tmp_path):
    client = ChatClient(LLMConfig(base_url="http://llm.test/v1", model="filler", backoff=0.0),
                        Cache(tmp_path / "cache.sqlite"), transport=httpx.MockTransport(schema_filler))
    asker = SelfAsker(client, load_template("cfsa"), SelfAskOptions())
    sample = {"id": "s1", "text": "We did it!"}
    with_face = asker.annotate(sample, face="lips parted, lip corners pulled up (against a typical neutral face)")
    rounds = [t["round"] for t in with_face.trace]
    assert rounds[0] == "observation" and rounds[-1] == "final" and with_face.status == "ok"
    assert "lips parted, lip corners pulled up" in with_face.trace[0]["question"]
    assert "not FACS action units" in with_face.trace[0]["question"]
    without = asker.annotate(sample)
    assert "observation" not in [t["round"] for t in without.trace] and without.status == "ok"


def test_cli_default_backend_writes_dlib_landmarks(ferplus, tmp_path):
    root = copy_dataset(ferplus[0], tmp_path / "ds")
    result = CliRunner().invoke(cli, ["faces", str(root), "--workers", "0", "--limit", "3"])
    assert result.exit_code == 0, result.output
    faces = read_derived(root, "faces", "ferplus").to_pylist()
    assert faces and {(f["backend"], f["landmark_source"], len(f["landmarks"])) for f in faces} == {("dlib-cnn", "dlib68", 68)}
