"""The JSON Schema of a plan document (what `plan --format json` prints and `--out` saves)."""

from __future__ import annotations

from typing import Any

from reconciler.config.schema import BASE_ID, DRAFT_07, problems_schema

_SUMMARY = {
    "type": "object",
    "required": ["create", "update", "delete"],
    "properties": {k: {"type": "integer", "minimum": 0} for k in ("create", "update", "delete")},
    "additionalProperties": False,
}


def plan_schema() -> dict[str, Any]:
    problem = problems_schema()["properties"]["problems"]["items"]
    attrs = {
        "type": ["object", "null"],
        "description": "Attributes; sensitive ones as (sensitive).",
    }
    change = {
        "type": "object",
        "required": [
            "action",
            "address",
            "kind",
            "fields",
            "before",
            "after",
            "sources",
            "sensitive",
        ],
        "properties": {
            "action": {"enum": ["create", "update", "delete"]},
            "address": {"type": "string", "description": "Stable address within the account."},
            "kind": {"type": "string"},
            "fields": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Changed attributes (update).",
            },
            "before": attrs,
            "after": attrs,
            "sources": {
                "type": "object",
                "additionalProperties": {"type": "string", "pattern": r"^.+:\d+:\d+$"},
                "description": "For each desired attribute, the config file:line:col that set it.",
            },
            "sensitive": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    }
    account = {
        "type": "object",
        "required": ["account", "live_fingerprint", "refused", "summary", "problems", "changes"],
        "properties": {
            "account": {"type": "string"},
            "live_fingerprint": {"type": "string"},
            "refused": {
                "type": "string",
                "description": "Why apply would refuse (safety), or empty.",
            },
            "summary": _SUMMARY,
            "problems": {"type": "array", "items": problem},
            "changes": {"type": "array", "items": change},
        },
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT_07,
        "$id": BASE_ID + "plan.schema.json",
        "title": "A reconciler plan",
        "type": "object",
        "required": [
            "format_version", "digest", "plan_id", "created_at", "today", "config",
            "refresh_only", "targets", "excludes", "selected_accounts", "summary", "accounts",
        ],
        "properties": {
            "format_version": {"const": 2},
            "digest": {
                "type": "string",
                "pattern": "^blake2b-256:[0-9a-f]{64}$",
                "description": "Hash of the document's canonical JSON (sorted keys, no spaces) "
                "without this key; apply refuses a plan whose digest does not match.",
            },
            "plan_id": {"type": "string"},
            "created_at": {"type": "string", "description": "Local time, ISO 8601."},
            "today": {"type": "string", "format": "date"},
            "config": {
                "type": "object",
                "required": ["path", "fingerprint"],
                "properties": {
                    "path": {
                        "type": "string",
                        "description": "The config's directory, relative to where plan ran.",
                    },
                    "fingerprint": {
                        "type": "string",
                        "description": "Hash of the YAML files and the files they name.",
                    },
                },
            },
            "refresh_only": {"type": "boolean"},
            "targets": {"type": "array", "items": {"type": "string"}},
            "excludes": {"type": "array", "items": {"type": "string"}},
            "selected_accounts": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The accounts plan was asked for (--account); empty for all.",
            },
            "summary": _SUMMARY,
            "accounts": {"type": "array", "items": account},
        },
        "additionalProperties": False,
    }  # fmt: skip
