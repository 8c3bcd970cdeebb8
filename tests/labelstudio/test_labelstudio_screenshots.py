"""The generated config renders in the real Label Studio UI (headless Chromium, logged in)
for an audio task and an image task; screenshots land in $EMODATA_LS_SCREENSHOTS or tmp."""
from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from ls_cdp import Browser
from PIL import Image, ImageStat

from emodata.annotation.labelstudio import launch

pytestmark = pytest.mark.slow


def _session_cookies(server) -> dict:
    with httpx.Client(base_url=server.url, follow_redirects=False) as web:
        web.get("/user/login/")
        resp = web.post("/user/login/", data={"email": server.username, "password": server._password,
                                               "csrfmiddlewaretoken": web.cookies.get("csrftoken")},
                        headers={"Referer": server.url + "/user/login/"})
        assert resp.status_code == 302, resp.text[:300]
        return dict(web.cookies)


@pytest.fixture(scope="module")
def browser(tmp_path_factory, ls_server):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    for name, value in _session_cookies(ls_server).items():
        b.send("Network.setCookie", name=name, value=value, url=ls_server.url)
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = Path(os.environ.get("EMODATA_LS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _not_blank(path: Path) -> None:
    img = Image.open(path).convert("L")
    assert img.size[0] >= 1000
    assert ImageStat.Stat(img).stddev[0] > 20, f"{path} looks blank"
    assert len(img.resize((128, 160)).getcolors(maxcolors=1 << 16)) > 20


@pytest.mark.parametrize("corpus,media,where", [
    ("cremad", "audio", "speaker_id = '1001'"),
    ("ferplus", "image", "image_path IS NOT NULL"),
])
def test_task_page_renders(corpus, media, where, ls_servers, ls_server, ls_dataset, ls_media_root, browser, shots):
    name = f"shot-{corpus}"
    # cremad's 'source_root' metadata may be gone after earlier upserts; ferplus uses its metadata
    m = launch(ls_servers, ls_dataset, corpus, name, where=where, sample=2, overlap=1, media=media,
               document_root=ls_media_root, media_root=ls_media_root / corpus if corpus == "cremad" else None)
    (p,) = m["projects"]
    task_id = min(int(t) for t in p["tasks"])
    browser.send("Page.navigate", url=f"{ls_server.url}/projects/{p['project_id']}/data?tab=0&task={task_id}")
    # the labeling interface: choices, SAM ratings and the media object, with the media loaded
    browser.wait_for("document.body.innerText.includes('Valence') && document.body.innerText.includes('anger')")
    if media == "image":
        browser.wait_for("[...document.querySelectorAll('img')].some(i => i.src.includes('local-files') "
                         "&& i.complete && i.naturalWidth > 0)")
    else:
        browser.wait_for("[...document.querySelectorAll('audio, canvas')].length > 0")
    time.sleep(3)                                   # let the waveform / image paint
    text = browser.evaluate("document.body.innerText")
    for word in ("Emotion", "Valence", "Arousal", "Dominance", "Intensity", "confidence", "Why?",
                 "happiness", "neutral"):
        assert word in text, word
    shot = browser.screenshot(shots / f"labelstudio-{media}-task.png")
    _not_blank(shot)
