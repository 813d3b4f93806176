"""Secrets: one rule for line breaks, no control characters, masked wherever they go, and
files read only from where the config may read."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
from support import ACCOUNT_KEY, RunCli, WriteConfig

from reconciler.config import load_config
from reconciler.domain.secrets import Secret, SecretProblem, redact
from reconciler.errors import ConfigError

FILE_KEY = "key: ${file:secrets/key}"


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(directory)
    return [f"{p.mark.line if p.mark else '-'}: {p.message}" for p in info.value.problems]


def with_key_file(write_config: WriteConfig, content: bytes, reference: str = FILE_KEY) -> Path:
    from support import BASE  # noqa: PLC0415

    directory = write_config(BASE.replace("key: ${env:TEST_ACCOUNT_KEY}", reference))
    (directory / "secrets").mkdir(exist_ok=True)
    (directory / "secrets" / "key").write_bytes(content)
    return directory


@pytest.mark.parametrize("ending", [b"", b"\n", b"\r\n"])
def test_a_key_file_may_end_in_one_line_break(write_config: WriteConfig, ending: bytes) -> None:
    directory = with_key_file(write_config, ACCOUNT_KEY.encode() + ending)
    key = load_config(directory).config.accounts["clinic"].key
    assert key.reveal() == ACCOUNT_KEY


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (ACCOUNT_KEY.encode() + b"\n\n", "a line break"),  # a blank line after the key
        (ACCOUNT_KEY.encode() + b"\r", "a carriage return"),
        (b"k3y\nsecond-line", "a line break"),
        (b"k3y\x1b]0;owned\x07", "the control character U+001B"),  # a terminal escape
        (b"k3y\x00", "the control character U+0000"),
        ("k3y\u202egnp.exe".encode(), "the control character U+202E"),  # bidi override
        (b" \t", "a tab"),
    ],
)
def test_a_secret_with_a_control_character_is_refused_without_its_value(
    write_config: WriteConfig, content: bytes, found: str
) -> None:
    directory = with_key_file(write_config, content)
    problems = problems_of(directory)
    assert len(problems) == 1, problems
    assert "${file:secrets/key} holds " + found in problems[0]
    assert problems[0].startswith("4: ")  # the line of the reference
    for part in ("k3y", "second-line", "owned", "gnp", "\x1b", "\x00"):
        assert part not in problems[0]


def test_an_env_secret_ending_in_a_line_break_is_refused(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ACCOUNT_KEY", ACCOUNT_KEY + "\n")  # as CI secrets often are
    problems = problems_of(write_config())
    assert problems == [
        "4: accounts.clinic.key: ${env:TEST_ACCOUNT_KEY} holds a line break; a secret is one "
        "line of text — remove it (a file may end in one line break, no more)"
    ]


def test_the_cli_never_prints_a_key_with_a_line_break(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ACCOUNT_KEY", ACCOUNT_KEY + "\n")
    directory = write_config()
    for command in ("validate", "plan", "doctor", "apply"):
        result = cli(command, directory, *(["--auto-approve"] if command == "apply" else []))
        assert result.code == 1, command
        assert ACCOUNT_KEY not in result.out + result.err, command
        assert "holds a line break" in result.err, command


def test_a_secret_is_masked_everywhere() -> None:
    secret = Secret("${env:X}", "hunter2-value")
    assert str(secret) == f"{secret}" == f"{secret:>20}" == "(sensitive)"
    assert "hunter2" not in repr(secret) and "hunter2" not in repr([secret])
    assert "hunter2" not in str(ValueError(secret)) and "hunter2" not in f"{ {'k': secret} }"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret.reveal() == "hunter2-value"
    with pytest.raises(LookupError, match=r"\$\{env:X\} was not read"):
        Secret("${env:X}", None).reveal()


def test_redact_catches_the_forms_libraries_print() -> None:
    Secret("${env:Y}", "pässwörd-42")
    assert redact("b'p\\xc3\\xa4ssw\\xc3\\xb6rd-42'") == "b'(sensitive)'"
    assert redact("value 'pässwörd-42' refused") == "value '(sensitive)' refused"


def test_a_secret_given_in_code_is_checked_too() -> None:
    with pytest.raises(SecretProblem) as info:
        Secret.given("abc\n")
    assert "abc" not in str(info.value)


# --- where a config may read files from --------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("${file:/etc/passwd}", "secret file /etc/passwd is outside the config's directory"),
        ("${file:/proc/self/environ}", "is outside the config's directory"),
        ("${file:/dev/zero}", "is outside the config's directory"),
        ("${file:../outside/key}", "is outside the config's directory"),
        ("${file:secrets/link}", "is outside the config's directory (through a link, to "),
        ("${file:secrets}", "is a directory, not a file"),
    ],
)
def test_secret_files_must_lie_inside_the_config(
    write_config: WriteConfig, tmp_path: Path, reference: str, expected: str
) -> None:
    directory = with_key_file(write_config, b"k3y-inside", "key: " + reference)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "key").write_text("k3y-outside")
    os.symlink("/proc/self/environ", directory / "secrets" / "link")
    problems = problems_of(directory)
    assert len(problems) == 1, problems
    assert problems[0].startswith("4: accounts.clinic.key: ")
    assert expected in problems[0]
    assert "RECONCILER_FILE_DIRS" in problems[0] or "directory, not" in problems[0]


def test_a_pipe_is_refused_not_waited_on(write_config: WriteConfig) -> None:
    directory = with_key_file(write_config, b"unused")
    (directory / "secrets" / "key").unlink()
    os.mkfifo(directory / "secrets" / "key")
    assert "is not a regular file" in problems_of(directory)[0]


def test_the_operator_may_allow_a_directory(
    write_config: WriteConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_secrets = tmp_path / "run-secrets"
    run_secrets.mkdir()
    (run_secrets / "key").write_text(ACCOUNT_KEY + "\n")
    directory = with_key_file(write_config, b"", f"key: ${{file:{run_secrets / 'key'}}}")
    assert "outside the config's directory" in problems_of(directory)[0]
    monkeypatch.setenv("RECONCILER_FILE_DIRS", f"/nonexistent{os.pathsep}{run_secrets}")
    assert load_config(directory).config.accounts["clinic"].key.reveal() == ACCOUNT_KEY


def test_a_relative_allowed_directory_is_an_error(
    cli: RunCli, write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_FILE_DIRS", "secrets")
    result = cli("validate", write_config())
    assert result.code == 1
    assert "RECONCILER_FILE_DIRS lists 'secrets', which is not an absolute path" in result.err


def test_other_files_a_config_names_must_lie_inside_it_too(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    from support import BASE  # noqa: PLC0415

    outside = tmp_path / "logo.png"
    outside.write_bytes(b"\x89PNG")
    directory = write_config(
        BASE.replace("    subdomain: testklinikken", f"    subdomain: testklinikken\n    site:\n"
                     f"      theme: {{logo: {outside}}}")
    )  # fmt: skip
    (directory / "photo.png").symlink_to(outside)
    problems = problems_of(directory)
    assert any("logo.png is outside the config's directory" in p for p in problems), problems


def test_redact_masks_national_identity_numbers() -> None:
    assert redact("Key (id)=(01017012345) exists") == "Key (id)=((national id)) exists"
    assert redact("order 123456789012") == "order 123456789012"  # twelve digits: not one


def test_a_secret_file_is_bounded(write_config: WriteConfig) -> None:
    directory = with_key_file(write_config, b"k" * (64 * 1024 + 1))
    assert "is larger than 64 KB" in problems_of(directory)[0]


def test_an_account_key_must_be_plain_ascii(write_config: WriteConfig) -> None:
    directory = with_key_file(write_config, "nøkkel-1234\n".encode())
    (problem,) = problems_of(directory)
    assert "holds a character that is not plain ASCII" in problem
    assert "nøkkel" not in problem
