"""Turn pydantic's validation errors into Problems: placed at file:line:col, named by their
path in the config, worded for people, with "did you mean" for misspelt keys and values.

Messages never repeat a value from the config, except short words needed for a hint
(`'yes' is text in YAML 1.2`); secrets are Secret objects and never reach this code.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.config.loader import ConfigPath, locate
from reconciler.config.yaml12 import Node
from reconciler.errors import Mark, Problem

_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}

PATTERN_HINTS = {
    r"^#[0-9A-Fa-f]{6}$": "must be a colour like #1A6E8E",
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$": (
        "is not a valid name: use letters, digits, '-', '_' and '.', "
        "starting with a letter or digit"
    ),
    r"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå_.-]{0,15}$": (
        "is not a valid provider code: up to 16 letters and digits, e.g. HAN"
    ),
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "must be an e-mail address",
    r"^https?://[^\s/]+(/[^\s]*)?$": "must be an address like https://example.org",
}


def format_path(path: ConfigPath) -> str:
    """accounts.nord.clinics.tromso.providers.HAN.publishing[0] — odd keys in ["…"]."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += '["' + part.replace('"', '\\"') + '"]'
    return out or "(top level)"


def problems_from(
    error: ValidationError,
    root: Node,
    model: type[BaseModel],
    prefix: ConfigPath = (),
    partial: bool = False,
) -> list[Problem]:
    """Problems for every error; with `partial` (a defaults block), missing keys and
    whole-object checks are not errors, since the block is only part of an object."""
    problems = []
    for err in error.errors(include_url=False):
        if partial and (err["type"] == "missing" or not err["loc"]):
            continue
        problems.append(_problem(err, root, model, prefix))
    return problems


def _problem(err: ErrorDetails, root: Node, model: type[BaseModel], prefix: ConfigPath) -> Problem:
    loc = (*prefix, *err["loc"])
    node, key_mark, walked = locate(root, loc)
    kind = err["type"]
    if kind == "missing":
        name = str(err["loc"][-1])
        mark = key_mark or root.mark
        if walked == () and name == "version":
            return Problem(mark, "missing version: 1 at the top of the file", "missing")
        where = format_path(walked)
        return Problem(mark, f"{where}: missing required key '{name}'", "missing")
    if kind == "extra_forbidden":
        *parent, key = walked
        name = str(key)
        allowed = _keys_at(model, tuple(parent)[len(prefix) :])
        return Problem(
            key_mark or root.mark,
            f"{format_path(tuple(parent))}: unknown key '{name}'{_suggest(str(name), allowed)}",
            "unknown-key",
        )
    if loc and loc[-1] == "[key]":
        mark = key_mark or root.mark
        return Problem(mark, f"{format_path(walked)}: this key {_message(err)}", _code(err))
    mark = _value_mark(node, key_mark, root)
    if kind in _BOUNDS:
        message = _range(_schema_at(model, tuple(err["loc"])) or {}, err)
    else:
        message = _message(err)
    return Problem(mark, f"{format_path(walked)}: {message}", _code(err))


_BOUNDS = ("greater_than_equal", "less_than_equal", "greater_than", "less_than")


def _range(field: dict[str, Any], err: ErrorDetails) -> str:
    """The allowed range of a number, from the field's schema: both ends when it has both."""
    low, high = field.get("minimum"), field.get("maximum")
    if isinstance(low, int) and isinstance(high, int):
        return f"must be a whole number from {_number(low)} to {_number(high)}"
    return _message(err)


def _number(n: int) -> str:
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def _value_mark(node: Node | None, key_mark: Mark | None, root: Node) -> Mark:
    if node is not None and not isinstance(node.value, dict | list):
        return node.mark
    return key_mark or (node.mark if node is not None else root.mark)


def _code(err: ErrorDetails) -> str:
    """A stable code: the validator's own (see values.Invalid), else pydantic's type."""
    code = getattr((err.get("ctx") or {}).get("error"), "code", None)
    return str(code) if code else err["type"].replace("_", "-")


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    value = err.get("input")
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])).removeprefix("Value error, ")
    if kind == "string_type":
        hint = "; quote it to make it text" if isinstance(value, int | float | bool) else ""
        return f"must be text{hint}"
    if kind == "bool_type":
        if isinstance(value, str) and value.lower() in _YAML11_BOOLS:
            return f"must be true or false ('{value}' is text in YAML 1.2)"
        return "must be true or false"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        if isinstance(value, str) and re.fullmatch(r"[-+]?0[0-9]+", value):
            return "must be a whole number written without leading zeros"
        return "must be a whole number"
    if kind in ("float_type", "float_parsing"):
        return "must be a number"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping (key: value)"
    if kind in ("list_type", "tuple_type", "set_type"):
        return "must be a list, e.g. [a, b]"
    if kind == "literal_error":
        expected = _literal_choices(str(ctx.get("expected", "")))
        suggestion = _suggest(str(value), expected) if isinstance(value, str) else ""
        return f"must be one of: {', '.join(expected)}{suggestion}"
    if kind == "string_pattern_mismatch":
        return PATTERN_HINTS.get(str(ctx.get("pattern")), "has the wrong form")
    if kind == "string_too_long":
        has = f" (it has {len(value)})" if isinstance(value, str) else ""
        return f"is longer than {ctx.get('max_length')} characters{has}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"must have at least {n} item{'s' if n != 1 else ''}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    return err["msg"].replace("Input should be", "must be")


def _literal_choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if choices and len(choices) <= 16:
        return f"; expected one of: {', '.join(choices)}"
    return ""


def _keys_at(model: type[BaseModel], path: ConfigPath) -> list[str]:
    """The keys the model allows at `path` (for "did you mean")."""
    return list((_schema_at(model, path) or {}).get("properties", {}))


def _schema_at(model: type[BaseModel], path: ConfigPath) -> dict[str, Any] | None:
    """The model's JSON Schema for the value at `path`, or None where it cannot say."""
    schema = _schema(model)
    node: dict[str, Any] = schema
    for part in path:
        node = _resolve(schema, node)
        props = node.get("properties", {})
        values = [*node.get("patternProperties", {}).values(), node.get("additionalProperties")]
        values = [v for v in values if isinstance(v, dict)]
        if isinstance(part, str) and part in props:
            node = props[part]
        elif values:
            node = values[0]
        elif isinstance(part, int) and "items" in node:
            node = node["items"]
        else:
            return None
    return _resolve(schema, node)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in node:
            branches = [b for b in node["anyOf"] if b.get("type") != "null"]
            node = branches[0] if branches else {}
        else:
            return node


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()
