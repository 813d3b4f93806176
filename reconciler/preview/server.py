"""The preview on a loopback port: the reference site over the last good build's store, a
rebuild whenever a config file changed (checked when the page is asked for), and the
config's problems in place of the page while the config is invalid.

    /sites/<subdomain>/   the patient page, or the config's problems while it is invalid
    /                     a redirect to it
    everything else       the reference site as it is after the last good build
"""

from __future__ import annotations

import asyncio
import html
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import uvicorn

from reconciler.config import LoadedConfig, load_config
from reconciler.config.loader import find_root_file
from reconciler.config.model import Account
from reconciler.domain.clock import clinic_now
from reconciler.domain.secrets import redact
from reconciler.errors import ConfigError, Problem, ReconcilerError, UsageError
from reconciler.preview.push import fill, one_time_certificate
from reconciler.preview.state import Wanted, wanted
from reconciler.providers.site.desired import problems as site_problems
from reconciler.site.app import create_app

MAX_WATCHED = 5000  # files under the config's directory whose changes rebuild the preview

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


@dataclass
class Build:
    """One build of the preview: what it holds, or why it failed."""

    number: int
    seconds: float
    at: datetime
    account: str = ""
    accounts: tuple[str, ...] = ()
    want: Wanted | None = None
    problems: list[str] = field(default_factory=list)  # file:line:col: message, when it failed

    @property
    def ok(self) -> bool:
        return self.want is not None

    @property
    def sources(self) -> dict[str, str]:
        return self.want.sources if self.want else {}

    @property
    def notes(self) -> list[str]:
        return self.want.notes if self.want else []

    @property
    def free_times(self) -> int:
        return sum(len(f.batches) for f in self.want.free) if self.want else 0


OnBuild = Callable[[Build], None]


class Preview:
    """`reconciler preview`: build, serve, rebuild on change. Nothing it does reaches the
    Opus database (read only) or the account's site."""

    def __init__(
        self,
        path: str | Path,
        *,
        account: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        on_build: OnBuild | None = None,
        now: Callable[[], datetime] = clinic_now,
    ) -> None:
        self.path = Path(path)
        self.account = account
        self.host = host
        self.port = port
        self.on_build = on_build or (lambda _: None)
        self.now = now
        self.certificate = one_time_certificate()
        self.directory = Path(tempfile.mkdtemp(prefix="reconciler-preview-"))
        self.root_dir = self.path
        self.subdomain = ""
        self.build: Build | None = None  # the latest, good or not
        self.good: Build | None = None
        self.app: Any = None
        self._stores: list[Path] = []
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- the URL ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def page_url(self) -> str:
        return f"{self.url}/sites/{self.subdomain}/"

    # --- building -----------------------------------------------------------------------

    def first_build(self) -> Build:
        """The first build; raises (ConfigError, UsageError…) when it fails."""
        self.root_dir = find_root_file(self.path).resolve().parent
        self._signature = self._files()
        return self._build(1, raising=True)

    def refresh(self) -> Build | None:
        """Build again if a config file changed since the last build; the new build."""
        with self._lock:
            signature = self._files()
            if signature == self._signature:
                return None
            self._signature = signature
            number = self.build.number + 1 if self.build else 1
            return self._build(number, raising=False)

    def _build(self, number: int, *, raising: bool) -> Build:
        began = time.perf_counter()
        at = self.now()
        try:
            loaded = load_config(self.path)
            name = self._account_of(loaded)
            account = loaded.config.accounts[name].model_copy(
                update={"certificates": {}, "use_certificate": None}  # a one-time one instead
            )
            _check_site_limits(loaded, name, account)
            want = wanted(loaded, name, account, at)
            store = self.directory / f"build-{number}.db"
            fill(store, want, self.certificate)
        except ConfigError as e:
            if raising:
                raise
            problems = [f"{p.mark}: {p.message}" if p.mark else p.message for p in e.problems]
            return self._failed(Build(number, time.perf_counter() - began, at, problems=problems))
        except ReconcilerError as e:
            if raising:
                raise
            built = Build(number, time.perf_counter() - began, at, problems=[str(e)])
            return self._failed(built)
        except Exception as e:  # a rebuild must not take the preview down: say it, go on
            if raising:
                raise
            original = getattr(e, "orig", None) or e
            detail = (redact(str(original)).strip().splitlines() or [""])[0]
            problem = f"internal error: {type(e).__name__}: {detail} (this is a bug; report it)"
            built = Build(number, time.perf_counter() - began, at, problems=[problem])
            return self._failed(built)
        accounts = tuple(loaded.config.accounts)
        built = Build(number, time.perf_counter() - began, at, name, accounts, want)
        self.subdomain = account.subdomain
        self.app = create_app(store, dev=True)  # dev: the codes the site sends, in its outbox
        self._keep(store)
        self.build = self.good = built
        self.on_build(built)
        return built

    def _failed(self, built: Build) -> Build:
        self.build = built
        self.on_build(built)
        return built

    def _account_of(self, loaded: LoadedConfig) -> str:
        accounts = list(loaded.config.accounts)
        if self.account is None:
            if not accounts:
                raise UsageError("the config has no account", "add one under accounts:")
            return accounts[0]
        if self.account not in accounts:
            raise UsageError(
                f"no account {self.account} in the config",
                f"the accounts are: {', '.join(accounts)}",
            )
        return self.account

    def _keep(self, store: Path) -> None:
        """Keep the new store and the one before it (a request may still be on it)."""
        self._stores.append(store)
        while len(self._stores) > 2:
            old = self._stores.pop(0)
            for leftover in old.parent.glob(old.name + "*"):
                leftover.unlink(missing_ok=True)

    def _files(self) -> tuple[tuple[str, int, int], ...]:
        """Every file under the config's directory, with its change time and size."""
        found = []
        for path in sorted(self.root_dir.rglob("*")):
            if any(part.startswith(".") for part in path.relative_to(self.root_dir).parts):
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
            if len(found) >= MAX_WATCHED:
                break
        return tuple(found)

    # --- serving ------------------------------------------------------------------------

    def start(self) -> Preview:
        """Build, then listen. ReconcilerError when the first build fails or the port is taken."""
        try:
            self.first_build()
        except BaseException:
            self.close()
            raise
        config = uvicorn.Config(
            PreviewApp(self),
            host=self.host,
            port=self.port,
            lifespan="off",
            access_log=False,
            server_header=False,
            log_config=None,
        )
        server = _Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.serve_in_thread, name="preview", daemon=True)
        self._thread.start()
        server.ready.wait(30)
        if not server.started:
            self.close()
            raise UsageError(
                f"cannot listen on {self.host}:{self.port} (is it in use?)",
                "choose another port with --port (0 lets the system choose)",
            )
        self.port = server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(30)
        self._server = self._thread = None
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> Preview:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _check_site_limits(loaded: LoadedConfig, name: str, account: Account) -> None:
    """What the site cannot take (a photo too large), as problems with their place: apply
    refuses these too."""
    found = [
        Problem(loaded.mark_of(("accounts", name, *path)), message, "site-limit")
        for path, message in site_problems(account)
    ]
    if found:
        raise ConfigError(found)


class _Server(uvicorn.Server):
    """uvicorn in a thread: no signal handlers of its own, and an event once it listens
    (or has failed to)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    def install_signal_handlers(self) -> None:
        pass

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()

    def serve_in_thread(self) -> None:
        try:
            self.run()
        except SystemExit:  # uvicorn's way to say it could not listen
            pass
        finally:
            self.ready.set()


class PreviewApp:
    """ASGI: the page paths rebuild when the config changed; everything goes to the site of
    the last good build, but the page while the config is invalid."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview

    def _page_path(self, path: str) -> bool:
        site = f"/sites/{self.preview.subdomain}"
        return path in ("/", site, f"{site}/")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.preview.app(scope, receive, send)
            return
        page = scope["method"] in ("GET", "HEAD") and self._page_path(scope["path"])
        if page:
            await asyncio.to_thread(self.preview.refresh)
            latest = self.preview.build
            if latest is not None and not latest.ok:
                await _html(send, problems_page(self.preview, latest))
                return
        if page and scope["path"] == "/":
            await _redirect(send, f"/sites/{self.preview.subdomain}/")
            return
        await self.preview.app(scope, receive, send)


_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
    (b"x-content-type-options", b"nosniff"),
]


async def _html(send: Any, text: str, status: int = 200) -> None:
    body = text.encode()
    headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Any, location: str) -> None:
    headers = [(b"location", location.encode()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.4}li{margin:.2rem 0}code{font-size:.95em}"
    ".problems li{color:#8a1c1c}.meta{color:#555;font-size:.9em}"
)


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _meta(preview: Preview, built: Build) -> str:
    return (
        f'<p class="meta">Preview of {html.escape(str(preview.path))}, build {built.number} '
        f"at {built.at:%H:%M:%S} ({built.seconds:.2f} s). It reloads when a file of the "
        "config changes.</p>"
    )


def problems_page(preview: Preview, built: Build) -> str:
    items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in built.problems)
    last = preview.good
    kept = (
        f"<p>The site keeps the last good build ({last.number}, {last.at:%H:%M:%S}) until "
        "these are fixed.</p>"
        if last is not None
        else ""
    )
    body = (
        "<h1>The config has problems</h1>"
        f'<ul class="problems">{items}</ul>{kept}{_meta(preview, built)}'
    )
    return _document("Preview: the config has problems", body)
