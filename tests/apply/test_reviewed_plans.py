"""A saved plan is applied only as reviewed: an edited plan file, a changed file the config
names, another day or another selection of accounts is refused; a file that is not a plan
is refused saying where, repeating nothing it holds; a plan is recognised by its content;
it applies from another checkout; and the lock comes before the check."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support import RunCli

from reconciler.config import load_config
from reconciler.demo.workspace import Workspace
from reconciler.plan import planfile
from reconciler.plan.schema import plan_schema
from reconciler.providers.opus import OpusSchema
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus.connection import create_engine

Edit = Callable[[dict[str, Any]], None]


def saved_plan(cli: RunCli, workspace: Workspace, tmp_path: Path, name: str = "plan.json") -> Path:
    path = tmp_path / name
    result = cli("plan", workspace.config.parent, "--out", path)
    assert result.code == 0, result.err
    return path


def rewrite(path: Path, edit: Edit, *, fix_digest: bool) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)
    if fix_digest:  # as someone would who knows the format
        document["digest"] = planfile.digest(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _first_update(d: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in d["accounts"][0]["changes"] if c["action"] == "update")


def _change_a_value(d: dict[str, Any]) -> None:
    change = _first_update(d)
    name = change["fields"][0]
    change["after"][name] = 99


def _drop_a_change(d: dict[str, Any]) -> None:
    d["accounts"][0]["changes"].pop()


def _change_the_summary(d: dict[str, Any]) -> None:
    d["summary"]["create"] += 1


def _change_today(d: dict[str, Any]) -> None:
    d["today"] = "2020-01-01"


def _add_a_problem(d: dict[str, Any]) -> None:
    d["accounts"][0]["problems"].append(
        {
            "file": None,
            "line": None,
            "column": None,
            "severity": "warning",
            "code": "x",
            "message": "nothing to see",
        }
    )


def _no_accounts(d: dict[str, Any]) -> None:
    d["accounts"] = []


def _another_target(d: dict[str, Any]) -> None:
    d["targets"] = ["opus"]


def _change_a_source(d: dict[str, Any]) -> None:
    change = _first_update(d)
    name = next(iter(change["sources"]))
    change["sources"][name] = "elsewhere.yaml:1:1"


def _a_huge_count(d: dict[str, Any]) -> None:
    d["summary"]["create"] = 10**40


TAMPERING = [
    _change_a_value,
    _a_huge_count,
    _drop_a_change,
    _change_the_summary,
    _change_today,
    _add_a_problem,
    _no_accounts,
    _another_target,
    _change_a_source,
]


@pytest.mark.parametrize("edit", TAMPERING, ids=lambda f: f.__name__.strip("_"))
def test_an_edited_plan_file_is_refused(
    cli: RunCli, workspace: Workspace, tmp_path: Path, edit: Edit
) -> None:
    path = saved_plan(cli, workspace, tmp_path)
    rewrite(path, edit, fix_digest=False)
    result = cli("apply", path)
    assert result.code == 1
    assert "the plan file was changed after plan wrote it" in result.err
    rewrite(path, edit, fix_digest=True)  # the digest is no secret: apply plans again
    result = cli("apply", path)
    assert result.code == 1, result.out
    assert "plan is stale" in result.err or "does not read back as written" in result.err
    assert "applied" not in result.out
    assert cli("plan", workspace.config.parent, "--detailed-exitcode").code == 2  # untouched


@pytest.mark.parametrize(
    "name", ["certs/demo.p12", "logo.png"], ids=["certificate", "logo"]
)  # fmt: skip
def test_a_file_the_config_names_is_part_of_its_fingerprint(
    cli: RunCli, workspace: Workspace, tmp_path: Path, name: str
) -> None:
    config = workspace.config.parent
    if name == "logo.png":
        (config / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nfirst")
        root = config / "reconciler.yaml"
        root.write_text(
            root.read_text().replace("    site:\n", "    site:\n      theme: {logo: logo.png}\n")
        )
    path = saved_plan(cli, workspace, tmp_path)
    file = config / name
    file.write_bytes(file.read_bytes() + b"\0")  # the same name, other content
    result = cli("apply", path)
    assert result.code == 1
    assert "plan is stale: the config (or a file it names) has changed" in result.err


@pytest.mark.parametrize("name", ["plan.bin", "tfplan", "plan"])
def test_a_plan_is_recognised_by_its_content(
    cli: RunCli, workspace: Workspace, tmp_path: Path, name: str
) -> None:
    path = saved_plan(cli, workspace, tmp_path, name)
    result = cli("apply", path)
    assert result.code == 0, result.err
    assert "account demo: applied " in result.out
    assert cli("show", path).code == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"a": ' + b"[" * 100_000, "nests too deeply"),
        (b'{"a": ' + b"[" * 300 + b"]" * 300 + b"}", "nests too deeply"),
        (b'{"format_version": 2', "broken JSON at line 1"),
        (b'{"format_version": 1}', "has format 1, and this reconciler reads format 2"),
        (b'{"format_version": 2, "digest": "x"}', "was changed after plan wrote it"),
        (b"{\xff}", "not UTF-8"),
        (b'{"format_version": 2, "n": ' + b"9" * 5000 + b"}", "a number is too long"),
        (b'{"format_version": 2.0}', "has format 2.0, and this reconciler reads format 2"),
    ],
)
def test_a_broken_plan_file_is_a_clear_error(
    cli: RunCli, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    for command in ("apply", "show"):
        result = cli(command, path)
        assert result.code == 1
        assert expected in result.err
        assert "internal error" not in result.err and "Traceback" not in result.err


def test_the_schema_from_the_models_holds_a_saved_plan(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    document = json.loads(saved_plan(cli, workspace, tmp_path).read_text(encoding="utf-8"))
    assert document["accounts"][0]["problems"] and document["accounts"][0]["changes"]
    _validator().validate(document)


def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(
        plan_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


UNSAID = "UNSAID-VALUE"  # what a hostile file holds; no message may repeat it


def _change(d: dict[str, Any], index: int) -> dict[str, Any]:
    change: dict[str, Any] = d["accounts"][0]["changes"][index]
    return change


HOSTILE = [
    pytest.param(
        lambda d: d["summary"].update(create=UNSAID),
        "summary.create must be a whole number",
        id="text-for-a-number",
    ),
    pytest.param(
        lambda d: _change(d, 1).update(action=[UNSAID]),
        "accounts[0].changes[1].action must be 'create', 'update' or 'delete'",
        id="wrong-type-deep-down",
    ),
    pytest.param(
        lambda d: d["accounts"][0]["problems"][0].update(severity=UNSAID),
        "accounts[0].problems[0].severity must be 'error', 'warning' or 'info'",
        id="unknown-value",
    ),
    pytest.param(
        lambda d: d["accounts"][0].pop("live_fingerprint"),
        "accounts[0].live_fingerprint is missing",
        id="missing-key",
    ),
    pytest.param(
        lambda d: _change(d, 0).update(note=UNSAID),
        "accounts[0].changes[0].note is not part of a plan",
        id="extra-key",
    ),
    pytest.param(
        lambda d: d["config"].update({f"\x1b[2J{UNSAID}": 1}),
        "config[…] is not part of a plan",
        id="extra-key-not-a-name",
    ),
    pytest.param(
        lambda d: _change(d, 0).update(fields=[[{"a": [UNSAID]}]]),
        "accounts[0].changes[0].fields[0] must be text",
        id="nested-junk",
    ),
    pytest.param(
        lambda d: d.update(plan_id=10**40),
        "plan_id must be text",
        id="huge-number-for-text",
    ),
    pytest.param(
        lambda d: d["summary"].update(update=float("inf")),
        "summary.update must be a whole number",
        id="infinite-number",
    ),
    pytest.param(
        lambda d: d.update(config=[UNSAID]),
        "config must be an object",
        id="list-for-an-object",
    ),
    pytest.param(
        lambda d: d["accounts"].insert(0, [UNSAID]),
        "accounts[0] must be an object",
        id="list-for-an-account",
    ),
    pytest.param(
        lambda d: d.update(today=UNSAID),
        "today must be a date YYYY-MM-DD",
        id="not-a-date",
    ),
    pytest.param(
        lambda d: _change(d, 0)["sources"].update(duration=UNSAID),
        "accounts[0].changes[0].sources.duration must be file:line:column",
        id="not-a-source",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), HOSTILE)
def test_a_hostile_plan_file_says_where_and_repeats_nothing(
    cli: RunCli, workspace: Workspace, tmp_path: Path, edit: Edit, expected: str
) -> None:
    """Past the digest (recomputed, as someone who knows the format would), a document
    that is not a plan is refused by the reader and by the schema, both from the models."""
    path = saved_plan(cli, workspace, tmp_path)
    rewrite(path, edit, fix_digest=True)
    assert not _validator().is_valid(json.loads(path.read_text(encoding="utf-8")))
    for command in ("show", "apply"):
        result = cli(command, path)
        assert result.code == 1
        assert f"error: not a plan file: {expected}" in result.err
        assert "give a file written by reconciler plan --out" in result.err
        assert UNSAID not in result.err + result.out
        assert "Traceback" not in result.err and "internal error" not in result.err


def test_a_saved_plan_is_applied_from_another_checkout(
    cli: RunCli, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plan in one CI job, apply in another, on another runner with another checkout path:
    the runner's copy of the repository and the database it reaches are elsewhere."""
    first = workspace.directory
    monkeypatch.chdir(first)
    assert cli("plan", "config", "--out", "plan.json").code == 0
    document = json.loads((first / "plan.json").read_text())
    assert document["config"]["path"] == "config"
    assert all(
        not source.startswith("/")
        for change in document["accounts"][0]["changes"]
        for source in change["sources"].values()
    )
    second = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(first, second, ignore=shutil.ignore_patterns("site.db*"))
    monkeypatch.chdir(second)
    result = cli("apply", "plan.json")
    assert result.code == 0, result.err
    assert cli("plan", "config", "--detailed-exitcode").code == 0
    monkeypatch.chdir(tmp_path)  # run from elsewhere: the config is found beside the plan
    again = cli("apply", second / "plan.json")
    assert again.code == 1
    assert "account demo: plan is stale: the live state has changed" in again.err


def test_a_saved_plan_whose_config_is_not_here_says_so(
    cli: RunCli, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace.directory)
    assert cli("plan", "config", "--out", "plan.json").code == 0
    monkeypatch.chdir(tmp_path)
    shutil.move(workspace.directory / "plan.json", tmp_path / "moved.json")
    result = cli("apply", "moved.json")
    assert result.code == 1
    assert "the plan was made from the config at 'config', which is not here" in result.err


def test_a_saved_plan_with_account_is_a_usage_error(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    path = saved_plan(cli, workspace, tmp_path)
    result = cli("apply", path, "--account", "demo")
    assert result.code == 1
    assert "a saved plan is applied whole" in result.err


def test_plan_out_to_a_missing_directory_fails_before_planning(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    result = cli("plan", workspace.config.parent, "--out", tmp_path / "missing" / "p.json")
    assert result.code == 1
    assert result.out == ""
    assert "does not exist" in result.err


def _two_accounts(workspace: Workspace) -> Path:
    """The demo config with a second account on a copy of the database."""
    config = workspace.config.parent
    shutil.copy(workspace.database, workspace.directory / "opus2.db")
    root = config / "reconciler.yaml"
    head, block = root.read_text(encoding="utf-8").split("accounts:\n", 1)
    second = (
        block.replace("  demo:\n", "  second:\n", 1)
        .replace("sqlite:///../opus.db", "sqlite:///../opus2.db")
        .replace("subdomain: demo-tannlegene", "subdomain: second-tannlegene")
    )
    root.write_text(head + "accounts:\n" + block + second, encoding="utf-8")
    return config


def test_a_held_lock_stops_only_its_account(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    config = _two_accounts(workspace)
    path = tmp_path / "plan.json"
    assert cli("plan", config, "--exclude", "site", "--out", path).code == 0
    db = load_config(config).config.accounts["demo"].databases["opus"]
    engine = create_engine(db, "opus")
    books.acquire(engine, OpusSchema(), "demo", "another-apply")
    try:
        result = cli("apply", path)
    finally:
        engine.dispose()
    assert result.code == 1
    assert "error: account demo: account 'demo' is locked by " in result.err
    assert "account second: applied " in result.out
    assert cli("unlock", config, "--force", "--account", "demo").code == 0
    again = json.loads(cli("plan", config, "--exclude", "site", "--format", "json").out)
    left = {a["account"]: len(a["changes"]) for a in again["accounts"]}
    assert left["second"] == 0 and left["demo"] > 0


def test_two_applies_of_one_plan_at_once_apply_it_once(
    workspace: Workspace, tmp_path: Path, cli: RunCli
) -> None:
    path = saved_plan(cli, workspace, tmp_path)
    reconciler = Path(sys.executable).parent / "reconciler"
    runs = [
        subprocess.Popen(
            [str(reconciler), "apply", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outcomes = sorted((run.wait(120), *run.communicate()) for run in runs)
    (ok, ok_out, _), (refused, _, refused_err) = outcomes
    assert (ok, refused) == (0, 1), outcomes
    assert "account demo: applied " in ok_out
    assert "is locked by" in refused_err or "plan is stale: the live state has changed" in (
        refused_err
    )
    assert cli("plan", workspace.config.parent, "--detailed-exitcode").code == 0


def test_plan_writes_nothing_but_the_reconcilers_own_tables(
    cli: RunCli, workspace: Workspace
) -> None:
    def dump() -> list[str]:
        with sqlite3.connect(workspace.database) as c:
            return [line for line in c.iterdump() if "rc_" not in line]

    before = dump()
    assert cli("plan", workspace.config.parent, "--detailed-exitcode").code == 2
    assert cli("drift", workspace.config.parent).code == 0
    assert dump() == before
