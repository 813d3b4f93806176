"""A plan as one JSON document (schemas/plan.schema.json): what `plan --format json` prints
and `plan --out FILE` saves. Its shape is `document.PlanJson`.

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
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from reconciler.config.files import FileProblem, read_limited
from reconciler.errors import ReconcilerError
from reconciler.plan.document import FORMAT_VERSION, AccountJson, PlanJson
from reconciler.plan.model import AccountPlan, Plan

MAX_PLAN_BYTES: Final = 512 * 1024 * 1024
MAX_NESTING: Final = 64  # a plan nests ~10 deep; reading back writes it again, to 255
_PLAN_HINT = "give a file written by reconciler plan --out"


def to_json(plan: Plan) -> dict[str, Any]:
    document = PlanJson.of(plan).model_dump(mode="json")
    document["digest"] = digest(document)
    return document


def account_json(account: AccountPlan) -> dict[str, Any]:
    return AccountJson.of(account).model_dump(mode="json")


def account_from_json(data: dict[str, Any]) -> AccountPlan:
    """The account's plan; pydantic's ValidationError (a ValueError) if it is not one."""
    return AccountJson.model_validate(data).account_plan()


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


def from_json(data: dict[str, Any]) -> Plan:
    """The plan a JSON document describes; ReconcilerError if it is not one, or if it was
    changed after plan wrote it."""
    version = data.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
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
        plan = PlanJson.model_validate(data).plan()
    except ValidationError as e:
        raise _invalid(e) from None
    if to_json(plan) != data:  # its digest and id included: both read back as they were
        raise ReconcilerError(
            "the plan file does not read back as written (a summary that does not match its "
            "changes, or a value not as plan writes it)",
            "apply only plans as plan wrote them: run plan again",
        )
    return plan


_FAULTS: Final = {
    "missing": "is missing",
    "extra_forbidden": "is not part of a plan",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "enum": "must be {expected}",
    "literal_error": "must be {expected}",
    "greater_than_equal": "must be at least {ge}",
    "string_pattern_mismatch": "has the wrong form",
    "value_error": "{error}",  # the words of the document's own checks
}
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _invalid(error: ValidationError) -> ReconcilerError:
    """Where the document is not a plan, and what belongs there; never what it holds."""
    errors = error.errors(include_url=False, include_input=False)
    first = errors[0]
    kind = first["type"]
    fault = _FAULTS.get(kind, "is not valid ({kind})").format(kind=kind, **first.get("ctx", {}))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ReconcilerError(f"not a plan file: {_place(first)} {fault}{more}", _PLAN_HINT)


def _place(error: ErrorDetails) -> str:
    """accounts[0].changes[3].action; a key that is not a plain name is shown as […]."""
    place = ""
    for part in error["loc"]:
        if isinstance(part, int):
            place += f"[{part}]"
        elif _NAME.fullmatch(part):
            place += f".{part}" if place else part
        else:
            place += "[…]"
    return place or "the document"


def load(path: Path) -> Plan:
    return from_json(read_document(path))


def read_document(path: Path) -> dict[str, Any]:
    """The plan file's JSON document, read safely (a regular file, bounded in size and in
    nesting)."""
    try:
        data = json.loads(read_limited(path, MAX_PLAN_BYTES).decode("utf-8"))
    except FileProblem as e:
        raise ReconcilerError(f"cannot read the plan {path}: it {e}", _PLAN_HINT) from None
    except UnicodeDecodeError:
        raise _not_a_plan(path, "it is not UTF-8 text") from None
    except RecursionError:
        raise _not_a_plan(path, "it nests too deeply") from None
    except json.JSONDecodeError as e:
        raise _not_a_plan(path, f"broken JSON at line {e.lineno}, column {e.colno}") from None
    except ValueError:  # what json leaves to int(): a number of more than 4300 digits
        raise _not_a_plan(path, "a number is too long") from None
    if not isinstance(data, dict):
        raise _not_a_plan(path, "not a JSON object")
    if _nests_deeper(data, MAX_NESTING):
        raise _not_a_plan(path, "it nests too deeply")
    return data


def _not_a_plan(path: Path, why: str) -> ReconcilerError:
    return ReconcilerError(f"{path} is not a plan: {why}", _PLAN_HINT)


def _nests_deeper(document: Any, limit: int) -> bool:
    level = [document]
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


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
