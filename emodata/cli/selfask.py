"""``emodata selfask run|eval ROOT``: LLM-assisted coarse-to-fine self-ask annotation."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ._common import need, read_ids, root_argument

@click.group("selfask")
def selfask():
    """LLM-assisted coarse-to-fine self-ask annotation (docs/selfask.md)."""


@selfask.command("run")
@root_argument()
@click.option("--corpus", required=True)
@click.option("--split", default=None)
@click.option("--ids", help="sample ids, comma-separated, or @FILE with one id per line")
@click.option("--where", help="SQL filter on the samples, e.g. \"label = 'anger' AND language = 'en'\"")
@click.option("--sample", type=int, help="a sample of N of the chosen samples, stratified by --stratify")
@click.option("--stratify", default="label", show_default=True)
@click.option("--sample-seed", type=int, default=0, show_default=True, help="seed of --sample")
@click.option("--from-project", help="the samples of a Label Studio study (its name or manifest file)")
@click.option("--limit", type=int, default=None, help="only the first N of the chosen samples")
@click.option("--label-set", default="ekman7", show_default=True)
@click.option("--template", default="cfsa", show_default=True, help="built-in name or YAML path")
@click.option("--base-url", default=None, help="OpenAI-compatible /v1 URL [env EMODATA_LLM_BASE_URL]")
@click.option("--model", default=None, help="model name [env EMODATA_LLM_MODEL]")
@click.option("--json-mode", type=click.Choice(["auto", "json_schema", "json_object", "off"]), default="auto",
              show_default=True)
@click.option("--concurrency", type=int, default=2, show_default=True)
@click.option("--timeout", type=float, default=60.0, show_default=True)
@click.option("--max-retries", type=int, default=4, show_default=True)
@click.option("--max-connection-failures", type=int, default=3, show_default=True,
              help="stop the run after this many requests in a row got no answer")
@click.option("--context-turns", type=int, default=3, show_default=True)
@click.option("--few-shot", type=int, default=0, show_default=True, help="gold examples in the prompt")
@click.option("--translate/--no-translate", default=False, help="translate non-English text first")
@click.option("--images/--no-images", default=False, help="send image_path as a data URL (vision models)")
@click.option("--temperature", type=float, default=0.0, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="the model's sampling seed")
@click.option("--cache", "cache_path", default=None, help="SQLite cache [<root>/derived/selfask_cache.sqlite]")
@click.option("--batch", type=int, default=32, show_default=True, help="samples per trace part")
@click.option("--write-every", type=int, default=1000, show_default=True,
              help="samples between writes of the ratings into the dataset (and at the end)")
def run_cmd(root, corpus, split, ids, where, sample, stratify, sample_seed, from_project, limit, label_set,
            template, base_url, model, json_mode, concurrency, timeout, max_retries, max_connection_failures,
            context_turns, few_shot, translate, images, temperature, seed, cache_path, batch, write_every):
    """Annotate samples of the dataset ROOT with an LLM; ratings are written into the dataset.

    The API key comes from EMODATA_LLM_API_KEY or OPENAI_API_KEY only. Ctrl-C or SIGTERM stops
    the run within seconds; the finished samples are written and a re-run continues."""
    import signal

    from rich.progress import Progress

    sa = need("emodata.annotation.selfask", "selfask")
    try:
        config = sa.LLMConfig(base_url=base_url, model=model, timeout=timeout, max_retries=max_retries,
                              json_mode=json_mode, max_connection_failures=max_connection_failures)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    options = sa.SelfAskOptions(template=template, label_set=label_set, context_turns=context_turns,
                                few_shot=few_shot, translate=translate, images=images,
                                temperature=temperature, seed=seed, concurrency=concurrency)

    def interrupt(signum, frame):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with Progress() as bar:
            task = bar.add_task("self-ask", total=None)
            summary = sa.run(root, corpus, config, options, split=split, ids=read_ids(ids), where=where,
                             sample=sample, stratify=stratify, sample_seed=sample_seed, from_project=from_project,
                             limit=limit, cache_path=cache_path, batch=batch, write_every=write_every,
                             progress=lambda done, total: bar.update(task, completed=done, total=total))
    except KeyboardInterrupt:
        e = click.ClickException("interrupted: the finished samples are written; run the same command again to "
                                 "continue (answers so far are cached)")
        e.exit_code = 130
        raise e from None
    except (sa.LLMError, ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo(json.dumps(summary, indent=2))
    if summary["error"]:
        raise click.ClickException(f"{summary['error']} sample(s) failed; see the traces in "
                                   f"{sa.trace_path(root, corpus, summary['rater_id'])} (re-run to retry them)")


@selfask.command("eval")
@root_argument()
@click.option("--corpus", required=True)
@click.option("--rater", "rater", required=True, help="LLM rater id, e.g. 'llm:<model>|cfsa@1'")
@click.option("--split", default=None)
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="report folder [<root>/reports/selfask/<corpus>]")
@click.option("--bins", type=int, default=10, show_default=True, help="calibration bins")
def eval_cmd(root, corpus, rater, split, out, bins):
    """Compare an LLM rater with the human labels: accuracy, macro-F1, JSD, CCC, ECE, cost."""
    ev = need("emodata.annotation.selfask_eval", "selfask")

    report = ev.evaluate(root, corpus, rater, split=split, bins=bins)
    from ..root import reports_dir
    out = Path(out) if out else reports_dir(root) / "selfask" / corpus
    paths = ev.write_report(report, out)
    click.echo(json.dumps({k: v for k, v in report.items() if k != "reliability"}, indent=2))
    click.echo(f"report: {paths['json']}\nreliability plot: {paths['png']}")
