"""Validation of the model: every problem reported with its place; secrets never shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import ACCOUNT_KEY, BASE, RunCli, WriteConfig

from reconciler.config import load_config
from reconciler.domain.secrets import Secret
from reconciler.errors import ConfigError


def problems_of(directory: Path, **kwargs: bool) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(directory, **kwargs)
    return [
        f"{p.mark.line if p.mark else '-'}: {p.message} [{p.code}]" for p in info.value.problems
    ]


def test_a_long_type_not_offered_for_e_booking_is_valid(write_config: WriteConfig) -> None:
    text = BASE.replace("duration: 30,", "duration: 540, use_in_ebooking: false,")
    load_config(write_config(text))


def test_the_base_config_is_valid(write_config: WriteConfig) -> None:
    loaded = load_config(write_config())
    account = loaded.config.accounts["clinic"]
    assert isinstance(account.key, Secret)
    assert account.key.reveal() == ACCOUNT_KEY
    assert ACCOUNT_KEY not in repr(loaded.config)
    assert ACCOUNT_KEY not in str(loaded.config.model_dump())
    assert account.url == "https://testklinikken.opusdentalonline.com"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "version: 1",
            "version: 2",
            "1: version: unsupported version 2; this reconciler reads version 1",
        ),
        ("version: 1", 'version: "1"', "unsupported version '1'"),
        ("version: 1\n", "", "missing version: 1 at the top"),
        ("    subdomain: testklinikken", "    subdomain: Test_Klinikken", "[invalid-subdomain]"),
        (
            "    subdomain: testklinikken",
            "    subdomian: testklinikken",
            "unknown key 'subdomian'; did you mean 'subdomain'?",
        ),
        (
            "    subdomain: testklinikken",
            "    subdomain: testklinikken\n    country: NOR",
            "must be one of: NO, SE, DK; did you mean 'NO'?",
        ),
        ("opus_id: 1", "opus_id: 010", "must be a whole number written without leading zeros"),
        ("opus_id: 1", "opus_id: 0", "opus_id: must be a whole number from 1 to 2,147,483,647"),
        ("opus_id: 1", "opus_id: 2147483648", "from 1 to 2,147,483,647 [less-than-equal]"),
        ("duration: 30", "duration: -30", "duration: must be a whole number from 5 to 600"),
        ("duration: 30", "duration: 100000", "duration: must be a whole number from 5 to 600"),
        (
            "duration: 30",
            "duration: 540",
            "a type offered for e-booking lasts at most 480 minutes on the booking site",
        ),
        (
            "    subdomain: testklinikken",
            "    subdomain: " + "t" * 51,
            "the subdomain has 51 characters; the booking site holds at most 50",
        ),
        (
            "category: Undersøkelse",
            "category: " + "x" * 51,
            "longer than 50 characters (it has 51)",
        ),
        ('"- Tannrens"', '"- Tannrens med polering og fluor"', "this key is longer than 30"),
        ("opus_id: 1", "opus_id: one", "must be a whole number"),
        ('color: "#D6F5D6"', "color: green", "must be a colour like #1A6E8E"),
        ("duration: 30", "duration: 30 min", "must be a whole number"),
        ("[mon-thu]", "[mon-thursday]", "'mon-thursday' is not a weekday or range"),
        ('"08:00-11:30"', '"8-11:30"', "is not a time window like 08:00-12:00"),
        ("title: Tannlege", "title: 12", "must be text; quote it"),
        ("consent: {photo: false", "consent: {photo: no", "('no' is text in YAML 1.2)"),
        (
            "        providers:",
            "        providers: []\n        other:",
            "must be a mapping (key: value)",
        ),
        (
            "            working_hours:",
            "            wokring_hours:",
            "did you mean 'working_hours'?",
        ),
        ("          HAN:", "          H A N:", "this key is not a valid provider code"),
        ("      sentrum:", "      sen trum:", "this key is not a valid name"),
        (
            "        url: sqlite:///opus.db",
            "        server: x",
            "give either url, or both server and database",
        ),
        (
            "        url: sqlite:///opus.db",
            "        url: mssql+pyodbc://sa:pw@host/db",
            "the url holds a password",
        ),
        (
            "        url: sqlite:///opus.db",
            "        url: sqlite://\n        server: h\n        database: d",
            "not both",
        ),
        (
            "        url: sqlite:///opus.db",
            "        url: mysql+pyodbc:///?odbc_connect=DRIVER%3D%7BX%7D%3BPWD%3Dx",
            "the url holds a password",
        ),
        ("        url: sqlite:///opus.db", "        url: opus.db", "is not a URL"),
        (
            "        url: sqlite:///opus.db",
            "        url: sqlite:///o.db\n        dialect: db2",
            "must be one of",
        ),
    ],
)
def test_problems_are_located_and_explained(
    write_config: WriteConfig, old: str, new: str, expected: str
) -> None:
    assert old in BASE
    found = problems_of(write_config(BASE.replace(old, new, 1)))
    assert any(expected in p for p in found), found


def test_a_relative_sqlite_path_is_relative_to_the_yaml_file(write_config: WriteConfig) -> None:
    directory = write_config()
    url = load_config(directory).config.accounts["clinic"].databases["main"].url
    assert url == f"sqlite:///{(directory / 'opus.db').resolve()}"


def test_all_problems_are_reported_at_once(write_config: WriteConfig) -> None:
    text = (
        BASE.replace("opus_id: 1", "opus_id: x")
        .replace("title: Tannlege", "title: [a]")
        .replace("subdomain: testklinikken", "subdomain: -bad")
    )
    assert len(problems_of(write_config(text))) == 3


def test_secrets_come_from_the_environment_or_files(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = BASE.replace("${env:TEST_ACCOUNT_KEY}", "${file:secrets/key}").replace(
        "        url: sqlite:///opus.db",
        "        server: ${env:DB_HOST}\n        database: opus\n        password: ${env:DB_PW}",
    )
    directory = write_config(text, secrets__key="file-secret-value\n")
    monkeypatch.setenv("DB_HOST", "sql01")
    monkeypatch.setenv("DB_PW", "0123")
    account = load_config(directory).config.accounts["clinic"]
    assert account.key.reveal() == "file-secret-value"
    db = account.databases["main"]
    assert db.server == "sql01"
    assert db.password is not None and db.password.reveal() == "0123"  # never coerced
    assert str(db.password) == "(sensitive)"


def test_missing_secrets_are_named_never_shown(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch, cli: RunCli
) -> None:
    monkeypatch.delenv("TEST_ACCOUNT_KEY")
    text = BASE.replace(
        "        url: sqlite:///opus.db",
        "        url: sqlite:///opus.db\n        password: ${file:nope.txt}",
    )
    found = problems_of(write_config(text))
    assert any("environment variable TEST_ACCOUNT_KEY is not set" in p for p in found)
    assert any("secret file" in p and "nope.txt cannot be read" in p for p in found)
    # --no-secrets checks the form only, and the CLI says so where a secret is missing
    load_config(write_config(text), resolve_secrets=False)
    for command in ("validate", "lint"):
        result = cli(command, write_config(text))
        assert result.code == 1 and "check the rest with --no-secrets" in result.err
        assert cli(command, "--no-secrets", write_config(text)).code == 0


def test_literal_secrets_are_refused_and_not_repeated(write_config: WriteConfig) -> None:
    text = BASE.replace("${env:TEST_ACCOUNT_KEY}", "hunter2-literal")
    found = problems_of(write_config(text))
    assert any("secrets are never written into the config" in p for p in found)
    assert not any("hunter2" in p for p in found)
    text = BASE.replace("${env:TEST_ACCOUNT_KEY}", "x${env:TEST_ACCOUNT_KEY}")
    assert any("exactly one reference" in p for p in problems_of(write_config(text)))


def test_files_named_in_the_config_must_exist(write_config: WriteConfig) -> None:
    text = BASE.replace("title: Tannlege", "title: Tannlege\n            photo: han.png")
    assert any("han.png does not exist" in p for p in problems_of(write_config(text)))
    directory = write_config(text, **{"han.png": "not really an image"})
    load_config(directory)
    text = BASE.replace("title: Tannlege", "title: Tannlege\n            photo: han.txt")
    assert any("must be a .png" in p for p in problems_of(write_config(text)))


def test_merge_fields_are_checked(write_config: WriteConfig) -> None:
    text = BASE.replace(
        "    clinics:", "    site:\n      sms:\n        booked: 'Hei {{navn}}'\n    clinics:"
    )
    [problem] = problems_of(write_config(text))
    assert "unknown merge field {{navn}}" in problem
    assert "patient_first_name" in problem


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '                hours: ["08:00-11:30", "12:30-15:00"]',
            '                hours: ["08:00-11:30"]\n'
            '                appointment_types: ["- Undersokelse"]',
            "appointment type '- Undersokelse' is not declared under "
            "accounts.clinic.databases.main.opus.appointment_types; did you mean '- Undersøkelse'?",
        ),
        (
            '                hours: ["08:00-11:30", "12:30-15:00"]',
            '                hours: ["08:00-11:30"]\n                preblock_type: Internet',
            "preblock type 'Internet' is not declared",
        ),
        (
            "            Internett: {kind: internet",
            "            Internett: {kind: internet}\n            Internett 2: {kind: internet",
            "say which preblock_type to place; the database has several: Internett, Internett 2",
        ),
        (
            "            Internett: {kind: internet",
            "            Internett: {absent: true, kind: internet",
            "no Internet preblock type is declared",
        ),
        (
            "        opus_id: 1",
            "        opus_id: 1\n        database: other",
            "database 'other' is not declared",
        ),
        (
            "      sentrum:",
            "      nord: {opus_id: 1}\n      sentrum:",
            "opus_id 1 is also clinic 'nord' in database 'main'",
        ),
        (
            "    clinics:",
            "    certificates:\n      a: {file: a.p12, password: '${env:TEST_ACCOUNT_KEY}'}\n"
            "      b: {file: a.p12, password: '${env:TEST_ACCOUNT_KEY}'}\n    clinics:",
            "several certificates are registered; say which is in use",
        ),
        (
            "version: 1\n",
            "version: 1\nlint: {ignore: [skip-confirmaton]}\n",
            "did you mean 'skip-confirmation'?",
        ),
    ],
)
def test_cross_references(write_config: WriteConfig, old: str, new: str, expected: str) -> None:
    assert old in BASE
    directory = write_config(BASE.replace(old, new, 1), **{"a.p12": "x"})
    found = problems_of(directory)
    assert any(expected in p for p in found), found


def test_two_accounts_cannot_share_a_subdomain(write_config: WriteConfig) -> None:
    second = """
  second:
    key: ${env:TEST_ACCOUNT_KEY}
    subdomain: testklinikken
    databases: {main: {url: 'sqlite://'}}
"""
    found = problems_of(write_config(BASE + second))
    assert any("subdomain is already used by account 'clinic'" in p for p in found)


def test_pipes_and_devices_are_refused_not_waited_on(write_config: WriteConfig) -> None:
    directory = write_config(BASE.replace("${env:TEST_ACCOUNT_KEY}", "${file:key.fifo}"))
    os.mkfifo(directory / "key.fifo")
    found = problems_of(directory)
    assert any("key.fifo is not a regular file" in p for p in found)
    os.mkfifo(directory / "root.fifo")
    with pytest.raises(ConfigError) as info:
        load_config(directory / "root.fifo")
    assert "is not a regular file" in info.value.problems[0].message


def test_a_value_written_where_a_variable_name_belongs_is_not_repeated(
    write_config: WriteConfig,
) -> None:
    found = problems_of(write_config(BASE.replace("TEST_ACCOUNT_KEY", "Hunter2 pass!")))
    assert any("takes an environment variable name" in p for p in found)
    assert not any("Hunter2" in p for p in found)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://booking.example.com", "the account key would travel unencrypted: use https://"),
        ("https://user:pw@booking.example.com", "a site address holds no user or password"),
    ],
)
def test_a_site_address_keeps_the_key_safe(
    write_config: WriteConfig, url: str, expected: str
) -> None:
    config = BASE.replace(
        "    subdomain: testklinikken", f"    subdomain: testklinikken\n    site_url: {url}"
    )
    assert any(expected in p for p in problems_of(write_config(config)))


def test_plain_http_is_fine_for_a_site_on_this_machine(write_config: WriteConfig) -> None:
    for url in ("http://127.0.0.1:8443", "http://localhost:8443"):
        config = BASE.replace(
            "    subdomain: testklinikken", f"    subdomain: testklinikken\n    site_url: {url}"
        )
        assert load_config(write_config(config)).config.accounts["clinic"].url == url
