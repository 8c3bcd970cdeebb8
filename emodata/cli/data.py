"""Core commands: catalog, convert, stats, query, relabel, compact, export, push, demo."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import console, out, progress, root_argument


@click.command()
@click.option("--status", type=click.Choice(["all", "converted", "planned"]), default="all")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def catalog(status, as_json):
    """List corpora: modalities, languages, licence, size and converter status."""
    from rich.table import Table

    from ..catalog import load_catalog
    rows = {k: v for k, v in load_catalog().items() if status in ("all", v["status"])}
    if as_json:
        out().print_json(json.dumps(rows, default=str))
        return
    table = Table(title=f"emodata catalog ({len(rows)} corpora)")
    for col in ("corpus", "status", "modalities", "languages", "labels", "licence", "size"):
        table.add_column(col, overflow="ellipsis", no_wrap=col in ("corpus", "labels"),
                         max_width=48 if col == "labels" else None)
    for name, e in rows.items():
        table.add_row(name, e["status"], ", ".join(e["modalities"]), ", ".join(e["languages"][:4]) +
                      (" ..." if len(e["languages"]) > 4 else ""), e["labels"], e["licence"], str(e["size"]))
    out().print(table)


@click.command()
@click.argument("corpus")
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--out", "root", type=click.Path(path_type=Path), default=Path("emodata-out"), show_default=True,
              help="dataset root; the corpus lands in <out>/data/<corpus>/<split>/")
@click.option("--strict/--lenient", default=True, show_default=True,
              help="lenient skips bad records and writes a report of what was skipped and why")
def convert(corpus, src, root, strict):
    """Convert CORPUS from its native layout in SRC."""
    from ..root import write_card
    from ..convert import ConversionError, get_converter
    from ..store import write_corpus
    try:
        converter = get_converter(corpus)
    except KeyError as e:
        raise click.ClickException(str(e.args[0])) from None
    with progress() as bar:
        task = bar.add_task(f"converting {converter.name}", total=None)
        try:
            summary = write_corpus(converter, src, root, strict=strict,
                                   on_rows=lambda n: bar.advance(task, n))
        except ConversionError as e:
            raise click.ClickException(f"{e}\nNothing was written (use --lenient to skip bad records).") from None
    write_card(root)
    splits = ", ".join(f"{k} {v:,}" for k, v in summary["splits"].items())
    console().print(f"[green]{summary['corpus']}[/]: {summary['rows']:,} rows ({splits}) -> {root / 'data' / summary['corpus']}")
    if summary["skipped"]:
        console().print(f"[yellow]skipped {summary['skipped']} record(s); see {summary['skipped_report']}[/]")


def connect(root: Path, corpus: str | None = None, split: str | None = None):
    """store.connect with a CLI error when there is no data."""
    from ..store import connect as store_connect
    try:
        return store_connect(root, corpus, split)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None


def _print_relation(rel, title=None, limit=None):
    from rich.table import Table
    table = Table(title=title)
    for col in rel.columns:
        table.add_column(col, overflow="fold")
    for row in rel.fetchall()[:limit]:
        table.add_row(*("" if v is None else str(v) for v in row))
    out().print(table)


STATS_QUERIES = {
    "splits": "SELECT corpus, split, count(*) AS samples, count(DISTINCT speaker_id) AS speakers "
              "FROM samples GROUP BY ALL ORDER BY ALL",
    "labels": "SELECT corpus, coalesce(label, '(none)') AS label, count(*) AS samples "
              "FROM samples GROUP BY ALL ORDER BY corpus, samples DESC",
    "vad": "SELECT corpus, vad_source, count(*) AS samples, round(min(valence)::DOUBLE, 3) AS v_min, "
           "round(max(valence)::DOUBLE, 3) AS v_max, round(min(arousal)::DOUBLE, 3) AS a_min, round(max(arousal)::DOUBLE, 3) AS a_max, "
           "round(min(dominance)::DOUBLE, 3) AS d_min, round(max(dominance)::DOUBLE, 3) AS d_max "
           "FROM samples WHERE valence IS NOT NULL GROUP BY ALL ORDER BY ALL",
    "raters": "SELECT corpus, rater_kind, count(DISTINCT rater_id) AS raters, count(*) AS ratings, "
              "count(*) FILTER (WHERE rater_id IS NULL) AS anonymous FROM ratings GROUP BY ALL ORDER BY ALL",
}


@click.command()
@root_argument()
@click.option("--corpus")
@click.option("--split")
@click.option("--json", "as_json", is_flag=True)
def stats(root, corpus, split, as_json):
    """Counts per split, label and speaker; VAD ranges; raters."""
    con = connect(root, corpus, split)
    if as_json:
        res = {}
        for name, q in STATS_QUERIES.items():
            rel = con.sql(q)
            res[name] = [dict(zip(rel.columns, r)) for r in rel.fetchall()]
        out().print_json(json.dumps(res, default=str))
        return
    for name, q in STATS_QUERIES.items():
        _print_relation(con.sql(q), title=name)


@click.command()
@root_argument()
@click.argument("sql")
@click.option("--corpus")
@click.option("--output", type=click.Path(path_type=Path), help="write the result (.parquet, .csv or .json)")
@click.option("--limit", type=int, default=50, show_default=True, help="rows to print")
def query(root, sql, corpus, output, limit):
    """Run DuckDB SQL over views `samples` and `ratings` (ratings unnested)."""
    import duckdb
    con = connect(root, corpus)
    try:
        rel = con.sql(sql)
    except duckdb.Error as e:
        raise click.ClickException(f"SQL error: {e}") from None
    if output:
        fmt = {".parquet": "parquet", ".csv": "csv", ".json": "json"}.get(output.suffix)
        if fmt is None:
            raise click.ClickException("--output must end in .parquet, .csv or .json")
        target = str(output).replace("'", "''")
        con.sql(f"COPY ({sql}) TO '{target}' (FORMAT {fmt})")
        console().print(f"wrote {output}")
    else:
        click.echo(str(rel.limit(limit)))


@click.command()
@root_argument()
@click.option("--corpus", required=True)
@click.option("--raters", type=click.Choice(["human", "llm", "model", "all"]), default="human", show_default=True,
              help="whose ratings make the soft label (self-reports count only with 'all')")
@click.option("--method", type=click.Choice(["soft", "majority", "dawid-skene", "mace", "glad", "one-coin"]),
              default="soft", show_default=True,
              help="soft: vote shares; the others fit a rater model (curate extra) whose posteriors become the "
                   "soft label, and write ROOT/reports/raters/<corpus>.json")
def relabel(root, corpus, raters, method):
    """Recompute soft labels from the ratings, e.g. after `annotate pull` or `selfask run`."""
    from ..schema import RATER_KINDS
    from ..store import recompute_soft_labels
    kinds = RATER_KINDS if raters == "all" else (raters,)
    if method != "soft":
        from ._common import need
        need("crowdkit.aggregation", "curate")
        rm = need("emodata.curate.raters", "curate")
        try:
            res = rm.relabel(root, corpus, method, kinds)
        except (rm.RaterModelError, FileNotFoundError) as e:
            raise click.ClickException(str(e)) from None
        for note in res["notes"]:
            console().print(f"[yellow]{note}[/]")
        console().print(f"{corpus}: soft labels from the {method} posteriors of {raters} ratings; "
                        f"{res['changed']:,} row(s) changed; {res['raters']} rater(s) -> {res['report']}")
        return
    try:
        changed = recompute_soft_labels(root, corpus, kinds)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    console().print(f"{corpus}: soft labels recomputed from {raters} ratings; {changed:,} row(s) changed")


@click.command()
@root_argument()
@click.option("--corpus", "corpora", multiple=True, help="corpora to compact (default: all)")
def compact(root, corpora):
    """Fold ratings written since conversion (annotate pull, selfask run) into the Parquet files."""
    from .. import store
    for corpus in corpora or store.corpora(root):
        try:
            n = store.compact_ratings(root, corpus)
        except FileNotFoundError as e:
            raise click.ClickException(str(e)) from None
        console().print(f"{corpus}: {n:,} sample(s) with pending ratings folded into the data files")


@click.command()
@root_argument()
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--corpus", "corpora", multiple=True, help="corpora to include (default: all)")
def export(root, dest, corpora):
    """Write a Hub-ready folder: data/<corpus>/<split>/*.parquet plus a dataset card."""
    from ..root import export_folder
    try:
        export_folder(root, dest, corpora or None)
    except (FileNotFoundError, FileExistsError) as e:
        raise click.ClickException(str(e)) from None
    console().print(f"Hub-ready folder: {dest} (load with datasets.load_dataset({str(dest)!r}, '<corpus>'))")


@click.command()
@click.argument("folder", type=click.Path(exists=True, path_type=Path))
@click.argument("repo_id")
@click.option("--private", is_flag=True, help="create a private repo (required for corpora that forbid redistribution)")
@click.option("--revision", default=None)
def push(folder, repo_id, private, revision):
    """Upload an exported folder to a Hub dataset repo (token from HF_TOKEN)."""
    from ..hub import PushRefused, push_folder
    try:
        url = push_folder(folder, repo_id, private=private, revision=revision)
    except PushRefused as e:
        raise click.ClickException(str(e)) from None
    console().print(f"pushed to {url}")


@click.command()
@click.option("--out", "root", type=click.Path(path_type=Path), default=Path("emodata-demo"), show_default=True)
@click.pass_context
def demo(ctx, root):
    """Convert the bundled GoEmotions and FER+ excerpts, then print their stats."""
    from importlib import resources
    bundled = resources.files("emodata") / "demo"
    for corpus in ("goemotions", "ferplus"):
        with resources.as_file(bundled / corpus) as src:
            ctx.invoke(convert, corpus=corpus, src=src, root=root, strict=True)
    ctx.invoke(stats, root=root, corpus=None, split=None, as_json=False)
    console().print(f"\nOutput: {root.resolve()} (Parquet under data/<corpus>/<split>/, dataset card README.md). "
                    f"Next: emodata query {root} \"SELECT label, count(*) FROM samples GROUP BY 1\"; "
                    "attribution: emodata/demo/ATTRIBUTION.md")
