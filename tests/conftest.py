"""Shared fixtures: config directories written from text, and the CLI run in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ACCOUNT_KEY, BASE, Result, RunCli, WriteConfig, served

from reconciler.cli import main
from reconciler.demo.address import free_site_url
from reconciler.demo.workspace import Workspace, init


@pytest.fixture(autouse=True)
def _account_key(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("TEST_ACCOUNT_KEY", ACCOUNT_KEY)
    monkeypatch.delenv("NO_COLOR", raising=False)
    # each test its own record of no-change plans (plan/unchanged.py), none in $HOME
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path_factory.mktemp("plan-records")))


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Write files into a fresh directory and return it. The root file defaults to BASE;
    other files are keyword arguments, `__` for `/` and `_yaml` for `.yaml`
    (accounts__a_yaml="…" writes accounts/a.yaml). Texts are dedented."""

    def write(root: str | None = BASE, **files: str) -> Path:
        directory = tmp_path / "config"
        directory.mkdir(exist_ok=True)
        if root is not None:
            (directory / "reconciler.yaml").write_text(textwrap.dedent(root), encoding="utf-8")
        for key, text in files.items():
            name = key.replace("__", "/")
            if name.endswith("_yaml"):
                name = name.removesuffix("_yaml") + ".yaml"
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return directory

    return write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run `reconciler ARGS…` in this process; return exit code, stdout and stderr."""

    def run(*args: str | Path) -> Result:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A demo workspace (Opus database, config) with its booking site running."""
    made = init(tmp_path / "demo", site_url=free_site_url())
    site = served(made)
    yield made
    site.stop()
