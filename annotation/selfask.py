"""LLM-assisted coarse-to-fine self-ask annotation.

A coarse round (is there emotion, valence, arousal) decides the fine rounds (emotion family,
specific emotions, intensity, evidence and cause); a final round gives a soft label over the
configured label set, VAD, intensity, confidence and a rationale. Each model x template is a
rater ``llm:<model>|<template>@<version>`` whose ratings go into the dataset with
:func:`emodata.store.upsert_ratings`; the question-answer traces go to
``<root>/derived/selfask_traces/<corpus>/``. See docs/selfask.md.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import mimetypes
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .. import schema, store
from ..root import atomic_path, cache_file, derived_dir, derived_parts, labelstudio_dir, media_dir
from ..taxonomy import get_taxonomy, russell_mehrabian, vad_to_soft
from .llm_client import Cache, Cancelled, ChatClient, EndpointDown, LLMConfig, LLMError, Refusal
from .selection import select_ids

TRACE_TABLE = "selfask_traces"
TRACE_SCHEMA = pa.schema([
    ("id", pa.string()), ("rater_id", pa.string()), ("status", pa.string()), ("label_set", pa.string()),
    ("trace", pa.string()), ("error", pa.string()), ("prompt_tokens", pa.int64()),
    ("completion_tokens", pa.int64()), ("seconds", pa.float64()),
])
INPUT_COLUMNS = ["id", "split", "text", "language", "speaker_id", "dialogue_id", "turn_index",
                 "image_path", "label"]


# ---------------------------------------------------------------- templates

@dataclass
class Template:
    name: str
    version: str
    system: str
    sample: str
    rounds: list[dict]
    final: dict
    translate: dict | None = None
    path: str = ""

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


def load_template(name_or_path: str) -> Template:
    """A built-in template by name (``cfsa``) or a YAML file path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        text, where = p.read_text(encoding="utf-8"), str(p)
    else:
        res = resources.files("emodata.annotation").joinpath(f"templates/selfask/{name_or_path}.yaml")
        if not res.is_file():
            raise FileNotFoundError(f"no template {name_or_path!r}: not a file and not built in "
                                    "(emodata/annotation/templates/selfask/)")
        text, where = res.read_text(encoding="utf-8"), f"templates/selfask/{name_or_path}.yaml"
    spec = yaml.safe_load(text)
    for key in ("name", "version", "system", "sample", "rounds", "final"):
        if key not in spec:
            raise ValueError(f"{where}: template lacks the key {key!r}")
    for i, r in enumerate(spec["rounds"] + [spec["final"]]):
        if "prompt" not in r or "schema" not in r:
            raise ValueError(f"{where}: round {r.get('name', i)!r} needs 'prompt' and 'schema'")
    return Template(spec["name"], str(spec["version"]), spec["system"], spec["sample"],
                    spec["rounds"], spec["final"], spec.get("translate"), where)


def _fill_schema(schema, subst: dict):
    """Replace ``"$name"`` strings (enum lists) in a JSON schema."""
    if isinstance(schema, dict):
        return {k: _fill_schema(v, subst) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_fill_schema(v, subst) for v in schema]
    if isinstance(schema, str) and schema.startswith("$"):
        return subst[schema[1:]]
    return schema


def _when(cond: str | None, answers: dict) -> bool:
    """``round.field`` (truthy), ``round.field == value`` or ``round.field != value``."""
    if not cond:
        return True
    m = re.fullmatch(r"\s*(\w+)\.(\w+)\s*(?:(==|!=)\s*(.+?))?\s*", cond)
    if not m:
        raise ValueError(f"cannot read condition {cond!r}; expected 'round.field [== value]'")
    rnd, fld, op, lit = m.groups()
    value = (answers.get(rnd) or {}).get(fld)
    if op is None:
        return bool(value)
    lit = yaml.safe_load(lit)
    return (value == lit) if op == "==" else (value != lit)


# ---------------------------------------------------------------- labels

def _norm(word: str) -> str:
    return re.sub(r"[\s_]+", " ", str(word).strip().lower())


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


# everyday words that are neither canonical terms nor Russell-Mehrabian words
SYNONYMS = {
    "afraid": "fear", "scared": "fear", "frightened": "fear", "worried": "anxiety", "nervous": "nervousness",
    "mad": "anger", "furious": "rage", "irritated": "annoyance", "upset": "sadness", "unhappy": "sadness",
    "sorrow": "sadness", "glad": "happiness", "happy": "happiness", "cheerful": "happiness",
    "delighted": "joy", "thankful": "gratitude", "shocked": "surprise", "astonished": "surprise",
    "amazed": "surprise", "disgusted": "disgust", "sorry": "remorse", "none": "neutral",
    "no emotion": "neutral", "neutrality": "neutral", "indifferent": "neutral",
}


@functools.cache
def _nearest_term(word: str) -> str | None:
    """The canonical term whose VAD mean is nearest to a Russell-Mehrabian word's."""
    norms = russell_mehrabian()
    if word not in norms:
        return None
    v = norms[word][0]
    tax = get_taxonomy()
    scored = [(sum((a - b) ** 2 for a, b in zip(v, t.vad_mean)), name)
              for name, t in tax.terms.items() if t.vad_mean is not None]
    return min(scored)[1] if scored else None


@functools.cache
def map_label(word: str, label_set: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """Map a free-text emotion word onto ``label_set`` as a soft label (empty if unmappable).

    Canonical terms move to their basic parent; everyday synonyms and Russell-Mehrabian words
    (via the canonical term nearest in VAD) become canonical terms; other word forms match a
    canonical term by stem (``annoyed`` -> ``annoyance``); compounds (``happily surprised``,
    ``anger/disgust``) split their mass over the parts."""
    tax = get_taxonomy()
    w = _norm(word)
    w = SYNONYMS.get(w, w)
    if w in tax.terms:
        soft, _ = tax.project({w: 1.0}, list(label_set))
        if not soft and tax.terms[w].vad_mean is not None:
            # a basic term over a fine label set: its nearest relative in VAD (happiness -> joy)
            kin = [(sum((a - b) ** 2 for a, b in zip(tax.terms[w].vad_mean, tax.terms[t].vad_mean)), t)
                   for t in label_set if tax.parent(t) == tax.parent(w) and tax.terms[t].vad_mean is not None]
            soft = {min(kin)[1]: 1.0} if kin else {}
        return tuple(soft.items())
    near = _nearest_term(w)
    if near is not None:
        return map_label(near, label_set)
    if re.fullmatch(r"[a-z]+", w):
        best, best_n = None, 0
        for term in tax.terms:
            n = _common_prefix(w, term)
            if n >= max(3, min(len(w), len(term)) - 2) and n > best_n:
                best, best_n = term, n
        return map_label(best, label_set) if best else ()
    parts = [p for p in re.split(r"[^a-z]+|\band\b|\bor\b|\bwith\b", w) if p]
    mapped = [dict(m) for m in (map_label(p, label_set) for p in parts) if m]
    acc: dict[str, float] = {}
    for m in mapped:
        for k, p in m.items():
            acc[k] = acc.get(k, 0.0) + p / len(mapped)
    return tuple(acc.items())


def to_soft(pairs: list[tuple[str, float]], label_set: list[str]) -> tuple[dict[str, float], list[str]]:
    """Weighted free-text labels -> normalised soft label over ``label_set`` and the unmapped words."""
    acc: dict[str, float] = {}
    unmapped = []
    weights = [max(float(w or 0.0), 0.0) for _, w in pairs]
    if not sum(weights):
        weights = [1.0] * len(pairs)
    for (word, _), w in zip(pairs, weights):
        m = map_label(str(word), tuple(label_set))
        if not m:
            unmapped.append(str(word))
        for k, p in m:
            acc[k] = acc.get(k, 0.0) + w * p
    total = sum(acc.values())
    soft = {k: v / total for k, v in sorted(acc.items(), key=lambda kv: -kv[1])} if total > 0 else {}
    return soft, unmapped


def _clamp(x, lo: float, hi: float) -> float | None:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(x):  # json.loads reads NaN
        return None
    if hi == 1.0 and lo == 0.0 and 1.0 < x <= 100.0:  # a percentage
        x /= 100.0
    return min(max(x, lo), hi)


# ---------------------------------------------------------------- inputs

def dialogue_text(root: str | Path, corpus: str, rows: list[dict], turns: int) -> dict[str, str]:
    """id -> the previous ``turns`` turns of its dialogue as prompt text (:func:`emodata.store.dialogue_context`:
    the whole corpus, not only the rows asked about)."""
    return {sid: "Previous turns:\n" + "".join(f"{t['speaker'] or 'Speaker'}: {t['text'] or ''}\n" for t in prev)
            for sid, prev in store.dialogue_context(root, corpus, rows, turns).items() if prev}


def read_cues(root: str | Path, corpus: str, ids: set[str]) -> dict[str, str]:
    """Textualised cues from ``<root>/derived/cues/<corpus>/*.parquet`` (columns id, cues), if any."""
    files = derived_parts(root, "cues", corpus)
    out: dict[str, str] = {}
    for f in files:
        t = pq.read_table(f, columns=["id", "cues"])
        for i, c in zip(t["id"].to_pylist(), t["cues"].to_pylist()):
            if i in ids and c:
                out[i] = (out[i] + "; " + c) if i in out else c
    return out


def read_face_cues(root: str | Path, corpus: str, ids: set[str]) -> dict[str, str]:
    """Facial expression words per sample from the cues table's ``features["face"]`` (68-point
    landmark descriptors, emodata.pipelines.expression), with the reference they are measured against."""
    out: dict[str, str] = {}
    for f in derived_parts(root, "cues", corpus):
        if "features" not in pq.read_schema(f).names:  # a cues table without structured features
            continue
        t = pq.read_table(f, columns=["id", "features"])
        for i, feats in zip(t["id"].to_pylist(), t["features"].to_pylist()):
            face = json.loads(feats or "{}").get("face") if i in ids else None
            if face:
                against = "a typical neutral face" if face["reference"] == "population" else "the person's most neutral frame"
                out[i] = f"{face['text'] or 'no marked change'} (against {against})"
    return out


def image_data_url(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def few_shot_examples(rows: list[dict], k: int, label_set: list[str], exclude: set[str]) -> str:
    """``k`` gold examples (one per label in turn), drawn deterministically from ``rows``."""
    if k <= 0:
        return ""
    tax = get_taxonomy()
    pool: dict[str, list[dict]] = {}
    for r in sorted(rows, key=lambda r: hashlib.sha1(r["id"].encode()).hexdigest()):
        if r["id"] in exclude or not r.get("label") or not r.get("text") or r["label"] not in tax.terms:
            continue
        soft, _ = tax.project({r["label"]: 1.0}, label_set)
        if soft:
            pool.setdefault(next(iter(soft)), []).append(r)
    picked: list[tuple[str, dict]] = []
    while len(picked) < k and any(pool.values()):
        for lab in list(pool):
            if pool[lab] and len(picked) < k:
                picked.append((lab, pool[lab].pop(0)))
    return "\nExamples:\n" + "".join(f'Text: "{r["text"][:200]}" -> {lab}\n' for lab, r in picked)


# ---------------------------------------------------------------- pipeline

@dataclass
class SelfAskOptions:
    template: str = "cfsa"
    label_set: str = "ekman7"
    context_turns: int = 3
    few_shot: int = 0
    translate: bool = False
    images: bool = False
    temperature: float = 0.0
    seed: int = 0
    concurrency: int = 2


@dataclass
class SampleResult:
    id: str
    status: str  # ok | refused | error
    rating: dict | None
    trace: list = field(default_factory=list)
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


def rater_id(model: str, template: Template) -> str:
    return f"llm:{model}|{template.tag}"


class SelfAsker:
    """Runs the template's rounds for one sample at a time (thread-safe)."""

    def __init__(self, client: ChatClient, template: Template, options: SelfAskOptions):
        self.client, self.template, self.options = client, template, options
        self.labels = get_taxonomy().label_set(options.label_set)
        self.rater_id = rater_id(client.config.model, template)

    def families(self, coarse: dict) -> list[str]:
        """Basic emotions of the label set whose valence fits the coarse answer."""
        tax = get_taxonomy()
        fams = list(dict.fromkeys(tax.parent(t) for t in self.labels))
        fams = [f for f in fams if f not in ("neutral", "other")] or fams
        sign = {"positive": 1, "negative": -1}.get((coarse or {}).get("valence"), 0)
        if sign:
            fit = [f for f in fams if tax.terms[f].vad_mean is None or sign * tax.terms[f].vad_mean[0] > -0.3]
            fams = fit or fams
        return fams

    def annotate(self, sample: dict, context: str = "", cues: str = "", image: str | None = None,
                 examples: str = "", face: str = "") -> SampleResult:
        res = SampleResult(sample["id"], "ok", None)
        tpl, opts = self.template, self.options
        text = sample.get("text") or ""
        answers: dict[str, dict] = {}
        fmt = {"labels": ", ".join(self.labels), "examples": examples, "context": context,
               "cues": f"Cues: {cues}\n" if cues else "", "families": "", "face": face}

        def ask(name: str, spec: dict, messages: list) -> dict:
            schema = _fill_schema(spec["schema"], {"labels": self.labels, "families": fmt["families"].split(", ")})
            ans = self.client.ask(messages, schema, max_tokens=int(spec.get("max_tokens", 128)),
                                  temperature=opts.temperature, seed=opts.seed, tag=tpl.tag)
            res.prompt_tokens += ans.prompt_tokens
            res.completion_tokens += ans.completion_tokens
            res.seconds += ans.seconds
            q = messages[-1]["content"]
            res.trace.append({"round": name, "question": q if isinstance(q, str) else q[0]["text"],
                              "answer": ans.data, "cached": ans.cached, "key": ans.key})
            return ans.data

        system = {"role": "system", "content": tpl.system.format(**fmt).strip()}
        try:
            if opts.translate and tpl.translate and not (sample.get("language") or "en").lower().startswith("en"):
                tr = ask("translate", tpl.translate,
                         [system, {"role": "user", "content": tpl.translate["prompt"].format(text=text).strip()}])
                text = tr.get("translation") or text
            fmt["text"] = text
            fmt["sample"] = tpl.sample.format(**fmt).strip()
            messages = [system]
            for spec in tpl.rounds + [dict(tpl.final, name="final")]:
                if not _when(spec.get("when"), {**answers, "sample": {"face": bool(face)}}):
                    continue
                if spec["name"] != "final" and "coarse" in answers:
                    fmt["families"] = ", ".join(self.families(answers["coarse"]))
                content = spec["prompt"].format(**fmt, **answers).strip()
                if len(messages) == 1 and image:
                    content = [{"type": "text", "text": content}, {"type": "image_url", "image_url": {"url": image}}]
                messages.append({"role": "user", "content": content})
                answers[spec["name"]] = ask(spec["name"], spec, messages)
                messages.append({"role": "assistant", "content": json.dumps(answers[spec["name"]])})
        except (EndpointDown, Cancelled):
            raise                                  # the run stops; this sample is not finished
        except LLMError as e:
            res.status = "refused" if isinstance(e, Refusal) else "error"
            res.error = str(e)
            return res
        res.rating = self._rating(sample["id"], answers, res)
        return res

    def _rating(self, sample_id: str, answers: dict, res: SampleResult) -> dict:
        final = answers["final"]
        soft, unmapped = to_soft([(p.get("label"), p.get("prob")) for p in final.get("probs") or []], self.labels)
        source = "final"
        if not soft and "specific" in answers:
            soft, more = to_soft([(e.get("emotion"), e.get("weight")) for e in answers["specific"]["emotions"]],
                                 self.labels)
            unmapped += more
            source = "specific"
        if not soft and "family" in answers:
            soft, _ = to_soft([(answers["family"]["family"], 1.0)], self.labels)
            source = "family"
        vad = [_clamp(final.get(k), -1.0, 1.0) for k in ("valence", "arousal", "dominance")]
        if not soft:
            soft = vad_to_soft(vad[0] or 0.0, vad[1] or 0.0, vad[2], labels=self.labels)
            source = "vad"
        intensity = _clamp(final.get("intensity", (answers.get("evidence") or {}).get("intensity")), 0.0, 1.0)
        native = {"soft_label": {k: round(v, 4) for k, v in soft.items()}, "label_set": self.options.label_set,
                  "soft_source": source, "unmapped": unmapped, "final": final}
        return {"id": sample_id, **schema.rating(
            self.rater_id, "llm", perspective="perceived",   # the model judges what the sample conveys
            native=json.dumps(native, ensure_ascii=False), labels=[max(soft, key=soft.get)],
            valence=vad[0], arousal=vad[1], dominance=vad[2], intensity=intensity,
            confidence=_clamp(final.get("confidence"), 0.0, 1.0),
            comment=str(final.get("rationale") or "")[:500] or None, ref="selfask:" + res.trace[-1]["key"])}


# ---------------------------------------------------------------- storage of traces

def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s)[:120] + "-" + hashlib.sha1(s.encode()).hexdigest()[:8]


def trace_path(root: str | Path, corpus: str, rater: str) -> Path:
    """Where a rater's trace parts go: ``<root>/derived/selfask_traces/<corpus>/part-<rater>-*.parquet``."""
    return derived_dir(root, TRACE_TABLE, corpus) / f"part-{_slug(rater)}-*.parquet"


def write_traces(root: str | Path, corpus: str, rater: str, results: list[SampleResult], label_set: str) -> None:
    """Write the traces of one batch as a new part (atomic); a later part supersedes an earlier
    trace of the same sample (see :func:`read_traces`), so no part is ever rewritten."""
    rows = [{"id": r.id, "rater_id": rater, "status": r.status, "label_set": label_set,
             "trace": json.dumps(r.trace, ensure_ascii=False), "error": r.error,
             "prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens,
             "seconds": r.seconds} for r in results]
    pattern = trace_path(root, corpus, rater)
    path = pattern.with_name(pattern.name.replace("*", f"{time.time_ns():020d}"))
    with atomic_path(path) as tmp:
        pq.write_table(pa.Table.from_pylist(rows, schema=TRACE_SCHEMA), tmp)


def read_traces(root: str | Path, corpus: str, rater: str) -> list[dict]:
    """The latest trace of every sample the rater has worked on."""
    pattern = trace_path(root, corpus, rater)
    latest: dict[str, dict] = {}
    for part in sorted(pattern.parent.glob(pattern.name)):      # names sort by write time
        for row in pq.read_table(part).to_pylist():
            latest[row["id"]] = row
    return list(latest.values())


# ---------------------------------------------------------------- run

def project_sample_ids(root: str | Path, project: str | Path, corpus: str) -> list[str]:
    """The samples of a Label Studio study: its manifest file, or its name under ``root``."""
    path = Path(project)
    if not path.is_file():
        path = labelstudio_dir(root) / f"{project}.json"
    if not path.is_file():
        raise FileNotFoundError(f"--from-project {project}: neither a manifest file nor a study launched in "
                                f"{labelstudio_dir(root)}")
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
        ids, study_corpus = m["sample_ids"], m["corpus"]
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"{path}: not a Label Studio manifest of emodata (expected keys 'corpus' and "
                         "'sample_ids')") from None
    if study_corpus != corpus:
        raise ValueError(f"{path} is a study of {study_corpus}, not of {corpus}")
    skipped = set(m.get("skipped_missing_media") or [])
    return [i for i in ids if i not in skipped]


def run(root: str | Path, corpus: str, config: LLMConfig, options: SelfAskOptions | None = None, *,
        split: str | None = None, ids: list[str] | None = None, where: str | None = None,
        sample: int | None = None, stratify: str = "label", sample_seed: int = 0,
        from_project: str | Path | None = None, limit: int | None = None, cache_path: str | Path | None = None,
        batch: int = 32, write_every: int = 1000, progress=None, transport=None) -> dict:
    """Annotate the chosen samples of ``corpus``; returns a summary.

    Samples: all of ``split``, or those in ``ids`` / of the Label Studio study ``from_project``,
    matching ``where``, optionally a sample of ``sample`` stratified by ``stratify``
    (:func:`emodata.annotation.selection.select_rows`); then the first ``limit``.
    ``progress(done, total)`` is called at the start and as each sample finishes; traces are
    written every ``batch`` finished samples; ratings every ``write_every`` and when the run
    ends or stops (each write appends a pending part to the dataset). Every answer is cached in ``cache_path`` (default
    ``<root>/derived/selfask_cache.sqlite``), so a stopped run resumes where it stopped and a
    repeated run sends no chat requests. The run stops with :class:`EndpointDown` after
    ``config.max_connection_failures`` connection failures in a row, and on KeyboardInterrupt
    within moments (samples in flight are dropped; the finished ones are written).
    ``transport`` (an httpx transport) is for tests."""
    options = options or SelfAskOptions()
    template = load_template(options.template)
    rows = store.read_table(root, corpus, split, columns=INPUT_COLUMNS).to_pylist()
    if from_project:
        ids = project_sample_ids(root, from_project, corpus)
    if ids is not None or where or sample:
        by_id = {r["id"]: r for r in rows}
        targets = [by_id[i] for i in select_ids(root, corpus, split=split, ids=ids, where=where, sample=sample,
                                                stratify=stratify, seed=sample_seed)]
    else:
        targets = rows
    targets = targets[:limit] if limit is not None else targets
    chosen = {r["id"] for r in targets}
    contexts = dialogue_text(root, corpus, targets, options.context_turns)
    cues = read_cues(root, corpus, chosen)
    faces = read_face_cues(root, corpus, chosen)
    examples = few_shot_examples(rows, options.few_shot, get_taxonomy().label_set(options.label_set), chosen)
    media = media_dir(root, corpus) or Path(".")

    cache = Cache(cache_path or cache_file(root, "selfask_cache.sqlite"))
    client = ChatClient(config, cache, transport=transport)
    asker = SelfAsker(client, template, options)
    stop = client.stop
    counts = {"ok": 0, "refused": 0, "error": 0}
    written = {"added": 0, "updated": 0, "unchanged": 0}
    t0 = time.perf_counter()
    todo: queue.SimpleQueue = queue.SimpleQueue()
    finished: queue.SimpleQueue = queue.SimpleQueue()
    for t in targets:
        todo.put(t)

    def one(sample: dict) -> SampleResult:
        image = None
        if options.images and sample.get("image_path"):
            try:
                image = image_data_url(media / sample["image_path"])
            except OSError as e:  # a missing image fails its sample (retried on a re-run), not the run
                return SampleResult(sample["id"], "error", None, error=f"image: {e}")
        return asker.annotate(sample, contexts.get(sample["id"], ""), cues.get(sample["id"], ""), image, examples,
                              faces.get(sample["id"], ""))

    def worker() -> None:
        # daemon threads: an interrupted run returns without waiting for requests in flight
        while not stop.is_set():
            try:
                sample = todo.get_nowait()
            except queue.Empty:
                return
            try:
                finished.put(one(sample))
            except Cancelled:
                return
            except Exception as e:  # noqa: BLE001 - EndpointDown, or a bug: reported by the main thread
                if not stop.is_set() or isinstance(e, EndpointDown):
                    finished.put(e)
                return

    pending: list[dict] = []
    traces: list[SampleResult] = []

    def flush(ratings: bool) -> None:
        if traces:
            write_traces(root, corpus, asker.rater_id, traces, options.label_set)
            traces.clear()
        if ratings and pending:
            for k, v in store.upsert_ratings(root, corpus, pending).items():
                written[k] += v
            pending.clear()

    try:
        identity = client.identify()               # fails in seconds when nothing answers
        threads = [threading.Thread(target=worker, daemon=True, name=f"selfask-{i}")
                   for i in range(max(1, min(options.concurrency, len(targets))))]
        for t in threads:
            t.start()
        if progress:
            progress(0, len(targets))
        for done in range(len(targets)):
            while True:                            # short waits keep Ctrl-C and SIGTERM prompt
                try:
                    item = finished.get(timeout=0.5)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and finished.empty():
                        raise RuntimeError("self-ask workers stopped without a result") from None
            if isinstance(item, Exception):
                if isinstance(item, EndpointDown):
                    raise EndpointDown(f"{item} (stopped after {done} of {len(targets)} samples; the finished "
                                       "ones are written, a re-run continues)") from None
                raise item
            counts[item.status] += 1
            traces.append(item)
            if item.rating:
                pending.append(item.rating)
            if len(traces) >= batch:
                flush(ratings=False)
            if len(pending) >= write_every:
                flush(ratings=True)
            if progress:
                progress(done + 1, len(targets))
    finally:
        stop.set()
        try:
            flush(ratings=True)
        finally:
            client.close()
            cache.close()
    return {"rater_id": asker.rater_id, "endpoint": config.base_url, "model_identity": identity,
            "samples": len(targets), **counts, "ratings": written,
            "requests": client.stats["requests"], "cache_hits": client.stats["cache_hits"],
            "retries": client.stats["retries"], "repairs": client.stats["repairs"],
            "prompt_tokens": client.stats["prompt_tokens"],
            "completion_tokens": client.stats["completion_tokens"],
            "seconds": round(time.perf_counter() - t0, 2)}
