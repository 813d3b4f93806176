"""A demo workspace applied, with its booking site running (dev API on, for the codes the
site sends patients)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import RunCli
from sync_support import Clinic

from reconciler.demo.workspace import init, point_at
from reconciler.site.background import BackgroundSite


@pytest.fixture
def clinic(tmp_path: Path, cli: RunCli) -> Iterator[Clinic]:
    workspace = init(tmp_path / "demo")
    site = BackgroundSite(workspace.site, dev=True).start()
    point_at(workspace.config, site.url)
    applied = cli("apply", workspace.config.parent, "--auto-approve")
    assert applied.code == 0, applied.err
    yield Clinic(workspace, site, cli)
    site.stop()
