"""The one currency between config, providers and plans: a Resource, and the Change that
turns a live resource into the desired one.

A resource has a stable, readable address within its account (`site.flexibility`,
`site.clinic["oslo"].provider["HAN"]`, `opus.appointment_type["- Undersøkelse"]`), a kind, and
plain attributes (JSON values only, normalised so that equal means equal). Desired resources
also say where each attribute was set (file:line) and which attributes are sensitive.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from reconciler.errors import Mark

SENSITIVE = "(sensitive)"


def quoted(key: str) -> str:
    """`["key"]` for an address, with quotes escaped."""
    return '["' + key.replace("\\", "\\\\").replace('"', '\\"') + '"]'


_KEY = re.compile(r'\["((?:[^"\\]|\\.)*)"\]')


def keys_of(address: str) -> list[str]:
    """The quoted keys of an address, in order, unescaped (the inverse of `quoted`):
    site.clinic["a"].provider["B"] → [a, B]."""
    return [k.replace('\\"', '"').replace("\\\\", "\\") for k in _KEY.findall(address)]


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


_NO_SOURCES: dict[str, Mark] = {}


class Resource(NamedTuple):
    """Immutable and cheap to make: a large chain has tens of thousands."""

    address: str
    kind: str
    attrs: dict[str, Any]
    sources: dict[str, Mark] = _NO_SOURCES
    sensitive: frozenset[str] = frozenset()

    @property
    def fingerprint(self) -> str:
        """A short, stable hash of the attributes (what state records keep)."""
        return hashlib.blake2b(canonical(self.attrs).encode(), digest_size=12).hexdigest()

    def shown(self, name: str) -> Any:
        """An attribute as it may be shown: sensitive ones never are."""
        return SENSITIVE if name in self.sensitive else self.attrs.get(name)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-"}[self.value]


@dataclass(frozen=True)
class Change:
    """One step of a plan. `before` is None for a create, `after` None for a delete;
    `fields` names the attributes an update changes."""

    action: Action
    address: str
    kind: str
    before: Resource | None
    after: Resource | None
    fields: tuple[str, ...] = ()

    @property
    def resource(self) -> Resource:
        resource = self.after or self.before
        assert resource is not None
        return resource


def diff_attrs(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    """The attribute names whose values differ, in the desired order."""
    names = list(after) + [k for k in before if k not in after]
    return tuple(n for n in names if canonical(before.get(n)) != canonical(after.get(n)))
