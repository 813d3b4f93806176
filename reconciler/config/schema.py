"""JSON Schemas for editors and tools, generated from the model.

`reconciler.schema.json` describes files as written: besides the model it allows `include:`
in any mapping and the `defaults:` levels (whose blocks may leave out required keys).
It is draft-07, the newest draft yaml-language-server reads.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Final

from reconciler.config.loader import DEFAULT_LEVELS
from reconciler.config.model import Config

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
    for name in LEVEL_DEFS.values():
        partial = copy.deepcopy(defs[name])
        partial.pop("required", None)
        partial["title"] = f"Defaults for every {name.lower()}"
        defs[f"Partial{name}"] = partial
    for definition in [schema, *defs.values()]:
        if "properties" in definition:
            definition["properties"]["include"] = {"$ref": "#/$defs/Include"}
    defs["Include"] = INCLUDE
    schema["properties"]["defaults"] = _defaults("root")
    defs["Account"]["properties"]["defaults"] = _defaults("account")
    defs["Clinic"]["properties"]["defaults"] = _defaults("clinic")
    return {
        "$schema": DRAFT_07,
        "$id": BASE_ID + "reconciler.schema.json",
        "title": "reconciler.yaml",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _defaults(level: str) -> dict[str, Any]:
    levels = DEFAULT_LEVELS[level]
    return {
        "description": f"Defaults for the levels below: {', '.join(levels)}. Nearest wins.",
        "type": "object",
        "additionalProperties": False,
        "properties": {lv: {"$ref": f"#/$defs/Partial{LEVEL_DEFS[lv]}"} for lv in levels},
    }


def problems_schema() -> dict[str, Any]:
    problem = {
        "type": "object",
        "required": ["file", "line", "column", "severity", "code", "message"],
        "properties": {
            "file": {"type": ["string", "null"]},
            "line": {"type": ["integer", "null"], "minimum": 1},
            "column": {"type": ["integer", "null"], "minimum": 1},
            "severity": {"enum": ["error", "warning", "info"]},
            "code": {"type": "string", "description": "A lint rule id or a validation code."},
            "message": {"type": "string"},
        },
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT_07,
        "$id": BASE_ID + "problems.schema.json",
        "title": "Output of reconciler validate/lint --format json",
        "type": "object",
        "required": ["ok", "problems"],
        "properties": {
            "ok": {"type": "boolean", "description": "True when the command exits 0."},
            "files": {"type": "array", "items": {"type": "string"}},
            "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
            "problems": {"type": "array", "items": problem},
        },
    }


SCHEMAS: Final = {
    "reconciler.schema.json": config_schema,
    "problems.schema.json": problems_schema,
}


def render(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        path = directory / name
        path.write_text(render(name), encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path) -> list[Path]:
    """The schema files in `directory` that are missing or differ from the model."""
    stale = []
    for name in SCHEMAS:
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != render(name):
            stale.append(path)
    return stale
