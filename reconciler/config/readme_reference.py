"""The config reference and the lint-rule table, generated from the model (never written
twice). `scripts/docs` puts them into the README between their markers; a test fails when
the README is out of date."""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler.config.lint import RULES
from reconciler.config.schema import config_schema


def _placeholder(key: str) -> str:
    return f"<{key.removesuffix('s')}>"


def _short(schema: dict[str, Any], node: dict[str, Any]) -> tuple[str, str | None]:
    """A short type name for a property, and the $def it refers to (if any)."""
    if "x-kind" in node:
        return str(node["x-kind"]), None
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return "mapping", name
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            return _short(schema, branches[0])
        return " or ".join(_short(schema, b)[0] for b in branches), None
    if "const" in node:
        return f"`{node['const']}`", None
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"]), None
    kind = node.get("type")
    if kind == "array":
        item, ref = _short(schema, node.get("items", {}))
        return f"list of {item}", ref
    if kind == "object":
        values = [*node.get("patternProperties", {}).values()]
        if isinstance(node.get("additionalProperties"), dict):
            values.append(node["additionalProperties"])
        if values:
            item, ref = _short(schema, values[0])
            return f"name → {item}", ref
        return "mapping", None
    return {"boolean": "true/false", "integer": "whole number", "string": "text"}.get(
        str(kind), str(kind)
    ), None


def _default(node: dict[str, Any], required: bool, kind: str) -> str:
    if required:
        return "**required**"
    if "default" not in node:
        return "empty" if kind.startswith(("list", "name")) else "see its table"
    value = node["default"]
    if value is None:
        return "—"
    if value in ([], {}):
        return "empty"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def config_reference() -> str:
    """Markdown: one table per mapping of the config, in the order a reader meets them."""
    schema = config_schema()
    defs: dict[str, Any] = schema["$defs"]
    sections: list[str] = []
    seen: dict[str, str] = {}
    queue: list[tuple[str, str, dict[str, Any]]] = [("(top level)", "Config", schema)]
    while queue:
        path, name, definition = queue.pop(0)
        seen[name] = path
        rows = []
        required = set(definition.get("required", []))
        for key, prop in definition.get("properties", {}).items():
            if key == "include":
                continue
            kind, ref = _short(schema, prop)
            if ref and ref in defs and ref != "Include":
                child = f"{path}.{key}" if path != "(top level)" else key
                if kind.startswith("name →") or kind.startswith("list of"):
                    child += f".{_placeholder(key)}" if kind.startswith("name") else "[]"
                if ref not in seen and all(q[1] != ref for q in queue):
                    queue.append((child, ref, defs[ref]))
                    seen.setdefault(ref, child)
                kind = kind.replace("mapping", f"[mapping](#{_anchor(seen[ref])})")
            gui = prop.get("x-gui", "")
            meaning = prop.get("description", "")
            if prop.get("x-vendor"):
                meaning += f" *(vendor: {prop['x-vendor']})*"
            rows.append(
                f"| `{key}` | {_cell(kind)} | {_default(prop, key in required, kind)} "
                f"| {_cell(gui)} | {_cell(meaning)} |"
            )
        if rows:
            title = definition.get("description", "")
            sections.append(
                f"#### `{path}`\n\n{_cell(title)}\n\n"
                "| key | type | default | GUI (Norwegian) | meaning |\n|---|---|---|---|---|\n"
                + "\n".join(rows)
            )
    return "\n\n".join(sections) + "\n"


def _anchor(path: str) -> str:
    return re.sub(r"[^a-z0-9_ -]", "", path.lower()).replace(" ", "-")


def rules_reference() -> str:
    rows = [f"| `{r.id}` | {r.severity.value} | {_cell(r.summary)} |" for r in RULES.values()]
    return "| rule | severity | what it finds |\n|---|---|---|\n" + "\n".join(rows) + "\n"


GENERATED = {"config-reference": config_reference, "lint-rules": rules_reference}


def refresh(readme: str) -> str:
    """`readme` with each generated block between `<!-- NAME:start -->` and
    `<!-- NAME:end -->` replaced by its current text."""
    for name, generate in GENERATED.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        if start not in readme or end not in readme:
            raise ValueError(f"README has no {start} … {end} block")
        head, rest = readme.split(start, 1)
        _, tail = rest.split(end, 1)
        readme = f"{head}{start}\n{generate()}{end}{tail}"
    return readme
