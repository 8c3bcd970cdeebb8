"""The full loop of a shared project against a real Label Studio: launch -> three raters annotate
through the SDK -> pull -> agreement -> edit -> pull -> foreign edit refused -> delete -> pull."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from ls_helpers import answer

from emodata import store
from emodata.annotation.agreement import krippendorff_alpha
from emodata.annotation.labelstudio import NotBlind, launch, load_manifest, pull, save_manifest, status
from emodata.annotation.labelstudio_client import AuthError, Client
from emodata.annotation.selection import select_ids
from emodata.cli.annotate import annotate as cli
from emodata.taxonomy import rescale

pytestmark = pytest.mark.slow
RATERS = ["rater1@example.com", "rater2@example.com", "rater3@example.com"]
PASSWORD = "emodata-rater-pw-1"
LLM = "llm:test-model|cfsa@1"


def _ls_ratings(root, corpus="cremad") -> dict:
    out = {}
    for row in store.read_table(root, corpus, columns=["id", "ratings"]).to_pylist():
        for r in row["ratings"] or []:
            if r["rater_id"] in {f"ls:{e}" for e in RATERS}:
                out[(row["id"], r["rater_id"])] = r
    return out


@pytest.fixture(scope="module")
def project(ls_servers, ls_dataset, ls_media_root):
    root = ls_dataset
    # an LLM rating already in the data: without --prefill it is not shown to anyone
    llm_target = select_ids(root, "cremad", where="speaker_id = '1001'", sample=8, seed=1)[0]
    store.upsert_ratings(root, "cremad", [{"id": llm_target, "rater_id": LLM, "rater_kind": "llm",
                                           "labels": ["anger"], "valence": -0.5, "confidence": 0.8}])
    m = launch(ls_servers, root, "cremad", "crema-pilot", shared=True, where="speaker_id = '1001'", sample=8,
               overlap=3, media="audio", labels="ekman7", document_root=ls_media_root, seed=1,
               media_root=ls_media_root / "cremad")   # upsert_ratings drops the 'source_root' metadata
    return root, m, llm_target


def test_agreement_study_is_blind_unless_shared(ls_servers, ls_dataset):
    with pytest.raises(NotBlind, match="blind by default.*--rater EMAIL=URL.*--shared"):
        launch(ls_servers, ls_dataset, "dailydialog", "not-blind", overlap=2)
    assert not (ls_dataset / "annotation" / "labelstudio" / "not-blind.json").exists()


def test_launch_creates_tasks_and_manifest_without_prefill(ls_admin, project):
    root, m, llm_id = project
    (p,) = m["projects"]
    assert len(p["tasks"]) == 8 and m["complete"] and not m["blind"] and m["prefill"] is None
    saved = json.loads((root / "annotation" / "labelstudio" / "crema-pilot.json").read_text())
    assert saved["projects"][0]["project_id"] == p["project_id"] and saved["projects"][0]["tasks"] == p["tasks"]
    assert "token" not in json.dumps(saved).lower()
    proj = ls_admin.project(p["project_id"])
    assert proj["maximum_annotations"] == 3 and '<Audio name="audio"' in proj["label_config"]
    assert proj["show_collab_predictions"] is False
    # stratified: 8 samples over the 6 CREMA-D emotions of actor 1001 -> every emotion present
    labels = {r["label"] for r in store.read_table(root, "cremad", columns=["id", "label"]).to_pylist()
              if r["id"] in set(p["tasks"].values())}
    assert len(labels) == 6
    data = ls_admin.task_data(p["project_id"])
    url = next(iter(data.values()))["audio"]
    assert url.startswith("/data/local-files/?d=cremad/AudioWAV/")
    media = ls_admin.get_media(url)              # served by Label Studio's local files storage
    assert media.status_code == 200 and media.content[:4] == b"RIFF"
    # no pre-annotations unless asked for, although an LLM rating exists
    assert llm_id in p["tasks"].values()
    assert all(t["predictions"] == [] for t in ls_admin.export(p["project_id"]))


def test_loop_pull_edit_foreign_edit_delete(ls_admin, ls_servers, ls_server, project):
    root, m, _ = project
    (p,) = m["projects"]
    labels = m["form"]["labels"]
    env = {"EMODATA_LS_URL": ls_server.url, "EMODATA_LS_TOKEN": ls_server._token,
           "EMODATA_LS_RATER_PASSWORD": PASSWORD}
    res = CliRunner().invoke(cli, ["raters", *RATERS], env=env)        # accounts via the invite link
    assert res.exit_code == 0 and "3 rater account(s) ready" in res.output and PASSWORD not in res.output
    tokens = {e: ls_admin.rater_token(e, PASSWORD) for e in RATERS}    # existing accounts: log in
    with pytest.raises(AuthError, match="could not sign up or log in"):
        ls_admin.rater_token(RATERS[0], "wrong-password-123")
    task_ids = sorted(int(t) for t in p["tasks"])
    created = {}
    raters = {e: Client(ls_server.url, tokens[e]) for e in RATERS}
    for ri, email in enumerate(RATERS):
        assert raters[email].whoami()["email"] == email
        for ti, task_id in enumerate(task_ids):
            a = raters[email].sdk.annotations.create(id=task_id, result=answer(ti, ri, labels), lead_time=2.5)
            created[(ti, ri)] = a.id

    s = status(ls_servers, root, "crema-pilot")
    assert s["complete"] == s["total"] == 8
    assert {r: v["annotations"] for r, v in s["raters"].items()} == {f"ls:{e}": 8 for e in RATERS}

    first = pull(ls_servers, root, "crema-pilot")
    assert (first["added"], first["updated"], first["unchanged"], first["deleted"], first["refused"]) == \
        (24, 0, 0, [], [])
    got = _ls_ratings(root)
    assert len(got) == 24
    sample = p["tasks"][str(task_ids[0])]
    r = got[(sample, "ls:rater1@example.com")]
    assert r["rater_kind"] == "human" and r["labels"] == [labels[0]] and r["perspective"] == "perceived"
    assert r["valence"] == pytest.approx(rescale(1, "1-9")) and r["dominance"] == pytest.approx(1.0)
    assert r["intensity"] == pytest.approx(0.5) and r["confidence"] == pytest.approx(1.0)
    assert r["comment"] == "rater 0 on task 0" and r["ref"] == str(created[(0, 0)])
    native = json.loads(r["native"])
    assert native["labelstudio"] == {"study": "crema-pilot", "blind": False, "prefill": None, "from_prediction": False}
    assert native["result"]["emotion"] == {"choices": [labels[0]]}

    # agreement on the pulled labels (Krippendorff's alpha, nominal): 3 of 24 pairs differ
    items = [sid for (sid, _), _r in got.items()]
    values = [_r["labels"][0] for _r in got.values()]
    alpha = krippendorff_alpha(items, values, "nominal")
    assert 0.6 < alpha.value < 1.0

    # edit: rater 3 changes their own answer on task 0 -> the rating is updated, not added
    raters[RATERS[2]].sdk.annotations.update(id=created[(0, 2)], result=answer(1, 0, labels))
    second = pull(ls_servers, root, "crema-pilot")
    assert (second["added"], second["updated"], second["unchanged"], second["refused"]) == (0, 1, 23, [])
    assert _ls_ratings(root)[(sample, "ls:rater3@example.com")]["labels"] == [labels[1]]

    # a foreign edit: rater 2 changes rater 1's annotation (the open-source edition lets every member
    # do that); completed_by stays rater 1, updated_by shows rater 2 -> pull refuses it
    raters[RATERS[1]].sdk.annotations.update(id=created[(2, 0)], result=answer(5, 0, labels))
    sample2 = p["tasks"][str(task_ids[2])]
    before = _ls_ratings(root)[(sample2, "ls:rater1@example.com")]
    res = CliRunner().invoke(cli, ["pull", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 1, res.output
    assert (f"refused: annotation {created[(2, 0)]} by ls:rater1@example.com on {sample2}: "
            "updated_by ls:rater2@example.com") in res.output
    assert "1 annotation(s) were changed by someone other than their rater" in res.output
    assert _ls_ratings(root)[(sample2, "ls:rater1@example.com")] == before     # the earlier rating stays
    assert str(created[(2, 0)]) in load_manifest(root, "crema-pilot")["projects"][0]["pulled"]   # not "deleted"
    taken = pull(ls_servers, root, "crema-pilot", accept_foreign=True)
    assert (taken["updated"], taken["refused"]) == (1, [])
    edited = _ls_ratings(root)[(sample2, "ls:rater1@example.com")]
    assert json.loads(edited["native"])["labelstudio"]["foreign_edit"] == "updated_by ls:rater2@example.com"
    raters[RATERS[0]].sdk.annotations.update(id=created[(2, 0)], result=answer(2, 0, labels))  # rater 1 re-saves
    assert pull(ls_servers, root, "crema-pilot")["refused"] == []

    third = pull(ls_servers, root, "crema-pilot")
    assert (third["added"], third["updated"], third["unchanged"], third["deleted"]) == (0, 0, 24, [])

    # delete: reported by pull, and the rating leaves the dataset
    ls_admin.sdk.annotations.delete(id=created[(1, 1)])
    runner = CliRunner()
    res = runner.invoke(cli, ["pull", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 0, res.output
    assert "23 annotations: 0 added, 0 updated, 23 unchanged" in res.output
    assert f"deleted in Label Studio: annotation {created[(1, 1)]} by ls:rater2@example.com" in res.output
    assert ls_server._token not in res.output
    assert len(_ls_ratings(root)) == 23
    assert load_manifest(root, "crema-pilot")["projects"][0]["pulled"].get(str(created[(1, 1)])) is None

    res = runner.invoke(cli, ["status", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 0, res.output
    assert "7/8 samples complete" in res.output and "ls:rater2@example.com" in res.output

    # a task added by hand in Label Studio (no sample id) is reported and left out, nothing breaks
    data = {k: v for k, v in ls_admin.task_data(p["project_id"])[task_ids[0]].items() if k != "sample_id"}
    hand = ls_admin.sdk.tasks.create(project=p["project_id"], data=data)
    raters[RATERS[0]].sdk.annotations.create(id=hand.id, result=answer(0, 0, labels))
    res = runner.invoke(cli, ["pull", str(root), "--name", "crema-pilot"], env=env)
    assert res.exit_code == 0, res.output
    assert f"skipped 1 task(s) without a sample id (not launched by emodata): [{hand.id}]" in res.output
    assert len(_ls_ratings(root)) == 23
    for c in raters.values():
        c.close()


def test_text_task_with_dialogue_context_via_cli(ls_admin, ls_servers, ls_server, ls_dataset):
    env = {"EMODATA_LS_URL": ls_server.url, "EMODATA_LS_TOKEN": ls_server._token}
    res = CliRunner().invoke(cli, ["launch", str(ls_dataset), "--corpus", "dailydialog", "--name", "dd",
                                   "--where", "turn_index >= 2", "--sample", "4", "--overlap", "2", "--shared",
                                   "--vad", "slider", "--multi", "--no-rationale"], env=env)
    assert res.exit_code == 0, res.output
    assert "4 tasks, 2 raters per task" in res.output and ls_server._token not in res.output
    assert "shared project; pre-annotations: none" in res.output
    m = load_manifest(ls_dataset, "dd")
    (p,) = m["projects"]
    assert m["form"]["media"] == "text" and m["form"]["context"]
    config = ls_admin.project(p["project_id"])["label_config"]
    assert '<Paragraphs name="context"' in config and 'slider="true"' in config and 'choice="multiple"' in config
    for d in ls_admin.task_data(p["project_id"]).values():
        ctx = d["context"]
        assert 2 <= len(ctx) <= 5 and all(c["text"] for c in ctx) and d["text"]

    # an interrupted launch resumes without importing tasks twice; a finished one refuses
    m["complete"] = False
    p.update(complete=False, tasks={})
    save_manifest(ls_dataset, m)
    resumed = launch(ls_servers, ls_dataset, "dailydialog", "dd")
    assert resumed["projects"][0]["tasks"].keys() == load_manifest(ls_dataset, "dd")["projects"][0]["tasks"].keys()
    assert len(ls_admin.task_data(p["project_id"])) == 4
    res = CliRunner().invoke(cli, ["launch", str(ls_dataset), "--corpus", "dailydialog", "--name", "dd", "--shared"],
                             env=env)
    assert res.exit_code == 1 and "already launched" in res.output
