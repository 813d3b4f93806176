"""A plan as one JSON document (schemas/plan.schema.json): what `plan --format json` prints
and `plan --out FILE` saves.

Sensitive values are never written. The document carries a digest of its own canonical
content, so that a plan file edited by hand (or broken in transit) is refused before
anything else; the real guarantee is apply's: it plans again and applies only if the new
plan is identical to the saved one (see `staleness`). A plan file is recognised by its
content, whatever its name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from reconciler.config.files import FileProblem, read_limited
from reconciler.domain.resources import SENSITIVE, Action, Change, Resource
from reconciler.errors import Mark, Problem, ReconcilerError, Severity
from reconciler.plan.model import AccountPlan, Plan

FORMAT_VERSION: Final = 2
MAX_PLAN_BYTES: Final = 512 * 1024 * 1024
_MARK = re.compile(r"(.*):(\d+):(\d+)")
_PLAN_HINT = "give a file written by reconciler plan --out"


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


def account_json(account: AccountPlan) -> dict[str, Any]:
    return {
        "account": account.account,
        "live_fingerprint": account.live_fingerprint,
        "refused": account.refused,
        "summary": _summary(account.counts()),
        "problems": [p.as_json() for p in account.problems],
        "changes": [_change_json(c) for c in account.changes],
    }


def to_json(plan: Plan) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "digest": "",
        "plan_id": plan.id,
        "created_at": plan.created_at.isoformat(timespec="seconds"),
        "today": plan.today.isoformat(),
        "config": {"path": plan.config_path, "fingerprint": plan.config_fingerprint},
        "refresh_only": plan.refresh_only,
        "targets": list(plan.targets),
        "excludes": list(plan.excludes),
        "selected_accounts": list(plan.selected),
        "summary": _summary(plan.counts()),
        "accounts": [account_json(a) for a in plan.accounts],
    }
    document["digest"] = digest(document)
    return document


def digest(document: dict[str, Any]) -> str:
    """The hash of a plan document's canonical form, its own digest left out."""
    content = {k: v for k, v in document.items() if k != "digest"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "blake2b-256:" + hashlib.blake2b(text.encode("utf-8"), digest_size=32).hexdigest()


def dumps(plan: Plan) -> str:
    return json.dumps(to_json(plan), indent=2, ensure_ascii=False) + "\n"


def save(plan: Plan, path: Path) -> None:
    """Write the plan whole or not at all (a temporary file, then renamed into place)."""
    text = dumps(plan)
    try:
        fd, temporary = tempfile.mkstemp(prefix=".plan-", dir=path.parent or Path())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as e:
        raise ReconcilerError(
            f"cannot write the plan to {path}: {e.strerror}", "check the path"
        ) from None


def check_writable(path: Path) -> None:
    """Refuse an --out path that cannot be written, before any work is done."""
    parent = path.parent if str(path.parent) else Path()
    if path.is_dir():
        raise ReconcilerError(f"cannot write the plan to {path}: it is a directory", "name a file")
    if not parent.is_dir():
        raise ReconcilerError(
            f"cannot write the plan to {path}: {parent} does not exist", "create it first"
        )
    if not os.access(parent, os.W_OK):
        raise ReconcilerError(f"cannot write the plan to {path}: {parent} is not writable", "")


def _mark(text: str) -> Mark | None:
    m = _MARK.fullmatch(text)
    return Mark(m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def _resource(
    address: str, kind: str, attrs: dict[str, Any] | None, data: dict[str, Any]
) -> Resource | None:
    if attrs is None:
        return None
    if not isinstance(attrs, dict):
        raise TypeError("attributes must be an object")
    sources = {n: m for n, text in data.get("sources", {}).items() if (m := _mark(text))}
    return Resource(address, kind, attrs, sources, frozenset(data.get("sensitive", [])))


def account_from_json(a: dict[str, Any]) -> AccountPlan:
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
    return AccountPlan(a["account"], changes, a["live_fingerprint"], problems, a["refused"])


def from_json(data: dict[str, Any]) -> Plan:
    """The plan a JSON document describes; ReconcilerError if it is not one, or if it was
    changed after plan wrote it."""
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise ReconcilerError(
            f"the plan file has format {version!r}, and this reconciler reads format "
            f"{FORMAT_VERSION}",
            "run plan again with this version",
        )
    if data.get("digest") != digest(data):
        raise ReconcilerError(
            "the plan file was changed after plan wrote it (its digest does not match)",
            "apply only plans as plan wrote them: run plan again",
        )
    try:
        plan = Plan(
            id=data["plan_id"],
            created_at=datetime.fromisoformat(data["created_at"]),
            today=date.fromisoformat(data["today"]),
            config_path=str(data["config"]["path"]),
            config_fingerprint=str(data["config"]["fingerprint"]),
            accounts=tuple(account_from_json(a) for a in data["accounts"]),
            refresh_only=bool(data["refresh_only"]),
            targets=tuple(data["targets"]),
            excludes=tuple(data["excludes"]),
            selected=tuple(data["selected_accounts"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ReconcilerError(f"not a plan file ({type(e).__name__}: {e})", _PLAN_HINT) from None
    if to_json(plan) | {"digest": "", "plan_id": ""} != data | {"digest": "", "plan_id": ""}:
        raise ReconcilerError(
            "the plan file does not read back as written (a summary that does not match its "
            "changes, or fields this reconciler does not know)",
            "apply only plans as plan wrote them: run plan again",
        )
    return plan


def load(path: Path) -> Plan:
    return from_json(read_document(path))


def read_document(path: Path) -> dict[str, Any]:
    """The plan file's JSON document, read safely (a regular file, bounded, any nesting)."""
    try:
        data = json.loads(read_limited(path, MAX_PLAN_BYTES).decode("utf-8"))
    except FileProblem as e:
        raise ReconcilerError(f"cannot read the plan {path}: it {e}", _PLAN_HINT) from None
    except UnicodeDecodeError:
        raise ReconcilerError(f"{path} is not a plan: it is not UTF-8 text", _PLAN_HINT) from None
    except RecursionError:
        raise ReconcilerError(f"{path} is not a plan: it nests too deeply", _PLAN_HINT) from None
    except json.JSONDecodeError as e:
        raise ReconcilerError(
            f"{path} is not a plan: broken JSON at line {e.lineno}, column {e.colno}", _PLAN_HINT
        ) from None
    if not isinstance(data, dict):
        raise ReconcilerError(f"{path} is not a plan: not a JSON object", _PLAN_HINT)
    return data


def is_plan_file(path: Path) -> bool:
    """Whether `path` holds a plan rather than a config, by its content, whatever its name
    (plan.json, plan.bin, tfplan): a JSON object. A config is a directory or a .yaml file."""
    if not path.is_file() or path.suffix.lower() in (".yaml", ".yml"):
        return False
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{")


__all__ = [
    "SENSITIVE",
    "account_json",
    "check_writable",
    "dumps",
    "from_json",
    "is_plan_file",
    "load",
    "read_document",
    "save",
    "to_json",
]
