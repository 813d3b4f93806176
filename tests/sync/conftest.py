"""A demo workspace applied, with its booking site running (dev API on, for the codes the
site sends patients)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import RunCli, served
from sync_support import Clinic

from reconciler.demo.address import free_site_url
from reconciler.demo.workspace import init


@pytest.fixture
def clinic(tmp_path: Path, cli: RunCli) -> Iterator[Clinic]:
    workspace = init(tmp_path / "demo", site_url=free_site_url())
    site = served(workspace, dev=True)
    applied = cli("apply", workspace.config.parent, "--auto-approve")
    assert applied.code == 0, applied.err
    yield Clinic(workspace, site, cli)
    site.stop()
