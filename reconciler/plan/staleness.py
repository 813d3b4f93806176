"""Is a saved plan still the plan that would be made now?

Apply plans again and applies a saved plan only if the new plan is identical to it: the same
config (files and the files they name), the same day, the same options, the same accounts,
and for each account the same live state, changes (every before and after value), problems
and summary. The plan's id, its creation time and where the config lay on disk are not
compared, so a plan made in one checkout applies from another; the config lines that
changes cite are compared relative to the config's directory.

Each check returns why the plan is stale, or None.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from datetime import date
from typing import Any

from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.planfile import account_json


def plan_difference(
    saved: Plan, config_fingerprint: str, today: date, accounts: Sequence[str]
) -> str | None:
    """Why the saved plan as a whole is stale: `accounts` are those its selection now gives."""
    if saved.config_fingerprint != config_fingerprint:
        return "the config (or a file it names) has changed since it was made"
    if saved.today != today:
        return f"it was made on {saved.today}, and a plan holds for the day it was made"
    planned = [a.account for a in saved.accounts]
    if planned != list(accounts):
        return f"it covers account(s) {_names(planned)}, but its selection gives {_names(accounts)}"
    return None


def account_difference(
    saved: AccountPlan, fresh: AccountPlan, saved_dir: str, fresh_dir: str
) -> str | None:
    """Why one account's saved plan is stale (the caller names the account); `*_dir` are the
    config's directories as each plan names them (for the file:line sources)."""
    if saved.live_fingerprint != fresh.live_fingerprint:
        return "the live state has changed"
    old, new = _comparable(saved, saved_dir), _comparable(fresh, fresh_dir)
    if old == new:
        return None
    if old["changes"] != new["changes"]:
        return f"it no longer plans the same changes ({_first(old, new)})"
    if old["problems"] != new["problems"]:
        return "it finds other problems now"
    return f"it plans differently now (its {_first_key(old, new)} differs)"


def _comparable(account: AccountPlan, config_dir: str) -> dict[str, Any]:
    document = account_json(account)
    del document["refused"]  # the safety limit is decided at apply time, with --force
    for change in document["changes"]:
        change["sources"] = {k: _mark(v, config_dir) for k, v in change["sources"].items()}
    for problem in document["problems"]:
        if problem["file"] is not None:
            problem["file"] = _file(problem["file"], config_dir)
    return document


def _mark(mark: str, config_dir: str) -> str:
    file, line, column = mark.rsplit(":", 2)
    return f"{_file(file, config_dir)}:{line}:{column}"


def _file(file: str, config_dir: str) -> str:
    """A file named as a plan names it (relative to where plan ran, or absolute), relative
    to the config's directory named the same way."""
    here = "/_"  # stands for where plan ran; absolute names ignore it
    path = posixpath.normpath(posixpath.join(here, file))
    return posixpath.relpath(path, posixpath.normpath(posixpath.join(here, config_dir)))


def _first(old: dict[str, Any], new: dict[str, Any]) -> str:
    for before, after in zip(old["changes"], new["changes"], strict=False):
        if before != after:
            return f"first at {after['address']}"
    if len(old["changes"]) != len(new["changes"]):
        return f"{len(old['changes'])} planned, {len(new['changes'])} now"
    return "their order differs"


def _first_key(old: dict[str, Any], new: dict[str, Any]) -> str:
    return next(k for k in new if old.get(k) != new.get(k))


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names) or "none"
