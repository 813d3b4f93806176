"""What the command line prints cannot be turned against the reader: GitHub annotations
cannot be forged from a file name, and control characters never reach a terminal raw."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from support import BASE, RunCli, WriteConfig

from reconciler.cli import plan_commands
from reconciler.cli.report import github_line, problem_line
from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import Mark, Problem, Severity
from reconciler.plan.model import AccountPlan, Plan


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


# ESC ] 0 ; … BEL sets the terminal's title; ESC [ 2 J clears the screen; U+009B is a
# one-character CSI to some terminals; U+202E turns the rest of a line right to left.
INJECTED = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil"
ESCAPED = "\\u001b]0;owned\\u0007\\u001b[2J\\u009b31m\\u202eevil"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def assert_no_raw_controls(*outputs: str) -> None:
    for output in outputs:
        for char in RAW:
            assert char not in output, f"{char!r} printed raw:\n{output!r}"


def yaml_escaped(text: str) -> str:
    """`text` as a YAML double-quoted scalar body (YAML's own escapes)."""
    return "".join(c if c.isprintable() and c != '"' else f"\\u{ord(c):04x}" for c in text)


def injected_key_config() -> str:
    return BASE.replace("    clinics:\n", f'    "{yaml_escaped(INJECTED)}": 1\n    clinics:\n')


def test_a_key_holding_escape_sequences_is_shown_escaped(
    cli: RunCli, write_config: WriteConfig
) -> None:
    result = cli("validate", write_config(injected_key_config()))
    assert result.code == 1
    assert_no_raw_controls(result.out, result.err)
    assert f"unknown key '{ESCAPED}'" in result.err


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_machine_formats_escape_control_characters(
    cli: RunCli, write_config: WriteConfig, fmt: str
) -> None:
    result = cli("validate", write_config(injected_key_config()), "--format", fmt)
    assert result.code == 1
    assert_no_raw_controls(result.out, result.err)
    if fmt == "json":  # the escapes are JSON's own: a reader gets the text back
        [problem] = json.loads(result.out)["problems"]
        assert INJECTED in problem["message"]


def test_a_file_name_holding_escape_sequences_is_shown_escaped(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_config(
        BASE.replace("    clinics:\n", "    clinics:\n      include: 'parts/*.yaml'\n")
    )
    (directory / "parts").mkdir()
    (directory / "parts" / f"{INJECTED}.yaml").write_text("nord: {opus_id: one}\n", "utf-8")
    monkeypatch.chdir(directory)
    result = cli("validate", ".")
    assert result.code == 1
    assert_no_raw_controls(result.out, result.err)
    assert f"parts/{ESCAPED}.yaml:1:" in result.err


def test_usage_errors_and_missing_paths_are_shown_escaped(cli: RunCli, tmp_path: Path) -> None:
    result = cli("validate", ".", f"--{INJECTED}")
    assert result.code == 1
    assert result.err.startswith("error: No such option")
    assert_no_raw_controls(result.out, result.err)
    result = cli("validate", tmp_path / INJECTED)
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert ESCAPED in result.err
    assert_no_raw_controls(result.out, result.err)


def test_problem_lines_keep_their_colour_and_escape_the_rest() -> None:
    problem = Problem(Mark(f"{INJECTED}.yaml", 1, 2), f"bad {INJECTED}", INJECTED)
    line = problem_line(problem, with_severity=True, color=True)
    assert line.startswith(f"{ESCAPED}.yaml:1:2: \x1b[31merror\x1b[0m: bad {ESCAPED} [")
    assert line.count("\x1b") == 2  # the colour, and nothing from the problem


def plan_with(value: str) -> Plan:
    before = Resource("site.texts", "site_settings", {"welcome": "Hei"})
    after = Resource("site.texts", "site_settings", {"welcome": value})
    change = Change(Action.UPDATE, "site.texts", "site_settings", before, after, ("welcome",))
    problem = Problem(Mark("c.yaml", 1, 1), f"live value {value}", "drift", Severity.WARNING)
    account = AccountPlan("main", (change,), "fp", (problem,))
    return Plan("id", datetime(2026, 11, 27, 12), date(2026, 11, 27), "config", "cfp", (account,))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("color", [False, True])
def test_plans_are_shown_escaped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str, color: bool
) -> None:
    monkeypatch.setattr(plan_commands, "use_color", lambda _: color)
    plan_commands._emit(plan_with(INJECTED), fmt)
    captured = capsys.readouterr()
    shown = captured.out.replace("\x1b[0m", "").replace("\x1b[2m", "").replace("\x1b[33m", "")
    assert_no_raw_controls(shown, captured.err)
    if fmt == "json":
        assert json.loads(captured.out)["accounts"][0]["changes"][0]["after"]["welcome"] == (
            INJECTED
        )
    else:
        assert "\\u202eevil" in captured.out
