"""The HTML curation report: rater reliabilities, likely label errors with their media, duplicate
groups and the leakage table, on one self-contained page (images and short audio inlined as data
URIs; no local path is written).

Inputs are the files the other curate commands write: ``reports/raters/<corpus>.json``
(``emodata relabel --method ...``), ``reports/curation/<corpus>.labels.parquet`` (``emodata curate
labels``) and a ``curate duplicates`` output folder. A missing input is named in the report
with the command that makes it.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import string
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from .. import store
from ..root import atomic_write_text, media_dir, reports_dir
from .labels import label_issues_path
from .raters import rater_report_path

TEMPLATE = Path(__file__).parent / "templates" / "curation_report.html"
AUDIO_INLINE_BYTES = 400_000


class ReportError(Exception):
    pass


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _table(header: Sequence[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(f"<tr class='{c}'>" + "".join(row) + "</tr>" for row, c in zip(rows, classes or [""] * len(rows)))
    return f"<table><tr>{head}</tr>{body}</table>"


def _td(x, num: bool = False, raw: bool = False, cls: str = "") -> str:
    klass = " ".join(c for c in ("num" if num else "", cls) if c)
    return f"<td class='{klass}'>{x if raw else _e(x)}</td>"


def _bar(v: float) -> str:
    v = min(max(v, 0.0), 1.0)
    return f"<span class='bar{' low' if v < 0.5 else ''}'><span style='width:{100 * v:.0f}%'></span></span> {v:.3f}"


def _thumb(path: Path) -> str:
    from PIL import Image
    try:
        with Image.open(path) as img:
            img.thumbnail((96, 96))
            buf = io.BytesIO()
            img.convert("RGB").save(buf, "PNG")
    except OSError:
        return ""
    return f"<img class='thumb' alt='' src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}'>"


def _audio(path: Path) -> str:
    if path.stat().st_size > AUDIO_INLINE_BYTES:
        return f"<span class='small'>{_e(path.name)} (too large to inline)</span>"
    mime = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "ogg": "audio/ogg"}.get(
        path.suffix.lower().lstrip("."), "audio/wav")
    data = base64.b64encode(path.read_bytes()).decode()
    return f"<audio controls preload='none' src='data:{mime};base64,{data}'></audio>"


def _media(root: Path, corpus: str, ids: list[str]) -> dict[str, str]:
    """id -> HTML of its text, image thumbnail or audio player."""
    if not ids:
        return {}
    con = store.connect(root, corpus)
    try:
        con.register("wanted", pa.table({"id": ids}))
        rows = con.sql("SELECT id, text, image_path, audio_path FROM samples JOIN wanted USING (id)"
                       ).to_arrow_table().to_pylist()
    finally:
        con.close()
    base = media_dir(root, corpus)
    out = {}
    for r in rows:
        parts = []
        if r["text"]:
            parts.append(f"<div class='text'>{_e(r['text'][:300])}</div>")
        if base is not None and r["image_path"] and (base / r["image_path"]).is_file():
            parts.append(_thumb(base / r["image_path"]))
        if base is not None and r["audio_path"] and (base / r["audio_path"]).is_file():
            parts.append(_audio(base / r["audio_path"]))
        out[r["id"]] = "".join(parts)
    return out


def _raters_section(root: Path, corpora: list[str]) -> str:
    parts = ["<h2>Rater reliabilities</h2>"]
    for corpus in corpora:
        path = rater_report_path(root, corpus)
        if not path.is_file():
            parts.append(f"<p class='small'>{_e(corpus)}: no rater report; run <code>emodata relabel ROOT --corpus "
                         f"{_e(corpus)} --method dawid-skene</code>.</p>")
            continue
        raters = json.loads(path.read_text(encoding="utf-8"))
        rows = [[_td(r["rater_id"] if r["rater_id"] is not None else "(anonymous, pooled)"),
                 _td(_bar(r["reliability"]), raw=True), _td(r.get("items", ""), num=True),
                 _td(f"{r['agreement_with_model']:.3f}" if "agreement_with_model" in r else "", num=True)]
                for r in raters]
        notes = "".join(f"<p class='small'>{_e(r['note'])}</p>" for r in raters if r.get("note"))
        parts.append(f"<h3>{_e(corpus)} ({len(raters)} rater{'s' if len(raters) != 1 else ''}, most reliable first)"
                     f"</h3>{notes}"
                     + _table(["rater", "reliability", "items", "agreement with model"], rows))
    return "".join(parts)


def _labels_section(root: Path, corpora: list[str], top: int) -> str:
    parts = ["<h2>Most likely label errors</h2>"]
    for corpus in corpora:
        path = label_issues_path(root, corpus)
        if not path.is_file():
            parts.append(f"<p class='small'>{_e(corpus)}: no ranking; run <code>emodata curate labels ROOT --corpus "
                         f"{_e(corpus)}</code>.</p>")
            continue
        rows = pq.read_table(path).slice(0, top).to_pylist()
        info_path = path.with_suffix(".json")
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
        media = _media(root, corpus, [r["id"] for r in rows])
        body = [[_td(r["rank"], num=True), _td(r["id"]), _td(media.get(r["id"], ""), raw=True), _td(r["label"]),
                 _td(f"{r['score']:.3f}", num=True), _td(r["reason"], cls="reason")] for r in rows]
        parts.append(f"<h3>{_e(corpus)}</h3><p class='small'>signals: {_e(', '.join(info.get('signals', [])))}; "
                     f"{info.get('checked', '?')} samples ranked, top {len(rows)} shown</p>"
                     + _table(["rank", "id", "sample", "label", "score", "why"], body))
    return "".join(parts)


def _duplicates_section(root: Path, dup_dir: Path | None, top: int) -> str:
    if dup_dir is None:
        return ("<h2>Duplicates and leakage</h2><p class='small'>no duplicate search given; run <code>emodata curate "
                "duplicates ROOT --out DIR</code> and pass <code>--duplicates DIR</code>.</p>")
    summary = json.loads((dup_dir / "summary.json").read_text(encoding="utf-8"))
    leaks = summary["leakage"]
    parts = ["<h2>Split leakage</h2>",
             f"<p class='warn'>{len(leaks)} pair(s) where a test or validation split meets a train split</p>" if leaks
             else "<p>No test or validation split meets a train split.</p>"]
    header = ["corpus a", "split a", "corpus b", "split b", "kind", "samples of a with a duplicate in b"]
    rows = [[_td(p["corpus_a"]), _td(p["split_a"]), _td(p["corpus_b"]), _td(p["split_b"]), _td(p["kind"]),
             _td(f"{p['n']:,}", num=True)] for p in summary["pairs"]]
    parts.append(_table(header, rows, ["leak" if p["leakage"] else "" for p in summary["pairs"]]))
    short = summary["short_phrases"]
    parts.append(f"<p class='small'>Short phrases (fewer than {short['min_words']} words) are counted apart, not as "
                 f"leakage: {short['samples']:,} samples in {short['groups']:,} groups; most common: "
                 + _e(", ".join(f"“{t['text']}” ×{t['n']}" for t in short["top"][:10])) + "</p>")
    table = pq.read_table(dup_dir / "duplicates.parquet").to_pylist()
    groups: dict[str, list[dict]] = {}
    for r in table:
        groups.setdefault(r["group"], []).append(r)
    spread = sorted(groups.values(), key=lambda g: (-len({(m["corpus"], m["split"]) for m in g}), -len(g), g[0]["group"]))
    shown = spread[:top]
    by_corpus: dict[str, list[str]] = {}
    for g in shown:
        for m in g[:6]:
            by_corpus.setdefault(m["corpus"], []).append(m["id"])
    media = {}
    for corpus, ids in by_corpus.items():
        media.update(_media(root, corpus, ids))
    rows = []
    for g in shown:
        members = "".join(f"<div><b>{_e(m['corpus'])}/{_e(m['split'])}</b> {_e(m['id'])} "
                          f"<span class='small'>score {m['score']:.2f}</span>{media.get(m['id'], '')}</div>"
                          for m in g[:6])
        more = f"<div class='small'>... and {len(g) - 6} more</div>" if len(g) > 6 else ""
        rows.append([_td(g[0]["kind"]), _td(len(g), num=True), _td(members + more, raw=True)])
    kinds = ", ".join(f"{k}: {v['groups']:,} groups, {v['samples']:,} samples" for k, v in summary["groups"].items())
    parts += [f"<h2>Duplicate groups</h2><p class='small'>{_e(kinds) or 'none'}; the {len(shown)} groups spanning "
              "most splits shown</p>", _table(["kind", "samples", "members"], rows)]
    return "".join(parts)


def render(root: str | Path, corpora: Sequence[str] | None = None, duplicates: str | Path | None = None,
           top: int = 25) -> str:
    root = Path(root)
    names = list(corpora) if corpora else store.corpora(root)
    missing = [c for c in names if c not in store.corpora(root)]
    if missing or not names:
        raise ReportError(f"corpora not in {root}: {missing or 'none converted'}")
    dup_dir = Path(duplicates) if duplicates else None
    if dup_dir is not None and not (dup_dir / "summary.json").is_file():
        raise ReportError(f"{dup_dir}: no summary.json (expected the output folder of `emodata curate duplicates`)")
    body = (_raters_section(root, names) + _labels_section(root, names, top) + _duplicates_section(root, dup_dir, top))
    tpl = string.Template(TEMPLATE.read_text(encoding="utf-8"))
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return tpl.substitute(title=_e(f"Curation report: {root.resolve().name}"),
                          subtitle=_e(f"corpora: {', '.join(names)}; generated {stamp}"), body=body)


def write_report(root: str | Path, corpora: Sequence[str] | None = None, duplicates: str | Path | None = None,
                 top: int = 25, dest: str | Path | None = None) -> Path:
    """Write the report (default ``ROOT/reports/curation/report.html``) atomically; returns its path."""
    dest = Path(dest) if dest else reports_dir(root) / "curation" / "report.html"
    atomic_write_text(dest, render(root, corpora, duplicates, top))
    return dest
