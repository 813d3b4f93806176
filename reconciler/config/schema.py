"""JSON Schemas for editors and tools, generated from the model.

`reconciler.schema.json` describes files as written: besides the model it allows `include:`
in any mapping (a mapping with `include:` need not hold its required keys itself) and the
`defaults:` levels (whose blocks may leave out required keys). It is draft-07, the newest
draft yaml-language-server reads.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter

from reconciler.config.loader import DEFAULT_LEVELS
from reconciler.config.model import Config
from reconciler.config.problem_json import ProblemJson

DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"
BASE_ID: Final = "https://opus-reconciler.example/schemas/"

LEVEL_DEFS: Final = {
    "account": "Account",
    "database": "Database",
    "clinic": "Clinic",
    "provider": "Provider",
}

INCLUDE: Final = {
    "description": (
        "Merge other YAML files here: a path or a list of paths/globs, relative to this file."
    ),
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
}


def config_schema() -> dict[str, Any]:
    schema = Config.model_json_schema()
    defs: dict[str, Any] = schema["$defs"]
    schema["properties"]["defaults"] = _defaults("root")
    defs["Account"]["properties"]["defaults"] = _defaults("account")
    defs["Clinic"]["properties"]["defaults"] = _defaults("clinic")
    _allow_include(schema)
    for name in LEVEL_DEFS.values():
        block = copy.deepcopy(defs[name])
        block.pop("if", None)
        block.pop("else", None)
        block["title"] = f"Defaults for every {name.lower()}"
        defs[f"Partial{name}"] = block
    defs["Include"] = INCLUDE
    return published("reconciler.schema.json", "reconciler.yaml", schema)


def published(name: str, title: str, schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` as published in schemas/NAME: draft-07, with its $id and `title` first."""
    return {
        "$schema": DRAFT_07,
        "$id": BASE_ID + name,
        "title": title,
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _allow_include(node: Any) -> None:
    """Let every mapping hold `include:`: objects get the property (and require their keys
    only when they include nothing), name → value mappings stop reading `include` as a name."""
    if isinstance(node, list):
        for item in node:
            _allow_include(item)
        return
    if not isinstance(node, dict):
        return
    for child in node.values():
        _allow_include(child)
    if "properties" in node:
        node["properties"]["include"] = {"$ref": "#/$defs/Include"}
        required = node.pop("required", None)
        if required:
            node["if"] = {"required": ["include"]}
            node["else"] = {"required": required}
    patterns = node.get("patternProperties")
    if patterns:
        node["patternProperties"] = {
            "^(?!include$)" + key.removeprefix("^"): value for key, value in patterns.items()
        }
        node["properties"] = {"include": {"$ref": "#/$defs/Include"}}


FRAGMENTS: Final = {
    "account": "A file included as an account (or part of one)",
    "database": "A file included as a database (or part of one)",
    "clinic": "A file included as a clinic (or part of one)",
    "clinics": "A file included as the clinics of an account",
}


def fragment_schema(level: str) -> dict[str, Any]:
    """For a file included at one level: an account, a database, a clinic, or a mapping of
    clinics. Required keys may be left out, as the rest can come from elsewhere."""
    full = config_schema()
    if level == "clinics":
        root: dict[str, Any] = {
            "type": "object",
            "additionalProperties": {"$ref": "#/$defs/Clinic"},
            "properties": {"include": {"$ref": "#/$defs/Include"}},
        }
    else:
        root = {"$ref": f"#/$defs/Partial{LEVEL_DEFS[level]}"}
    return published(f"{level}.schema.json", FRAGMENTS[level], {**root, "$defs": full["$defs"]})


def _defaults(level: str) -> dict[str, Any]:
    levels = DEFAULT_LEVELS[level]
    return {
        "description": f"Defaults for the levels below: {', '.join(levels)}. Nearest wins.",
        "type": "object",
        "additionalProperties": False,
        "properties": {lv: {"$ref": f"#/$defs/Partial{LEVEL_DEFS[lv]}"} for lv in levels},
    }


def problems_schema() -> dict[str, Any]:
    problems = TypeAdapter(list[ProblemJson]).json_schema()
    defs = problems.pop("$defs")
    document = {
        "type": "object",
        "required": ["ok", "problems"],
        "properties": {
            "ok": {"type": "boolean", "description": "True when the command exits 0."},
            "files": {"type": "array", "items": {"type": "string"}},
            "accounts": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The config's accounts, when it loaded (e.g. a CI matrix).",
            },
            "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
            "problems": problems,
        },
        "$defs": defs,
    }
    return published(
        "problems.schema.json", "Output of reconciler validate/lint --format json", document
    )


SCHEMAS: Final[dict[str, Callable[[], dict[str, Any]]]] = {
    "reconciler.schema.json": config_schema,
    **{f"{level}.schema.json": partial(fragment_schema, level) for level in FRAGMENTS},
    "problems.schema.json": problems_schema,
}


Schemas = dict[str, Callable[[], dict[str, Any]]]


def render(name: str, schemas: Schemas = SCHEMAS) -> str:
    return json.dumps(schemas[name](), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path, schemas: Schemas = SCHEMAS) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in schemas:
        path = directory / name
        path.write_text(render(name, schemas), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path, schemas: Schemas = SCHEMAS) -> list[Path]:
    """The schema files in `directory` that are missing or differ from the code."""
    stale = []
    for name in schemas:
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(name, schemas):
            stale.append(path)
    return stale
