"""The full loop against a real Label Studio: launch -> three raters annotate through the
API -> pull -> agreement -> edit -> pull -> pull -> delete -> pull."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from emodata.cli.annotate import annotate as cli

from emodata import store
from emodata.annotation.agreement import krippendorff_alpha
from emodata.annotation.labelstudio import launch, load_manifest, pull, save_manifest, status
from emodata.annotation.labelstudio_client import AuthError, Client
from emodata.taxonomy import rescale

pytestmark = pytest.mark.slow
RATERS = ["rater1@example.com", "rater2@example.com", "rater3@example.com"]
PASSWORD = "emodata-rater-pw-1"


def _ls_ratings(root, corpus="cremad") -> dict:
    out = {}
    for row in store.read_table(root, corpus, columns=["id", "ratings"]).to_pylist():
        for r in row["ratings"] or []:
            if r["rater_id"] in {f"ls:{e}" for e in RATERS}:
                out[(row["id"], r["rater_id"])] = r
    return out


def _answer(task_index: int, rater_index: int, labels: list[str]) -> list[dict]:
    # raters 0 and 1 agree everywhere, rater 2 disagrees on every third task
    label = labels[(task_index + (1 if rater_index == 2 and task_index % 3 == 0 else 0)) % len(labels)]
    res = lambda name, kind, value: {"from_name": name, "to_name": "audio", "type": kind, "value": value}  # noqa: E731
    return [res("emotion", "choices", {"choices": [label]}),
            res("valence", "rating", {"rating": 1 + (task_index + rater_index) % 9}),
            res("arousal", "rating", {"rating": 5}),
            res("dominance", "rating", {"rating": 9}),
            res("intensity", "rating", {"rating": 3}),
            res("confidence", "rating", {"rating": 5}),
            res("rationale", "textarea", {"text": [f"rater {rater_index} on task {task_index}"]})]


@pytest.fixture(scope="module")
def project(ls_admin, ls_dataset, ls_media_root):
    root = ls_dataset
    # an LLM rating already in the data becomes a prediction
    first = store.read_table(root, "cremad", columns=["id", "speaker_id", "label"]).to_pylist()
    llm_target = next(r for r in first if r["speaker_id"] == "1001")
    store.upsert_ratings(root, "cremad", [{"id": llm_target["id"], "rater_id": "llm:test-model|cfsa@1",
                                           "rater_kind": "llm", "labels": ["anger"], "valence": -0.5,
                                           "confidence": 0.8}])
    m = launch(ls_admin, root, "cremad", "crema-pilot", where=f"speaker_id = '1001' OR id = '{llm_target['id']}'",
               sample=8, overlap=3, media="audio", labels="ekman7", document_root=ls_media_root, seed=1,
               media_root=ls_media_root / "cremad")   # upsert_ratings drops the 'source_root' metadata
    return root, m, llm_target["id"]


def test_launch_creates_tasks_predictions_and_manifest(ls_admin, project, ls_server):
    root, m, llm_id = project
    assert len(m["tasks"]) == 8 and m["complete"]
    saved = json.loads((root / "annotation" / "labelstudio" / "crema-pilot.json").read_text())
    assert saved["project_id"] == m["project_id"] and saved["tasks"] == m["tasks"]
    assert "token" not in json.dumps(saved).lower()
    proj = ls_admin.project(m["project_id"])
    assert proj["maximum_annotations"] == 3 and '<Audio name="audio"' in proj["label_config"]
    # stratified: 8 samples over the 6 CREMA-D emotions of actor 1001 -> every emotion present
    labels = {r["label"] for r in store.read_table(root, "cremad", columns=["id", "label"]).to_pylist()
              if r["id"] in set(m["tasks"].values())}
    assert len(labels) == 6
    tasks = list(ls_admin.iter_tasks(m["project_id"]))
    url = tasks[0]["data"]["audio"]
    assert url.startswith("/data/local-files/?d=cremad/AudioWAV/")
    media = ls_admin.request("GET", url)          # served by Label Studio's local files storage
    assert media.status_code == 200 and media.content[:4] == b"RIFF"
    if llm_id in m["tasks"].values():
        export = ls_admin.export(m["project_id"])
        preds = [p for t in export if t["data"]["sample_id"] == llm_id for p in t["predictions"]]
        assert preds and preds[0]["model_version"] == "llm:test-model|cfsa@1" and preds[0]["score"] == pytest.approx(0.8)
        assert preds[0]["result"][0]["value"] == {"choices": ["anger"]}


def test_loop_pull_edit_delete(ls_admin, ls_server, project):
    root, m, _ = project
    labels = m["form"]["labels"]
    env = {"EMODATA_LS_URL": ls_server.url, "EMODATA_LS_TOKEN": ls_server._token,
           "EMODATA_LS_RATER_PASSWORD": PASSWORD}
    res = CliRunner().invoke(cli, ["raters", *RATERS], env=env)        # accounts via the invite link
    assert res.exit_code == 0 and "3 rater account(s) ready" in res.output and PASSWORD not in res.output
    tokens = {e: ls_admin.rater_token(e, PASSWORD) for e in RATERS}    # existing accounts: log in
    with pytest.raises(AuthError, match="could not sign up or log in"):
        ls_admin.rater_token(RATERS[0], "wrong-password-123")
    task_ids = sorted(int(t) for t in m["tasks"])
    created = {}
    for ri, email in enumerate(RATERS):
        with Client(ls_server.url, tokens[email]) as rater:
            assert rater.whoami()["email"] == email
            for ti, task_id in enumerate(task_ids):
                a = rater.post(f"/api/tasks/{task_id}/annotations/",
                               json={"result": _answer(ti, ri, labels), "lead_time": 2.5})
                created[(ti, ri)] = a["id"]

    s = status(ls_admin, root, "crema-pilot")
    assert s["complete"] == s["total"] == 8
    assert {r: v["annotations"] for r, v in s["raters"].items()} == {f"ls:{e}": 8 for e in RATERS}

    first = pull(ls_admin, root, "crema-pilot")
    assert (first["added"], first["updated"], first["unchanged"], first["deleted"]) == (24, 0, 0, [])
    got = _ls_ratings(root)
    assert len(got) == 24
    sample = m["tasks"][str(task_ids[0])]
    r = got[(sample, "ls:rater1@example.com")]
    assert r["rater_kind"] == "human" and r["labels"] == [labels[0]]
    assert r["valence"] == pytest.approx(rescale(1, "1-9")) and r["dominance"] == pytest.approx(1.0)
    assert r["intensity"] == pytest.approx(0.5) and r["confidence"] == pytest.approx(1.0)
    assert r["comment"] == "rater 0 on task 0" and r["ref"] == str(created[(0, 0)])

    # agreement on the pulled labels (Krippendorff's alpha, nominal): 3 of 24 pairs differ
    items = [sid for (sid, _), _r in got.items()]
    values = [_r["labels"][0] for _r in got.values()]
    alpha = krippendorff_alpha(items, values, "nominal")
    assert 0.6 < alpha.value < 1.0

    # edit: rater 3 changes task 0 -> the rating is updated, not added
    with Client(ls_server.url, tokens[RATERS[2]]) as rater:
        rater.patch(f"/api/annotations/{created[(0, 2)]}", json={"result": _answer(1, 0, labels)})
    second = pull(ls_admin, root, "crema-pilot")
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 1, 23)
    assert _ls_ratings(root)[(sample, "ls:rater3@example.com")]["labels"] == [labels[1]]
    assert len(_ls_ratings(root)) == 24

    third = pull(ls_admin, root, "crema-pilot")
    assert (third["added"], third["updated"], third["unchanged"], third["deleted"]) == (0, 0, 24, [])

    # delete: reported by pull, and the rating leaves the dataset
    ls_admin.delete(f"/api/annotations/{created[(1, 1)]}")
    runner = CliRunner()
    res = runner.invoke(cli, ["pull", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 0, res.output
    assert "23 annotations: 0 added, 0 updated, 23 unchanged" in res.output
    assert f"deleted in Label Studio: annotation {created[(1, 1)]} by ls:rater2@example.com" in res.output
    assert ls_server._token not in res.output
    assert len(_ls_ratings(root)) == 23
    assert load_manifest(root, "crema-pilot")["pulled"].get(str(created[(1, 1)])) is None

    res = runner.invoke(cli, ["status", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 0, res.output
    assert "7/8 tasks complete" in res.output and "ls:rater2@example.com" in res.output

    # a task added by hand in Label Studio (no sample id) is reported and left out, nothing breaks
    data = {k: v for k, v in ls_admin.get(f"/api/tasks/{task_ids[0]}")["data"].items() if k != "sample_id"}
    hand = ls_admin.post("/api/tasks", json={"project": m["project_id"], "data": data})
    with Client(ls_server.url, tokens[RATERS[0]]) as rater:
        rater.post(f"/api/tasks/{hand['id']}/annotations/", json={"result": _answer(0, 0, labels)})
    res = runner.invoke(cli, ["pull", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 0, res.output
    assert f"skipped 1 task(s) without a sample id (not launched by emodata): [{hand['id']}]" in res.output
    assert len(_ls_ratings(root)) == 23


def test_text_task_with_dialogue_context_via_cli(ls_admin, ls_server, ls_dataset):
    env = {"EMODATA_LS_URL": ls_server.url, "EMODATA_LS_TOKEN": ls_server._token}
    res = CliRunner().invoke(cli, ["launch", str(ls_dataset), "--corpus", "dailydialog", "--name", "dd",
                                   "--where", "turn_index >= 2", "--sample", "4", "--overlap", "2",
                                   "--vad", "slider", "--multi", "--no-rationale"], env=env)
    assert res.exit_code == 0, res.output
    assert "4 tasks, 2 raters per task" in res.output and ls_server._token not in res.output
    m = load_manifest(ls_dataset, "dd")
    assert m["form"]["media"] == "text" and m["form"]["context"]
    config = ls_admin.project(m["project_id"])["label_config"]
    assert '<Paragraphs name="context"' in config and 'slider="true"' in config and 'choice="multiple"' in config
    for t in ls_admin.iter_tasks(m["project_id"]):
        ctx = t["data"]["context"]
        assert 2 <= len(ctx) <= 5 and all(c["text"] for c in ctx) and t["data"]["text"]

    # an interrupted launch resumes without importing tasks twice; a finished one refuses
    m.update(complete=False, tasks={})
    save_manifest(ls_dataset, m)
    assert launch(ls_admin, ls_dataset, "dailydialog", "dd")["tasks"].keys() == load_manifest(ls_dataset, "dd")["tasks"].keys()
    assert len(list(ls_admin.iter_tasks(m["project_id"]))) == 4
    res = CliRunner().invoke(cli, ["launch", str(ls_dataset), "--corpus", "dailydialog", "--name", "dd"],
                             env=env)
    assert res.exit_code == 1 and "already launched" in res.output
