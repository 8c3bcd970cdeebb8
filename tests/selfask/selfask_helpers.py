"""Self-ask test helpers: a tiny dataset in the schema and a scripted LLM endpoint."""
from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from emodata.schema import SCHEMA, file_metadata

ROWS = [
    # id, text, label, dialogue, turn, language, valence
    ("toy/d1_0", "I finally got the job, I am so happy!", "happiness", "d1", 0, "en", 0.8),
    ("toy/d1_1", "Why would you even say that to me?", "anger", "d1", 1, "en", -0.5),
    ("toy/d1_2", "The meeting is at noon.", "neutral", "d1", 2, "en", 0.0),
    ("toy/x_0", "Ich habe Angst vor morgen.", "fear", None, None, "de", -0.6),
]


def write_toy(root: Path) -> Path:
    """A four-row corpus ``toy`` under ``root`` in the emodata schema."""
    rows = []
    for sid, text, label, dlg, turn, lang, val in ROWS:
        row = {c: None for c in SCHEMA.names}
        row.update(id=sid, corpus="toy", split="test", native_id=sid.split("/")[1], modalities=["text"],
                   text=text, label=label, dialogue_id=dlg, turn_index=turn, language=lang,
                   speaker_id="A" if (turn or 0) % 2 == 0 else "B", valence=val, arousal=0.1,
                   soft_label=[{"label": label, "prob": 1.0}],
                   ratings=[{"rater_id": "h1", "rater_kind": "human", "labels": [label]}])
        rows.append(row)
    path = root / "data" / "toy" / "test" / "part-00000.parquet"
    path.parent.mkdir(parents=True)
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    table = table.replace_schema_metadata(file_metadata("toy", {"source_root": str(root)}))
    pq.write_table(table, path)
    return root


def last_user_text(body: dict) -> str:
    content = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    return content if isinstance(content, str) else content[0]["text"]


def enum_of(body: dict, *path: str) -> list:
    """The enum at ``path`` in the request's JSON schema."""
    node = body["response_format"]["json_schema"]["schema"]
    for p in path:
        node = node[p]
    return node["enum"]


class ScriptedLLM:
    """An OpenAI-compatible endpoint that answers each self-ask round by its question.

    ``overrides`` maps a substring of the sample text to a function(body, round) -> reply
    (a dict answer, a raw string, or an ``httpx.Response``)."""

    def __init__(self, overrides=None, model: dict | None = None):
        self.model = model or {"id": "fake", "owned_by": "tests"}
        self.requests: list[dict] = []
        self.headers: list[httpx.Headers] = []
        self.overrides = overrides or {}

    @staticmethod
    def round_of(body: dict) -> str:
        users = [m["content"] for m in body["messages"] if m["role"] == "user"]
        users = [u if isinstance(u, str) else u[0]["text"] for u in users]
        # a repair request belongs to the round asked before it
        q = [u for u in users if not u.startswith("That was not valid JSON")][-1]
        for key, name in (("Translate", "translate"), ("Is an emotion expressed", "coarse"),
                          ("emotion family", "family"), ("specific emotions", "specific"),
                          ("How intense", "evidence"), ("Final answer", "final")):
            if key in q:
                return name
        raise AssertionError(f"unexpected question: {q!r}")

    def answer(self, body: dict, rnd: str):
        first = [m for m in body["messages"] if m["role"] == "user"][0]["content"]
        first = first if isinstance(first, str) else first[0]["text"]
        neutral = "noon" in first
        if rnd == "translate":
            return {"translation": "I am afraid of tomorrow."}
        if rnd == "coarse":
            return {"emotional": not neutral, "valence": "neutral" if neutral else "positive", "arousal": "medium"}
        if rnd == "family":
            return {"family": enum_of(body, "properties", "family")[0]}
        if rnd == "specific":
            return {"emotions": [{"emotion": "joyful", "weight": 0.7}, {"emotion": "surprised", "weight": 0.3}]}
        if rnd == "evidence":
            return {"intensity": 0.7, "evidence": "so happy", "cause": "the job"}
        label = "neutral" if neutral else "happiness"
        return {"probs": [{"label": label, "prob": 0.8}, {"label": "surprise", "prob": 0.2}],
                "valence": 0.0 if neutral else 0.7, "arousal": 0.3, "dominance": 0.2, "intensity": 0.6,
                "confidence": 0.9, "rationale": f"looks like {label}"}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            return models_response(self.model)
        body = json.loads(request.content)
        self.requests.append(body)
        self.headers.append(request.headers)
        rnd = self.round_of(body)
        text = json.dumps(body["messages"])
        reply = None
        for needle, fn in self.overrides.items():
            if needle in text:
                reply = fn(body, rnd)
        if reply is None:
            reply = self.answer(body, rnd)
        if isinstance(reply, httpx.Response):
            return reply
        content = reply if isinstance(reply, str) else json.dumps(reply)
        return httpx.Response(200, json={
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}})


def completion(content: str, **message) -> httpx.Response:
    return httpx.Response(200, json={
        "choices": [{"index": 0, "finish_reason": message.pop("finish_reason", "stop"),
                     "message": {"role": "assistant", "content": content, **message}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3}})


def models_response(*models: dict) -> httpx.Response:
    """``GET /v1/models`` as OpenAI-compatible servers answer it (``created`` changes per start)."""
    return httpx.Response(200, json={"object": "list", "data": [
        {"object": "model", "created": time.time_ns(), **m} for m in models]})
