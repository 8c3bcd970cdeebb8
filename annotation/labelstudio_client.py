"""Label Studio client: the official ``label-studio-sdk`` plus a thin layer for what it lacks.

The SDK (:class:`label_studio_sdk.LabelStudio`) does every API call. It speaks both kinds of
Label Studio API tokens: personal access tokens (JWT refresh tokens, exchanged for short-lived
access tokens sent as ``Bearer``) and legacy tokens (``Token``); it retries connection errors,
429 and 5xx with backoff, and follows the server's API as it changes. This layer adds only:

- settings: server URL and token from arguments, then the environment (``EMODATA_LS_URL`` /
  ``LABEL_STUDIO_URL``, ``EMODATA_LS_TOKEN`` / ``LABEL_STUDIO_API_KEY``), then a config file
  (``EMODATA_LS_CONFIG`` or ``~/.config/emodata/labelstudio.toml`` / ``.yaml``: ``url``,
  ``token``, and per-server tokens under ``[servers."<url>"]``); the token never appears in
  messages, logs or reprs (:class:`Secret`);
- errors: the SDK raises ``ApiError`` with the raw response body or a bare ``httpx`` error;
  here each failure becomes one line naming the server, the object or where the token came from;
- no repeated creates: the SDK retries every method after a 5xx, so a POST that creates a
  project, storage or tasks is sent once (a retried import could import the tasks twice);
- rater accounts: the open-source API has no password field when creating users, so accounts
  are made through the organization's invite link (the web sign-up form), and a rater's own
  token is read from that session.
"""
from __future__ import annotations

import json
import os
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

DEFAULT_URL = "http://localhost:8080"
ONCE = {"max_retries": 0}            # request options for POSTs that create something


class LabelStudioError(RuntimeError):
    """Any failure talking to Label Studio; the message never contains the token."""


class ServerUnreachable(LabelStudioError):
    pass


class AuthError(LabelStudioError):
    pass


class NotFound(LabelStudioError):
    pass


class Secret(str):
    """A string that hides itself in repr and f-strings (tokens, passwords); ``str(s)`` gives the value."""

    def __repr__(self) -> str:
        return "Secret('***')"

    def __format__(self, spec: str) -> str:
        return "***"


def _config_file() -> Path | None:
    env = os.environ.get("EMODATA_LS_CONFIG")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "emodata"
    for name in ("labelstudio.toml", "labelstudio.yaml", "labelstudio.yml"):
        if (base / name).is_file():
            return base / name
    return None


def _read_config(path: Path) -> dict:
    try:
        if path.suffix == ".toml":
            return tomllib.loads(path.read_text(encoding="utf-8"))
        import yaml
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except Exception as e:  # noqa: BLE001 - any parse/read failure gets one clear message
        # the parser's message may quote the file's content (the token), so it is not repeated
        raise LabelStudioError(f"cannot read Label Studio config {path}: {type(e).__name__} "
                               "(expected a TOML or YAML mapping with keys 'url' and 'token')") from None


@dataclass
class Settings:
    url: str
    token: Secret
    token_source: str

    def __repr__(self) -> str:
        return f"Settings(url={self.url!r}, token='***', token_source={self.token_source!r})"


def resolve_settings(url: str | None = None, token: str | None = None) -> Settings:
    """Server URL and API token from arguments, environment or config file (in that order).

    A token under ``[servers."<url>"]`` in the config file wins over the environment for that
    server (a blind study has one server per rater, each with its own tokens)."""
    path = _config_file()
    conf = _read_config(path) if path and path.is_file() else {}
    url = str(url or os.environ.get("EMODATA_LS_URL") or os.environ.get("LABEL_STUDIO_URL")
              or conf.get("url") or DEFAULT_URL).rstrip("/")
    source = "argument"
    server = (conf.get("servers") or {}).get(url) or {}
    if not token and server.get("token"):
        token, source = server["token"], f"{path} [servers.\"{url}\"]"
    if not token:
        for var in ("EMODATA_LS_TOKEN", "LABEL_STUDIO_API_KEY"):
            if os.environ.get(var):
                token, source = os.environ[var], f"${var}"
                break
        else:
            token, source = conf.get("token"), str(path)
    if not token:
        raise AuthError("no Label Studio API token: set EMODATA_LS_TOKEN (or LABEL_STUDIO_API_KEY) "
                        "or put token = '...' in ~/.config/emodata/labelstudio.toml")
    return Settings(url, Secret(token), source)


class Client:
    """One Label Studio server through the SDK (``self.sdk``), with clear errors."""

    def __init__(self, url: str, token: str, *, token_source: str = "argument", timeout: float = 60.0,
                 retries: int = 2, transport: httpx.BaseTransport | None = None):
        self.url = url.rstrip("/")
        self._token = Secret(token)
        self.token_source = token_source
        self._http = httpx.Client(timeout=timeout, follow_redirects=True, transport=transport)
        try:
            self.sdk = LabelStudio(base_url=self.url, api_key=str(token), httpx_client=self._http,
                                   timeout=timeout, max_retries=retries)
        except ApiError as e:                    # an expired personal access token is refused here
            raise AuthError(f"the Label Studio token from {token_source} is not usable: "
                            f"{self._detail(e.body)}") from None

    @classmethod
    def from_settings(cls, url: str | None = None, token: str | None = None, **kw) -> "Client":
        s = resolve_settings(url, token)
        return cls(s.url, s.token, token_source=s.token_source, **kw)

    def __repr__(self) -> str:
        return f"Client(url={self.url!r}, token='***')"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _detail(self, body) -> str:
        text = body if isinstance(body, str) else json.dumps(body, default=str)
        return text.replace(str(self._token), "***")[:300].strip()

    @contextmanager
    def errors(self, doing: str, what: str | None = None) -> Iterator[None]:
        """Turn SDK and transport failures of ``doing`` into one-line :class:`LabelStudioError` s;
        ``what`` names the object for a 404."""
        try:
            yield
        except ApiError as e:
            code = e.status_code
            if code == 401:
                raise AuthError(f"Label Studio at {self.url} rejected the API token from {self.token_source} "
                                "(401 Unauthorized): check the token (a personal access token or a legacy "
                                "token of this server)") from None
            if code == 403:
                raise AuthError(f"Label Studio at {self.url}: the token's user may not {doing} (403): "
                                f"{self._detail(e.body)}") from None
            if code == 404:
                raise NotFound(f"{what or doing} not found on Label Studio at {self.url} (404)") from None
            raise LabelStudioError(f"Label Studio at {self.url}: {doing} failed with HTTP {code}: "
                                   f"{self._detail(e.body)}") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise ServerUnreachable(f"cannot reach Label Studio at {self.url} ({type(e).__name__}); start a "
                                    "server (docs/labelstudio.md) or set EMODATA_LS_URL") from None
        except httpx.TransportError as e:
            raise LabelStudioError(f"Label Studio at {self.url}: {doing} failed: {type(e).__name__}: "
                                   f"{self._detail(str(e))}") from None

    # -- the calls emodata makes ------------------------------------------------------------
    def whoami(self) -> dict:
        with self.errors("read the current user"):
            return self.sdk.users.whoami().dict()

    def project(self, project_id: int) -> dict:
        with self.errors(f"read project {project_id}", f"Label Studio project {project_id}"):
            return self.sdk.projects.get(id=project_id).dict()

    def create_project(self, **fields) -> int:
        with self.errors("create a project"):
            return self.sdk.projects.create(**fields, request_options=ONCE).id

    def create_local_storage(self, project_id: int, path: str, title: str) -> int:
        with self.errors("create a local files storage (is the media root below the server's "
                         "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT?)"):
            return self.sdk.import_storage.local.create(project=project_id, path=path, title=title,
                                                        use_blob_urls=False, request_options=ONCE).id

    def import_tasks(self, project_id: int, tasks: list[dict]) -> None:
        with self.errors(f"import tasks into project {project_id}", f"Label Studio project {project_id}"):
            self.sdk.projects.import_tasks(id=project_id, request=tasks, request_options=ONCE)

    def task_data(self, project_id: int) -> dict[int, dict]:
        """``{task id: task data}`` of every task of a project."""
        with self.errors(f"list the tasks of project {project_id}", f"Label Studio project {project_id}"):
            return {t.id: t.data for t in self.sdk.tasks.list(project=project_id, fields="task_only",
                                                               page_size=1000)}

    def export(self, project_id: int, all_tasks: bool = True) -> list[dict]:
        """Tasks of a project with their annotations (JSON export, synchronous)."""
        with self.errors(f"export project {project_id}", f"Label Studio project {project_id}"):
            raw = b"".join(self.sdk.projects.exports.download_sync(
                id=project_id, export_type="JSON", download_all_tasks=all_tasks))
        return json.loads(raw)

    def users(self) -> list[dict]:
        with self.errors("list users"):
            return [u.dict() for u in self.sdk.users.list()]

    def get_media(self, url: str) -> httpx.Response:
        """GET a media URL of a task (``/data/local-files/?d=...``) as this client's user."""
        with self.errors(f"fetch {url}"):
            return self._http.get(self.url + url, headers=self.sdk._client_wrapper.get_headers())

    def rater_token(self, email: str, password: str) -> Secret:
        """Sign up ``email`` through the organization's invite link (or log in if the account
        exists) and return that rater's own legacy API token."""
        with self.errors("read the organization's invite link"):
            invite = self.sdk.organizations.invites.get_invite_link().invite_url
        with httpx.Client(base_url=self.url, timeout=self._http.timeout, follow_redirects=False) as web:
            for page in (invite, "/user/login/"):
                web.get(page)
                form = {"email": email, "password": password,
                        "csrfmiddlewaretoken": web.cookies.get("csrftoken", "")}
                resp = web.post(page, data=form, headers={"Referer": self.url + page})
                if resp.status_code == 302:
                    token = web.get("/api/current-user/token")
                    if token.status_code == 200:
                        return Secret(token.json()["token"])
        raise AuthError(f"could not sign up or log in rater {email} on {self.url}: wrong password for an "
                        "existing account, or a password Label Studio refuses (it needs 8+ characters)")


class Servers:
    """Clients by server URL, made on first use (token from ``token`` or :func:`resolve_settings`
    for that URL) and closed together. A shared project lives on :attr:`default`; a blind study
    has one server per rater."""

    def __init__(self, url: str | None = None, token: str | None = None, **client_kw):
        self.url = url.rstrip("/") if url else None     # given explicitly (``--url``), else None
        self._token, self._kw = token, client_kw
        self._clients: dict[str, Client] = {}

    def __call__(self, url: str) -> Client:
        url = url.rstrip("/")
        if url not in self._clients:
            s = resolve_settings(url, self._token)
            self._clients[url] = Client(s.url, s.token, token_source=s.token_source, **self._kw)
        return self._clients[url]

    @property
    def default(self) -> Client:
        """The server named by ``url`` (or the settings' URL)."""
        return self(self.url or resolve_settings(None, self._token).url)

    def close(self) -> None:
        for c in self._clients.values():
            c.close()

    def __enter__(self) -> "Servers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
