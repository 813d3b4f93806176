"""Every workflow file in the repository passes actionlint (with shellcheck on its scripts):
the project's own CI and the config repository's example."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted([*REPO.glob(".github/workflows/*.yml"), *REPO.glob("examples/ci/github/*.yml")])
# The dev extra installs both into the environment's bin directory.
BIN = str(Path(sys.executable).parent)
PATH = os.pathsep.join([BIN, os.environ.get("PATH", "")])


def test_there_are_workflows() -> None:
    names = [p.relative_to(REPO).as_posix() for p in WORKFLOWS]
    assert ".github/workflows/ci.yml" in names
    assert "examples/ci/github/reconciler.yml" in names


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_actionlint(workflow: Path) -> None:
    actionlint = shutil.which("actionlint", path=PATH)
    assert actionlint is not None, "actionlint is not installed (pip install -e '.[dev]')"
    result = subprocess.run(
        [actionlint, "-no-color", str(workflow)],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": PATH},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shell_scripts_pass_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck", path=PATH)
    assert shellcheck is not None, "shellcheck is not installed (pip install -e '.[dev]')"
    scripts = [
        script
        for script in [REPO / ".ci" / "run", *sorted((REPO / "scripts").iterdir())]
        if script.read_text(encoding="utf-8").split("\n", 1)[0].endswith(("/sh", "bash"))
    ]
    assert len(scripts) >= 5  # .ci/run and the shell scripts among scripts/
    result = subprocess.run(
        [shellcheck, *map(str, scripts)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
