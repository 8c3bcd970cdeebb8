"""Label Studio round trip at pilot scale against a real local server.

Converts DailyDialog validation (real label files in ../shared), launches ``--tasks`` text
tasks with dialogue context into one shared project, posts ``--raters`` annotations per task
through the SDK (one account each), then times ``pull`` (first pull, a no-change re-pull),
``status`` and, as the floor under ``pull``, the bare SDK JSON export of the project. The
client is label-studio-sdk (annotation/labelstudio_client.py). Peak RSS of this process is
reported (the server runs in its own process).

    python benchmarks/bench_labelstudio.py [--tasks 500 --raters 3]
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import secrets
import tempfile
import time
from pathlib import Path

from emodata import store
from emodata.annotation.labelstudio import launch, pull, status
from emodata.annotation.labelstudio_client import Client, Servers
from emodata.annotation.labelstudio_server import LabelStudioServer
from emodata.converters.dailydialog import CONVERTER

SHARED = Path(os.environ.get("EMODATA_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def timed(label: str, fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    print(f"{label:<42} {time.perf_counter() - t:8.2f} s")
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--tasks", type=int, default=500)
    p.add_argument("--raters", type=int, default=3)
    a = p.parse_args()
    print(f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-ls-"))
    src = tmp / "media" / "dailydialog"
    src.mkdir(parents=True)
    for name in ("dialogues_validation.txt", "dialogues_emotion_validation.txt", "dialogues_act_validation.txt"):
        (src / name).symlink_to(SHARED / "data" / "formats" / "DailyDialog" / name)
    root = tmp / "dataset"
    store.write_corpus(CONVERTER, src, root)
    token = secrets.token_hex(20)
    server = timed("server start (fresh SQLite, until /health)", LabelStudioServer(
        tmp / "ls", username="admin@example.com", password=secrets.token_urlsafe(12), token=token).start)
    try:
        with Servers(server.url, token) as servers:
            admin = servers.default
            m = timed(f"launch {a.tasks} text tasks (select+context+import)", launch, servers, root, "dailydialog",
                      "bench", sample=a.tasks, overlap=a.raters, shared=True, where="turn_index >= 1")
            (project,) = m["projects"]
            raters = [Client(server.url, admin.rater_token(f"r{i}@bench.org", "bench-pass-123"))
                      for i in range(a.raters)]
            t = time.perf_counter()
            for task in project["tasks"]:
                for r in raters:
                    r.sdk.annotations.create(id=int(task), result=[
                        {"from_name": "emotion", "to_name": "text", "type": "choices",
                         "value": {"choices": ["neutral"]}}])
            n = len(project["tasks"]) * a.raters
            print(f"{'post ' + str(n) + ' annotations (SDK, sequential)':<42} {time.perf_counter() - t:8.2f} s")
            first = timed(f"pull {n} annotations (first)", pull, servers, root, "bench")
            again = timed("pull again (no change)", pull, servers, root, "bench")
            timed("status", status, servers, root, "bench")
            timed("bare SDK JSON export (floor under pull)", admin.export, project["project_id"], False)
            assert first["added"] == n and again["unchanged"] == n
    finally:
        server.stop()
    print(f"peak RSS of the client process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
