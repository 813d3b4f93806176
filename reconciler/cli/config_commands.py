"""validate, lint and schema: the commands that read only the config."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from reconciler.cli.report import FORMATS, echo, emit_json, emit_problems
from reconciler.config import LoadedConfig, lint, load_config
from reconciler.config.problem_json import ProblemJson
from reconciler.config.schema import SCHEMAS, stale_schemas, write_schemas
from reconciler.errors import ConfigError, Problem, Severity

path_argument = click.argument("path", type=click.Path(path_type=Path))
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, json for tools (schemas/problems.schema.json), github for annotations.",
)
no_secrets_option = click.option(
    "--no-secrets",
    is_flag=True,
    help="Check secret references for form only, without reading the variables or files.",
)


def _load(path: Path, fmt: str, no_secrets: bool) -> LoadedConfig | None:
    """The loaded config; on problems, report them in `fmt` and return None (text format
    lets ConfigError reach the CLI boundary, which prints it)."""
    try:
        return load_config(path, resolve_secrets=not no_secrets)
    except ConfigError as e:
        if fmt == "text" and any(p.code == "secret" for p in e.problems):
            raise ConfigError(
                e.problems,
                "fix them and run the command again; where the secrets are not at hand (a "
                "pull request's checks), check the rest with --no-secrets",
            ) from None
        if fmt == "text":
            raise
        _report(e.problems, fmt, ok=False, files=[])
        return None


def _report(
    problems: list[Problem],
    fmt: str,
    *,
    ok: bool,
    files: list[str],
    accounts: list[str] | None = None,
) -> None:
    counts = Counter(p.severity.value for p in problems)
    if fmt == "json":
        emit_json(
            {
                "ok": ok,
                "files": files,
                **({} if accounts is None else {"accounts": accounts}),
                "summary": {s.value: counts.get(s.value, 0) for s in Severity},
                "problems": [ProblemJson.of(p).model_dump(mode="json") for p in problems],
            }
        )
    else:
        emit_problems(problems, fmt, with_severity=True)


def _describe(loaded: LoadedConfig) -> str:
    accounts = loaded.config.accounts.values()
    clinics = sum(len(a.clinics) for a in accounts)
    providers = sum(len(c.providers) for a in accounts for c in a.clinics.values())
    return (
        f"{_n(len(loaded.files), 'file')}, {_n(len(accounts), 'account')}, "
        f"{_n(clinics, 'clinic')}, {_n(providers, 'provider')}"
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@click.command("validate")
@path_argument
@format_option
@no_secrets_option
def validate_command(path: Path, fmt: str, no_secrets: bool) -> int:
    """Load and validate every file of the config at PATH; report all problems.

    Exits 0 when the config is valid, 1 otherwise.
    """
    loaded = _load(path, fmt, no_secrets)
    if loaded is None:
        return 1
    if fmt == "json":
        _report([], fmt, ok=True, files=loaded.files, accounts=list(loaded.config.accounts))
    elif fmt == "text":
        echo(f"valid: {_describe(loaded)}")
    return 0


@click.command("lint")
@path_argument
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
@format_option
@no_secrets_option
def lint_command(path: Path, strict: bool, fmt: str, no_secrets: bool) -> int:
    """Check the config at PATH for known misconfigurations (the setup guide's traps).

    Exits 1 when a rule of severity error fires (or a warning, with --strict), else 0.
    Rules can be turned off in the config with lint: {ignore: [rule-id]}.
    """
    loaded = _load(path, fmt, no_secrets)
    if loaded is None:
        return 1
    findings = lint(loaded)
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    failed = any(f.severity in failing for f in findings)
    _report(findings, fmt, ok=not failed, files=loaded.files, accounts=list(loaded.config.accounts))
    if fmt == "text":
        counts = Counter(f.severity for f in findings)
        summary = ", ".join(_n(counts[s], s.value) for s in Severity if counts[s]) or "no findings"
        echo(f"lint: {summary} in {_describe(loaded)}", err=failed)
    return 1 if failed else 0


@click.command("schema")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schemas"),
    show_default=True,
    help="Directory to write the JSON Schemas to.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files are out of date.")
def schema_command(out: Path, check: bool) -> int:
    """Write the JSON Schemas (for editors and tools) generated from the model."""
    from reconciler.plan.schema import plan_schema  # noqa: PLC0415
    from reconciler.sync.slots import slots_schema  # noqa: PLC0415

    schemas = {**SCHEMAS, "plan.schema.json": plan_schema, "slots.schema.json": slots_schema}
    if check:
        stale = stale_schemas(out, schemas)
        for path in stale:
            echo(f"error: {path} is out of date — run reconciler schema --out {out}", err=True)
        return 1 if stale else 0
    for path in write_schemas(out, schemas):
        echo(f"wrote {path}")
    return 0
