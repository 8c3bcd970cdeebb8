"""Controlling a self-ask run: a dead endpoint stops it in seconds, Ctrl-C / SIGTERM stop it in
seconds with the finished samples written, progress per sample, choosing the samples."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from selfask_helpers import ScriptedLLM

from emodata import store
from emodata.annotation import selfask
from emodata.annotation.labelstudio_server import free_port
from emodata.annotation.llm_client import EndpointDown, LLMConfig
from emodata.annotation.selfask import SelfAskOptions

RATER = "llm:fake|cfsa@1"


def cfg(url="http://llm.test/v1", **kw) -> LLMConfig:
    return LLMConfig(base_url=url, model="fake", backoff=0.0, **kw)


def rated(root) -> set[str]:
    return {row["id"] for row in store.read_table(root, "toy", columns=["id", "ratings"]).to_pylist()
            if any(r["rater_kind"] == "llm" for r in row["ratings"])}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "emodata.cli", "selfask", "run", *args]


def test_closed_port_exits_nonzero_within_20s(toy):
    """Default retries and timeouts: the run stops after 3 connection failures in a row."""
    url = f"http://127.0.0.1:{free_port()}/v1"
    t = time.monotonic()
    res = subprocess.run(_cli(str(toy), "--corpus", "toy", "--base-url", url, "--model", "m"),
                         capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t
    assert res.returncode == 1 and took < 20, (took, res.stderr)
    assert f"Error: cannot reach the LLM endpoint {url} (ConnectError): 3 connection failures in a row" \
        in res.stderr
    assert "Traceback" not in res.stderr and rated(toy) == set()


def test_endpoint_dying_mid_run_stops_the_run(toy):
    posts = []

    def dies_after_two_samples(request):
        if request.method == "POST":
            posts.append(1)
            if len(posts) > 10:                        # samples 1 and 2 took 5 rounds each
                raise httpx.ConnectError("connection refused")
        return ScriptedLLM()(request)
    t = time.monotonic()
    with pytest.raises(EndpointDown, match=r"3 connection failures in a row.*stopped after 2 of 4 samples"):
        selfask.run(toy, "toy", cfg(max_retries=10), SelfAskOptions(concurrency=1),
                    transport=httpx.MockTransport(dies_after_two_samples))
    assert time.monotonic() - t < 5 and len(posts) == 13
    assert rated(toy) == {"toy/d1_0", "toy/d1_1"}                  # the finished ones are written


def test_interrupt_writes_what_finished_and_returns_at_once(toy):
    """Ctrl-C while a request hangs: the run returns in moments; the finished samples are written."""
    release = threading.Event()

    def hangs_on_the_third_sample(request):
        body = request.content.decode() if request.method == "POST" else ""
        if "noon" in body:                             # the third sample of the toy corpus
            release.wait(60)
        return ScriptedLLM()(request)
    seen = []

    def progress(done, total):
        seen.append((done, total))
        if done == 2:
            raise KeyboardInterrupt
    t = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            selfask.run(toy, "toy", cfg(), SelfAskOptions(concurrency=1), progress=progress,
                        transport=httpx.MockTransport(hangs_on_the_third_sample))
        assert time.monotonic() - t < 5
    finally:
        release.set()
    assert seen == [(0, 4), (1, 4), (2, 4)]            # progress per sample
    assert rated(toy) == {"toy/d1_0", "toy/d1_1"}
    traces = {t["id"] for t in selfask.read_traces(toy, "toy", RATER)}
    assert traces == {"toy/d1_0", "toy/d1_1"}


class _Stub(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint (ScriptedLLM) over real HTTP that hangs on the third sample."""
    llm = ScriptedLLM()
    hanging, release = threading.Event(), threading.Event()

    def _reply(self, request: httpx.Request):
        if b"noon" in request.content:
            self.hanging.set()
            self.release.wait(120)
        r = self.llm(request)
        self.send_response(r.status_code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(r.content)

    def do_GET(self):  # noqa: N802
        self._reply(httpx.Request("GET", f"http://stub{self.path}"))

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._reply(httpx.Request("POST", f"http://stub{self.path}", content=body))

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_cli_within_seconds(toy, sig):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Stub.hanging.clear()
    _Stub.release.clear()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    proc = subprocess.Popen(_cli(str(toy), "--corpus", "toy", "--base-url", url, "--model", "fake",
                                 "--concurrency", "1", "--timeout", "120"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _Stub.hanging.wait(60), "the third sample was never asked"
        time.sleep(0.5)
        t = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - t < 5
        assert proc.returncode == 130 and "interrupted: the finished samples are written" in err
        assert "Traceback" not in err
        assert rated(toy) == {"toy/d1_0", "toy/d1_1"}
    finally:
        _Stub.release.set()
        proc.kill()
        server.shutdown()
        _Stub.llm.requests.clear()


def _manifest(root, name, corpus, ids, skipped=()):
    path = root / "annotation" / "labelstudio" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": name, "corpus": corpus, "sample_ids": ids,
                                "skipped_missing_media": list(skipped)}))
    return path


@pytest.mark.parametrize("how, expected", [
    ({"ids": ["toy/x_0", "toy/d1_1"]}, ["toy/d1_1", "toy/x_0"]),
    ({"where": "language = 'de' OR turn_index = 2"}, ["toy/d1_2", "toy/x_0"]),
    ({"where": "dialogue_id = 'd1'", "sample": 2, "stratify": "label", "sample_seed": 3}, None),
    ({"from_project": "pilot"}, ["toy/d1_0"]),
])
def test_choose_samples(toy, how, expected):
    _manifest(toy, "pilot", "toy", ["toy/d1_0", "toy/d1_2"], skipped=["toy/d1_2"])
    llm = ScriptedLLM()
    s = selfask.run(toy, "toy", cfg(), SelfAskOptions(), transport=httpx.MockTransport(llm), **how)
    got = sorted(rated(toy))
    if expected is None:                               # two of the three dialogue turns, two labels
        assert len(got) == 2 and all(i.startswith("toy/d1_") for i in got)
        labels = {r["label"] for r in store.read_table(toy, "toy", columns=["id", "label"]).to_pylist()
                  if r["id"] in got}
        assert len(labels) == 2
    else:
        assert got == expected
    assert s["samples"] == len(got) and s["endpoint"] == "http://llm.test/v1"
    assert s["model_identity"] == {"id": "fake", "owned_by": "tests"}


def test_bad_selections_are_one_clear_error(toy, tmp_path):
    run = lambda **kw: selfask.run(toy, "toy", cfg(), transport=httpx.MockTransport(ScriptedLLM()), **kw)  # noqa: E731
    with pytest.raises(ValueError, match="1 of the 2 given ids are not samples of toy: toy/nope"):
        run(ids=["toy/d1_0", "toy/nope"])
    with pytest.raises(ValueError, match="matched no sample of toy"):
        run(where="language = 'fr'")
    with pytest.raises(ValueError, match="selection failed.*no_such_column"):
        run(where="no_such_column = 1")
    other = _manifest(tmp_path, "x", "meld", ["meld/1"])
    with pytest.raises(ValueError, match="is a study of meld, not of toy"):
        run(from_project=other)
    with pytest.raises(FileNotFoundError, match="--from-project nope: neither a manifest file nor a study"):
        run(from_project="nope")
    assert rated(toy) == set()


def test_cli_choices(toy, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from emodata.cli.selfask import selfask as cli
    llm = ScriptedLLM()
    real_run = selfask.run
    monkeypatch.setattr(selfask, "run", lambda *a, **k: real_run(*a, transport=httpx.MockTransport(llm), **k))
    ids = tmp_path / "ids.txt"
    ids.write_text("toy/d1_2\n\ntoy/x_0\n")
    res = CliRunner().invoke(cli, ["run", str(toy), "--corpus", "toy", "--ids", f"@{ids}", "--base-url",
                                   "http://llm.test/v1", "--model", "fake"])
    assert res.exit_code == 0, res.output
    assert rated(toy) == {"toy/d1_2", "toy/x_0"}
    res = CliRunner().invoke(cli, ["run", str(toy), "--corpus", "toy", "--where", "nope = 1", "--base-url",
                                   "http://llm.test/v1", "--model", "fake"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert 'Error: selection failed: Binder Error: Referenced column "nope" not found' in res.output
