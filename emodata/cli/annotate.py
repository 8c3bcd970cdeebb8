"""``emodata annotate launch|status|pull ROOT`` and ``raters``: human annotation in Label Studio."""
from __future__ import annotations

import os
from pathlib import Path

import click

from ..annotation.labelstudio_config import MEDIA
from ._common import need, root_argument


def _ls():
    return need("emodata.annotation.labelstudio", "annotate")

def _client(url: str | None):
    ls = _ls()
    try:
        return ls.Client.from_settings(url)
    except ls.LabelStudioError as e:
        raise click.ClickException(str(e)) from None


def _run(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except (_ls().LabelStudioError, ValueError, FileNotFoundError, FileExistsError, KeyError) as e:
        raise click.ClickException(str(e)) from None


root_opt = root_argument()
url_opt = click.option("--url", help="Label Studio URL (default $EMODATA_LS_URL or http://localhost:8080); "
                                     "the token comes from $EMODATA_LS_TOKEN or ~/.config/emodata/labelstudio.toml")


@click.group(name="annotate")
def annotate():
    """Human annotation in Label Studio: launch, status, pull, raters."""


@annotate.command("launch")
@root_opt
@url_opt
@click.option("--corpus", required=True)
@click.option("--name", required=True, help="project name (manifest <root>/annotation/labelstudio/<name>.json)")
@click.option("--split")
@click.option("--where", help="SQL filter on the samples, e.g. \"label = 'anger' AND speaker_gender = 'female'\"")
@click.option("--sql", help="a full query over the view `samples` (instead of --where)")
@click.option("--sample", type=int, help="number of samples, stratified by --stratify")
@click.option("--stratify", default="label", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--overlap", default=3, show_default=True, help="raters per task")
@click.option("--labels", default="ekman7", show_default=True, help="label set name or comma-separated terms")
@click.option("--multi/--single", default=False, help="multi-label or single choice")
@click.option("--vad", type=click.Choice(["sam", "slider", "none"]), default="sam", show_default=True)
@click.option("--dominance/--no-dominance", default=True)
@click.option("--intensity/--no-intensity", default=True)
@click.option("--confidence/--no-confidence", default=True)
@click.option("--rationale/--no-rationale", default=True)
@click.option("--media", type=click.Choice(["auto", *MEDIA]), default="auto", show_default=True)
@click.option("--show-text/--hide-text", default=True, help="show the transcript beside audio/video")
@click.option("--context-turns", default=5, show_default=True, help="previous dialogue turns shown")
@click.option("--condition", help="rating condition recorded with every pulled rating")
@click.option("--prelabel/--no-prelabel", default=True, help="show llm/model predictions as pre-annotations")
@click.option("--media-root", type=click.Path(file_okay=False, path_type=Path),
              help="media folder (default: the corpus's source_root)")
@click.option("--document-root", type=click.Path(file_okay=False, path_type=Path),
              help="the server's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT")
@click.option("--media-url", help="serve media as <media-url>/<relative path> instead of local files storage")
@click.option("--skip-missing", is_flag=True, help="leave out samples whose media file is missing")
@click.option("--title", help="project title in Label Studio (default: --name)")
def launch_cmd(root, url, corpus, name, labels, **kw):
    """Create a Label Studio project from a selection of a converted corpus."""
    from rich.progress import Progress

    labels = labels.split(",") if "," in labels else labels
    with _client(url) as client, Progress() as bar:
        job = bar.add_task("importing tasks", total=None)
        m = _run(_ls().launch, client, root, corpus, name, labels=labels, on_progress=lambda n: bar.advance(job, n), **kw)
    skipped = m.get("skipped_missing_media") or []
    click.echo(f"project {m['project_id']} at {client.url}/projects/{m['project_id']}: {len(m['tasks'])} tasks, "
               f"{m['overlap']} raters per task" + (f"; {len(skipped)} skipped for missing media" if skipped else ""))
    click.echo(f"manifest: {_ls().manifest_path(root, name)}")


@annotate.command("status")
@root_opt
@url_opt
@click.option("--name", required=True)
@click.option("--tasks/--no-tasks", "show_tasks", default=True, help="also list every task")
def status_cmd(root, url, name, show_tasks):
    """Progress per rater and per task."""
    from rich.console import Console
    from rich.table import Table

    with _client(url) as client:
        s = _run(_ls().status, client, root, name)
    console = Console()
    t = Table(title=f"{name}: {s['complete']}/{s['total']} tasks complete ({s['overlap']} raters per task)")
    for col in ("rater", "annotations", "skipped", "last activity"):
        t.add_column(col)
    for rater, r in s["raters"].items():
        t.add_row(rater, str(r["annotations"]), str(r["skipped"]), r["last"])
    console.print(t)
    if show_tasks:
        t = Table(title="tasks")
        for col in ("task", "sample", "done", "raters"):
            t.add_column(col)
        for task in s["tasks"]:
            t.add_row(str(task["task_id"]), task["sample_id"], f"{task['annotations']}/{s['overlap']}",
                      ", ".join(task["raters"]))
        console.print(t)


@annotate.command("pull")
@root_opt
@url_opt
@click.option("--name", required=True)
@click.option("--keep-deleted", is_flag=True, help="report deleted annotations but keep their ratings")
def pull_cmd(root, url, name, keep_deleted):
    """Write the annotations into the dataset as ratings (idempotent)."""
    with _client(url) as client:
        r = _run(_ls().pull, client, root, name, remove_deleted=not keep_deleted)
    click.echo(f"{r['annotations']} annotations: {r['added']} added, {r['updated']} updated, "
               f"{r['unchanged']} unchanged")
    for d in r["deleted"]:
        click.echo(f"deleted in Label Studio: annotation {d['ref']} by {d['rater_id']} on {d['id']}"
                   + ("" if keep_deleted else " (rating removed)"))
    if r["foreign_tasks"]:
        click.echo(f"skipped {len(r['foreign_tasks'])} task(s) without a sample id (not launched by emodata): "
                   f"{r['foreign_tasks'][:10]}")


@annotate.command("raters")
@url_opt
@click.argument("emails", nargs=-1, required=True)
@click.option("--password-env", default="EMODATA_LS_RATER_PASSWORD", show_default=True,
              help="environment variable holding the initial password of the new accounts")
def raters_cmd(url, emails, password_env):
    """Create rater accounts (they log in with their email and that password)."""
    password = os.environ.get(password_env)
    if not password:
        raise click.ClickException(f"set {password_env} to the raters' initial password (8+ characters)")
    with _client(url) as client:
        _run(_ls().add_raters, client, list(emails), password)
    click.echo(f"{len(emails)} rater account(s) ready on {client.url}: {', '.join(emails)}")
