"""Writing config YAML that reads back exactly: every string double-quoted (so that `NO`,
`010` or `on` stay text), mappings in block style, short lists of scalars in flow style."""

from __future__ import annotations

import json
from typing import Any

_PLAIN_KEY = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def key(name: str) -> str:
    """A mapping key: plain when it is a simple name, quoted otherwise."""
    if name and set(name) <= _PLAIN_KEY and not name[0].isdigit() and name not in ("include",):
        return name
    return json.dumps(name, ensure_ascii=False)


def dump(data: dict[str, Any], header: str = "") -> str:
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _mapping(data, 0, lines)
    return "\n".join(lines) + "\n"


def _mapping(data: dict[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for name, value in data.items():
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{key(name)}:")
            _mapping(value, indent + 2, lines)
        elif isinstance(value, list) and value and not all(_is_scalar(v) for v in value):
            lines.append(f"{pad}{key(name)}:")
            for item in value:
                _item(item, indent + 2, lines)
        else:
            lines.append(f"{pad}{key(name)}: {_inline(value)}")


def _item(value: Any, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict) and value:
        inner: list[str] = []
        _mapping(value, indent + 2, inner)
        lines.append(f"{pad}- {inner[0].lstrip()}")
        lines.extend(inner[1:])
    else:
        lines.append(f"{pad}- {_inline(value)}")


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return scalar(value)
