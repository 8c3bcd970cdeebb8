"""``emodata agreement ROOT --report out.html``: inter-rater agreement report."""
from __future__ import annotations

import os

import click

from ._common import need, root_argument

@click.command("agreement")
@root_argument()
@click.option("--corpus", multiple=True, help="Corpus name(s) under ROOT/data (default: all).")
@click.option("--split", default=None, help="Split (default: all).")
@click.option("--raters", type=click.Choice(["human", "llm", "all"]), default="all", show_default=True,
              help="Which raters enter the headline coefficients.")
@click.option("--level", type=click.Choice(["nominal", "ordinal", "interval", "ratio"]), default=None,
              help="Measurement level of the headline alpha (default: nominal for label, interval otherwise).")
@click.option("--field", "field_", type=click.Choice(["label", "valence", "arousal", "dominance", "intensity"]),
              default="label", show_default=True)
@click.option("--condition", default=None,
              help="Only ratings with this presentation condition (default: one section per condition).")
@click.option("--labels", "labels", type=click.Choice(["as-is", "basic"]), default="as-is", show_default=True,
              help="Compare labels as stored, or each as its basic emotion in the taxonomy (joy -> happiness).")
@click.option("--n-boot", default=1000, show_default=True, help="Bootstrap resamples for the intervals.")
@click.option("--seed", default=0, show_default=True)
@click.option("--ci", default=0.95, show_default=True, help="Confidence level.")
@click.option("--report", "report_path", required=True, type=click.Path(dir_okay=False),
              help="Output HTML; .json and .md summaries are written next to it.")
def agreement(root, corpus, split, raters, level, field_, condition, labels, n_boot, seed, ci, report_path):
    """Inter-rater agreement report for a converted dataset ROOT (one section per corpus and condition)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        # the bootstrap's matrix products are small: BLAS threads cost more than they save, on a shared
        # machine many times more (docs/agreement.md); set the variable to override
        os.environ.setdefault(var, "1")
    run_report = need("emodata.annotation.agreement_report", "agreement").run_report
    if not 0 < ci < 1 or n_boot < 0:
        raise click.BadParameter("--ci must be in (0, 1) and --n-boot >= 0")
    try:
        paths = run_report(root, corpora=list(corpus) or None, split=split, raters=raters, level=level,
                           field=field_, condition=condition, labels=labels, n_boot=n_boot, seed=seed, ci=ci,
                           out=report_path)
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    for p in paths:
        click.echo(str(p))
