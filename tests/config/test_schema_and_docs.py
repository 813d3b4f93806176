"""What is generated from the model stays in step with it: schemas, README reference,
and the editor modelines of the examples."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support import REPO

from reconciler.config.loader import to_data
from reconciler.config.readme_reference import refresh
from reconciler.config.schema import SCHEMAS, render, stale_schemas
from reconciler.config.yaml12 import parse
from reconciler.plan.schema import plan_schema

EXAMPLE_FILES = sorted((REPO / "examples").rglob("*.yaml"))
MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)")


def test_committed_schemas_are_up_to_date() -> None:
    schemas = {**SCHEMAS, "plan.schema.json": plan_schema}
    assert stale_schemas(REPO / "schemas", schemas) == [], "run scripts/docs"


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_schemas_are_valid_draft_07(name: str) -> None:
    schema = json.loads(render(name))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


def test_readme_reference_is_up_to_date() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert refresh(readme) == readme, "run scripts/docs"


def test_reference_names_every_key_with_its_gui_name() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for key, gui in [
        ("weekend_booking", "Bestilling i helg er aktivert"),
        ("deadline_hours", "Frist for endring av timeavtalen"),
        ("preblock_expiry_hours", "Frist for avbestilling"),
        ("move_max_days", "Flytte maks dager"),
    ]:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{key}` |"))
        assert gui in row


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, str) else value


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_examples_carry_a_modeline_and_match_its_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    match = MODELINE.match(text)
    assert match, f"{path} has no yaml-language-server modeline on its first line"
    schema = json.loads((path.parent / match.group(1)).read_text(encoding="utf-8"))
    data = _plain(to_data(parse(text, str(path))))  # type: ignore[arg-type]
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(data)]
    assert errors == []


def test_the_schema_catches_what_editors_should_flag() -> None:
    schema = json.loads(render("reconciler.schema.json"))
    validator = jsonschema.Draft7Validator(schema)
    account = {"key": "${env:K}", "subdomain": "x", "databases": {"d": {"url": "sqlite://"}}}
    good = {"version": 1, "accounts": {"a": account}}
    assert list(validator.iter_errors(good)) == []
    typo = {"version": 1, "accounts": {"a": {**account, "site": {"flexibility": {"wekend": True}}}}}
    assert any("wekend" in e.message for e in validator.iter_errors(typo))
    missing = {"version": 1, "accounts": {"a": {"subdomain": "x", "databases": {}}}}
    assert any("'key' is a required property" in e.message for e in validator.iter_errors(missing))
    included = {"version": 1, "accounts": {"a": {"include": "a.yaml"}}}
    assert list(validator.iter_errors(included)) == []
