"""Human annotation with Label Studio: ``emodata annotate launch | status | pull | raters``.

``launch`` selects samples of a converted corpus (DuckDB over its Parquet files), creates a
project whose labeling config comes from the taxonomy, imports one task per sample (media
served by Label Studio's local files storage or plain URLs, previous dialogue turns as
context, llm/model ratings as predictions) and keeps a manifest in
``<root>/annotation/labelstudio/<name>.json``. ``pull`` turns annotations into ratings
(``rater_id = 'ls:<email>'``, ``ref`` = annotation id) with :func:`emodata.store.upsert_ratings`:
re-pulling changes nothing, an edited annotation updates its rating, a deleted one is
reported and its rating removed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import duckdb
import pyarrow as pa

from .. import store
from ..root import atomic_write_text, labelstudio_dir, media_dir
from .labelstudio_client import Client, LabelStudioError, NotFound
from .labelstudio_config import Form, labeling_config, rating_from_results, results_from_rating

IMPORT_BATCH = 500
MACHINE_KINDS = ("llm", "model")


class MissingMedia(LabelStudioError):
    pass


# -- manifest --------------------------------------------------------------------------------

def manifest_path(root: str | Path, name: str) -> Path:
    return labelstudio_dir(root) / f"{name}.json"


def load_manifest(root: str | Path, name: str) -> dict:
    path = manifest_path(root, name)
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.json")) if path.parent.is_dir() else []
        raise FileNotFoundError(f"no Label Studio project {name!r} launched in {root} (expected {path}; "
                                f"known: {', '.join(known) or 'none'})")
    return json.loads(path.read_text(encoding="utf-8"))


def save_manifest(root: str | Path, manifest: dict) -> Path:
    """Write the manifest atomically (temp file, then rename)."""
    path = manifest_path(root, manifest["name"])
    atomic_write_text(path, json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False))
    return path


# -- selection -------------------------------------------------------------------------------

def stratified_sample(strata: dict, n: int, seed: int) -> list[str]:
    """``n`` ids drawn from ``{stratum: [ids]}`` in proportion to stratum size (largest
    remainder); every stratum gets at least one while ``n`` allows."""
    rng = random.Random(seed)
    keys = sorted(strata, key=str)
    total = sum(len(strata[k]) for k in keys)
    if n >= total:
        return [i for k in keys for i in strata[k]]
    quota = {k: n * len(strata[k]) / total for k in keys}
    alloc = {k: int(quota[k]) for k in keys}
    for k in sorted(keys, key=lambda k: alloc[k] - quota[k])[:n - sum(alloc.values())]:
        alloc[k] += 1
    if n >= len(keys):
        for k in keys:
            if alloc[k] == 0:
                alloc[max(keys, key=lambda j: alloc[j])] -= 1
                alloc[k] = 1
    return [i for k in keys for i in rng.sample(strata[k], alloc[k])]


def select_rows(root: str | Path, corpus: str, *, split: str | None = None, where: str | None = None,
                sql: str | None = None, sample: int | None = None, stratify: str = "label",
                seed: int = 0) -> list[dict]:
    """Rows of ``corpus`` matching ``where`` (or the query ``sql`` over the view ``samples``),
    optionally a stratified sample of ``sample`` rows."""
    base = sql or "SELECT * FROM samples" + (f" WHERE {where}" if where else "")
    with store.connect(root, corpus, split) as con:
        try:
            keyed = con.execute(f"SELECT id, CAST({stratify} AS VARCHAR) FROM ({base}) AS sel").fetchall()
        except duckdb.Error as e:
            raise ValueError(f"selection failed: {e}\n  query: {base}\n  (columns: see schemas/schema_v1.md; "
                             f"stratify column: {stratify})") from None
        if not keyed:
            raise ValueError(f"the selection matched no sample of {corpus}: {base}")
        if sample:
            strata: dict = defaultdict(list)
            for sid, stratum in keyed:
                strata[stratum].append(sid)
            ids = stratified_sample(strata, sample, seed)
        else:
            ids = [sid for sid, _ in keyed]
        con.register("chosen", pa.table({"id": ids, "pos": list(range(len(ids)))}))
        return con.sql(f"SELECT sel.* FROM ({base}) AS sel JOIN chosen USING (id) ORDER BY chosen.pos") \
            .to_arrow_table().to_pylist()


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


def _task(row: dict, form: Form, url: str | None, context: list | None) -> dict:
    data = {"sample_id": row["id"], "text": row.get("text") or ""}
    if form.media != "text":
        data[form.media] = url
        start, end = row.get("start"), row.get("end")
        data["segment"] = f"segment {start:.2f}-{end:.2f} s of the file" if start is not None and end is not None else ""
    if form.context:
        data["context"] = context or [{"speaker": "", "text": "(no previous turns)"}]
    predictions = []
    for r in row.get("ratings") or []:
        if r.get("rater_kind") in MACHINE_KINDS:
            result = results_from_rating(form, r)
            if result:
                predictions.append({"model_version": r.get("rater_id") or r["rater_kind"],
                                    "score": r.get("confidence"), "result": result})
    return {"data": data, "predictions": predictions}


def _check_under(path: Path, root: Path, what: str) -> None:
    if path == root or root not in path.parents:
        raise MissingMedia(f"{what} {path} must be a subfolder of Label Studio's document root {root} "
                           "(LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT), or pass --media-url to serve media by URL")


def launch(client: Client, root: str | Path, corpus: str, name: str, *, labels="ekman7", multi=False,
           vad="sam", dominance=True, intensity=True, confidence=True, rationale=True, media="auto",
           show_text=True, context_turns=5, split=None, where=None, sql=None, sample=None,
           stratify="label", seed=0, overlap=3, condition=None, prelabel=True, media_root=None,
           media_url=None, document_root=None, skip_missing=False, title=None, on_progress=None) -> dict:
    """Create (or finish creating) project ``name``; returns the manifest."""
    path = manifest_path(root, name)
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    if manifest and manifest.get("complete"):
        raise FileExistsError(f"project {name!r} was already launched (manifest {path}); pick another --name")
    if manifest is None:
        rows = select_rows(root, corpus, split=split, where=where, sql=sql, sample=sample,
                           stratify=stratify, seed=seed)
        media = pick_media(rows) if media == "auto" else media
        has_context = context_turns > 0 and any(r.get("dialogue_id") and r.get("turn_index") is not None
                                                for r in rows)
        form = Form(labels=labels, media=media, multi=multi, vad=vad, dominance=dominance,
                    intensity=intensity, confidence=confidence, rationale=rationale,
                    show_text=show_text and any(r.get("text") for r in rows), context=has_context)
        manifest = {"name": name, "corpus": corpus, "condition": condition, "url": client.url,
                    "form": form.to_dict(), "overlap": overlap, "context_turns": context_turns,
                    "media_root": str(media_root) if media_root else None, "media_url": media_url,
                    "selection": {"split": split, "where": where, "sql": sql, "sample": sample,
                                  "stratify": stratify, "seed": seed},
                    "sample_ids": [r["id"] for r in rows], "tasks": {}, "pulled": {}, "complete": False,
                    "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    else:                                            # resume: the launch's own choices win
        form, media_url = Form.from_dict(manifest["form"]), manifest.get("media_url")
        listing = ", ".join("'" + i.replace("'", "''") + "'" for i in manifest["sample_ids"])
        rows = select_rows(root, corpus, where=f"id IN ({listing})")
    if form.media != "text":
        src = media_dir(root, corpus, media_root or manifest.get("media_root"))
        if not src or not Path(src).is_dir():
            raise MissingMedia(f"media root {src or '(none recorded)'} of corpus {corpus} is not a folder "
                               "(it comes from the dataset metadata 'source_root'); pass --media-root")
        src = Path(src).resolve()
        manifest["media_root"] = str(src)
        doc_root = None
        if not media_url:
            doc_root = Path(document_root or os.environ.get("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT") or "")
            if not str(doc_root):
                raise MissingMedia("local media need Label Studio's document root: pass --document-root or set "
                                   "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT (or serve media with --media-url)")
            doc_root = doc_root.resolve()
            _check_under(src, doc_root, "media root")
        urls, skipped = media_urls(rows, form.media, src, media_url=media_url, document_root=doc_root,
                                   skip_missing=skip_missing)
        rows = [r for r in rows if r["id"] in urls]
        manifest["skipped_missing_media"] = skipped
    else:
        urls = {}
    context = dialogue_context(root, corpus, rows, manifest["context_turns"]) if form.context else {}

    if "project_id" not in manifest:
        project = client.post("/api/projects/", json={
            "title": (title or (name if len(name) >= 3 else f"emodata {name}"))[:50],
            "label_config": labeling_config(form),
            "description": f"emodata: {corpus}, {len(rows)} samples, {manifest['overlap']} raters per task",
            "maximum_annotations": manifest["overlap"], "overlap_cohort_percentage": 100,
            "show_collab_predictions": prelabel, "sampling": "Uniform sampling"})
        manifest["project_id"] = project["id"]
        save_manifest(root, manifest)                # a re-run finishes this project, never makes another
    pid = manifest["project_id"]
    if form.media != "text" and not media_url and "storage_id" not in manifest:
        storage = client.post("/api/storages/localfiles/", json={
            "project": pid, "path": str(src), "title": f"emodata {corpus}", "use_blob_urls": False})
        manifest["storage_id"] = storage["id"]
        save_manifest(root, manifest)
    done = {t["data"].get("sample_id") for t in client.iter_tasks(pid)}
    todo = [r for r in rows if r["id"] not in done]
    for i in range(0, len(todo), IMPORT_BATCH):
        batch = todo[i:i + IMPORT_BATCH]
        client.post(f"/api/projects/{pid}/import", json=[_task(r, form, urls.get(r["id"]), context.get(r["id"]))
                                                          for r in batch], what=f"Label Studio project {pid}")
        if on_progress:
            on_progress(len(batch))
    manifest["tasks"] = {str(t["id"]): t["data"]["sample_id"] for t in client.iter_tasks(pid)}
    manifest["complete"] = True
    save_manifest(root, manifest)
    return manifest


# -- status and pull -------------------------------------------------------------------------

def _project_or_explain(client: Client, manifest: dict, root) -> dict:
    try:
        return client.project(manifest["project_id"])
    except NotFound:
        raise NotFound(f"Label Studio project {manifest['project_id']} ({manifest['name']!r}) no longer exists "
                       f"on {client.url}: it was deleted, or this is another server (manifest "
                       f"{manifest_path(root, manifest['name'])}). Ratings already pulled stay in the dataset.") \
            from None


def _emails(client: Client) -> dict[int, str]:
    return {u["id"]: u.get("email") or f"user{u['id']}" for u in client.users()}


def _rater_id(emails: dict[int, str], completed_by) -> str:
    """``ls:<email>`` of an annotation's author (``ls:user<id>`` for a user no longer listed)."""
    user = completed_by["id"] if isinstance(completed_by, dict) else completed_by
    return f"ls:{emails.get(user, f'user{user}')}"


def status(client: Client, root: str | Path, name: str) -> dict:
    """Progress per rater and per task."""
    manifest = load_manifest(root, name)
    _project_or_explain(client, manifest, root)
    emails = _emails(client)
    tasks, raters = [], defaultdict(lambda: {"annotations": 0, "skipped": 0, "last": ""})
    for t in client.export(manifest["project_id"]):
        done = [a for a in t.get("annotations", []) if not a.get("was_cancelled")]
        for a in t.get("annotations", []):
            r = raters[_rater_id(emails, a["completed_by"])]
            r["skipped" if a.get("was_cancelled") else "annotations"] += 1
            r["last"] = max(r["last"], a.get("updated_at") or "")
        tasks.append({"task_id": t["id"], "sample_id": t["data"].get("sample_id"), "annotations": len(done),
                      "raters": sorted(_rater_id(emails, a["completed_by"]) for a in done),
                      "complete": len(done) >= manifest["overlap"]})
    return {"name": name, "project_id": manifest["project_id"], "overlap": manifest["overlap"],
            "tasks": sorted(tasks, key=lambda t: t["task_id"]), "raters": dict(sorted(raters.items())),
            "complete": sum(t["complete"] for t in tasks), "total": len(tasks)}


def pull(client: Client, root: str | Path, name: str, *, remove_deleted: bool = True) -> dict:
    """Write the project's annotations as ratings; returns counts and deleted annotations."""
    manifest = load_manifest(root, name)
    _project_or_explain(client, manifest, root)
    form = Form.from_dict(manifest["form"])
    emails = _emails(client)
    tasks = client.export(manifest["project_id"], all_tasks=False)
    latest: dict[tuple, dict] = {}
    foreign = []                                  # tasks not launched by emodata (added by hand)
    for t in tasks:
        sample_id = manifest["tasks"].get(str(t["id"])) or t["data"].get("sample_id")
        if sample_id is None:
            foreign.append(t["id"])
            continue
        for a in t.get("annotations", []):
            if a.get("was_cancelled"):
                continue
            rating = rating_from_results(form, a.get("result") or [],
                                         f"annotation {a['id']} of task {t['id']} (sample {sample_id})")
            rating.update(id=sample_id, rater_id=_rater_id(emails, a["completed_by"]), rater_kind="human",
                          perspective=None, condition=manifest["condition"], ref=str(a["id"]))
            key = (sample_id, rating["rater_id"], manifest["condition"])
            if key not in latest or (a.get("updated_at") or "") >= latest[key]["_at"]:
                latest[key] = {**rating, "_at": a.get("updated_at") or ""}
    ratings = [{k: v for k, v in r.items() if k != "_at"} for r in latest.values()]
    counts = store.upsert_ratings(root, manifest["corpus"], ratings, relabel=("human",))
    current_refs = {r["ref"] for r in ratings}
    deleted = [{"ref": ref, "id": key[0], "rater_id": key[1]} for ref, key in manifest["pulled"].items()
               if ref not in current_refs]
    gone = {tuple(manifest["pulled"][d["ref"]]) for d in deleted} - set(latest)
    removed = store.delete_ratings(root, manifest["corpus"], gone, relabel=("human",)) if remove_deleted and gone else 0
    manifest["pulled"] = {r["ref"]: [r["id"], r["rater_id"], r["condition"]] for r in ratings}
    manifest["last_pull"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    save_manifest(root, manifest)
    return {**counts, "deleted": deleted, "removed": removed, "annotations": len(ratings),
            "foreign_tasks": foreign}


def add_raters(client: Client, emails: list[str], password: str) -> dict:
    """Create rater accounts (organization invite link); returns ``{email: their API token}``."""
    return {e: client.rater_token(e, password) for e in emails}
