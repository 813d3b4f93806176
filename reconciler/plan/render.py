"""Plans for people: text for the terminal, markdown for pull-request comments. (JSON is
document.py.) Field-level before → after for updates, every value's config line, sensitive
values shown as (sensitive), and long runs of preblocks collapsed per provider."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from itertools import groupby
from typing import Any

from reconciler.domain.resources import Action, Change
from reconciler.plan.model import AccountPlan, Plan

COLLAPSE_KINDS = {"opus_preblock"}
COLLAPSE_AFTER = 3
Style = Callable[[str, str], str]
"""(text, tag) → text as shown; the tag is an action, "dim", or "" for plain text. Every
piece of text taken from the plan passes through it, so that a terminal's style can make
it safe to print before it adds colour."""


def plain(text: str, _: str) -> str:
    return text


def _value(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)


def summary(counts: Any, *, outside: bool = False) -> str:
    """The counts of a plan, or (`outside`) of what changed outside the config (drift)."""
    made, changed, gone = (counts.get(a, 0) for a in (Action.CREATE, Action.UPDATE, Action.DELETE))
    if outside:
        return f"{made} added, {changed} changed, {gone} removed outside the config"
    return f"{made} to create, {changed} to change, {gone} to delete"


def _groups(changes: tuple[Change, ...]) -> Iterator[list[Change]]:
    """Changes one by one, except long runs of one provider's preblocks, which go together."""
    for _, run in groupby(changes, key=lambda c: _run_key(c) or c.address):
        items = list(run)
        if len(items) > COLLAPSE_AFTER:
            yield items
        else:
            yield from ([c] for c in items)


def _run_key(change: Change) -> str | None:
    if change.kind not in COLLAPSE_KINDS:
        return None
    return f"{change.action.value} {change.kind} {change.resource.attrs.get('provider')}"


def _lines(change: Change) -> list[tuple[str, str]]:
    """(text, source) lines under a change's address."""
    res = change.resource
    if change.action is Action.DELETE:
        return []
    names = change.fields if change.action is Action.UPDATE else tuple(res.attrs)
    out = []
    for name in names:
        after = _value(res.shown(name))
        if change.action is Action.UPDATE and change.before is not None:
            text = f"{name}: {_value(change.before.shown(name))} → {after}"
        elif res.attrs.get(name) in (None, [], {}):
            continue
        else:
            text = f"{name}: {after}"
        mark = res.sources.get(name)
        out.append((text, str(mark) if mark else ""))
    return out


def _group_line(group: list[Change]) -> str:
    first, last = group[0].resource.attrs, group[-1].resource.attrs
    kind = group[0].kind.removeprefix("opus_")
    return (
        f"{len(group)} {kind}s for {first.get('provider')}: "
        f"{first.get('starts_at')} … {last.get('ends_at')}"
    )


def account_text(account: AccountPlan, style: Style = plain, *, outside: bool = False) -> list[str]:
    lines = [
        style(f"account {account.account}: {summary(account.counts(), outside=outside)}", "dim")
    ]
    for problem in account.problems:
        where = f"{problem.mark}: " if problem.mark else ""
        lines.append("  " + style(where + problem.message, ""))
    if account.refused:
        lines.append(style(f"  refused: {account.refused}", "delete"))
    for group in _groups(account.changes):
        action = group[0].action
        sign = style(action.symbol, action.value)
        if len(group) > 1:
            mark = group[0].resource.sources.get("starts_at")
            where = f"   {style(str(mark), 'dim')}" if mark else ""
            lines.append(f"  {sign} {style(_group_line(group), '')}{where}")
            continue
        change = group[0]
        lines.append(f"  {sign} {style(change.address, action.value)}")
        for text, source in _lines(change):
            lines.append(
                f"      {style(text, '')}" + (f"   {style(source, 'dim')}" if source else "")
            )
    return lines


def render_text(plan: Plan, style: Style = plain) -> str:
    lines: list[str] = []
    outside = plan.refresh_only
    for account in plan.accounts:
        lines += account_text(account, style, outside=outside)
        lines.append("")
    if plan.has_changes and outside:
        lines.append(f"{summary(plan.counts(), outside=True).capitalize()}.")
    elif plan.has_changes:
        lines.append(f"Plan: {summary(plan.counts())}.")
    else:
        lines.append("No changes: the live systems match the config.")
    return "\n".join(lines) + "\n"


def render_markdown(plan: Plan) -> str:
    """For a pull-request comment: a summary, then each account in a collapsible diff."""
    outside = plan.refresh_only
    heading = "drift" if outside else "plan"
    out = [f"### reconciler {heading}: {summary(plan.counts(), outside=outside)}", ""]
    if not plan.has_changes:
        out.append("No changes: the live systems match the config.")
    for account in plan.accounts:
        if not account.changes and not account.problems:
            continue
        out += [
            "<details>",
            f"<summary><b>{account.account}</b>: "
            f"{summary(account.counts(), outside=outside)}</summary>",
            "",
            "```diff",
            *(_diff_line(line) for line in account_text(account, outside=outside)[1:]),
            "```",
            "</details>",
            "",
        ]
    return "\n".join(out).rstrip() + "\n"


def _diff_line(line: str) -> str:
    """Text lines as a diff block: + and - in the first column, the rest indented."""
    stripped = line.lstrip()
    if stripped[:2] in ("+ ", "- "):
        return stripped[0] + " " + stripped[2:]
    if stripped.startswith("~ "):
        return "! " + stripped[2:]
    return "  " + line
