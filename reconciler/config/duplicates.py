"""Names that Opus would see as one row, and selections that would overwrite each other.

SQL Server compares text without regard to case and ignores trailing spaces (see
`opus_key`), so `HAN` and `han`, or `- Undersøkelse` and `- undersøkelse`, are one provider
or one appointment type to Opus however the config spells them. A provider selected in two
clinics of one database would have the second clinic's publishing replace the first's. A list
may hold an item once, and each organisation, clinic or provider links one list of a kind.
Each problem is reported at the later place and names the earlier one (file:line:col).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reconciler.config.diagnostics import format_path
from reconciler.config.loaded import LoadedConfig
from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account, Opus
from reconciler.config.model.opus import ListLinks
from reconciler.domain.opus_limits import opus_key
from reconciler.errors import Mark, Problem

NOTE = "Opus compares names without regard to case or trailing spaces"
WHY = "which compares names without regard to case or trailing spaces"


Finding = tuple[ConfigPath, str, ConfigPath]  # where, what, and where the earlier one is


@dataclass(frozen=True)
class Seen:
    name: str
    path: ConfigPath


def duplicate_problems(loaded: LoadedConfig) -> list[Problem]:
    found: list[Finding] = []
    for name, account in loaded.config.accounts.items():
        found += _account(("accounts", name), account)
    return [
        Problem(
            loaded.mark_of(path),
            f"{format_path(path)}: {message} ({_place(loaded.mark_of(first))})",
            "duplicate",
        )
        for path, message, first in found
    ]


def _place(mark: Mark | None) -> str:
    return f"first at {mark}" if mark is not None else "first earlier"


def _account(path: ConfigPath, account: Account) -> Iterator[Finding]:
    clinics: dict[str | None, list[str]] = {}
    for cid, clinic in account.clinics.items():
        clinics.setdefault(account.database_of(clinic), []).append(cid)
    for db_name, database in account.databases.items():
        dpath: ConfigPath = (*path, "databases", db_name, "opus")
        yield from _providers(path, account, db_name, clinics.get(db_name, []))
        yield from _names(database.opus, dpath)
        yield from _lists(database.opus, dpath)
        who = database.opus.access.preblock_for_internet
        if isinstance(who, list):
            apath: ConfigPath = (*dpath, "access", "preblock_for_internet")
            yield from _once("preblock_for_internet", who, apath, opus_key)


def _providers(
    path: ConfigPath, account: Account, db_name: str, clinics: list[str]
) -> Iterator[Finding]:
    """A provider (by code, as Opus compares codes) in one of the database's clinics only."""
    seen: dict[str, tuple[str, Seen]] = {}
    for cid in clinics:
        for code in account.clinics[cid].providers:
            here: ConfigPath = (*path, "clinics", cid, "providers", code)
            first = seen.setdefault(opus_key(code), (cid, Seen(code, here)))
            first_clinic, earlier = first
            if earlier.path == here:
                continue
            if first_clinic != cid:
                same = "" if earlier.name == code else f" as '{earlier.name}' ({NOTE})"
                message = (
                    f"provider '{code}' is also selected in clinic '{first_clinic}'{same}; "
                    f"a provider publishes in one clinic of database '{db_name}' — the second "
                    "would replace the first's publishing"
                )
            else:
                message = f"'{code}' and '{earlier.name}' are one provider to Opus, {WHY}"
            yield here, message, earlier.path


def _names(opus: Opus, dpath: ConfigPath) -> Iterator[Finding]:
    """Appointment types, preblock types and lists: one row each by name in Opus."""
    for section in ("appointment_types", "preblock_types", "registration_lists", "preblock_lists"):
        kind = section.removesuffix("s").replace("_", " ")
        seen: dict[str, str] = {}
        for name in getattr(opus, section):
            first = seen.setdefault(opus_key(name), name)
            if first != name:
                message = f"'{name}' and '{first}' are one {kind} to Opus, {WHY}"
                yield (*dpath, section, name), message, (*dpath, section, first)


def _lists(opus: Opus, dpath: ConfigPath) -> Iterator[Finding]:
    """Items once per list; one list of a kind per organisation, clinic or provider."""
    for section, member in (
        ("registration_lists", "appointment_types"),
        ("preblock_lists", "preblock_types"),
    ):
        kind = section.removesuffix("s").replace("_", " ")
        linked: dict[tuple[str, str], Seen] = {}
        for name, lst in getattr(opus, section).items():
            lpath: ConfigPath = (*dpath, section, name)
            links: ListLinks = lst.linked_to
            yield from _once(name, getattr(lst, member), (*lpath, member), opus_key)
            yield from _once(name, links.clinics, (*lpath, "linked_to", "clinics"), str)
            yield from _once(name, links.providers, (*lpath, "linked_to", "providers"), opus_key)
            if not lst.absent:
                yield from _links(kind, name, links, lpath, linked)


def _once(
    owner: str, items: list[str], path: ConfigPath, key: Callable[[str], str]
) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        first = seen.setdefault(key(item), i)
        if first != i:
            same = "" if items[first] == item else f" (as '{items[first]}': {NOTE})"
            yield (*path, i), f"'{owner}' names '{item}' twice{same}", (*path, first)


def _links(
    kind: str, name: str, links: ListLinks, lpath: ConfigPath, linked: dict[tuple[str, str], Seen]
) -> Iterator[Finding]:
    """Opus links one list of a kind to the organisation, and to each clinic and provider."""
    targets: list[tuple[tuple[str, str], str, ConfigPath]] = []
    if links.organisation:
        where: ConfigPath = (*lpath, "linked_to", "organisation")
        targets.append((("organisation", ""), "the organisation", where))
    for i, cid in enumerate(links.clinics):
        targets.append((("clinic", cid), f"clinic '{cid}'", (*lpath, "linked_to", "clinics", i)))
    for i, code in enumerate(links.providers):
        at: ConfigPath = (*lpath, "linked_to", "providers", i)
        targets.append((("provider", opus_key(code)), f"provider '{code}'", at))
    for target, what, path in targets:
        first = linked.setdefault(target, Seen(name, path))
        if first.name != name:
            message = (
                f"{kind} '{name}' is linked to {what}, and so is {kind} '{first.name}'; "
                f"Opus links one {kind} to each"
            )
            yield path, message, first.path
