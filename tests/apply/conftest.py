"""A demo workspace per test: an Opus database with demo data and a config pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.demo.workspace import Workspace, init


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init(tmp_path / "demo")
