"""Browser tests: Debian's Chromium driven by Playwright (sync API) through its executable
path — no browser is ever downloaded (scripts/browser installs `chromium`).

Fixtures:
    page          a fresh page; any request that would leave this machine (a host other than
                  127.0.0.1, localhost or *.localhost) is refused and fails the test
    axe_page      a page whose context bypasses the site's Content-Security-Policy, so that the
                  vendored axe-core can be injected (only for the accessibility check)
    shoot         shoot("step") saves a screenshot of the page as a test artefact:
                  test-artefacts/browser/<test>/<NN>-<step>.png (TEST_ARTEFACTS moves it)
    demo_site     a demo workspace applied to its reference site (running, dev API on) and
                  synced once (its free time published)
    preview_of    preview_of(PATH) runs `reconciler preview PATH` on a loopback port

Without chromium or playwright they fail, saying which is missing (make test installs both).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import CHROMIUM_ARGS, DemoSite, Guard, chromium
from support import REPO, RunCli, served

from reconciler.demo.address import free_site_url
from reconciler.demo.workspace import init
from reconciler.preview.server import Preview


def _unavailable(why: str) -> None:
    """Fail, saying what is missing: the README's test command installs it, and a browser
    test that does not run checks nothing."""
    pytest.fail(f"{why}; make test installs it (scripts/browser, the dev extra)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium()
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def guard() -> Guard:
    return Guard()


def _guarded_page(browser: Any, guard: Guard, **options: Any) -> Iterator[Any]:
    context = browser.new_context(service_workers="block", **options)
    context.route("**/*", guard.route)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
    if guard.refused:
        pytest.fail(f"requests left this machine: {', '.join(guard.refused)}")


@pytest.fixture
def page(browser: Any, guard: Guard) -> Iterator[Any]:
    yield from _guarded_page(browser, guard)


@pytest.fixture
def axe_page(browser: Any, guard: Guard) -> Iterator[Any]:
    yield from _guarded_page(browser, guard, bypass_csp=True)


def artefacts_dir(request: pytest.FixtureRequest) -> Path:
    base = Path(os.environ.get("TEST_ARTEFACTS") or REPO / "test-artefacts")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    directory = base / "browser" / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def shoot(page: Any, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """shoot("step"): a full-page screenshot, numbered in the order of the steps."""
    directory = artefacts_dir(request)
    taken: list[Path] = []

    def take(step: str) -> Path:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", step).strip("-")
        path = directory / f"{len(taken) + 1:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)
        return path

    return take


@pytest.fixture
def demo_site(tmp_path: Path, cli: RunCli) -> Iterator[DemoSite]:
    """A demo workspace applied to its booking site, which runs with its dev API (the codes
    it sends patients), and one sync cycle run (the free time published)."""
    workspace = init(tmp_path / "demo", seed=1, site_url=free_site_url())
    site = served(workspace, dev=True)
    try:
        demo = DemoSite(workspace, site, cli)
        demo.apply()
        demo.sync()
        yield demo
    finally:
        site.stop()


@pytest.fixture
def preview_of() -> Iterator[Callable[..., Preview]]:
    """preview_of(PATH, account=None): the preview of PATH, running until the test ends."""
    running: list[Preview] = []

    def start(path: Path, account: str | None = None) -> Preview:
        preview = Preview(path, account=account, port=0).start()
        running.append(preview)
        return preview

    yield start
    for preview in running:
        preview.stop()
