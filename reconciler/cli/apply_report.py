"""What apply did, per account, in words: changes counted as changes, steps named."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.apply.engine import AccountReport, Step
from reconciler.cli.report import echo
from reconciler.domain.words import count

_NAMED_STEPS = 3  # steps named in a line before "and N more"


def echo_reports(reports: Sequence[AccountReport]) -> bool:
    """Print each account's report (errors to stderr); whether every account succeeded."""
    ok = True
    for report in reports:
        line = describe(report)
        if line:
            echo(line, err=not report.ok)
        ok = ok and report.ok
    return ok


def describe(report: AccountReport) -> str:
    """One line for one account: empty when there was nothing to do."""
    name = report.account
    if report.refused:
        return f"error: account {name}: {report.refused}"
    done = _changes(report.applied)
    if report.failed is not None:
        step, why = report.failed
        line = f"error: account {name}: "
        if report.applied:
            line += f"applied {done}, then "
        line += f"failed at {step.label} ({count(step.changes, 'change')}): {why}"
        if report.not_attempted:
            line += f"; not attempted: {_changes(report.not_attempted, named=True)}"
        return line + " — fix the cause and run plan again: it shows what is left"
    if not report.applied:
        return ""
    if report.baseline_only:
        return (
            f"account {name}: accepted {done} as the new baseline "
            "(recorded what the live systems hold; nothing was written to them)"
        )
    return f"account {name}: applied {done}"


def _changes(steps: Sequence[Step], *, named: bool = False) -> str:
    total = sum(s.changes for s in steps)
    text = f"{count(total, 'change')} in {count(len(steps), 'step')}"
    if named:
        labels = [s.label for s in steps[:_NAMED_STEPS]]
        more = len(steps) - len(labels)
        text += " (" + ", ".join(labels) + (f", and {more} more" if more else "") + ")"
    return text
