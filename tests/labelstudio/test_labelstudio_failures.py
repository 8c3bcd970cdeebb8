"""Failures against the real server: unreachable server, bad token, deleted project, empty
selections, missing or unserved media; the SDK with a personal access token; retries, token
hygiene and the result <-> rating mapping (fakes / pure functions)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from emodata import store
from emodata.annotation.labelstudio import MissingMedia, launch, pull
from emodata.annotation.labelstudio_client import (AuthError, Client, LabelStudioError, NotFound,
                                                   ServerUnreachable, Servers, resolve_settings)
from emodata.annotation.labelstudio_config import Form, labeling_config, rating_from_results, results_from_rating
from emodata.annotation.labelstudio_server import exposure_warning, free_port

TOKEN = "s3cret-token-value-0123456789"
EMOTION = [{"from_name": "emotion", "to_name": "audio", "type": "choices", "value": {"choices": ["fear"]}}]


# -- against the real server ---------------------------------------------------------------

@pytest.mark.slow
def test_unreachable_server_is_explained():
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, TOKEN, retries=0) as c, pytest.raises(ServerUnreachable) as e:
        c.whoami()
    assert url in str(e.value) and TOKEN not in str(e.value)


@pytest.mark.slow
def test_bad_token(ls_server):
    with Client(ls_server.url, TOKEN, token_source="$EMODATA_LS_TOKEN") as c, pytest.raises(AuthError) as e:
        c.whoami()
    assert "401" in str(e.value) and "$EMODATA_LS_TOKEN" in str(e.value) and TOKEN not in str(e.value)


@pytest.mark.slow
def test_personal_access_token_through_the_sdk(ls_admin, ls_server, ls_servers, ls_dataset):
    """A personal access token (JWT refresh token) works through the SDK, also once the server
    refuses legacy tokens; the launch/pull path runs on it."""
    pat = ls_admin.sdk.tokens.create().token
    assert pat.count(".") == 2 and pat != ls_server._token
    with Client(ls_server.url, pat) as c:
        assert c.whoami()["email"] == ls_server.username
        assert c.sdk._client_wrapper.get_headers()["Authorization"].startswith("Bearer ")   # access token
        assert pat not in repr(c)
        c.sdk.jwt_settings.update(api_tokens_enabled=True, legacy_api_tokens_enabled=False, api_token_ttl_days=30)
        try:
            with pytest.raises(AuthError, match="401"):
                Client(ls_server.url, ls_server._token).whoami()       # the legacy token is refused now
            with Servers(ls_server.url, pat) as servers:
                m = launch(servers, ls_dataset, "dailydialog", "pat", where="turn_index >= 1", sample=3, overlap=1)
                task = min(int(t) for t in m["projects"][0]["tasks"])
                c.sdk.annotations.create(id=task, result=[{"from_name": "emotion", "to_name": "text",
                                                           "type": "choices", "value": {"choices": ["happiness"]}}])
                assert pull(servers, ls_dataset, "pat")["added"] == 1
        finally:
            c.sdk.jwt_settings.update(api_tokens_enabled=True, legacy_api_tokens_enabled=True, api_token_ttl_days=30)
    assert ls_admin.whoami()["email"] == ls_server.username


@pytest.mark.slow
def test_deleted_project_keeps_pulled_ratings(ls_admin, ls_servers, ls_dataset, ls_media_root):
    m = launch(ls_servers, ls_dataset, "cremad", "to-delete", where="speaker_id = '1001'", sample=2, overlap=1,
               media="audio", document_root=ls_media_root, vad="none", intensity=False, confidence=False,
               media_root=ls_media_root / "cremad")
    (p,) = m["projects"]
    task = min(int(t) for t in p["tasks"])
    ls_admin.sdk.annotations.create(id=task, result=EMOTION)
    assert pull(ls_servers, ls_dataset, "to-delete")["added"] == 1
    ls_admin.sdk.projects.delete(id=p["project_id"])
    with pytest.raises(NotFound) as e:
        pull(ls_servers, ls_dataset, "to-delete")
    assert f"project {p['project_id']}" in str(e.value) and "to-delete.json" in str(e.value)
    kept = [r for row in store.read_table(ls_dataset, "cremad", columns=["id", "ratings"]).to_pylist()
            if row["id"] == p["tasks"][str(task)] for r in row["ratings"] if r["rater_id"] == "ls:admin@example.com"]
    assert len(kept) == 1 and kept[0]["labels"] == ["fear"] and kept[0]["valence"] is None


def _projects(ls_admin) -> int:
    return len(list(ls_admin.sdk.projects.list()))


@pytest.mark.slow
def test_missing_media_and_empty_selections(ls_admin, ls_servers, ls_dataset, ls_media_root, monkeypatch):
    crema = ls_media_root / "cremad"
    before = _projects(ls_admin)
    # actor 1002 has no WAV stand-ins: nothing is created and the error names the files
    with pytest.raises(MissingMedia) as e:
        launch(ls_servers, ls_dataset, "cremad", "missing", where="speaker_id IN ('1001', '1002')", sample=6,
               media="audio", document_root=ls_media_root, stratify="speaker_id", media_root=crema, overlap=1)
    assert "3 of 6 selected samples have no audio file" in str(e.value) and "AudioWAV/1002_" in str(e.value)
    assert not (ls_dataset / "annotation" / "labelstudio" / "missing.json").exists()
    # every selected file missing: an error also with --skip-missing, and no project
    with pytest.raises(MissingMedia, match="none of the 4 selected samples has a audio file.*nothing to launch"):
        launch(ls_servers, ls_dataset, "cremad", "none-there", where="speaker_id = '1002'", sample=4,
               media="audio", document_root=ls_media_root, media_root=crema, overlap=1, skip_missing=True)
    # pre-annotations from a rater that rated none of the selected samples
    with pytest.raises(ValueError, match=r"--prefill llm:nobody\|x@1: no selected sample has an llm/model rating"):
        launch(ls_servers, ls_dataset, "dailydialog", "no-prefill", where="turn_index >= 1", sample=2, overlap=1,
               prefill="llm:nobody|x@1")
    # a selection that matches nothing
    with pytest.raises(ValueError, match="matched no sample of cremad"):
        launch(ls_servers, ls_dataset, "cremad", "nothing", where="speaker_id = 'nobody'", overlap=1)
    # local media need the document root, and the media must lie below it
    monkeypatch.delenv("LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT", raising=False)
    with pytest.raises(MissingMedia, match="need Label Studio's document root"):
        launch(ls_servers, ls_dataset, "cremad", "no-root", where="speaker_id = '1001'", sample=2, media="audio",
               media_root=crema, overlap=1)
    with pytest.raises(MissingMedia, match="must be a subfolder of Label Studio's document root"):
        launch(ls_servers, ls_dataset, "cremad", "outside", where="speaker_id = '1001'", sample=2, media="audio",
               media_root=crema, document_root=ls_media_root / "ferplus", overlap=1)
    assert _projects(ls_admin) == before
    for name in ("none-there", "no-prefill", "nothing", "no-root", "outside"):
        assert not (ls_dataset / "annotation" / "labelstudio" / f"{name}.json").exists()

    m = launch(ls_servers, ls_dataset, "cremad", "missing", where="speaker_id IN ('1001', '1002')", sample=6,
               media="audio", document_root=ls_media_root, stratify="speaker_id", skip_missing=True,
               media_root=crema, overlap=1)
    assert len(m["projects"][0]["tasks"]) == 3 and len(m["skipped_missing_media"]) == 3
    assert all(s.startswith("cremad/1002_") for s in m["skipped_missing_media"])


@pytest.mark.slow
def test_media_the_server_does_not_serve(ls_admin, ls_servers, ls_dataset, ls_media_root):
    """--document-root that is not the server's: launch checks a media URL and stops."""
    crema = ls_media_root / "cremad"
    with pytest.raises(MissingMedia, match=r"does not serve the media \(GET /data/local-files/\?d=.*start it with "
                                           "the document root"):
        launch(ls_servers, ls_dataset, "cremad", "wrong-root", where="speaker_id = '1001'", sample=2,
               media="audio", document_root=ls_media_root.parent, media_root=crema, overlap=1)


# -- retries and secrets (fake transport for the edge cases) -------------------------------

def _fake(statuses: list[int], seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.headers.get("authorization")))
        code = statuses.pop(0)
        body = {"email": "a@b.c", "id": 1} if code in (200, 201) else {"detail": "busy"}
        return httpx.Response(code, json=body)
    return httpx.MockTransport(handler)


def test_reads_are_retried_by_the_sdk():
    seen = []
    t = time.perf_counter()
    with Client("http://ls.test", TOKEN, transport=_fake([503, 200], seen), retries=1) as c:
        assert c.whoami()["email"] == "a@b.c"
    assert len(seen) == 2 and seen[0] == ("GET", f"Token {TOKEN}") and time.perf_counter() - t < 10


def test_a_create_is_not_repeated_after_a_server_error():
    seen = []
    with Client("http://ls.test", TOKEN, transport=_fake([500, 201], seen), retries=3) as c, \
            pytest.raises(LabelStudioError, match="create a project failed with HTTP 500") as e:
        c.create_project(title="x")
    assert len(seen) == 1 and TOKEN not in str(e.value)


def test_token_from_config_file_is_never_shown(tmp_path, monkeypatch):
    for var in ("EMODATA_LS_TOKEN", "LABEL_STUDIO_API_KEY", "EMODATA_LS_URL", "LABEL_STUDIO_URL"):
        monkeypatch.delenv(var, raising=False)
    conf = tmp_path / "labelstudio.toml"
    conf.write_text(f'url = "http://ls.example:8080/"\ntoken = "{TOKEN}"\n'
                    '[servers."http://127.0.0.1:8081"]\ntoken = "rater-server-token"\n')
    monkeypatch.setenv("EMODATA_LS_CONFIG", str(conf))
    s = resolve_settings()
    assert s.url == "http://ls.example:8080" and s.token == TOKEN and s.token_source == str(conf)
    c = Client(s.url, s.token)
    assert TOKEN not in repr(s) + repr(c) + f"{s.token}" + repr(s.token)
    # a blind study's rater server has its own token
    other = resolve_settings("http://127.0.0.1:8081/")
    assert other.token == "rater-server-token" and "servers" in other.token_source
    monkeypatch.setenv("EMODATA_LS_TOKEN", "from-env")
    assert resolve_settings().token == "from-env"
    assert resolve_settings("http://127.0.0.1:8081").token == "rater-server-token"
    conf.write_text(f'token = "{TOKEN}\n')           # broken TOML must not echo the token
    monkeypatch.delenv("EMODATA_LS_TOKEN")
    with pytest.raises(LabelStudioError) as e:
        resolve_settings()
    assert TOKEN not in str(e.value) and str(conf) in str(e.value)
    conf.write_text("url = 'http://x'\n")
    with pytest.raises(AuthError, match="EMODATA_LS_TOKEN"):
        resolve_settings()


def test_exposure_warning(tmp_path):
    assert exposure_warning("127.0.0.1") is None and exposure_warning("localhost") is None
    assert exposure_warning("::1") is None
    for host in ("0.0.0.0", "192.0.2.7", "::"):
        assert "anyone who can reach this machine" in exposure_warning(host)
    # the server command warns before anything starts; a missing document root stops it
    env = {**os.environ, "EMODATA_LS_TOKEN": TOKEN, "EMODATA_LS_PASSWORD": "pw-123456789"}
    res = subprocess.run([sys.executable, "-m", "emodata.annotation.labelstudio_server", "--data-dir",
                          str(tmp_path / "d"), "--host", "0.0.0.0", "--document-root", str(tmp_path / "none")],
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 2 and "warning: Label Studio will listen on 0.0.0.0" in res.stderr
    assert f"document root {tmp_path / 'none'} is not a folder" in res.stderr and TOKEN not in res.stderr
    assert not (tmp_path / "d").exists()


# -- config and mapping ---------------------------------------------------------------------

def test_rating_roundtrip_through_results():
    form = Form(labels="ekman7", media="image", multi=True)
    rating = {"labels": ["anger", "fear"], "valence": -0.75, "arousal": 0.5, "dominance": 0.0,
              "intensity": 0.25, "confidence": 1.0, "comment": "brows down"}
    back = rating_from_results(form, results_from_rating(form, rating), "test", {"study": "s", "blind": True})
    assert {k: back[k] for k in rating} == rating
    native = json.loads(back["native"])
    assert native["result"]["arousal"] == {"rating": 7} and native["labelstudio"] == {"study": "s", "blind": True}
    with pytest.raises(ValueError, match="not in the project's label set"):
        rating_from_results(form, [{"from_name": "emotion", "value": {"choices": ["schadenfreude"]}}], "ann 3")


def test_config_variants():
    single = labeling_config(Form(labels=["anger", "joy"], media="video", vad="slider", dominance=False))
    assert '<Video name="video" value="$video"/>' in single and 'choice="single-radio"' in single
    assert '<Number name="valence" toName="video" min="1" max="9" step="1" slider="true"/>' in single
    assert "dominance" not in single
    text = labeling_config(Form(labels="ekman6", media="text", vad="none", rationale=False, context=True))
    assert '<Paragraphs name="context"' in text and '<Text name="text" value="$text"/>' in text
    assert "valence" not in text and 'maxRating="9"' not in text and "TextArea" not in text
    with pytest.raises(KeyError):
        Form(labels="no-such-set")
