"""``emodata split ROOT --name NAME``: speaker-, dialogue- or session-independent splits."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from ..splits import METHODS
from ._common import console, out, root_argument

def print_report(report: dict, console) -> None:
    from rich.table import Table
    leak = ", ".join(f"{k} {v}" for k, v in report["leakage"].items())
    console.print(f"{report['corpus']}: {report['method']} by {report['by']} (seed {report['seed']}), "
                  f"{report['groups']} groups; leakage: {leak}")
    t = Table(title=f"{report['corpus']}: label balance per part")
    top = [y for y, _ in Counter({y: n for b in report["balance"].values() for y, n in b["labels"].items()})
           .most_common(8)]
    for col in ("part", "rows", "groups", "max |dev|", *top):
        t.add_column(col)
    for part, b in report["balance"].items():
        t.add_row(part, f"{b['rows']:,}", str(b["groups"]), str(b["max_abs_deviation"]),
                  *(f"{b['labels'].get(y, 0):,}" for y in top))
    console.print(t)


@click.command("split")
@root_argument()
@click.option("--name", required=True, help="name of the split; written to <root>/splits/<name>/")
@click.option("--corpus", "corpora", multiple=True, help="corpora (default: all in ROOT)")
@click.option("--by", default="speaker", show_default=True,
              help="grouping: speaker, dialogue, session, a column, extra.<key>; join with + (e.g. speaker+dialogue)")
@click.option("--method", type=click.Choice(METHODS), default="holdout", show_default=True,
              help="holdout (train/validation/test), kfold, logo (leave one group out)")
@click.option("--ratios", default="0.8,0.1,0.1", show_default=True, help="holdout shares: train,validation,test")
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--stratify/--no-stratify", default=True, show_default=True, help="balance labels across parts")
@click.option("--within", multiple=True, help="only rows of these official splits (e.g. train)")
@click.option("--overwrite", is_flag=True, help="replace an existing split of the same name")
@click.option("--duplicates", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="an `emodata curate duplicates` folder: keep each duplicate group on one side")
def split(root, name, corpora, by, method, ratios, folds, seed, stratify, within, overwrite, duplicates):
    """Speaker-independent, label-stratified splits of the corpora in ROOT."""
    from .. import store
    from ..splits import SplitError, make_split
    try:
        ratio_values = tuple(float(x) for x in ratios.split(","))
    except ValueError:
        raise click.BadParameter(f"{ratios!r} is not a comma list of numbers", param_hint="--ratios") from None
    for corpus in corpora or store.corpora(root):
        try:
            report = make_split(root, corpus, name, by=by, method=method, ratios=ratio_values, folds=folds,
                                seed=seed, stratify=stratify, within=within, overwrite=overwrite,
                                duplicates=duplicates)
        except (SplitError, FileNotFoundError) as e:
            raise click.ClickException(str(e)) from None
        print_report(report, out())
        leaks = {k: v for k, v in report["leakage"].items() if v and k.split(" ")[0] in by.split("+")}
        if leaks:
            raise click.ClickException(f"{corpus}: leakage {leaks}")
    console().print(f"[green]split {name!r}[/] -> {Path(root) / 'splits' / name}")
