"""The self-ask pipeline end to end against a scripted endpoint: rounds, inputs, ratings, resume."""
from __future__ import annotations

import json

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from selfask_helpers import ScriptedLLM, last_user_text

from emodata import store
from emodata.annotation import selfask
from emodata.cli.selfask import selfask as cli
from emodata.annotation.llm_client import LLMConfig
from emodata.annotation.selfask import SelfAskOptions, map_label, read_traces, to_soft

RATER = "llm:fake|cfsa@1"


def cfg() -> LLMConfig:
    return LLMConfig(base_url="http://llm.test/v1", model="fake", backoff=0.0)


def run(root, llm, **opts):
    return selfask.run(root, "toy", cfg(), SelfAskOptions(**opts), transport=httpx.MockTransport(llm))


def ratings_of(root) -> dict[str, dict]:
    out = {}
    for row in store.read_table(root, "toy", columns=["id", "ratings"]).to_pylist():
        for r in row["ratings"]:
            if r["rater_kind"] == "llm":
                out[row["id"]] = r
    return out


def test_run_writes_ratings_and_traces(toy):
    llm = ScriptedLLM()
    summary = run(toy, llm)
    assert summary["rater_id"] == RATER
    assert (summary["ok"], summary["error"], summary["refused"]) == (4, 0, 0)
    assert summary["ratings"] == {"added": 4, "updated": 0, "unchanged": 0}
    r = ratings_of(toy)
    assert set(r) == {"toy/d1_0", "toy/d1_1", "toy/d1_2", "toy/x_0"}
    happy = r["toy/d1_0"]
    assert happy["rater_id"] == RATER and happy["labels"] == ["happiness"]
    assert happy["perspective"] == "perceived"           # not the corpus's own (e.g. expressed) perspective
    native = json.loads(happy["native"])
    assert native["soft_label"] == {"happiness": 0.8, "surprise": 0.2} and native["label_set"] == "ekman7"
    assert happy["confidence"] == pytest.approx(0.9) and happy["valence"] == pytest.approx(0.7)
    assert happy["comment"] == "looks like happiness" and happy["ref"].startswith("selfask:")
    # human ratings are kept
    row = store.read_table(toy, "toy", columns=["id", "ratings"]).to_pylist()[0]
    assert [x["rater_id"] for x in row["ratings"]] == ["h1", RATER]
    # emotional samples run every round; the neutral one skips the fine rounds
    traces = {t["id"]: t for t in read_traces(toy, "toy", RATER)}
    assert [s["round"] for s in json.loads(traces["toy/d1_0"]["trace"])] == \
        ["coarse", "family", "specific", "evidence", "final"]
    assert [s["round"] for s in json.loads(traces["toy/d1_2"]["trace"])] == ["coarse", "final"]
    assert traces["toy/d1_0"]["prompt_tokens"] == 250 and traces["toy/d1_0"]["status"] == "ok"
    assert len(llm.requests) == 5 + 5 + 2 + 5


def test_fine_rounds_follow_the_coarse_answer(toy):
    llm = ScriptedLLM()
    run(toy, llm)
    fam = [b for b in llm.requests if ScriptedLLM.round_of(b) == "family"][0]
    enum = fam["response_format"]["json_schema"]["schema"]["properties"]["family"]["enum"]
    # coarse said positive: negative families are not offered
    assert "happiness" in enum and "sadness" not in enum and "anger" not in enum
    assert "happiness" in last_user_text(fam)
    final = [b for b in llm.requests if ScriptedLLM.round_of(b) == "final"][0]
    labels = final["response_format"]["json_schema"]["schema"]["properties"]["probs"]["items"]["properties"]
    assert labels["label"]["enum"] == ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    # the conversation carries earlier answers
    assert [m["role"] for m in final["messages"]][:4] == ["system", "user", "assistant", "user"]


def test_rerun_costs_nothing_and_resume_after_interruption(toy):
    llm = ScriptedLLM()
    run(toy, llm)
    again = ScriptedLLM()
    s2 = run(toy, again)
    assert again.requests == [] and s2["requests"] == 0 and s2["cache_hits"] == 17
    assert s2["ratings"] == {"added": 0, "updated": 0, "unchanged": 4}


def test_interrupted_run_resumes(toy):
    class Crash(Exception):
        pass

    calls = []

    def dies_on_third_sample(request):
        if request.method == "POST":                  # chat completions (not GET /models)
            calls.append(1)
        if len(calls) > 11:  # mid-way through the third sample
            raise Crash("killed")
        return ScriptedLLM()(request)

    with pytest.raises(Crash):
        selfask.run(toy, "toy", cfg(), SelfAskOptions(concurrency=1), batch=1,
                    transport=httpx.MockTransport(dies_on_third_sample))
    assert set(ratings_of(toy)) == {"toy/d1_0", "toy/d1_1"}  # written when the run stops
    rest = ScriptedLLM()
    s = run(toy, rest)
    assert s["cache_hits"] == 11 and len(rest.requests) == 17 - 11
    assert set(ratings_of(toy)) == {"toy/d1_0", "toy/d1_1", "toy/d1_2", "toy/x_0"}


def test_refusal_and_errors_are_recorded_not_rated(toy):
    llm = ScriptedLLM({"Why would you": lambda body, rnd: httpx.Response(200, json={
        "choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": None,
                                                           "refusal": "I cannot label this."}}]}),
                       "noon": lambda body, rnd: "not json at all"})
    s = run(toy, llm)
    assert (s["ok"], s["refused"], s["error"]) == (2, 1, 1)
    assert set(ratings_of(toy)) == {"toy/d1_0", "toy/x_0"}
    traces = {t["id"]: t for t in read_traces(toy, "toy", RATER)}
    assert traces["toy/d1_1"]["status"] == "refused" and "cannot label" in traces["toy/d1_1"]["error"]
    assert traces["toy/d1_2"]["status"] == "error" and "no valid JSON" in traces["toy/d1_2"]["error"]


def test_inputs_context_cues_translate_image(toy):
    cues = toy / "derived" / "cues" / "toy"
    cues.mkdir(parents=True)
    pq.write_table(pa.table({"id": ["toy/d1_1"], "cues": ["frown (AU4 high); loud, fast speech"]}),
                   cues / "part-0.parquet")
    img = toy / "face.png"
    img.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    table = pq.read_table(toy / "data/toy/test/part-00000.parquet")
    paths = ["face.png", None, None, None]
    table = table.set_column(table.schema.get_field_index("image_path"), "image_path", pa.array(paths))
    pq.write_table(table, toy / "data/toy/test/part-00000.parquet")

    llm = ScriptedLLM()
    run(toy, llm, translate=True, images=True, context_turns=2)
    coarse = [b for b in llm.requests if ScriptedLLM.round_of(b) == "coarse"]
    texts = {last_user_text(b) for b in coarse}
    turn1 = [t for t in texts if 'Text: "Why would you' in t][0]
    assert "Previous turns:\nA: I finally got the job" in turn1
    assert "Cues: frown (AU4 high); loud, fast speech" in turn1
    turn2 = [t for t in texts if 'Text: "The meeting' in t][0]
    assert "I finally got the job" in turn2 and "Why would you" in turn2
    # German text is translated first, then labelled in English
    assert any("Translate" in last_user_text(b) and "Angst" in last_user_text(b) for b in llm.requests)
    assert any('Text: "I am afraid of tomorrow."' in t for t in texts)
    # the image goes as a data URL beside the first question
    with_image = [b for b in coarse if isinstance(b["messages"][1]["content"], list)]
    assert len(with_image) == 1
    assert with_image[0]["messages"][1]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_few_shot_examples_come_from_other_gold_rows(toy):
    llm = ScriptedLLM()
    selfask.run(toy, "toy", cfg(), SelfAskOptions(few_shot=2), limit=1, transport=httpx.MockTransport(llm))
    system = llm.requests[0]["messages"][0]["content"]
    assert "Examples:" in system and system.count(" -> ") == 2
    assert "I finally got the job" not in system  # the sample itself is never an example


@pytest.mark.parametrize("word, label_set, expected", [
    ("happiness", "ekman7", {"happiness": 1.0}),
    ("annoyed", "ekman7", {"anger": 1.0}),
    ("Grateful", "goemotions28", {"gratitude": 1.0}),
    ("grateful", "ekman7", {"happiness": 1.0}),
    ("scared", "ekman7", {"fear": 1.0}),
    ("happily surprised", "ekman7", {"happiness": 0.5, "surprise": 0.5}),
    ("anger/disgust", "ekman7", {"anger": 0.5, "disgust": 0.5}),
    ("qwerty", "ekman7", {}),
])
def test_open_vocabulary_mapping(word, label_set, expected):
    labels = tuple(selfask.get_taxonomy().label_set(label_set))
    assert dict(map_label(word, labels)) == pytest.approx(expected)


def test_to_soft_normalises_and_reports_unmapped():
    soft, unmapped = to_soft([("joy", 3), ("rage", 1), ("qwerty", 5)], ["anger", "happiness", "neutral"])
    assert soft == pytest.approx({"happiness": 0.75, "anger": 0.25}) and unmapped == ["qwerty"]
    soft, _ = to_soft([("joy", 0), ("rage", 0)], ["anger", "happiness"])
    assert soft == pytest.approx({"happiness": 0.5, "anger": 0.5})


def test_bad_template_names_the_problem(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("name: t\nversion: 1\nsystem: s\nsample: x\nrounds: [{name: a, prompt: q}]\nfinal: {}\n")
    with pytest.raises(ValueError, match=r"t.yaml: round 'a' needs 'prompt' and 'schema'"):
        selfask.load_template(str(bad))
    with pytest.raises(FileNotFoundError, match="no template 'nope'"):
        selfask.load_template("nope")


def test_cli_run_reads_key_from_env_and_never_prints_it(toy, monkeypatch):
    llm = ScriptedLLM()
    secret = "sk-very-secret"
    monkeypatch.setenv("EMODATA_LLM_API_KEY", secret)
    real_run = selfask.run
    monkeypatch.setattr(selfask, "run", lambda *a, **k: real_run(*a, transport=httpx.MockTransport(llm), **k))
    res = CliRunner().invoke(cli, ["run", str(toy), "--corpus", "toy", "--limit", "2",
                                           "--base-url", "http://llm.test/v1", "--model", "fake"])
    assert res.exit_code == 0, res.output
    assert '"ok": 2' in res.output and secret not in res.output
    assert all(h["authorization"] == f"Bearer {secret}" for h in llm.headers)
    assert secret.encode() not in (toy / "derived" / "selfask_cache.sqlite").read_bytes()


def test_cli_run_fails_when_samples_fail(toy, monkeypatch):
    llm = ScriptedLLM({"noon": lambda body, rnd: httpx.Response(503)})
    real_run = selfask.run
    monkeypatch.setattr(selfask, "run", lambda *a, **k: real_run(*a, transport=httpx.MockTransport(llm), **k))
    res = CliRunner().invoke(cli, ["run", str(toy), "--corpus", "toy", "--base-url", "http://llm.test/v1",
                                           "--model", "fake", "--max-retries", "0"])
    assert res.exit_code == 1
    assert "1 sample(s) failed" in res.output and "selfask_traces" in res.output
    assert len(ratings_of(toy)) == 3


def test_traces_are_appended_per_batch_and_the_latest_wins(tmp_path):
    from emodata.annotation.selfask import SampleResult, trace_path, write_traces

    def result(sid, status):
        return SampleResult(id=sid, status=status, rating=None, trace=[{"round": status}])
    write_traces(tmp_path, "c", RATER, [result("a", "error"), result("b", "ok")], "ekman7")
    write_traces(tmp_path, "c", RATER, [result("a", "ok")], "ekman7")          # a retried sample
    pattern = trace_path(tmp_path, "c", RATER)
    assert len(list(pattern.parent.glob(pattern.name))) == 2                    # nothing rewritten
    assert {t["id"]: t["status"] for t in read_traces(tmp_path, "c", RATER)} == {"a": "ok", "b": "ok"}


def test_ratings_are_written_in_few_rewrites_and_on_interruption(toy, monkeypatch):
    """Ratings go into the dataset every write_every samples and at the end, not once per batch;
    an exception mid-run still writes the ratings of the samples already done."""
    calls = []
    real = store.upsert_ratings
    monkeypatch.setattr(store, "upsert_ratings", lambda *a, **k: calls.append(len(a[2])) or real(*a, **k))
    summary = selfask.run(toy, "toy", cfg(), SelfAskOptions(concurrency=1), batch=1, write_every=100,
                          transport=httpx.MockTransport(ScriptedLLM()))
    assert len(calls) == 1 and calls[0] == summary["ok"] > 1
