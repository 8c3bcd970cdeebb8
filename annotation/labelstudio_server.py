"""Start and stop local Label Studio servers (for tests, and for users without one).

Label Studio lives in its own virtualenv (it pins pyarrow<25): ``EMODATA_LS_VENV``
(default ``~/.cache/emodata-ls-venv``, made by ``.ci/setup_labelstudio.sh``), or the
executable named by ``EMODATA_LS_BIN``, or ``label-studio`` on PATH.

    EMODATA_LS_TOKEN=... EMODATA_LS_PASSWORD=... \\
    python -m emodata.annotation.labelstudio_server --data-dir ~/ls-data --document-root /data/media

runs a server on 127.0.0.1 until Ctrl-C or SIGTERM, with an admin account whose API token is
``EMODATA_LS_TOKEN``. ``--rater EMAIL`` (repeated) starts one server per rater instead, for a
blind study (docs/labelstudio.md): ports ``--port``, ``--port``+1, ...; data in
``<data-dir>/<email>``.
"""
from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

LOOPBACK = "127.0.0.1"


def label_studio_bin() -> str:
    """Path of the ``label-studio`` executable."""
    if os.environ.get("EMODATA_LS_BIN"):
        return os.environ["EMODATA_LS_BIN"]
    venv = Path(os.environ.get("EMODATA_LS_VENV") or Path.home() / ".cache" / "emodata-ls-venv")
    exe = venv / "bin" / "label-studio"
    if exe.exists():
        return str(exe)
    found = shutil.which("label-studio")
    if not found:
        raise FileNotFoundError(f"label-studio not found in {venv} nor on PATH: run .ci/setup_labelstudio.sh "
                                "or set EMODATA_LS_VENV / EMODATA_LS_BIN")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def exposure_warning(host: str) -> str | None:
    """A warning when ``host`` makes the server reachable from other machines, else None."""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (f"warning: Label Studio will listen on {host}: anyone who can reach this machine gets the login "
            "page, the API and (with --document-root) the media below it. Prefer the default 127.0.0.1 with "
            "an SSH tunnel, or put a TLS reverse proxy in front.")


class LabelStudioServer:
    """A Label Studio process with its own SQLite data dir, started unattended.

    It listens on ``host`` (default 127.0.0.1, this machine only); sign-up needs the
    organization's invite link; local media are served only below ``document_root``."""

    def __init__(self, data_dir: str | Path, *, username: str, password: str, token: str,
                 document_root: str | Path | None = None, port: int | None = None, host: str = LOOPBACK):
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK if host in ('0.0.0.0', '::') else host}:{self.port}"
        self.document_root = Path(document_root).resolve() if document_root else None
        if self.document_root and not self.document_root.is_dir():
            raise FileNotFoundError(f"document root {document_root} is not a folder")
        self.username = username
        self._password = password
        self._token = token
        self.proc: subprocess.Popen | None = None
        self.log_path = self.data_dir / "server.log"

    def __repr__(self) -> str:
        return f"LabelStudioServer(url={self.url!r}, data_dir={str(self.data_dir)!r})"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("EMODATA_LS_", "LABEL_STUDIO_"))}
        env.update(LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir), LABEL_STUDIO_USERNAME=self.username,
                   LABEL_STUDIO_PASSWORD=self._password, LABEL_STUDIO_USER_TOKEN=self._token,
                   LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true", LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
                   LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false", LABEL_STUDIO_HOST=self.url)
        if self.document_root:
            env.update(LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED="true",
                       LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=str(self.document_root))
        return env

    def spawn(self) -> None:
        """Start the process in its own session (so it is stopped as a group); no waiting."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # --internal-host is the address Label Studio binds (its own default is 0.0.0.0)
        cmd = [label_studio_bin(), "start", "--no-browser", "--internal-host", self.host, "--port", str(self.port),
               "--data-dir", str(self.data_dir)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def start(self, timeout: float = 240.0) -> "LabelStudioServer":
        """Start the process and wait until ``/health`` answers 200."""
        self.spawn()
        return self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 240.0) -> "LabelStudioServer":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"label-studio exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(1)
        self.stop()
        raise TimeoutError(f"label-studio at {self.url} not healthy after {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the server: SIGTERM to its process group, SIGKILL if it lingers."""
        if not self.proc or self.proc.poll() is not None:
            return
        pgid = os.getpgid(self.proc.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout)

    def __enter__(self) -> "LabelStudioServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def start_all(servers: list[LabelStudioServer], timeout: float = 240.0) -> list[LabelStudioServer]:
    """Start several servers side by side (one per rater of a blind study); all or none."""
    try:
        for s in servers:
            s.spawn()
        for s in servers:
            s.wait_healthy(timeout)
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop(signum)


def main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(description="Run local Label Studio servers for emodata annotation projects.")
    p.add_argument("--data-dir", required=True, help="Label Studio data folder (SQLite database, uploads)")
    p.add_argument("--document-root", help="serve local media below this folder (the corpora's media must lie "
                                           "below it); without it no local files are served")
    p.add_argument("--port", type=int, default=8080, help="port (the first of them with --rater)")
    p.add_argument("--host", default=LOOPBACK, help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--username", default="admin@example.com")
    p.add_argument("--rater", action="append", default=[], metavar="EMAIL",
                   help="one server per rater for a blind study (repeat the option)")
    a = p.parse_args(argv)
    token, password = os.environ.get("EMODATA_LS_TOKEN"), os.environ.get("EMODATA_LS_PASSWORD")
    if not token or not password:
        p.error("set EMODATA_LS_TOKEN (the admin API token to create) and EMODATA_LS_PASSWORD (admin password)")
    if warning := exposure_warning(a.host):
        print(warning, file=sys.stderr, flush=True)
    base = Path(a.data_dir)
    dirs = [base / r for r in a.rater] or [base]
    try:
        servers = [LabelStudioServer(d, username=a.username, password=password, token=token, host=a.host,
                                     document_root=a.document_root, port=a.port + i) for i, d in enumerate(dirs)]
    except FileNotFoundError as e:
        p.error(str(e))
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _raise_stop)
    try:
        start_all(servers)
        for rater, s in zip(a.rater or [None], servers):
            print(f"Label Studio ready at {s.url}" + (f" for rater {rater}" if rater else "")
                  + f" (admin {a.username}); log {s.log_path}", flush=True)
        if a.rater:
            print("launch the blind study with: " + " ".join(f"--rater {r}={s.url}" for r, s in zip(a.rater, servers)),
                  flush=True)
        print("Ctrl-C or SIGTERM stops " + ("them" if a.rater else "it"), flush=True)
        while all(s.proc.poll() is None for s in servers):
            time.sleep(1)
        sys.exit(f"a Label Studio server exited; see {[str(s.log_path) for s in servers if s.proc.poll() is not None]}")
    except _Stop:
        pass
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)     # a second signal must not cut the shutdown short
        for s in servers:
            s.stop()


if __name__ == "__main__":
    main()
