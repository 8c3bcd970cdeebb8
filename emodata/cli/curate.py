"""``emodata curate labels|duplicates|report ROOT``: likely label errors, duplicates and leakage, the report."""
from __future__ import annotations

from pathlib import Path

import click

from ._common import console, need, out, root_argument

RATER_CHOICES = ("human", "llm", "model", "all")


def _kinds(raters: str) -> tuple[str, ...]:
    from ..schema import RATER_KINDS
    return tuple(RATER_KINDS) if raters == "all" else (raters,)


@click.group()
def curate():
    """Curation: likely label errors, duplicates and split leakage, the HTML curation report."""


@curate.command("labels")
@root_argument()
@click.option("--corpus", required=True)
@click.option("--method", type=click.Choice(("dawid-skene", "mace", "glad", "one-coin", "majority", "soft")),
              default="dawid-skene", show_default=True, help="rater model for the ratings signal")
@click.option("--raters", type=click.Choice(RATER_CHOICES), default="human", show_default=True,
              help="whose ratings count")
@click.option("--embeddings/--no-embeddings", default=True, show_default=True,
              help="add a cross-validated classifier on derived/embeddings when the corpus has them")
@click.option("--embedding-model", help="model name in derived/embeddings (default: the one with most rows)")
@click.option("--top", type=int, default=20, show_default=True, help="rows to print")
@click.option("--out", "dest", type=click.Path(path_type=Path),
              help="Parquet file for the ranking (default ROOT/reports/curation/<corpus>.labels.parquet)")
def labels(root, corpus, method, raters, embeddings, embedding_model, top, dest):
    """Rank the samples of a corpus by how likely their label is wrong, with the reason."""
    from rich.table import Table
    need("crowdkit.aggregation", "curate")
    need("cleanlab", "curate")
    lq = need("emodata.curate.labels", "curate")
    from ..curate.raters import RaterModelError
    try:
        table, info = lq.label_issues(root, corpus, method=method, kinds=_kinds(raters),
                                      use_embeddings=embeddings, embedding_model=embedding_model)
    except (lq.LabelQualityError, RaterModelError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    path = lq.write_label_issues(root, corpus, table, info, dest)
    t = Table(title=f"{corpus}: most likely label errors ({', '.join(info['signals'])})")
    for col in ("rank", "id", "label", "score", "reason"):
        t.add_column(col, overflow="fold")
    for r in table.slice(0, top).to_pylist():
        t.add_row(str(r["rank"]), r["id"], str(r["label"]), f"{r['score']:.3f}", r["reason"])
    out().print(t)
    console().print(f"{info['checked']:,} samples ranked -> {path}")


@curate.command("duplicates")
@root_argument()
@click.option("--corpus", "corpora", multiple=True, help="corpora (default: all in ROOT)")
@click.option("--out", "dest", required=True, type=click.Path(path_type=Path),
              help="folder for duplicates.parquet and summary.json")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(("text", "image", "frame", "audio", "embedding")),
              help="evidence to use (default: all)")
@click.option("--min-words", type=int, default=4, show_default=True,
              help="shorter texts are common phrases, counted apart")
@click.option("--image-distance", type=int, default=6, show_default=True, help="max pHash bits apart")
@click.option("--audio-similarity", type=float, default=0.9, show_default=True,
              help="min share of fingerprint bits that agree")
@click.option("--embedding-similarity", type=float, default=0.97, show_default=True, help="min cosine")
@click.option("--workers", type=int, default=2, show_default=True, help="processes for hashing media")
@click.option("--memory-limit", default="1GB", show_default=True, help="DuckDB memory limit (spills to disk)")
def duplicates(root, corpora, dest, kinds, min_words, image_distance, audio_similarity, embedding_similarity,
               workers, memory_limit):
    """Find the same item within and across corpora and flag split leakage."""
    from rich.table import Table
    dup = need("emodata.curate.duplicates", "curate")
    try:
        summary = dup.find_duplicates(root, dest, corpora=corpora or None, kinds=kinds or dup.KINDS,
                                      min_words=min_words, image_distance=image_distance,
                                      audio_similarity=audio_similarity, embedding_similarity=embedding_similarity,
                                      workers=workers, memory_limit=memory_limit)
    except (dup.DuplicateError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    t = Table(title="samples of a with a duplicate in b")
    for col in ("corpus a", "split a", "corpus b", "split b", "kind", "n", "leakage"):
        t.add_column(col)
    for p in summary["pairs"]:
        t.add_row(p["corpus_a"], p["split_a"], p["corpus_b"], p["split_b"], p["kind"], f"{p['n']:,}",
                  "[red]yes[/]" if p["leakage"] else "")
    out().print(t)
    short = summary["short_phrases"]
    console().print(f"{len(summary['leakage'])} leaking pair(s); short phrases (< {short['min_words']} words) "
                    f"counted apart: {short['samples']:,} samples in {short['groups']:,} groups -> {dest}")


@curate.command("report")
@root_argument()
@click.option("--corpus", "corpora", multiple=True, help="corpora (default: all in ROOT)")
@click.option("--duplicates", "dup_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="output folder of `curate duplicates`")
@click.option("--top", type=int, default=25, show_default=True, help="label errors and duplicate groups shown")
@click.option("--out", "dest", type=click.Path(path_type=Path),
              help="HTML file (default ROOT/reports/curation/report.html)")
def report(root, corpora, dup_dir, top, dest):
    """One HTML page: rater reliabilities, likely label errors with their media, duplicates, leakage."""
    rep = need("emodata.curate.report", "curate")
    try:
        path = rep.write_report(root, corpora=corpora or None, duplicates=dup_dir, top=top, dest=dest)
    except (rep.ReportError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    console().print(f"curation report -> {path}")
