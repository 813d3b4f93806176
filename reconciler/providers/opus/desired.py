"""The Opus side the config wants: the config compiled into resources (no I/O), in the shape
`live.py` reads the database in."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import lru_cache
from typing import Any

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.config.model.base import all_days
from reconciler.config.model.opus import AppointmentType as AppointmentTypeConfig
from reconciler.config.model.opus import PreblockType as PreblockTypeConfig
from reconciler.domain.publishing import Rule, expand
from reconciler.domain.resources import Resource
from reconciler.domain.spans import merge
from reconciler.errors import Mark
from reconciler.providers.opus.resources import (
    APPOINTMENT_TYPE_FIELDS,
    EVERYONE,
    PREBLOCK_ACCESS,
    PREBLOCK_TYPE_FIELDS,
    Scope,
    stamp,
)
from reconciler.providers.protocol import SourceOf


def desired(scope: Scope, account: Account, source_of: SourceOf) -> list[Resource]:
    """The resources the config wants in this database. Objects marked `absent: true` are
    left out, so that a live one is planned for deletion."""
    base: ConfigPath = ("accounts", scope.account, "databases", scope.database, "opus")
    opus = account.databases[scope.database].opus
    out: list[Resource] = []

    def make(kind: str, key: str | None, attrs: dict[str, Any], path: ConfigPath) -> None:
        sources = {name: m for name in attrs if (m := source_of((*path, name))) is not None}
        out.append(Resource(scope.address(kind, key), f"opus_{kind}", attrs, sources))

    make("ebooking", None, opus.ebooking.model_dump(), (*base, "ebooking"))
    who = opus.access.preblock_for_internet
    grantees = [EVERYONE] if who == "everyone" else sorted(who)
    make("access", PREBLOCK_ACCESS, {"grantees": grantees}, (*base, "access"))
    for name, atype in opus.appointment_types.items():
        if not atype.absent:
            make(
                "appointment_type",
                name,
                _appointment_type(atype),
                (*base, "appointment_types", name),
            )
    for name, ptype in opus.preblock_types.items():
        if not ptype.absent:
            make("preblock_type", name, _preblock_type(ptype), (*base, "preblock_types", name))
    for section, kind, member in (
        ("registration_lists", "registration_list", "appointment_types"),
        ("preblock_lists", "preblock_list", "preblock_types"),
    ):
        for name, lst in getattr(opus, section).items():
            if lst.absent:
                continue
            links = lst.linked_to
            attrs = {
                "owner": lst.owner,
                "items": list(getattr(lst, member)),
                "linked_to": {
                    "organisation": links.organisation,
                    "clinics": sorted(links.clinics),
                    "providers": sorted(links.providers),
                },
            }
            make(kind, name, attrs, (*base, section, name))
    for code, clinic_key in scope.providers.items():
        provider = account.clinics[clinic_key].providers[code]
        path: ConfigPath = ("accounts", scope.account, "clinics", clinic_key, "providers", code)
        make("provider", code, {"working_hours_linked": provider.working_hours_linked}, path)
    out += _preblocks(scope, account, source_of)
    return out


def _appointment_type(atype: AppointmentTypeConfig) -> dict[str, Any]:
    return {name: getattr(atype, name) for name in APPOINTMENT_TYPE_FIELDS}


def _preblock_type(ptype: PreblockTypeConfig) -> dict[str, Any]:
    attrs = {name: getattr(ptype, name) for name in PREBLOCK_TYPE_FIELDS}
    attrs["disallowed_appointment_types"] = sorted(ptype.disallowed_appointment_types)
    return attrs


def _preblocks(scope: Scope, account: Account, source_of: SourceOf) -> list[Resource]:
    opus = account.databases[scope.database].opus
    internet = opus.internet_preblock_types()
    out = []
    for code, clinic_key in scope.providers.items():
        provider = account.clinics[clinic_key].providers[code]
        path: ConfigPath = ("accounts", scope.account, "clinics", clinic_key, "providers", code)
        rules: dict[str, list[Rule]] = defaultdict(list)
        marks: dict[str, Mark | None] = {}
        for i, rule in enumerate(provider.publishing):
            ptype = rule.preblock_type or (internet[0] if internet else "")
            marks.setdefault(ptype, source_of((*path, "publishing", i)))
            rules[ptype].append(publishing_rule(rule))
        for ptype, group in rules.items():
            mark = marks[ptype]
            sources = (
                dict.fromkeys(("provider", "type", "starts_at", "ends_at"), mark) if mark else {}
            )
            head = scope.preblock_head(code)
            out += [
                Resource(
                    f'{head}{starts_at}"]',
                    "opus_preblock",
                    {"provider": code, "type": ptype, "starts_at": starts_at, "ends_at": ends_at},
                    sources,
                )
                for starts_at, ends_at in _published(tuple(group), scope.today)
            ]
    return out


@lru_cache(maxsize=1024)
def _published(rules: tuple[Rule, ...], today: date) -> tuple[tuple[str, str], ...]:
    """The (start, end) stamps the rules publish: shared by every provider with the same
    rules, which in a chain is most of them."""
    spans = [span for rule in rules for span in expand(rule, today)]
    return tuple((stamp(s.start), stamp(s.end)) for s in merge(spans))


def publishing_rule(rule: Any) -> Rule:
    """A config publishing rule as the domain's Rule."""
    return Rule(
        days=frozenset(all_days(rule.days)),
        windows=tuple(rule.hours),
        horizon_days=rule.horizon_days,
        dates_off=tuple(rule.dates_off),
        valid_from=rule.valid_from.first if rule.valid_from else None,
        valid_until=rule.valid_until.first if rule.valid_until else None,
    )
