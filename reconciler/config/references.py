"""Cross-references a schema cannot check: names that must point at something declared
(certificates, databases, preblock and appointment types, clinics, providers, lint rules) and
values that must be unique across the config."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping

from reconciler.config.diagnostics import format_path
from reconciler.config.lint import RULES
from reconciler.config.loaded import LoadedConfig
from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account, Database, PublishingRule
from reconciler.errors import Problem


def reference_problems(loaded: LoadedConfig) -> list[Problem]:
    found: list[tuple[ConfigPath, str]] = []
    config = loaded.config
    subdomains: dict[str, str] = {}
    for name, account in config.accounts.items():
        path: ConfigPath = ("accounts", name)
        found += _account(path, account)
        other = subdomains.setdefault(account.subdomain, name)
        if other != name:
            found.append(((*path, "subdomain"), f"subdomain is already used by account '{other}'"))
    for i, rule in enumerate(config.lint.ignore):
        if rule not in RULES:
            found.append((("lint", "ignore", i), f"unknown lint rule '{rule}'{_hint(rule, RULES)}"))
    return [
        Problem(loaded.mark_of(path), f"{format_path(path)}: {message}", "reference")
        for path, message in found
    ]


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _missing(kind: str, name: str, declared: Iterable[str], where: str) -> str:
    names = list(declared)
    known = f" (declared: {', '.join(names)})" if names and len(names) <= 12 else ""
    return f"{kind} '{name}' is not declared under {where}{_hint(name, names)}{known}"


def _account(path: ConfigPath, account: Account) -> Iterator[tuple[ConfigPath, str]]:
    if account.use_certificate and account.use_certificate not in account.certificates:
        yield (
            (*path, "use_certificate"),
            _missing("certificate", account.use_certificate, account.certificates, "certificates"),
        )
    if len(account.certificates) > 1 and not account.use_certificate:
        yield (
            (*path, "certificates"),
            "several certificates are registered; say which is in use with use_certificate",
        )
    seen_ids: dict[tuple[str, int], str] = {}
    for cid, clinic in account.clinics.items():
        cpath: ConfigPath = (*path, "clinics", cid)
        db_name = account.database_of(clinic)
        if db_name is None:
            yield (
                cpath,
                "the account has several databases; say which with database: <name>",
            )
            continue
        if db_name not in account.databases:
            yield (
                (*cpath, "database"),
                _missing("database", db_name, account.databases, f"{format_path(path)}.databases"),
            )
            continue
        first = seen_ids.setdefault((db_name, clinic.opus_id), cid)
        if first != cid:
            yield (
                (*cpath, "opus_id"),
                f"opus_id {clinic.opus_id} is also clinic '{first}' in database '{db_name}'",
            )
        database = account.databases[db_name]
        dpath: ConfigPath = (*path, "databases", db_name, "opus")
        for code, provider in clinic.providers.items():
            for i, rule in enumerate(provider.publishing):
                rpath: ConfigPath = (*cpath, "providers", code, "publishing", i)
                yield from _rule(rpath, rule, database, dpath)
    for db_name, database in account.databases.items():
        yield from _opus(path, account, db_name, database)


def _rule(
    path: ConfigPath, rule: PublishingRule, database: Database, dpath: ConfigPath
) -> Iterator[tuple[ConfigPath, str]]:
    opus = database.opus
    where = format_path(dpath)
    if rule.preblock_type is not None:
        yield from _declared(
            (*path, "preblock_type"),
            "preblock type",
            rule.preblock_type,
            opus.preblock_types,
            f"{where}.preblock_types",
        )
    else:
        internet = opus.internet_preblock_types()
        if not internet:
            yield (
                path,
                f"no Internet preblock type is declared under {where}.preblock_types; "
                "declare one (kind: internet) to publish",
            )
        elif len(internet) > 1:
            yield (
                path,
                "say which preblock_type to place; "
                f"the database has several: {', '.join(internet)}",
            )
    for i, name in enumerate(rule.appointment_types or []):
        yield from _declared(
            (*path, "appointment_types", i),
            "appointment type",
            name,
            opus.appointment_types,
            f"{where}.appointment_types",
        )
    if rule.valid_from and rule.valid_from.first != rule.valid_from.last:
        yield ((*path, "valid_from"), "valid_from is one date, not a range")
    if rule.valid_until and rule.valid_until.first != rule.valid_until.last:
        yield ((*path, "valid_until"), "valid_until is one date, not a range")
    if rule.valid_from and rule.valid_until and rule.valid_until.first < rule.valid_from.first:
        yield ((*path, "valid_until"), "valid_until is before valid_from")


def _declared(
    path: ConfigPath, kind: str, name: str, declared: Mapping[str, object], where: str
) -> Iterator[tuple[ConfigPath, str]]:
    target = declared.get(name)
    if target is None:
        yield (path, _missing(kind, name, declared, where))
    elif getattr(target, "absent", False):
        yield (path, f"{kind} '{name}' is marked absent: true, so nothing can use it")


def _opus(
    path: ConfigPath, account: Account, db_name: str, database: Database
) -> Iterator[tuple[ConfigPath, str]]:
    opus = database.opus
    dpath: ConfigPath = (*path, "databases", db_name, "opus")
    where = format_path(dpath)
    types, preblocks = opus.appointment_types, opus.preblock_types
    clinics = [cid for cid, c in account.clinics.items() if account.database_of(c) == db_name]
    providers = sorted({code for cid in clinics for code in account.clinics[cid].providers})
    for name, ptype in preblocks.items():
        for i, t in enumerate(ptype.disallowed_appointment_types):
            ipath: ConfigPath = (*dpath, "preblock_types", name, "disallowed_appointment_types", i)
            yield from _declared(ipath, "appointment type", t, types, f"{where}.appointment_types")
    lists = [
        (
            (*dpath, "registration_lists", name),
            "appointment_types",
            lst.appointment_types,
            lst.linked_to,
        )
        for name, lst in opus.registration_lists.items()
    ] + [
        ((*dpath, "preblock_lists", name), "preblock_types", lst.preblock_types, lst.linked_to)
        for name, lst in opus.preblock_lists.items()
    ]
    for lpath, member, items, links in lists:
        declared = types if member == "appointment_types" else preblocks
        kind = member.removesuffix("s").replace("_", " ")
        for i, item in enumerate(items):
            yield from _declared((*lpath, member, i), kind, item, declared, f"{where}.{member}")
        for i, cid in enumerate(links.clinics):
            if cid not in clinics:
                yield (
                    (*lpath, "linked_to", "clinics", i),
                    _missing("clinic", cid, clinics, "this database's clinics"),
                )
        for i, code in enumerate(links.providers):
            if code not in providers:
                yield (
                    (*lpath, "linked_to", "providers", i),
                    _missing("provider", code, providers, "this database's clinics"),
                )
