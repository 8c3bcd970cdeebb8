"""``emodata annotate launch|status|pull ROOT`` and ``raters``: human annotation in Label Studio."""
from __future__ import annotations

import os
from pathlib import Path

import click

from ..annotation.labelstudio_config import MEDIA
from ._common import need, read_ids, root_argument


def _ls():
    return need("emodata.annotation.labelstudio", "annotate")


def _servers(url: str | None):
    """Clients by server URL; the token of each comes from the environment or the config file."""
    return _ls().Servers(url)


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
@click.option("--name", required=True, help="study name (manifest <root>/annotation/labelstudio/<name>.json)")
@click.option("--rater", "raters", multiple=True, metavar="EMAIL=URL",
              help="a rater and their own Label Studio server (blind study; repeat for every rater)")
@click.option("--shared", is_flag=True, help="one project for all raters on --url: each can read and edit the "
                                             "others' annotations (not blind)")
@click.option("--overlap", type=int, help="raters per task of a --shared project [3]; a blind study has one "
                                          "rater per --rater server")
@click.option("--prefill", metavar="RATER", help="show this llm/model rater's ratings as pre-annotations, e.g. "
                                                 "'llm:<model>|cfsa@1' (default: none)")
@click.option("--split")
@click.option("--ids", help="sample ids, comma-separated, or @FILE with one id per line")
@click.option("--where", help="SQL filter on the samples, e.g. \"label = 'anger' AND speaker_gender = 'female'\"")
@click.option("--sql", help="a full query over the view `samples` (instead of --where)")
@click.option("--sample", type=int, help="number of samples, stratified by --stratify")
@click.option("--stratify", default="label", show_default=True)
@click.option("--seed", default=0, show_default=True)
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
@click.option("--media-root", type=click.Path(file_okay=False, path_type=Path),
              help="media folder (default: the corpus's source_root)")
@click.option("--document-root", type=click.Path(file_okay=False, path_type=Path),
              help="the server's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT (needed for local media)")
@click.option("--media-url", help="serve media as <media-url>/<relative path> instead of local files storage")
@click.option("--skip-missing", is_flag=True, help="leave out samples whose media file is missing")
@click.option("--title", help="project title in Label Studio (default: --name)")
def launch_cmd(root, url, corpus, name, raters, labels, ids, **kw):
    """Create the Label Studio project(s) of a study from a selection of a converted corpus.

    With more than one rater per sample the study is blind: every rater gets a server of their
    own (--rater EMAIL=URL, see docs/labelstudio.md), unless --shared."""
    from rich.progress import Progress

    ls = _ls()
    labels = labels.split(",") if "," in labels else labels
    spec = {}
    for r in raters:
        email, sep, server = r.partition("=")
        if not sep or not email or not server.startswith(("http://", "https://")):
            raise click.ClickException(f"--rater {r!r}: expected EMAIL=URL, e.g. ann1@lab.org=http://127.0.0.1:8081")
        spec[email] = server
    with _servers(url) as servers, Progress() as bar:
        job = bar.add_task("importing tasks", total=None)
        m = _run(ls.launch, servers, root, corpus, name, raters=spec or None, labels=labels,
                 ids=read_ids(ids), on_progress=lambda n: bar.advance(job, n), **kw)
    skipped = m.get("skipped_missing_media") or []
    for p in m["projects"]:
        click.echo(f"project {p['project_id']} at {p['url']}/projects/{p['project_id']}: {len(p['tasks'])} tasks"
                   + (f" for rater {p['rater']}" if p["rater"] else f", {m['overlap']} raters per task"))
    click.echo(("blind study" if m["blind"] else "shared project") + f"; pre-annotations: {m['prefill'] or 'none'}"
               + (f"; {len(skipped)} skipped for missing media" if skipped else ""))
    click.echo(f"manifest: {ls.manifest_path(root, name)}")


@annotate.command("status")
@root_opt
@url_opt
@click.option("--name", required=True)
@click.option("--samples/--no-samples", "show_samples", default=True, help="also list every sample")
def status_cmd(root, url, name, show_samples):
    """Progress per rater and per sample."""
    from rich.console import Console
    from rich.table import Table

    with _servers(url) as servers:
        s = _run(_ls().status, servers, root, name)
    console = Console()
    t = Table(title=f"{name}: {s['complete']}/{s['total']} samples complete ({s['overlap']} raters each, "
                    f"{'blind' if s['blind'] else 'shared project'})")
    for col in ("rater", "annotations", "skipped", "last activity"):
        t.add_column(col)
    for rater, r in s["raters"].items():
        t.add_row(rater, str(r["annotations"]), str(r["skipped"]), r["last"])
    console.print(t)
    if show_samples:
        t = Table(title="samples")
        for col in ("sample", "done", "raters"):
            t.add_column(col)
        for row in s["samples"]:
            t.add_row(str(row["sample_id"]), f"{row['annotations']}/{s['overlap']}", ", ".join(row["raters"]))
        console.print(t)


@annotate.command("pull")
@root_opt
@url_opt
@click.option("--name", required=True)
@click.option("--keep-deleted", is_flag=True, help="report deleted annotations but keep their ratings")
@click.option("--accept-foreign-edits", is_flag=True,
              help="also write annotations changed by someone other than their rater (marked in native)")
def pull_cmd(root, url, name, keep_deleted, accept_foreign_edits):
    """Write the annotations into the dataset as ratings (idempotent).

    An annotation made or last changed by anyone but its rater is reported and not written
    (exit status 1) unless --accept-foreign-edits."""
    with _servers(url) as servers:
        r = _run(_ls().pull, servers, root, name, remove_deleted=not keep_deleted,
                 accept_foreign=accept_foreign_edits)
    click.echo(f"{r['annotations']} annotations: {r['added']} added, {r['updated']} updated, "
               f"{r['unchanged']} unchanged")
    for d in r["deleted"]:
        click.echo(f"deleted in Label Studio: annotation {d['ref']} by {d['rater_id']} on {d['id']}"
                   + ("" if keep_deleted else " (rating removed)"))
    if r["foreign_tasks"]:
        click.echo(f"skipped {len(r['foreign_tasks'])} task(s) without a sample id (not launched by emodata): "
                   f"{r['foreign_tasks'][:10]}")
    for rater, others in r["breaches"].items():
        click.echo(f"warning: {rater}'s server now also holds the account(s) {', '.join(others)}: the study "
                   "is no longer blind for that rater", err=True)
    for f in r["refused"]:
        click.echo(f"refused: annotation {f['ref']} by {f['rater_id']} on {f['id']}: {f['why']}", err=True)
    if r["refused"]:
        raise click.ClickException(f"{len(r['refused'])} annotation(s) were changed by someone other than their "
                                   "rater and were not written (their earlier ratings stay); check them in Label "
                                   "Studio, or take them with --accept-foreign-edits")


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
    with _servers(url) as servers:
        client = _run(lambda: servers.default)
        _run(_ls().add_raters, client, list(emails), password)
    click.echo(f"{len(emails)} rater account(s) ready on {client.url}: {', '.join(emails)}")
