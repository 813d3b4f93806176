"""A plan as one JSON document (schemas/plan.schema.json): what `plan --format json` prints
and `plan --out FILE` saves. Sensitive values are never written; `apply FILE` recomputes the
plan from the same config and live state and applies only if it is the one approved."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reconciler.domain.resources import SENSITIVE, Action, Change, Resource
from reconciler.errors import Mark, Problem, ReconcilerError, Severity
from reconciler.plan.model import AccountPlan, Plan

FORMAT_VERSION = 1
_MARK = re.compile(r"(.*):(\d+):(\d+)")


def _resource_json(res: Resource | None) -> dict[str, Any] | None:
    if res is None:
        return None
    return {name: res.shown(name) for name in res.attrs}


def _change_json(change: Change) -> dict[str, Any]:
    res = change.resource
    return {
        "action": change.action.value,
        "address": change.address,
        "kind": change.kind,
        "fields": list(change.fields),
        "before": _resource_json(change.before),
        "after": _resource_json(change.after),
        "sources": {name: str(mark) for name, mark in res.sources.items()},
        "sensitive": sorted(res.sensitive),
    }


def _summary(counts: Any) -> dict[str, int]:
    return {a.value: counts.get(a, 0) for a in Action}


def to_json(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "plan_id": plan.id,
        "created_at": plan.created_at.isoformat(timespec="seconds"),
        "today": plan.today.isoformat(),
        "config": {"path": plan.config_path, "fingerprint": plan.config_fingerprint},
        "refresh_only": plan.refresh_only,
        "targets": list(plan.targets),
        "excludes": list(plan.excludes),
        "summary": _summary(plan.counts()),
        "accounts": [
            {
                "account": a.account,
                "live_fingerprint": a.live_fingerprint,
                "refused": a.refused,
                "summary": _summary(a.counts()),
                "problems": [p.as_json() for p in a.problems],
                "changes": [_change_json(c) for c in a.changes],
            }
            for a in plan.accounts
        ],
    }


def dumps(plan: Plan) -> str:
    return json.dumps(to_json(plan), indent=2, ensure_ascii=False) + "\n"


def save(plan: Plan, path: Path) -> None:
    try:
        path.write_text(dumps(plan), encoding="utf-8")
    except OSError as e:
        raise ReconcilerError(
            f"cannot write the plan to {path}: {e.strerror}", "check the path"
        ) from None


def _mark(text: str) -> Mark | None:
    m = _MARK.fullmatch(text)
    return Mark(m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def _resource(
    address: str, kind: str, attrs: dict[str, Any] | None, data: dict[str, Any]
) -> Resource | None:
    if attrs is None:
        return None
    sources = {n: m for n, text in data.get("sources", {}).items() if (m := _mark(text))}
    return Resource(address, kind, attrs, sources, frozenset(data.get("sensitive", [])))


def from_json(data: dict[str, Any]) -> Plan:
    """The plan a JSON document describes; ReconcilerError if it is not one."""
    try:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError("an unknown plan format")
        accounts = []
        for a in data["accounts"]:
            changes = tuple(
                Change(
                    Action(c["action"]),
                    c["address"],
                    c["kind"],
                    _resource(c["address"], c["kind"], c["before"], c),
                    _resource(c["address"], c["kind"], c["after"], c),
                    tuple(c["fields"]),
                )
                for c in a["changes"]
            )
            problems = tuple(
                Problem(
                    Mark(p["file"], p["line"], p["column"]) if p["file"] else None,
                    p["message"],
                    p["code"],
                    Severity(p["severity"]),
                )
                for p in a["problems"]
            )
            accounts.append(
                AccountPlan(a["account"], changes, a["live_fingerprint"], problems, a["refused"])
            )
        return Plan(
            id=data["plan_id"],
            created_at=datetime.fromisoformat(data["created_at"]),
            today=date.fromisoformat(data["today"]),
            config_path=data["config"]["path"],
            config_fingerprint=data["config"]["fingerprint"],
            accounts=tuple(accounts),
            refresh_only=bool(data["refresh_only"]),
            targets=tuple(data["targets"]),
            excludes=tuple(data["excludes"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ReconcilerError(
            f"not a plan file ({type(e).__name__}: {e})",
            "give a file written by reconciler plan --out",
        ) from None


def load(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReconcilerError(
            f"cannot read the plan {path}: {getattr(e, 'strerror', None) or e}",
            "give a file written by reconciler plan --out",
        ) from None
    if not isinstance(data, dict):
        raise ReconcilerError(
            f"{path} is not a plan", "give a file written by reconciler plan --out"
        )
    return from_json(data)


def is_plan_file(path: Path) -> bool:
    """A plan file rather than a config: a JSON file."""
    return path.is_file() and path.suffix == ".json"


__all__ = ["SENSITIVE", "dumps", "from_json", "is_plan_file", "load", "save", "to_json"]
