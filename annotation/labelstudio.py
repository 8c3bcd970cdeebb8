"""Human annotation with Label Studio: launch, status, pull, raters (``emodata annotate``).

``launch`` selects samples of a converted corpus (:mod:`emodata.annotation.selection`), creates
projects whose labeling config comes from the taxonomy, imports one task per sample (media served
by Label Studio's local files storage or plain URLs, previous dialogue turns as context) and
keeps a manifest in ``<root>/annotation/labelstudio/<name>.json``.

**Blind studies** (the default when more than one rater sees each sample) give every rater a
Label Studio server of their own, holding only that rater's account, the operator's admin
account and the rater's project. In the open-source edition every member of an organization can
read and edit every annotation of every project in it, a sign-up always joins the server's one
organization (a second one can be neither created nor joined through the UI or the API by
default), and assigning tasks to annotators is an Enterprise feature: a separate server is the
only wall the edition enforces. ``launch`` refuses a rater's server that holds any other
account; ``pull`` merges the per-rater projects and reports accounts that appeared since.

``pull`` turns annotations into ratings (``rater_id = 'ls:<email>'``, ``ref`` = annotation id)
with :func:`emodata.store.upsert_ratings`: re-pulling changes nothing, an edited annotation
updates its rating, a deleted one is reported and its rating removed; the changed samples' label,
soft label and mapped VAD follow their human ratings by the rule of conversion
(:func:`emodata.aggregate.derive`). Each annotation's author
history is checked: one not made by its project's rater, or last changed by someone other than
its author (``updated_by``, ``last_created_by``), is refused (reported, not written) unless
``accept_foreign``. Pre-annotations are imported only when asked for (``prefill`` = the rater
id of LLM/model ratings); the manifest and every pulled rating's ``native.labelstudio`` record it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from .. import schema, store
from ..root import atomic_write_text, labelstudio_dir, media_dir
from .labelstudio_client import Client, LabelStudioError, NotFound, Servers
from .labelstudio_config import (
    Form,
    labeling_config,
    rating_from_results,
    results_from_rating,
)
from .selection import select_rows

IMPORT_BATCH = 500
MACHINE_KINDS = ("llm", "model")


class MissingMedia(LabelStudioError):
    pass


class NotBlind(LabelStudioError):
    """A rater's server of a blind study holds other accounts, or raters share a server."""


# -- manifest --------------------------------------------------------------------------------

def manifest_path(root: str | Path, name: str) -> Path:
    return labelstudio_dir(root) / f"{name}.json"


def load_manifest(root: str | Path, name: str) -> dict:
    path = manifest_path(root, name)
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.json")) if path.parent.is_dir() else []
        raise FileNotFoundError(f"no Label Studio project {name!r} launched in {root} (expected {path}; "
                                f"known: {', '.join(known) or 'none'})")
    m = json.loads(path.read_text(encoding="utf-8"))
    if "projects" not in m:                     # written before blind studies: one shared project
        m["projects"] = [{"rater": None, "url": m.pop("url"), "tasks": m.pop("tasks"), "pulled": m.pop("pulled"),
                          "complete": m["complete"], **{k: m.pop(k) for k in ("project_id", "storage_id") if k in m}}]
        m.update(blind=False, prefill=None)
    return m


def save_manifest(root: str | Path, manifest: dict) -> Path:
    """Write the manifest atomically (temp file, then rename)."""
    path = manifest_path(root, manifest["name"])
    atomic_write_text(path, json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False))
    return path


# -- selection context -----------------------------------------------------------------------

def dialogue_context(root: str | Path, corpus: str, rows: list[dict], turns: int) -> dict[str, list[dict]]:
    """The task context: :func:`emodata.store.dialogue_context` with a placeholder for a first turn."""
    return {sid: [{"speaker": t["speaker"] or "?", "text": t["text"] or ""} for t in prev]
            or [{"speaker": "", "text": "(first turn of the dialogue)"}]
            for sid, prev in store.dialogue_context(root, corpus, rows, turns).items()}


# -- launch ----------------------------------------------------------------------------------

def pick_media(rows: list[dict]) -> str:
    for m in ("video", "audio", "image"):
        if any(r.get(f"{m}_path") for r in rows):
            return m
    return "text"


def media_urls(rows: list[dict], media: str, media_root: Path, *, media_url: str | None,
               document_root: Path | None, skip_missing: bool) -> tuple[dict[str, str], list[str]]:
    """``{sample id: URL}`` for each row's media file, and the ids skipped for missing media."""
    col = f"{media}_path"
    urls, missing = {}, []
    for r in rows:
        rel = r.get(col)
        path = media_root / rel if rel else None
        if path is None or not path.is_file():
            missing.append((r["id"], str(path) if path else f"(no {col})"))
            continue
        if media_url:
            urls[r["id"]] = media_url.rstrip("/") + "/" + quote(rel)
        else:
            urls[r["id"]] = "/data/local-files/?d=" + quote(str(path.resolve().relative_to(document_root)))
    if missing and not skip_missing:
        shown = "; ".join(f"{sid}: {p}" for sid, p in missing[:5])
        raise MissingMedia(f"{len(missing)} of {len(rows)} selected samples have no {media} file under "
                           f"{media_root}: {shown}{' ...' if len(missing) > 5 else ''} "
                           "(fix the media root with --media-root, or leave them out with --skip-missing)")
    return urls, [sid for sid, _ in missing]


def _task(row: dict, form: Form, url: str | None, context: list | None, prefill: str | None) -> dict:
    data = {"sample_id": row["id"], "text": row.get("text") or ""}
    if form.media != "text":
        data[form.media] = url
        start, end = row.get("start"), row.get("end")
        data["segment"] = f"segment {start:.2f}-{end:.2f} s of the file" if start is not None and end is not None else ""
    if form.context:
        data["context"] = context or [{"speaker": "", "text": "(no previous turns)"}]
    predictions = []
    for r in row.get("ratings") or []:
        if prefill and r.get("rater_id") == prefill and r.get("rater_kind") in MACHINE_KINDS:
            result = results_from_rating(form, r)
            if result:
                predictions.append({"model_version": prefill, "score": r.get("confidence"), "result": result})
    return {"data": data, "predictions": predictions}


def _check_under(path: Path, root: Path, what: str) -> None:
    if path == root or root not in path.parents:
        raise MissingMedia(f"{what} {path} must be a subfolder of Label Studio's document root {root} "
                           "(LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT), or pass --media-url to serve media by URL")


def other_accounts(client: Client, rater: str) -> list[str]:
    """Accounts on a blind study's rater server other than the rater and the token's own user."""
    me = client.whoami()["email"]
    return sorted(u["email"] for u in client.users() if u.get("email") not in (me, rater))


def _check_blind_server(client: Client, rater: str) -> None:
    users = {u.get("email") for u in client.users()}
    if rater not in users:
        raise NotBlind(f"rater {rater} has no account on {client.url}: create it with "
                       f"`emodata annotate raters --url {client.url} {rater}`")
    others = other_accounts(client, rater)
    if others:
        raise NotBlind(f"{client.url} is {rater}'s server in a blind study but also holds the account(s) "
                       f"{', '.join(others)}, who could read {rater}'s annotations: give every rater a server "
                       "of their own (python -m emodata.annotation.labelstudio_server --rater ...)")


def _study_projects(servers: Servers, raters: dict[str, str] | None, overlap: int | None,
                    shared: bool) -> tuple[bool, int, list[dict]]:
    """(blind, overlap, project entries) of a new launch."""
    if raters:
        if shared:
            raise ValueError("--shared puts every rater in one project; it cannot be combined with --rater")
        urls = [u.rstrip("/") for u in raters.values()]
        if len(set(urls)) < len(urls):
            raise NotBlind("two raters of a blind study were given the same server; each rater needs their own")
        if overlap not in (None, len(raters)):
            raise ValueError(f"a blind study has one rater per server: --overlap {overlap} does not match the "
                             f"{len(raters)} --rater servers (leave --overlap out)")
        return True, len(raters), [{"rater": r, "url": u.rstrip("/"), "tasks": {}, "pulled": {}, "complete": False}
                                   for r, u in raters.items()]
    overlap = 3 if overlap is None else overlap
    if overlap > 1 and not shared:
        raise NotBlind(f"an agreement study (--overlap {overlap}) is blind by default: give each rater a server "
                       "with --rater EMAIL=URL (see docs/labelstudio.md), or pass --shared to put all raters in "
                       "one project where each can read and edit the others' annotations")
    return False, overlap, [{"rater": None, "url": servers.default.url, "tasks": {}, "pulled": {}, "complete": False}]


def launch(servers: Servers, root: str | Path, corpus: str, name: str, *, raters: dict[str, str] | None = None,
           shared: bool = False, overlap: int | None = None, prefill: str | None = None, labels="ekman7",
           multi=False, vad="sam", dominance=True, intensity=True, confidence=True, rationale=True,
           media="auto", show_text=True, context_turns=5, split=None, ids=None, where=None, sql=None,
           sample=None, stratify="label", seed=0, condition=None, media_root=None, media_url=None,
           document_root=None, skip_missing=False, title=None, on_progress=None) -> dict:
    """Create (or finish creating) study ``name``: one project per rater server (``raters``:
    ``{email: server URL}``, blind) or one shared project on ``servers.default``; returns the manifest."""
    path = manifest_path(root, name)
    manifest = load_manifest(root, name) if path.is_file() else None
    if manifest and manifest.get("complete"):
        raise FileExistsError(f"project {name!r} was already launched (manifest {path}); pick another --name")
    if manifest is None:
        blind, overlap, projects = _study_projects(servers, raters, overlap, shared)
        rows = select_rows(root, corpus, split=split, ids=ids, where=where, sql=sql, sample=sample,
                           stratify=stratify, seed=seed)
        media = pick_media(rows) if media == "auto" else media
        has_context = context_turns > 0 and any(r.get("dialogue_id") and r.get("turn_index") is not None
                                                for r in rows)
        form = Form(labels=labels, media=media, multi=multi, vad=vad, dominance=dominance,
                    intensity=intensity, confidence=confidence, rationale=rationale,
                    show_text=show_text and any(r.get("text") for r in rows), context=has_context)
        manifest = {"name": name, "corpus": corpus, "condition": condition, "form": form.to_dict(),
                    "blind": blind, "overlap": overlap, "prefill": prefill, "projects": projects,
                    "context_turns": context_turns, "media_url": media_url,
                    "selection": {"split": split, "ids": ids, "where": where, "sql": sql, "sample": sample,
                                  "stratify": stratify, "seed": seed},
                    "sample_ids": [r["id"] for r in rows], "complete": False,
                    "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    else:                                            # resume: the launch's own choices win
        form, media_url, prefill = Form.from_dict(manifest["form"]), manifest.get("media_url"), manifest["prefill"]
        rows = select_rows(root, corpus, ids=manifest["sample_ids"])
        document_root = document_root or manifest.get("document_root")
    urls = {}
    if form.media != "text":
        src = media_dir(root, corpus, media_root or manifest.get("media_root"))
        if not src or not Path(src).is_dir():
            raise MissingMedia(f"media root {src or '(none recorded)'} of corpus {corpus} is not a folder "
                               "(it comes from the dataset metadata 'source_root'); pass --media-root")
        src = Path(src).resolve()
        manifest["media_root"] = str(src)
        doc_root = None
        if not media_url:
            doc = document_root or os.environ.get("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT")
            if not doc:
                raise MissingMedia("local media need Label Studio's document root: pass --document-root (the "
                                   "server's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT), or serve media with --media-url")
            doc_root = Path(doc).resolve()
            if not doc_root.is_dir():
                raise MissingMedia(f"document root {doc} is not a folder")
            _check_under(src, doc_root, "media root")
            manifest["document_root"] = str(doc_root)
        urls, skipped = media_urls(rows, form.media, src, media_url=media_url, document_root=doc_root,
                                   skip_missing=skip_missing)
        if not urls:
            raise MissingMedia(f"none of the {len(rows)} selected samples has a {form.media} file under {src}: "
                               "nothing to launch")
        rows = [r for r in rows if r["id"] in urls]
        manifest["skipped_missing_media"] = skipped
    if prefill:
        shown = sum(any(r.get("rater_id") == prefill and r.get("rater_kind") in MACHINE_KINDS
                        for r in row.get("ratings") or []) for row in rows)
        if not shown:
            raise ValueError(f"--prefill {prefill}: no selected sample has an llm/model rating by that rater "
                             "(rater ids look like 'llm:<model>|<template>@<version>')")
        manifest["prefilled_samples"] = shown
    context = dialogue_context(root, corpus, rows, manifest["context_turns"]) if form.context else {}
    for p in manifest["projects"]:                   # every rater's server before anything is created
        if p["rater"]:
            _check_blind_server(servers(p["url"]), p["rater"])
    for p in manifest["projects"]:
        if not p["complete"]:
            _launch_project(servers(p["url"]), root, manifest, p, form, rows, urls, context, title, on_progress)
    manifest["complete"] = True
    save_manifest(root, manifest)
    return manifest


def _launch_project(client: Client, root, manifest: dict, p: dict, form: Form, rows: list[dict],
                    urls: dict[str, str], context: dict, title: str | None, on_progress) -> None:
    """Create (or finish) one project of a study: the shared one, or one rater's."""
    name, prefill = manifest["name"], manifest["prefill"]
    if "project_id" not in p:
        p["project_id"] = client.create_project(
            title=(title or (name if len(name) >= 3 else f"emodata {name}"))[:50],
            label_config=labeling_config(form),
            description=f"emodata: {manifest['corpus']}, {len(rows)} samples"
                        + (f", rater {p['rater']}" if p["rater"] else f", {manifest['overlap']} raters per task"),
            maximum_annotations=1 if p["rater"] else manifest["overlap"], overlap_cohort_percentage=100,
            show_collab_predictions=bool(prefill), sampling="Uniform sampling")
        save_manifest(root, manifest)                # a re-run finishes this project, never makes another
    pid = p["project_id"]
    local = form.media != "text" and not manifest.get("media_url")
    if local and "storage_id" not in p:
        p["storage_id"] = client.create_local_storage(pid, manifest["media_root"], f"emodata {manifest['corpus']}")
        save_manifest(root, manifest)
    if local:                                        # the server must really serve the files
        first = urls[rows[0]["id"]]
        resp = client.get_media(first)
        if resp.status_code != 200:
            raise MissingMedia(f"Label Studio at {client.url} does not serve the media (GET {first} -> HTTP "
                               f"{resp.status_code}): start it with the document root {manifest['document_root']} "
                               "(LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT, LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true)")
    done = {d.get("sample_id") for d in client.task_data(pid).values()}
    todo = [r for r in rows if r["id"] not in done]
    for i in range(0, len(todo), IMPORT_BATCH):
        batch = todo[i:i + IMPORT_BATCH]
        client.import_tasks(pid, [_task(r, form, urls.get(r["id"]), context.get(r["id"]), prefill) for r in batch])
        if on_progress:
            on_progress(len(batch))
    p["tasks"] = {str(t): d["sample_id"] for t, d in client.task_data(pid).items() if d.get("sample_id")}
    p["complete"] = True
    save_manifest(root, manifest)


# -- status and pull -------------------------------------------------------------------------

def _project_client(servers: Servers, manifest: dict, p: dict) -> Client:
    """The client of a study project; ``--url`` (``servers.url``) moves a shared project's server."""
    return servers(servers.url if servers.url and not manifest["blind"] else p["url"])


def _project_or_explain(client: Client, manifest: dict, p: dict, root) -> dict:
    try:
        return client.project(p["project_id"])
    except NotFound:
        raise NotFound(f"Label Studio project {p['project_id']} ({manifest['name']!r}"
                       + (f", rater {p['rater']}" if p["rater"] else "") + f") no longer exists on {client.url}: "
                       f"it was deleted, or this is another server (manifest {manifest_path(root, manifest['name'])})."
                       " Ratings already pulled stay in the dataset.") from None


def _emails(client: Client) -> dict[int, str]:
    return {u["id"]: u.get("email") or f"user{u['id']}" for u in client.users()}


def _rater_id(emails: dict[int, str], user) -> str:
    """``ls:<email>`` of a user id (``ls:user<id>`` for a user no longer listed)."""
    user = user["id"] if isinstance(user, dict) else user
    return f"ls:{emails.get(user, f'user{user}')}"


def status(servers: Servers, root: str | Path, name: str) -> dict:
    """Progress per rater and per sample, over every project of the study."""
    manifest = load_manifest(root, name)
    samples: dict = defaultdict(list)
    raters = defaultdict(lambda: {"annotations": 0, "skipped": 0, "last": ""})
    for p in manifest["projects"]:
        client = _project_client(servers, manifest, p)
        _project_or_explain(client, manifest, p, root)
        emails = _emails(client)
        for t in client.export(p["project_id"]):
            for a in t.get("annotations", []):
                r = raters[_rater_id(emails, a["completed_by"])]
                r["skipped" if a.get("was_cancelled") else "annotations"] += 1
                r["last"] = max(r["last"], a.get("updated_at") or "")
            sid = p["tasks"].get(str(t["id"])) or t["data"].get("sample_id")
            samples[sid] += [_rater_id(emails, a["completed_by"]) for a in t.get("annotations", [])
                             if not a.get("was_cancelled")]
    rows = [{"sample_id": sid, "annotations": len(r), "raters": sorted(r), "complete": len(r) >= manifest["overlap"]}
            for sid, r in sorted(samples.items(), key=lambda kv: str(kv[0]))]
    return {"name": name, "blind": manifest["blind"], "overlap": manifest["overlap"], "samples": rows,
            "raters": dict(sorted(raters.items())), "complete": sum(r["complete"] for r in rows), "total": len(rows)}


def _authorship(a: dict, emails: dict[int, str], rater: str | None) -> list[str]:
    """Why annotation ``a`` is not purely its rater's work (empty when it is)."""
    author = a.get("completed_by")
    author = author["id"] if isinstance(author, dict) else author
    problems = []
    if rater and _rater_id(emails, author) != f"ls:{rater}":
        problems.append(f"made by {_rater_id(emails, author)} in {rater}'s project")
    for field in ("updated_by", "last_created_by"):
        other = a.get(field)
        other = other["id"] if isinstance(other, dict) else other
        if other is not None and other != author:
            problems.append(f"{field} {_rater_id(emails, other)}"
                            + (f" (last action: {a['last_action']})" if a.get("last_action") else ""))
    return problems


def pull(servers: Servers, root: str | Path, name: str, *, remove_deleted: bool = True,
         accept_foreign: bool = False) -> dict:
    """Write the study's annotations as ratings; returns counts and what was deleted, refused or odd."""
    manifest = load_manifest(root, name)
    form = Form.from_dict(manifest["form"])
    cond = manifest["condition"]
    latest: dict[tuple, dict] = {}
    refused, foreign_tasks, deleted, breaches, kept = [], [], [], {}, []
    for p in manifest["projects"]:
        client = _project_client(servers, manifest, p)
        _project_or_explain(client, manifest, p, root)
        emails = _emails(client)
        if p["rater"] and (others := other_accounts(client, p["rater"])):
            breaches[p["rater"]] = others
        seen = set()
        for t in client.export(p["project_id"], all_tasks=False):
            sample_id = p["tasks"].get(str(t["id"])) or t["data"].get("sample_id")
            if sample_id is None:
                foreign_tasks.append(t["id"])
                continue
            shown = manifest["prefill"] if t.get("predictions") else None
            for a in t.get("annotations", []):
                if a.get("was_cancelled"):
                    continue
                ref = str(a["id"])
                seen.add(ref)
                rater_id = _rater_id(emails, a["completed_by"])
                problems = _authorship(a, emails, p["rater"])
                if problems and not accept_foreign:
                    refused.append({"ref": ref, "id": sample_id, "rater_id": rater_id, "why": "; ".join(problems)})
                    if ref in p["pulled"]:
                        kept.append((p, ref))
                    continue
                provenance = {"study": name, "blind": manifest["blind"], "prefill": shown,
                              "from_prediction": a.get("parent_prediction") is not None}
                if problems:
                    provenance["foreign_edit"] = "; ".join(problems)
                fields = rating_from_results(form, a.get("result") or [],
                                             f"annotation {a['id']} of task {t['id']} (sample {sample_id})", provenance)
                rating = {"id": sample_id, **schema.rating(rater_id, "human", perspective="perceived", condition=cond,
                                                              ref=ref, **fields)}
                key = (sample_id, rater_id, cond)
                if key not in latest or (a.get("updated_at") or "") >= latest[key]["_at"]:
                    latest[key] = {**rating, "_at": a.get("updated_at") or "", "_project": p["url"]}
        deleted += [{"ref": ref, "id": key[0], "rater_id": key[1], "_key": tuple(key)}
                    for ref, key in p["pulled"].items() if ref not in seen]
    ratings = [{k: v for k, v in r.items() if not k.startswith("_")} for r in latest.values()]
    counts = store.upsert_ratings(root, manifest["corpus"], ratings, relabel=("human",))
    gone = {d.pop("_key") for d in deleted} - set(latest)
    removed = store.delete_ratings(root, manifest["corpus"], gone, relabel=("human",)) if remove_deleted and gone else 0
    for p in manifest["projects"]:
        old = p["pulled"]
        p["pulled"] = {r["ref"]: [r["id"], r["rater_id"], r["condition"]] for r in latest.values()
                       if r["_project"] == p["url"]}
        p["pulled"].update({ref: old[ref] for q, ref in kept if q is p})
    manifest["last_pull"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    save_manifest(root, manifest)
    return {**counts, "annotations": len(ratings), "deleted": deleted, "removed": removed, "refused": refused,
            "foreign_tasks": foreign_tasks, "breaches": breaches}


def add_raters(client: Client, emails: list[str], password: str) -> dict:
    """Create rater accounts (organization invite link); returns ``{email: their API token}``."""
    return {e: client.rater_token(e, password) for e in emails}
