"""ChatClient edge cases against a scripted transport: malformed JSON, retries, refusals, cache."""
from __future__ import annotations

import json

import httpx
import pytest
from selfask_helpers import completion, models_response

from emodata.annotation.llm_client import (Cache, Cancelled, ChatClient, EndpointDown, LLMConfig, LLMError,
                                          Refusal, parse_json)

SCHEMA = {"type": "object", "properties": {"label": {"type": "string"}, "p": {"type": "number"}},
          "required": ["label", "p"], "additionalProperties": False}
MSGS = [{"role": "user", "content": "label it"}]


def client(handler, tmp_path=None, **cfg) -> ChatClient:
    config = LLMConfig(base_url="http://llm.test/v1", model="m", backoff=0.0, **cfg)
    cache = Cache(tmp_path / "c.sqlite") if tmp_path else None
    return ChatClient(config, cache, transport=httpx.MockTransport(handler))


def scripted(*replies):
    """A handler returning ``replies`` in turn (the last one repeats) and recording bodies."""
    seen = []

    def handler(request):
        if request.method == "GET":                     # the model's identity (GET /models)
            return models_response({"id": "m"})
        seen.append(json.loads(request.content))
        r = replies[min(len(seen) - 1, len(replies) - 1)]
        if isinstance(r, Exception):
            raise r
        return r
    handler.seen = seen
    return handler


@pytest.mark.parametrize("raw, expected", [
    ('{"label": "joy", "p": 0.5}', {"label": "joy", "p": 0.5}),
    ('Sure! ```json\n{"label": "joy", "p": 0.5}\n``` hope it helps', {"label": "joy", "p": 0.5}),
    ('{"label": "joy", "p": 0.5,}', {"label": "joy", "p": 0.5}),
    ("{'label': 'joy', 'p': 0.5}", {"label": "joy", "p": 0.5}),
    ('{"ok": True, "x": None, "l": [1, 2,],}', {"ok": True, "x": None, "l": [1, 2]}),
    ('{"label": "it\'s {fine}", "p": 1}', {"label": "it's {fine}", "p": 1}),
])
def test_parse_json_repairs(raw, expected):
    assert parse_json(raw) == expected


@pytest.mark.parametrize("raw", ["no json here", '{"label": "joy", "p": ', "[1, 2]"])
def test_parse_json_hopeless(raw):
    with pytest.raises(ValueError):
        parse_json(raw)


def test_malformed_json_is_asked_again():
    h = scripted(completion("label: joy"), completion('{"label": "joy", "p": 0.9}'))
    c = client(h)
    ans = c.ask(MSGS, SCHEMA)
    assert ans.data == {"label": "joy", "p": 0.9}
    assert c.stats["repairs"] == 1 and len(h.seen) == 2
    # the second request shows the model its bad answer and names the problem
    assert h.seen[1]["messages"][-2] == {"role": "assistant", "content": "label: joy"}
    assert "not valid JSON" in h.seen[1]["messages"][-1]["content"]
    assert ans.prompt_tokens == 10 and ans.completion_tokens == 6


def test_schema_violation_counts_as_malformed():
    h = scripted(completion('{"label": "joy"}'))
    with pytest.raises(LLMError, match="no valid JSON after 3 tries.*'p' is a required property"):
        client(h).ask(MSGS, SCHEMA)
    assert len(h.seen) == 3


def test_429_is_retried_with_retry_after():
    h = scripted(httpx.Response(429, headers={"retry-after": "0"}), completion('{"label": "a", "p": 1}'))
    c = client(h)
    assert c.ask(MSGS, SCHEMA).data["label"] == "a"
    assert c.stats["retries"] == 1 and c.stats["requests"] == 2


def test_timeouts_are_retried_then_fail():
    h = scripted(httpx.ReadTimeout("slow"))
    c = client(h, max_retries=2)
    with pytest.raises(LLMError, match="ReadTimeout after 3 attempts"):
        c.ask(MSGS, SCHEMA)
    assert len(h.seen) == 3


def test_timeout_then_success():
    h = scripted(httpx.ConnectTimeout("down"), httpx.Response(503), completion('{"label": "b", "p": 0}'))
    assert client(h).ask(MSGS, SCHEMA).data == {"label": "b", "p": 0}
    assert len(h.seen) == 3


def test_client_errors_are_not_retried():
    h = scripted(httpx.Response(401, json={"error": "bad key"}))
    with pytest.raises(LLMError, match="HTTP 401"):
        client(h, json_mode="json_schema").ask(MSGS, SCHEMA)
    assert len(h.seen) == 1


@pytest.mark.parametrize("reply", [completion("", refusal="I can't help with that."),
                                   completion("", finish_reason="content_filter")])
def test_refusal(reply):
    with pytest.raises(Refusal, match="refused"):
        client(scripted(reply)).ask(MSGS, SCHEMA)


def test_response_format_steps_down_when_unsupported():
    h = scripted(httpx.Response(422, json={"detail": [{"loc": ["body", "response_format", "type"]}]}),
                 httpx.Response(500, json={"error": "json_schema not supported"}),
                 completion('{"label": "c", "p": 1}'))
    c = client(h)
    assert c.ask(MSGS, SCHEMA).data["label"] == "c"
    assert h.seen[0]["response_format"]["json_schema"]["schema"] == SCHEMA
    assert h.seen[1]["response_format"] == {"type": "json_object", "schema": SCHEMA}  # llama-cpp-python's form
    assert "response_format" not in h.seen[2]
    c.ask([{"role": "user", "content": "again"}], SCHEMA)
    assert "response_format" not in h.seen[3]  # remembered


def test_explicit_json_mode_does_not_step_down():
    h = scripted(httpx.Response(400, json={"error": "response_format not supported"}))
    with pytest.raises(LLMError, match="HTTP 400"):
        client(h, json_mode="json_object").ask(MSGS, SCHEMA)
    assert h.seen[0]["response_format"]["type"] == "json_object" and len(h.seen) == 1


def test_cache_hits_and_key_never_stored(tmp_path, monkeypatch):
    secret = "sk-test-SECRET-123"
    monkeypatch.setenv("EMODATA_LLM_API_KEY", secret)
    h = scripted(completion('{"label": "d", "p": 1}'))
    c = client(h, tmp_path)
    a1 = c.ask(MSGS, SCHEMA, tag="t@1")
    a2 = c.ask(MSGS, SCHEMA, tag="t@1")
    assert not a1.cached and a2.cached and a2.data == a1.data and a1.key == a2.key
    assert len(h.seen) == 1 and c.stats["cache_hits"] == 1
    c.ask(MSGS, SCHEMA, tag="t@2")  # another template version is another request
    assert len(h.seen) == 2
    c.cache.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in blob
    assert secret not in repr(c.config)


def test_key_goes_only_into_the_header(monkeypatch):
    monkeypatch.delenv("EMODATA_LLM_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return completion('{"label": "e", "p": 1}')
    client(handler).ask(MSGS, SCHEMA)
    assert seen == ["Bearer sk-openai"] * 2          # GET /models, then the completion


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("EMODATA_LLM_BASE_URL", "http://x:1/v1/")
    monkeypatch.setenv("EMODATA_LLM_MODEL", "envmodel")
    cfg = LLMConfig()
    assert (cfg.base_url, cfg.model) == ("http://x:1/v1", "envmodel")
    monkeypatch.delenv("EMODATA_LLM_MODEL")
    with pytest.raises(ValueError, match="no model"):
        LLMConfig()


def test_connection_failures_in_a_row_stop_the_client():
    tries = []

    def down(request):
        tries.append(request.method)
        raise httpx.ConnectError("connection refused")
    c = client(down, max_retries=10)
    with pytest.raises(EndpointDown, match="cannot reach the LLM endpoint http://llm.test/v1 \\(ConnectError\\): "
                                           "3 connection failures in a row"):
        c.ask(MSGS, SCHEMA)
    assert tries == ["GET"] * 3 and c.stop.is_set()
    with pytest.raises(Cancelled):                   # every later call ends at once
        c.ask([{"role": "user", "content": "another"}], SCHEMA)
    assert len(tries) == 3


def test_an_answer_resets_the_failure_count():
    h = scripted(httpx.ConnectError("x"), httpx.ConnectError("x"), completion('{"label": "a", "p": 1}'),
                 httpx.ConnectError("x"), httpx.ConnectError("x"), completion('{"label": "b", "p": 1}'))
    c = client(h)
    assert c.ask(MSGS, SCHEMA).data["label"] == "a"
    assert c.ask([{"role": "user", "content": "again"}], SCHEMA).data["label"] == "b"


def _served(*models, status=200):
    def handler(request):
        if request.method == "GET":
            return models_response(*models) if status == 200 else httpx.Response(status)
        return completion('{"label": "joy", "p": 1}')
    return handler


def test_cache_key_has_the_endpoint_and_the_model_identity(tmp_path):
    def asked(handler, url="http://llm.test/v1") -> bool:
        config = LLMConfig(base_url=url, model="m", backoff=0.0)
        c = ChatClient(config, Cache(tmp_path / "c.sqlite"), transport=httpx.MockTransport(handler))
        try:
            return not c.ask(MSGS, SCHEMA).cached
        finally:
            c.cache.close()
    gguf = {"id": "m", "owned_by": "llamacpp", "meta": {"n_params": 134515008, "size": 90000000}}
    assert asked(_served(gguf))
    assert not asked(_served(gguf))                                    # same server, same model: cached
    other = {**gguf, "meta": {"n_params": 7241732096, "size": 4100000000}}
    assert asked(_served(other))                       # another model behind the same name is asked anew
    assert asked(_served(gguf), url="http://other-host:8000/v1")      # another endpoint too
    assert not asked(_served(gguf))                    # 'created' changes on every restart: not identity


def test_model_identity_from_models():
    c = client(_served({"id": "other"}, {"id": "m", "owned_by": "vllm", "root": "/models/m", "max_model_len": 8192}))
    assert c.identify() == {"id": "m", "owned_by": "vllm", "root": "/models/m", "max_model_len": 8192}
    assert client(_served({"id": "m:latest", "owned_by": "library"})).identify()["id"] == "m:latest"  # Ollama
    assert client(_served({"id": "/models/x.gguf"})).identify() == {"id": "/models/x.gguf"}  # one model served
    assert client(_served(status=404)).identify() is None           # no /models: endpoint only
    with pytest.raises(LLMError, match="does not list the model 'm'; it serves: a, b"):
        client(_served({"id": "a"}, {"id": "b"})).identify()
    with pytest.raises(LLMError, match="refused the API key"):
        client(_served(status=401)).identify()


def test_stop_ends_a_call_during_backoff():
    import threading
    import time

    h = scripted(httpx.Response(503))
    c = client(h, max_retries=5)
    c.config.backoff = 30.0
    threading.Timer(0.3, c.stop.set).start()
    t = time.perf_counter()
    with pytest.raises(Cancelled):
        c.ask(MSGS, SCHEMA)
    assert time.perf_counter() - t < 5
