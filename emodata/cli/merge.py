"""``emodata merge ROOT... --out NEW``: corpora from dataset roots into one training mix."""
from __future__ import annotations

from pathlib import Path

import click

from ._common import console, out

def print_report(report: dict, console) -> None:
    from rich.table import Table
    summary = Table(title=f"merge -> {report['target']}")
    for col in ("corpus", "rows in", "rows out", "excluded", "mass dropped"):
        summary.add_column(col)
    for corpus, r in report["corpora"].items():
        summary.add_row(corpus, f"{r['rows_in']:,}", f"{r['rows_out']:,}",
                        ", ".join(f"{k} {v:,}" for k, v in r["excluded"].items()) or "0",
                        f"{r['mass_dropped']:.1f} ({100 * r['mass_dropped_fraction']:.1f}%)")
    console.print(summary)
    for corpus, r in report["corpora"].items():
        t = Table(title=f"{corpus}: what maps where")
        for col in ("source", "target", "rows", "mass"):
            t.add_column(col)
        for m in r["mapping"]:
            t.add_row(m["source"], m["target"], f"{m['rows']:,}", f"{m['mass']:.1f}")
        console.print(t)


@click.command("merge")
@click.argument("roots", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "dest", required=True, type=click.Path(path_type=Path), help="new dataset root for the mix")
@click.option("--target", required=True,
              help="label set name (ekman7, basic8, ...), a comma list of canonical terms, or 'va'")
@click.option("--corpus", "corpora", multiple=True, help="corpora to include (default: all in ROOTS)")
@click.option("--split", "splits", multiple=True, help="official splits to include (default: all)")
@click.option("--annotated-only", is_flag=True, help="with --target va: only annotated, not label-mapped, VA")
@click.option("--overwrite", is_flag=True, help="replace an existing --out")
@click.option("--duplicates", type=click.Choice(("report", "drop", "group", "off")), default="report",
              show_default=True, help="rows with a duplicate in another corpus: report them, drop all but one "
                                      "(an evaluation row first), or tag them (extra.duplicate_group)")
@click.option("--duplicate-kind", "duplicate_kinds", multiple=True,
              type=click.Choice(("text", "image", "frame", "audio", "embedding")),
              help="evidence for duplicates (default: text)")
def merge(roots, dest, target, corpora, splits, annotated_only, overwrite, duplicates, duplicate_kinds):
    """Merge corpora from dataset ROOTS into one training mix with a target label set."""
    from ..merge import MergeError, merge as merge_corpora
    try:
        report = merge_corpora(roots, dest, target, corpora=corpora, splits=splits, annotated_only=annotated_only,
                               overwrite=overwrite, duplicates=duplicates,
                               duplicate_kinds=duplicate_kinds or ("text",))
    except (MergeError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    print_report(report, out())
    dup = report["duplicates"]
    if dup:
        console().print(f"duplicates across corpora ({', '.join(dup['kinds'])}): {dup['rows']:,} rows in "
                        f"{dup['groups']:,} groups, {len(dup['leakage'])} leaking split pair(s); "
                        f"{dup['dropped']:,} dropped (reports/duplicates/)")
    total = sum(r["rows_out"] for r in report["corpora"].values())
    console().print(f"[green]{total:,} rows[/] -> {dest} (report: {dest / 'reports' / 'merge.md'})")
