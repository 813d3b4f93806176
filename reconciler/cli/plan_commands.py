"""plan, apply, show, drift and unlock: the commands that read and change the live systems."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.report import echo, echo_styled, emit_problems, styled, use_color
from reconciler.errors import ReconcilerError, UsageError

if TYPE_CHECKING:
    from reconciler.plan.model import Plan

PLAN_FORMATS = ("text", "markdown", "json")
_COLORS = {"create": "green", "update": "yellow", "delete": "red"}


def _style(text: str, tag: str, color: bool) -> str:
    if tag == "dim":
        return styled(text, color, dim=True)
    return styled(text, color, fg=_COLORS.get(tag))


def _emit(plan: Plan, fmt: str) -> None:
    from reconciler.plan import planfile, render  # noqa: PLC0415 (keeps start-up light)

    if fmt == "json":
        echo(planfile.dumps(plan), nl=False)
    elif fmt == "markdown":
        echo(render.render_markdown(plan), nl=False)
    else:
        color = use_color(sys.stdout)
        echo_styled(render.render_text(plan, lambda t, tag: _style(t, tag, color)), nl=False)
    problems = [p for account in plan.accounts for p in account.problems]
    if problems and fmt != "text":
        emit_problems(problems, "text", with_severity=True)


path_argument = click.argument("path", type=click.Path(path_type=Path))
format_option = click.option(
    "--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text", show_default=True,
    help="text for people, markdown for pull-request comments, json for tools "
    "(schemas/plan.schema.json).",
)  # fmt: skip
account_option = click.option(
    "--account", "accounts", multiple=True, metavar="NAME", help="Only this account (repeatable)."
)


@click.command("plan")
@path_argument
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan (JSON)."
)
@format_option
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none."
)
@click.option(
    "--target", "targets", multiple=True, metavar="ADDR",
    help="Only this resource and what lies under it (repeatable).",
)  # fmt: skip
@click.option(
    "--exclude", "excludes", multiple=True, metavar="ADDR",
    help="Leave out this resource and what lies under it (repeatable).",
)  # fmt: skip
@click.option("--refresh-only", is_flag=True, help="Only what changed outside the config.")
@click.option(
    "--refresh", is_flag=True,
    help="Read every row, even when the change counters say nothing moved since the last "
    "no-change plan.",
)  # fmt: skip
@account_option
def plan_command(
    path: Path,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    excludes: tuple[str, ...],
    refresh_only: bool,
    refresh: bool,
    accounts: tuple[str, ...],
) -> int:
    """Show what apply would change to make the live systems match the config at PATH."""
    from reconciler.plan import planfile  # noqa: PLC0415
    from reconciler.plan.planner import compute  # noqa: PLC0415

    if out is not None:
        planfile.check_writable(out)
    computed = compute(
        path,
        accounts=accounts,
        targets=targets,
        excludes=excludes,
        refresh_only=refresh_only,
        refresh=refresh,
    )
    plan = computed.plan
    for note in computed.notes:
        echo(note, err=True)
    _emit(plan, fmt)
    if out is not None:
        planfile.save(plan, out)
        echo(f"saved the plan to {out}; apply it with: reconciler apply {out}", err=True)
    if any(p.severity.value == "error" for a in plan.accounts for p in a.problems):
        return 1
    return 2 if detailed_exitcode and plan.has_changes else 0


@click.command("apply")
@click.argument("target", metavar="PLANFILE|PATH", type=click.Path(path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--force", is_flag=True, help="Apply even beyond the safety limits.")
@account_option
def apply_command(target: Path, auto_approve: bool, force: bool, accounts: tuple[str, ...]) -> int:
    """Apply a saved plan exactly as reviewed (refused unless planning again gives the same
    plan), or plan the config at PATH, show it, and apply it once approved."""
    from reconciler.apply.engine import apply  # noqa: PLC0415
    from reconciler.cli.apply_report import echo_reports  # noqa: PLC0415
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.plan import planfile  # noqa: PLC0415
    from reconciler.plan.planner import compute  # noqa: PLC0415

    if planfile.is_plan_file(target):
        if accounts:
            raise UsageError(
                "a saved plan is applied whole; --account does not apply to it",
                "plan again with --account NAME --out FILE, and apply that",
            )
        reviewed = planfile.load(target)
        loaded = load_config(_config_of(reviewed, target))
        if not reviewed.has_changes:
            echo("No changes: the plan has nothing to apply.")
            return 0
    else:
        computed = compute(target, accounts=accounts, force=force)
        _emit(computed.plan, "text")
        reviewed, loaded = computed.plan, computed.loaded
        if not reviewed.has_changes:
            return 0
        if not auto_approve:
            _confirm()
    reports = apply(reviewed, loaded, force=force, events=lambda event: echo(str(event), err=True))
    return 0 if echo_reports(reports) else 1


def _config_of(reviewed: Plan, plan_file: Path) -> Path:
    """The config a saved plan was made from: its directory as plan named it — relative to
    where plan ran, so looked for from here, then from the plan file's directory (a CI job
    that downloaded the plan beside the checkout). Its fingerprint must match in any case."""
    written = Path(reviewed.config_path)
    candidates = [written] if written.is_absolute() else [written, plan_file.parent / written]
    for candidate in candidates:
        if (candidate / "reconciler.yaml").is_file():
            return candidate
    raise UsageError(
        f"the plan was made from the config at '{written}', which is not here",
        "run apply from the directory plan ran in (the checkout of the config repo)",
    )


def _confirm() -> None:
    if not sys.stdin.isatty():
        raise UsageError(
            "apply needs confirmation and there is no terminal to ask",
            "review the plan, then run with --auto-approve (or apply a saved plan file)",
        )
    answer = click.prompt(
        "Apply these changes? Only 'yes' will be accepted", default="", show_default=False
    )
    if answer.strip() != "yes":
        raise ReconcilerError("apply cancelled", "nothing was changed")


@click.command("show")
@click.argument("planfile", type=click.Path(path_type=Path, dir_okay=False))
@format_option
def show_command(planfile: Path, fmt: str) -> int:
    """Render a saved plan."""
    from reconciler.plan import planfile as files  # noqa: PLC0415

    _emit(files.load(planfile), fmt)
    return 0


@click.command("drift")
@path_argument
@format_option
@account_option
def drift_command(path: Path, fmt: str, accounts: tuple[str, ...]) -> int:
    """Show what changed in the live systems outside the config since the last apply.

    Exits 0 when nothing did, 2 when something did. To make the config win, apply; to accept
    the change, edit the config (or plan --refresh-only and apply that plan).
    """
    from reconciler.plan.planner import compute  # noqa: PLC0415

    computed = compute(path, accounts=accounts, refresh_only=True, from_opus=True)
    plan = computed.plan
    _emit(plan, fmt)
    return 2 if plan.has_changes else 0


@click.command("unlock")
@path_argument
@click.option("--force", is_flag=True, help="Required: confirms that no apply is running.")
@account_option
def unlock_command(path: Path, force: bool, accounts: tuple[str, ...]) -> int:
    """Clear a stale apply lock left by an apply that died."""
    from reconciler.apply.engine import unlock  # noqa: PLC0415
    from reconciler.config import load_config  # noqa: PLC0415

    if not force:
        raise UsageError(
            "unlock clears a lock another apply may hold", "make sure none runs, then add --force"
        )
    loaded = load_config(path)
    for name, account in loaded.config.accounts.items():
        if accounts and name not in accounts:
            continue
        holder = unlock(name, account)
        echo(
            f"account {name}: " + (f"cleared the lock of {holder}" if holder else "was not locked")
        )
    return 0


@click.command("export")
@path_argument
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the new reconciler.yaml (must not hold one).",
)  # fmt: skip
def export_command(path: Path, out: Path) -> int:
    """Write a config from the live systems the config at PATH reaches: it validates, and a
    plan from it shows no changes. Publishing rules are kept from PATH only where the
    reconciler placed the preblocks."""
    from reconciler.export import export  # noqa: PLC0415

    done = export(path, out)
    accounts = f"{done.accounts} account" + ("s" if done.accounts != 1 else "")
    echo(f"wrote {done.path}: {accounts}, {done.objects} objects read live")
    for note in done.notes:
        echo(f"note: {note}", err=True)
    echo(f"next: reconciler plan {out}")
    return 0


@click.command("doctor")
@path_argument
@account_option
def doctor_command(path: Path, accounts: tuple[str, ...]) -> int:
    """The three statuses the service needs, one line each: database reachable, certificate
    valid, account accepted by the site. Exits 0 only when all are OK."""
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.sync.checks import statuses  # noqa: PLC0415

    loaded = load_config(path)
    chosen = [(n, a) for n, a in loaded.config.accounts.items() if not accounts or n in accounts]
    failed = False
    for name, account in chosen:
        prefix = f"{name}: " if len(chosen) > 1 else ""
        for status in statuses(account):
            line = f"{prefix}{status.check}: " + ("OK" if status.ok else f"FAIL {status.reason}")
            echo(line)
            if status.warning:
                echo(f"warning: {prefix}{status.check}: {status.warning}", err=True)
            failed = failed or not status.ok
    return 1 if failed else 0
