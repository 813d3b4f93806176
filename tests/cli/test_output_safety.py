"""What the command line prints cannot be turned against the reader: GitHub annotations
cannot be forged from a file name, and control characters never reach a terminal raw."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import BASE, RunCli, WriteConfig

from reconciler.cli.report import github_line
from reconciler.errors import Mark, Problem, Severity


def test_github_properties_are_escaped() -> None:
    problem = Problem(
        Mark("clinics/a,line=1,title=ok::x%.yaml", 3, 4),
        "100% wrong\nsecond line, with: colons",
        "invalid",
        Severity.WARNING,
    )
    line = github_line(problem)
    assert line == (
        "::warning file=clinics/a%2Cline=1%2Ctitle=ok%3A%3Ax%25.yaml,line=3,col=4,"
        "title=reconciler invalid::100%25 wrong%0Asecond line, with: colons"
    )
    properties, _ = line.removeprefix("::warning ").split("::", 1)
    assert [p.split("=", 1)[0] for p in properties.split(",")] == ["file", "line", "col", "title"]
    assert "\n" not in line


def test_github_annotations_for_a_file_named_to_forge_properties(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_config(
        BASE.replace("    clinics:\n", "    clinics:\n      include: 'parts/*.yaml'\n")
    )
    forged = directory / "parts" / "x.yaml,line=1,title=all good::x.yaml"
    forged.parent.mkdir()
    forged.write_text("nord:\n  opus_id: one\n", encoding="utf-8")
    monkeypatch.chdir(directory)
    result = cli("validate", ".", "--format", "github")
    assert result.code == 1
    lines = result.out.splitlines()
    assert len(lines) == 1, result.out
    assert lines[0].startswith(
        "::error file=parts/x.yaml%2Cline=1%2Ctitle=all good%3A%3Ax.yaml,line=2,col=12,"
        "title=reconciler int-type::"
    ), lines[0]
    assert Path("parts", forged.name).is_file()
