"""Metrics of `selfask eval` on hand-computed cases, and the report it writes."""
from __future__ import annotations

import json
import math

import httpx
import pytest
from click.testing import CliRunner
from selfask_helpers import ScriptedLLM

from emodata.annotation import selfask
from emodata.cli.selfask import selfask as cli
from emodata.annotation.llm_client import LLMConfig
from emodata.annotation.selfask_eval import calibration, ccc, evaluate, jsd, macro_f1


def test_jsd():
    assert jsd({"a": 1.0}, {"a": 1.0}) == 0.0
    assert jsd({"a": 1.0}, {"b": 1.0}) == pytest.approx(1.0)
    # H(M) - (H(P)+H(Q))/2 with P=(1,0), Q=(.5,.5): M=(.75,.25)
    h = lambda *p: -sum(x * math.log2(x) for x in p if x)
    assert jsd({"a": 1.0}, {"a": 0.5, "b": 0.5}) == pytest.approx(h(.75, .25) - h(.5, .5) / 2)


def test_ccc():
    assert ccc([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert ccc([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # a constant shift lowers CCC below Pearson's 1: 2*cov / (vx + vy + d^2) = 2*(2/3) / (4/3 + 1)
    assert ccc([1, 2, 3], [2, 3, 4]) == pytest.approx((4 / 3) / (4 / 3 + 1))
    assert ccc([1], [1]) is None and ccc([1, 1], [1, 1]) is None


def test_macro_f1():
    gold = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "b"]
    # a: tp1 fp0 fn1 -> 2/3; b: tp1 fp2 fn0 -> 2/4; c: 0
    assert macro_f1(gold, pred) == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    assert macro_f1([], []) is None


def test_calibration():
    ece, table = calibration([0.95, 0.95, 0.15, 1.0], [True, False, False, True], bins=10)
    # bin 0.9-1.0: conf .9667 acc 2/3 (3 items); bin 0.1-0.2: conf .15 acc 0 (1 item)
    assert ece == pytest.approx(3 / 4 * abs(2 / 3 - (0.95 + 0.95 + 1.0) / 3) + 1 / 4 * 0.15)
    assert [t["count"] for t in table] == [1, 3]
    assert calibration([], []) == (None, [])


def test_evaluate_and_report(toy, tmp_path):
    llm = ScriptedLLM()
    config = LLMConfig(base_url="http://llm.test/v1", model="fake", backoff=0.0)
    selfask.run(toy, "toy", config, transport=httpx.MockTransport(llm))
    rep = evaluate(toy, "toy", "llm:fake|cfsa@1")
    # scripted answers: happiness for the three emotional texts, neutral for the neutral one
    # gold: happiness, anger, neutral, fear
    assert (rep["rated"], rep["with_gold"]) == (4, 4)
    assert rep["accuracy"] == pytest.approx(0.5)
    assert rep["macro_f1"] == pytest.approx((2 / 4 + 0 + 1 + 0) / 4)
    j = jsd({"happiness": .8, "surprise": .2}, {"happiness": 1.0})  # = the neutral sample's
    assert rep["jsd"] == pytest.approx((2 * j + 2 * 1.0) / 4)
    assert rep["vad_pairs"]["valence"] == 4 and rep["vad_pairs"]["dominance"] == 0
    assert rep["ccc"]["valence"] is not None and rep["ccc"]["dominance"] is None
    assert rep["ece"] == pytest.approx(abs(0.9 - 0.5))
    assert rep["cost"]["requests"] == 17 and rep["cost"]["prompt_tokens"] == 17 * 50
    assert rep["cost"]["status"] == {"ok": 4}

    res = CliRunner().invoke(cli, ["eval", str(toy), "--corpus", "toy", "--rater", "llm:fake|cfsa@1",
                                           "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "rep").iterdir())
    assert files == ["selfask-llm_fake_cfsa_1-reliability.png", "selfask-llm_fake_cfsa_1.json"]
    assert (tmp_path / "rep" / files[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "rep" / files[1]).read_text())
    assert saved["accuracy"] == pytest.approx(0.5) and saved["reliability"]


def test_evaluate_unknown_rater_reports_nothing_rated(toy):
    rep = evaluate(toy, "toy", "llm:nobody|cfsa@1")
    assert rep["rated"] == 0 and rep["accuracy"] is None and rep["ece"] is None
