"""The JSON Schema of a plan document (what `plan --format json` prints and `--out` saves),
generated from its models (reconciler.plan.document)."""

from __future__ import annotations

from typing import Any

from reconciler.config.schema import published
from reconciler.plan.document import PlanJson


def plan_schema() -> dict[str, Any]:
    return published("plan.schema.json", "A reconciler plan", PlanJson.model_json_schema())
