"""A blind study against real Label Studio servers: one server per rater, started by
``python -m emodata.annotation.labelstudio_server --rater A --rater B`` on 127.0.0.1, which a
SIGTERM stops. No rater can read another's annotations; pull merges the raters' projects;
pre-annotations only with --prefill; accounts appearing on a rater's server are caught."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from label_studio_sdk.core.api_error import ApiError
from click.testing import CliRunner
from ls_helpers import answer, listening_addresses

from emodata import store
from emodata.annotation.agreement import krippendorff_alpha
from emodata.annotation.labelstudio import NotBlind, launch, load_manifest, pull, status
from emodata.annotation.labelstudio_client import AuthError, Client, Servers
from emodata.annotation.labelstudio_server import free_port
from emodata.annotation.selection import select_ids
from emodata.cli.annotate import annotate as cli

pytestmark = pytest.mark.slow
A, B = "ann.a@lab.org", "ann.b@lab.org"
PASSWORD = "blind-rater-pw-1"
LLM = "llm:blind-model|cfsa@1"


def _two_free_ports() -> int:
    while True:
        p = free_port()
        try:
            with httpx.Client() as c:
                c.get(f"http://127.0.0.1:{p + 1}", timeout=0.5)
        except httpx.ConnectError:
            return p


class Study:
    """The server CLI with one server per rater, its output read in the background."""

    def __init__(self, tmp, document_root):
        self.token, self.port = secrets.token_hex(20), _two_free_ports()
        self.urls = {A: f"http://127.0.0.1:{self.port}", B: f"http://127.0.0.1:{self.port + 1}"}
        env = {**os.environ, "EMODATA_LS_TOKEN": self.token, "EMODATA_LS_PASSWORD": secrets.token_urlsafe(12)}
        self.proc = subprocess.Popen([sys.executable, "-m", "emodata.annotation.labelstudio_server", "--data-dir",
                                      str(tmp), "--document-root", str(document_root), "--port", str(self.port),
                                      "--rater", A, "--rater", B], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()
        deadline = time.monotonic() + 400
        while not any(line.startswith("launch the blind study with:") for line in self.lines):
            assert self.proc.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, "servers not up: " + "".join(self.lines)
            time.sleep(1)
        self.servers = Servers(token=self.token)

    def close(self):
        self.servers.close()
        if self.proc.poll() is None:           # SIGTERM lets the command stop its servers
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def study(tmp_path_factory, ls_media_root):
    s = Study(tmp_path_factory.mktemp("ls-study"), ls_media_root)
    yield s
    s.close()


def test_rater_servers_listen_on_loopback_only(study, ls_server):
    line = next(line for line in study.lines if line.startswith("launch the blind study with:"))
    assert f"--rater {A}={study.urls[A]} --rater {B}={study.urls[B]}" in line
    for url in (*study.urls.values(), ls_server.url):
        assert listening_addresses(int(url.rsplit(":", 1)[1])) == {"127.0.0.1"}, url
    assert study.token not in "".join(study.lines)


def test_blind_study(study, ls_dataset, ls_media_root):
    root, env = ls_dataset, {"EMODATA_LS_TOKEN": study.token}
    ids = select_ids(root, "cremad", where="speaker_id = '1001'", sample=6, seed=2)
    target = ids[0]                                 # the one sample with an LLM rating to show
    store.upsert_ratings(root, "cremad", [{"id": target, "rater_id": LLM, "rater_kind": "llm",
                                           "labels": ["sadness"], "valence": -0.5, "confidence": 0.6}])
    args = ["launch", str(root), "--corpus", "cremad", "--name", "blind", "--ids", ",".join(ids), "--media", "audio",
            "--media-root", str(ls_media_root / "cremad"), "--document-root", str(ls_media_root),
            "--rater", f"{A}={study.urls[A]}", "--rater", f"{B}={study.urls[B]}", "--prefill", LLM]
    # the raters have no accounts yet: nothing is launched
    res = CliRunner().invoke(cli, args, env=env)
    assert res.exit_code == 1 and f"rater {A} has no account on {study.urls[A]}" in res.output
    for email, url in study.urls.items():
        res = CliRunner().invoke(cli, ["raters", "--url", url, email], env={**env, "EMODATA_LS_RATER_PASSWORD": PASSWORD})
        assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, args, env=env)
    assert res.exit_code == 0, res.output
    assert "blind study; pre-annotations: " + LLM in res.output and f"6 tasks for rater {B}" in res.output
    m = load_manifest(root, "blind")
    assert m["blind"] and m["overlap"] == 2 and m["prefill"] == LLM and m["prefilled_samples"] == 1
    assert [p["rater"] for p in m["projects"]] == [A, B]
    assert sorted(m["sample_ids"]) == sorted(ids)

    admin = {e: study.servers(u) for e, u in study.urls.items()}
    raters = {e: Client(u, admin[e].rater_token(e, PASSWORD)) for e, u in study.urls.items()}
    labels = m["form"]["labels"]
    for ri, (email, p) in enumerate(zip((A, B), m["projects"])):
        proj = admin[email].project(p["project_id"])
        assert proj["maximum_annotations"] == 1 and proj["show_collab_predictions"] is True
        preds = admin[email].sdk.predictions.list(project=p["project_id"])
        assert [(x.model_version, p["tasks"][str(x.task)]) for x in preds] == [(LLM, target)]   # only that one
        for ti, task in enumerate(sorted(int(t) for t in p["tasks"])):
            raters[email].sdk.annotations.create(id=task, result=answer(ti, 2 * ri, labels))

    # no rater can read the other's annotations: B's token is unknown on A's server ...
    with Client(study.urls[A], str(raters[B]._token)) as b_on_a, pytest.raises(AuthError, match="401"):
        b_on_a.export(m["projects"][0]["project_id"])
    # ... everything B can list on B's own server is B's ...
    b = raters[B]
    visible = [a for proj in b.sdk.projects.list() for t in b.export(proj.id) for a in t["annotations"]]
    assert len(visible) == 6 and {a["completed_by"] for a in visible} == {b.whoami()["id"]}
    # ... and B cannot sign up on A's server without the invite link
    with httpx.Client(base_url=study.urls[A]) as web:
        web.get("/user/signup/")
        resp = web.post("/user/signup/", data={"email": B, "password": PASSWORD,
                                               "csrfmiddlewaretoken": web.cookies.get("csrftoken", "")},
                        headers={"Referer": study.urls[A] + "/user/signup/"})
        assert resp.status_code == 403
    assert {u["email"] for u in admin[A].users()} == {"admin@example.com", A}
    # Label Studio's own task assignment is an Enterprise feature: not on the open-source server
    task = min(int(t) for t in m["projects"][0]["tasks"])
    with pytest.raises(ApiError) as e:
        admin[A].sdk.projects.assignments.list(id=m["projects"][0]["project_id"], task_pk=task)
    assert e.value.status_code == 404

    s = status(study.servers, root, "blind")
    assert s["blind"] and s["complete"] == s["total"] == 6
    assert {r: v["annotations"] for r, v in s["raters"].items()} == {f"ls:{A}": 6, f"ls:{B}": 6}

    got = pull(study.servers, root, "blind")
    assert (got["added"], got["annotations"], got["refused"], got["breaches"]) == (12, 12, [], {})
    ratings = [(row["id"], r) for row in store.read_table(root, "cremad", columns=["id", "ratings"]).to_pylist()
               for r in row["ratings"] if r["rater_id"] in (f"ls:{A}", f"ls:{B}")]
    assert len(ratings) == 12
    for sid, r in ratings:
        prov = json.loads(r["native"])["labelstudio"]
        assert prov["study"] == "blind" and prov["blind"] is True
        assert prov["prefill"] == (LLM if sid == target else None)
    alpha = krippendorff_alpha([sid for sid, _ in ratings], [r["labels"][0] for _, r in ratings], "nominal")
    assert 0.0 < alpha.value < 1.0                  # rater 2 x 1 = 2: disagrees on every third task

    # the admin annotating in A's project is not A's rating: refused
    admin[A].sdk.annotations.create(id=task, result=answer(0, 1, labels))
    got = pull(study.servers, root, "blind")
    assert [f["why"] for f in got["refused"]] == [f"made by ls:admin@example.com in {A}'s project"]
    assert got["unchanged"] == 12

    # an account appearing on B's server is reported, and a new blind launch refuses the server
    admin[B].rater_token("intruder@lab.org", PASSWORD)
    assert pull(study.servers, root, "blind")["breaches"] == {B: ["intruder@lab.org"]}
    with pytest.raises(NotBlind, match=f"{study.urls[B]} is {B}'s server .* intruder@lab.org"):
        launch(study.servers, root, "cremad", "blind-2", raters=study.urls, where="speaker_id = '1001'", sample=2,
               media="audio", media_root=ls_media_root / "cremad", document_root=ls_media_root)
    with pytest.raises(NotBlind, match="same server"):
        launch(study.servers, root, "cremad", "blind-3", raters={A: study.urls[A], B: study.urls[A] + "/"})
    for c in raters.values():
        c.close()


def test_sigterm_stops_every_server(study):
    """Last in this module: SIGTERM to the server command stops both Label Studio processes."""
    t = time.monotonic()
    study.proc.send_signal(signal.SIGTERM)
    assert study.proc.wait(timeout=60) == 0
    assert time.monotonic() - t < 60
    for url in study.urls.values():
        assert listening_addresses(int(url.rsplit(":", 1)[1])) == set()
        with pytest.raises(httpx.ConnectError):
            httpx.get(url + "/health", timeout=2)
