"""The command line's contract: exit codes, where output goes, formats, and no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from support import ACCOUNT_KEY, BASE, REPO, RunCli, WriteConfig

from reconciler.cli import config_commands
from reconciler.config.values import Secret

BROKEN = BASE.replace("opus_id: 1", "opus_id: one").replace("title: Tannlege", "titel: Tannlege")


def test_validate_ok(cli: RunCli, write_config: WriteConfig) -> None:
    result = cli("validate", write_config())
    assert result.code == 0
    assert result.out == "valid: 1 file, 1 account, 1 clinic, 1 provider\n"
    assert result.err == ""


def test_validate_accepts_the_file_itself(cli: RunCli, write_config: WriteConfig) -> None:
    assert cli("validate", write_config() / "reconciler.yaml").code == 0


def test_validate_reports_every_problem_on_stderr(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_config(BROKEN)
    monkeypatch.chdir(directory)
    result = cli("validate", ".")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0].startswith("reconciler.yaml:17:18: accounts.clinic.clinics.sentrum.opus_id: ")
    assert "reconciler.yaml:20:13: " in lines[1] and "did you mean 'title'?" in lines[1]
    assert lines[-1] == "error: 2 problems in 1 file — fix them and run the command again"
    assert "Traceback" not in result.err


def test_validate_json_and_github_formats(cli: RunCli, write_config: WriteConfig) -> None:
    directory = write_config(BROKEN)
    result = cli("validate", directory, "--format", "json")
    assert result.code == 1
    document = json.loads(result.out)
    schema = json.loads((REPO / "schemas" / "problems.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["ok"] is False
    assert [p["line"] for p in document["problems"]] == [17, 20]
    result = cli("validate", directory, "--format", "github")
    assert result.code == 1
    assert result.out.splitlines()[0].startswith("::error file=")
    assert ",line=17,col=18,title=reconciler int-type::" in result.out


def test_lint_exit_codes(cli: RunCli, write_config: WriteConfig) -> None:
    warned = write_config(
        BASE.replace(
            "    clinics:", "    site: {flexibility: {skip_confirmation: true}}\n    clinics:"
        )
    )
    result = cli("lint", warned)
    assert result.code == 0
    assert "warning: " in result.err and "[skip-confirmation]" in result.err
    assert cli("lint", warned, "--strict").code == 1
    document = json.loads(cli("lint", warned, "--format", "json").out)
    assert document["summary"] == {"error": 0, "warning": 1, "info": 0}
    assert document["accounts"] == ["clinic"]  # what a CI matrix is made from
    valid = json.loads(cli("validate", warned, "--no-secrets", "--format", "json").out)
    assert valid["accounts"] == ["clinic"]
    errored = write_config(BASE.replace("category: Undersøkelse", "category: null"))
    assert cli("lint", errored).code == 1


def test_lint_of_an_invalid_config_reports_the_problems(
    cli: RunCli, write_config: WriteConfig
) -> None:
    result = cli("lint", write_config(BROKEN))
    assert result.code == 1
    assert "did you mean 'title'?" in result.err


@pytest.mark.parametrize(
    "args",
    [
        ["bogus"],
        ["validate"],
        ["validate", ".", "--bogus"],
        ["lint", ".", "--format", "xml"],
        ["--nope"],
    ],
)
def test_usage_errors_exit_1_with_one_line(cli: RunCli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "--help'" in result.err
    assert "Traceback" not in result.err


def test_help_and_version_exit_0(cli: RunCli) -> None:
    assert cli("--help").code == 0
    assert cli("validate", "--help").code == 0
    result = cli("--version")
    assert (result.code, result.out.split()[0]) == (0, "reconciler,")
    for bare in ((), ("site",)):  # a group alone: its help, as with --help
        result = cli(*bare)
        assert result.code == 0 and result.err == ""
        assert result.out == cli(*bare, "--help").out
        assert result.out.startswith("Usage: reconciler") and "\\n" not in result.out


def test_missing_path(cli: RunCli, tmp_path: Path) -> None:
    result = cli("validate", tmp_path / "nope")
    assert result.code == 1
    assert result.err == f"error: {tmp_path / 'nope'}: no such file or directory — check the path\n"
    result = cli("validate", tmp_path)
    assert "no reconciler.yaml here" in result.err


def test_unexpected_errors_are_one_redacted_line_unless_debug(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = write_config()
    real_load = config_commands.load_config

    def broken(path: Path, resolve_secrets: bool = True) -> object:
        real_load(path, resolve_secrets=resolve_secrets)  # resolves the secret
        raise RuntimeError(f"driver said: key={ACCOUNT_KEY} patient 01017012345")

    monkeypatch.setattr(config_commands, "load_config", broken)
    result = cli("validate", directory)
    assert result.code == 1
    assert result.err.startswith(
        "error: internal error: RuntimeError: driver said: key=(sensitive)"
    )
    assert "(national id)" in result.err
    assert ACCOUNT_KEY not in result.err and "01017012345" not in result.err
    assert "Traceback" not in result.err
    result = cli("validate", directory, "--debug")
    assert "Traceback" in result.err
    assert ACCOUNT_KEY not in result.err and "01017012345" not in result.err  # masked too


def test_national_ids_are_masked_even_where_a_short_secret_occurs_in_them(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    Secret("${env:SHORT}", "1701234")  # a resolved secret that occurs inside the number

    def broken(path: Path, resolve_secrets: bool = True) -> object:
        raise RuntimeError("driver said: patient 01017012345 not found")

    monkeypatch.setattr(config_commands, "load_config", broken)
    result = cli("validate", write_config())
    assert result.err.startswith("error: internal error: RuntimeError: driver said: patient ")
    assert "(national id) not found" in result.err
    assert "01017" not in result.err and "2345" not in result.err


def test_schema_writes_and_checks(cli: RunCli, tmp_path: Path) -> None:
    assert cli("schema", "--out", tmp_path, "--check").code == 1
    result = cli("schema", "--out", tmp_path)
    assert result.code == 0
    assert (tmp_path / "reconciler.schema.json").is_file()
    assert cli("schema", "--out", tmp_path, "--check").code == 0


def test_no_color_and_non_tty_output_are_plain(cli: RunCli, write_config: WriteConfig) -> None:
    result = cli("validate", write_config(BROKEN))
    assert "\x1b[" not in result.err


def test_the_console_script_runs_as_a_module(write_config: WriteConfig) -> None:
    env = {"PATH": "/usr/bin:/bin", "TEST_ACCOUNT_KEY": ACCOUNT_KEY}
    done = subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", str(write_config())],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
