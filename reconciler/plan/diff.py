"""Desired against live: the changes that make live what the config says.

Cheap comparison first — the attribute dicts as wholes, which Python compares without
leaving C — and field by field only for resources that differ, so that a large chain with
few changes costs little more than reading it.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Sequence

from reconciler.domain.resources import Action, Change, Resource, diff_attrs


def diff(desired: Iterable[Resource], live: Iterable[Resource]) -> list[Change]:
    """Create what is only desired, update what differs, delete what is only live. The
    providers read live only what the config names or the reconciler made, so a live-only
    resource is one the config has removed (`absent: true`, or a preblock no rule wants)."""
    live_by_address = {res.address: res for res in live}
    changes: list[Change] = []
    seen: set[str] = set()
    for want in desired:
        seen.add(want.address)
        have = live_by_address.get(want.address)
        if have is None:
            changes.append(Change(Action.CREATE, want.address, want.kind, None, want))
        elif have.attrs != want.attrs:
            fields = diff_attrs(have.attrs, want.attrs)
            changes.append(Change(Action.UPDATE, want.address, want.kind, have, want, fields))
    changes += [
        Change(Action.DELETE, res.address, res.kind, res, None)
        for address, res in live_by_address.items()
        if address not in seen
    ]
    return changes


def matches(address: str, patterns: Sequence[str]) -> bool:
    """Whether `address` is one of `patterns` or lies under one: `site.clinic["a"]` covers
    `site.clinic["a"].provider["HAN"]`; `opus.preblock` covers every preblock."""
    for pattern in patterns:
        if address == pattern:
            return True
        if address.startswith(pattern) and address[len(pattern)] in '.["':
            return True
    return False


def unmatched(patterns: Sequence[str], addresses: Collection[str]) -> list[str]:
    """The patterns that match none of `addresses` (a typo would otherwise plan nothing)."""
    return [p for p in patterns if not any(matches(a, (p,)) for a in addresses)]


def closest(pattern: str, addresses: Collection[str]) -> str:
    """A hint: the addresses (or kinds of address) nearest to `pattern`."""
    kinds = {a.split("[", 1)[0] for a in addresses}
    near = difflib.get_close_matches(pattern, sorted(kinds | set(addresses)), n=3, cutoff=0.5)
    if not near:
        return f"an address or a prefix of one, such as {', '.join(sorted(kinds)[:4])}"
    return "did you mean " + " or ".join(near) + "?"
