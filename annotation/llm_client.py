"""A small client for OpenAI-compatible ``/v1/chat/completions`` endpoints.

Structured JSON answers (``response_format`` json_schema where the server takes it, strict
parsing with repair and re-asking where it doesn't), retries with exponential backoff on
429 / 5xx / timeouts, a stop after a few connection failures in a row (a dead endpoint fails
in seconds, not after every sample), and an on-disk SQLite cache keyed by the request, the
endpoint and the model as the server reports it (never the API key). Thread-safe: one client
serves a thread pool; setting its ``stop`` event ends every call within moments.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import random
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jsonschema

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
# no answer at all: the server is not there (or went away); a slow answer (ReadTimeout) is not this
CONNECTION_FAILURES = (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ConnectTimeout)
VOLATILE_MODEL_KEYS = {"created", "permission", "permissions", "object"}   # change on every restart
JSON_MODES = ("auto", "json_schema", "json_object", "off")
FALLBACK = {"json_schema": "json_object", "json_object": "off"}


class LLMError(RuntimeError):
    """The endpoint failed for good (after retries) or answered unusably."""


class Refusal(LLMError):
    """The model declined to answer."""


class EndpointDown(LLMError):
    """``max_connection_failures`` requests in a row got no answer: the run stops."""


class Cancelled(LLMError):
    """The client's ``stop`` event was set (an interrupted run)."""


@dataclass
class LLMConfig:
    """Endpoint settings; unset values come from the environment."""
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_retries: int = 4
    backoff: float = 1.0
    json_mode: str = "auto"
    json_retries: int = 2
    max_connection_failures: int = 3

    def __post_init__(self):
        self.base_url = (self.base_url or os.environ.get("EMODATA_LLM_BASE_URL")
                         or "http://127.0.0.1:8000/v1").rstrip("/")
        self.model = self.model or os.environ.get("EMODATA_LLM_MODEL")
        self.api_key = (self.api_key or os.environ.get("EMODATA_LLM_API_KEY")
                        or os.environ.get("OPENAI_API_KEY"))
        if not self.model:
            raise ValueError("no model: pass --model or set EMODATA_LLM_MODEL")
        if self.json_mode not in JSON_MODES:
            raise ValueError(f"json_mode {self.json_mode!r}: expected one of {JSON_MODES}")


@dataclass
class Answer:
    """One parsed structured answer and what it cost."""
    data: dict
    raw: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cached: bool = False
    key: str = ""


class Cache:
    """SQLite cache: request hash -> answer. Safe across threads and re-runs."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # survives a killed process; only an OS crash may lose the last answers (re-asked then)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def get(self, key: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?)", (key, json.dumps(value)))

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        self._db.close()


def request_key(model: str, messages: list, schema: dict | None, params: dict, tag: str = "", *,
                endpoint: str = "", identity: dict | None = None) -> str:
    """Cache key: hash of model, template tag, messages, schema, sampling parameters, the endpoint
    URL and the model's identity as the server reports it (``/v1/models``)."""
    blob = json.dumps({"model": model, "tag": tag, "messages": messages, "schema": schema,
                       "params": params, "endpoint": endpoint, "identity": identity},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


# ---------------------------------------------------------------- JSON repair

def _first_object(text: str) -> str | None:
    """The first balanced ``{...}`` in ``text`` (string-aware), or None."""
    start = text.find("{")
    while start != -1:
        depth, in_str, esc, quote = 0, False, False, ""
        for i in range(start, len(text)):
            c = text[i]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == quote:
                    in_str = False
            elif c in "\"'":
                in_str, quote = True, c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return text[start:i + 1]
        start = text.find("{", start + 1)
    return None


def parse_json(text: str) -> dict:
    """Parse a model's JSON object, repairing common damage; raise ``ValueError`` if hopeless.

    Repairs: code fences and prose around the object, trailing commas, single quotes,
    Python literals (True/False/None)."""
    candidate = _first_object(text or "")
    if candidate is None:
        raise ValueError(f"no JSON object in model output: {text[:200]!r}")
    attempts = [candidate]
    fixed = re.sub(r",\s*([}\]])", r"\1", candidate)
    attempts.append(fixed)
    fixed = re.sub(r"\bTrue\b", "true", re.sub(r"\bFalse\b", "false", re.sub(r"\bNone\b", "null", fixed)))
    attempts.append(fixed)
    attempts.append(re.sub(r"(?<![A-Za-z])'|'(?![A-Za-z])", '"', fixed))
    for a in attempts:
        try:
            obj = json.loads(a)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return obj
    raise ValueError(f"unparseable JSON object in model output: {candidate[:200]!r}")


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


# ---------------------------------------------------------------- client

class ChatClient:
    """Structured chat completions with retries, JSON repair and caching."""

    def __init__(self, config: LLMConfig, cache: Cache | None = None,
                 transport: httpx.BaseTransport | None = None, stop: threading.Event | None = None):
        self.config = config
        self.cache = cache
        self.stop = stop or threading.Event()
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(base_url=config.base_url, headers=headers,
                                  timeout=config.timeout, transport=transport)
        self._json_mode = "json_schema" if config.json_mode == "auto" else config.json_mode
        self._lock = threading.Lock()
        self._failures = 0                      # connection failures in a row, over every thread
        self._identity: dict | None = None
        self._identified = False
        self.stats = {"requests": 0, "cache_hits": 0, "retries": 0, "repairs": 0,
                      "prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0}

    def close(self) -> None:
        self._http.close()

    def _redact(self, text: str) -> str:
        """``text`` with the API key blanked (servers may echo request headers in errors)."""
        return text.replace(self.config.api_key, "***") if self.config.api_key else text

    def _count(self, **inc) -> None:
        with self._lock:
            for k, v in inc.items():
                self.stats[k] += v

    def _connection_failed(self, e: Exception) -> None:
        with self._lock:
            self._failures += 1
            down = self._failures >= self.config.max_connection_failures
        if down:
            self.stop.set()
            raise EndpointDown(f"cannot reach the LLM endpoint {self.config.base_url} ({type(e).__name__}): "
                               f"{self.config.max_connection_failures} connection failures in a row; start the "
                               "server or fix --base-url")

    def _wait(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Cancelled("stopped")

    def _request(self, method: str, path: str, body: dict | None = None, final=None) -> httpx.Response:
        """Send with retries on transient failures (timeouts, connection errors, 408/429/5xx,
        ``Retry-After`` honoured); returns a response that is not one, or for which ``final(r)``
        is true (answers the caller handles itself)."""
        attempt = 0
        while True:
            if self.stop.is_set():
                raise Cancelled("stopped")
            self._count(requests=int(method == "POST"))     # "requests" counts chat completions
            wait = None
            try:
                r = self._http.request(method, path, json=body)
            except httpx.TransportError as e:
                if isinstance(e, CONNECTION_FAILURES):
                    self._connection_failed(e)
                err = type(e).__name__
            else:
                with self._lock:
                    self._failures = 0
                if r.status_code not in RETRY_STATUS or (final and final(r)):
                    return r
                err = f"HTTP {r.status_code}: {self._redact(r.text[:300])}"
                ra = r.headers.get("retry-after")
                wait = float(ra) if ra and ra.replace(".", "", 1).isdigit() else None
            if attempt >= self.config.max_retries:
                raise LLMError(f"{self.config.base_url}{path}: {err} after {attempt + 1} attempts")
            attempt += 1
            self._count(retries=1)
            self._wait(wait if wait is not None else
                       self.config.backoff * 2 ** (attempt - 1) * (0.5 + random.random() / 2))

    def identify(self) -> dict | None:
        """The model as the server reports it (its ``/models`` entry without the fields that change
        on every restart), or None if the server has no ``/models``; part of every cache key.
        Fails fast (:class:`EndpointDown`) when the endpoint does not answer."""
        with self._lock:
            if self._identified:
                return self._identity
        model = self.config.model
        r = self._request("GET", "/models")
        if r.status_code in (401, 403):
            raise LLMError(f"{self.config.base_url}/models: HTTP {r.status_code}: the server refused the API key "
                           "(EMODATA_LLM_API_KEY / OPENAI_API_KEY)")
        try:
            served = r.json()["data"] if r.status_code == 200 else None
        except (ValueError, KeyError, TypeError):
            served = None
        entry = None
        if isinstance(served, list) and served:
            ids = [m.get("id") for m in served if isinstance(m, dict)]
            matches = [m for m in served if isinstance(m, dict) and m.get("id") in (model, f"{model}:latest")]
            if matches:
                entry = matches[0]
            elif len(served) == 1:               # a one-model server (llama-server) answers to any name
                entry = served[0]
            else:
                raise LLMError(f"{self.config.base_url}/models does not list the model {model!r}; it serves: "
                               f"{', '.join(map(str, ids[:10]))}{' ...' if len(ids) > 10 else ''} (--model)")
        identity = {k: v for k, v in entry.items() if k not in VOLATILE_MODEL_KEYS} if entry else None
        with self._lock:
            self._identity, self._identified = identity, True
        return identity

    @staticmethod
    def _response_format(schema: dict | None, mode: str) -> dict | None:
        if schema is None or mode == "off":
            return None
        if mode == "json_object":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}

    def _post(self, body: dict, schema: dict | None) -> dict:
        """One chat completion; returns the decoded response."""
        while True:
            mode = self._json_mode
            rf = self._response_format(schema, mode)

            def unsupported(r: httpx.Response) -> bool:
                return bool(rf and r.status_code in (400, 422, 500) and self.config.json_mode == "auto"
                            and re.search(r"response_format|json_schema", r.text))
            r = self._request("POST", "/chat/completions", {**body, "response_format": rf} if rf else body,
                              final=unsupported)
            if r.status_code < 400:
                try:
                    return r.json()
                except ValueError:  # a proxy's HTML page, a truncated body ...
                    raise LLMError(f"{self.config.base_url}/chat/completions: HTTP {r.status_code} "
                                   f"but not JSON: {self._redact(r.text[:200])!r}") from None
            if unsupported(r):
                # the server does not take this response_format: step down
                # json_schema -> json_object (llama-cpp-python's form) -> plain prompting
                with self._lock:
                    if self._json_mode == mode:
                        self._json_mode = FALLBACK[mode]
                continue
            raise LLMError(f"{self.config.base_url}/chat/completions: HTTP {r.status_code}: "
                           f"{self._redact(r.text[:300])}")

    def ask(self, messages: list[dict], schema: dict | None = None, *, max_tokens: int = 256,
            temperature: float = 0.0, seed: int = 0, tag: str = "") -> Answer:
        """Send ``messages``; return the JSON object answer validated against ``schema``.

        ``tag`` (template name@version) goes into the cache key. On invalid JSON the model is
        shown its answer and asked again, up to ``json_retries`` times."""
        params = {"max_tokens": max_tokens, "temperature": temperature, "seed": seed}
        key = request_key(self.config.model, messages, schema, params, tag, endpoint=self.config.base_url,
                          identity=self.identify())
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self._count(cache_hits=1)
            return Answer(hit["data"], hit["raw"], hit["prompt_tokens"], hit["completion_tokens"],
                          hit["seconds"], cached=True, key=key)
        convo = list(messages)
        usage = [0, 0]
        t0 = time.perf_counter()
        for attempt in range(self.config.json_retries + 1):
            resp = self._post({"model": self.config.model, "messages": convo, **params}, schema)
            u = resp.get("usage") or {}
            usage[0] += int(u.get("prompt_tokens") or 0)
            usage[1] += int(u.get("completion_tokens") or 0)
            try:
                choice = resp["choices"][0]
                msg = choice["message"]
            except (KeyError, IndexError, TypeError):
                raise LLMError(f"malformed response from {self.config.base_url}: {str(resp)[:300]}")
            if msg.get("refusal") or choice.get("finish_reason") == "content_filter":
                raise Refusal(f"model refused: {(msg.get('refusal') or 'content filter')[:200]}")
            raw = msg.get("content") or ""
            try:
                data = parse_json(raw)
                if schema is not None:
                    _validator(json.dumps(schema, sort_keys=True)).validate(data)
                break
            except (ValueError, jsonschema.ValidationError) as e:
                problem = e.message if isinstance(e, jsonschema.ValidationError) else str(e)
                if attempt == self.config.json_retries:
                    raise LLMError(f"no valid JSON after {attempt + 1} tries: {problem[:300]}")
                self._count(repairs=1)
                convo = convo + [{"role": "assistant", "content": raw},
                                 {"role": "user", "content": "That was not valid JSON for the schema "
                                  f"({problem[:200]}). Reply with only the JSON object."}]
        seconds = time.perf_counter() - t0
        self._count(prompt_tokens=usage[0], completion_tokens=usage[1], seconds=seconds)
        ans = Answer(data, raw, usage[0], usage[1], seconds, key=key)
        if self.cache is not None:
            self.cache.put(key, {"data": data, "raw": raw, "prompt_tokens": usage[0],
                                 "completion_tokens": usage[1], "seconds": seconds})
        return ans
