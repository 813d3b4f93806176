"""`reconciler explain`: whether a time is offered to patients, and every reason why not,
each naming the row in the book or the line in the config that causes it. What a
receptionist needs when a patient says "I can't find a time"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reconciler.config import LoadedConfig
from reconciler.config.diagnostics import format_path
from reconciler.config.loader import ConfigPath
from reconciler.domain.freetime import Block, BlockType, Busy, Offer, Reason, Why, explain, slots
from reconciler.domain.publishing import expand
from reconciler.domain.spans import Span
from reconciler.errors import UsageError
from reconciler.providers.opus import records as r
from reconciler.providers.opus.desired import publishing_rule
from reconciler.sync.books import DatabaseBooks, selected_books


@dataclass
class Explanation:
    """For one provider and moment: the treatments offered then, and why others are not."""

    provider: str
    at: datetime
    offered: list[str] = field(default_factory=list)  # treatment names
    because: list[str] = field(default_factory=list)  # where the offered time comes from
    reasons: dict[str, list[str]] = field(default_factory=dict)  # treatment → why not


def explain_time(
    loaded: LoadedConfig,
    *,
    now: datetime,
    provider: str,
    at: datetime,
    clinic: str | None = None,
    treatment: str | None = None,
) -> Explanation:
    found = list(selected_books(loaded, now, clinic=clinic, provider=provider))
    if len(found) > 1:
        raise UsageError(
            f"provider {provider} is selected in more than one database",
            "name the clinic with --clinic",
        )
    database = found[0]
    if provider in database.books.missing:
        raise UsageError(f"provider {provider} is not in database '{database.database}'", "")
    words = _Words(loaded, database)
    result = Explanation(provider, at)
    types = [
        t
        for t in database.books.appointment_types.values()
        if treatment in (None, t.name) and (treatment is not None or t.use_in_ebooking)
    ]
    if treatment is not None and not types:
        raise UsageError(f"no appointment type '{treatment}' in database '{database.database}'", "")
    if not types:  # nothing used in e-booking: say so once
        return _explained(result, "(any)", words.reasons(None, Span(at, at + timedelta(minutes=1))))
    for atype in types:
        span = Span(at, at + timedelta(minutes=atype.duration))
        why = words.reasons(atype, span)
        if not why:
            result.offered.append(atype.name)
            result.because = words.source(span)
        else:
            result.reasons[atype.name] = why
    return result


def _explained(result: Explanation, name: str, why: list[str]) -> Explanation:
    result.reasons[name] = why
    return result


class _Words:
    """Reasons in words, each naming its row or config line."""

    def __init__(self, loaded: LoadedConfig, database: DatabaseBooks) -> None:
        self.loaded = loaded
        self.db = database
        self.code = next(iter(database.books.books))
        self.book = database.books.books[self.code]
        clinic = database.clinic_key(self.code)
        self.path: ConfigPath = (
            "accounts",
            database.account,
            "clinics",
            clinic,
            "providers",
            self.code,
        )

    def reasons(self, atype: r.AppointmentType | None, span: Span) -> list[str]:
        books = self.db.books
        _, found = explain(self.book, books.setup, self.db.now, span, atype.id if atype else None)
        out = [self._reason(reason, atype) for reason in found]
        if not found and atype is not None:
            out += self._site_rules(atype, span)
        return out

    def _site_rules(self, atype: r.AppointmentType, span: Span) -> list[str]:
        """The site's own rules over the free time: weekends, and where slots are cut."""
        flexibility = self.db.settings.site.flexibility
        batches = self.db.free_time(self.code)
        if span.start.weekday() >= 5 and not flexibility.weekend_booking:
            where = self._at("site", "flexibility", "weekend_booking")
            return [f"it is a weekend day and weekend booking is off ({where})"]
        offered = slots(batches, atype.id, atype.duration, weekends=True)
        if span in offered:
            return []
        same_day = [s for s in offered if s.start.date() == span.start.date()]
        starts = ", ".join(f"{s.start:%H:%M}" for s in same_day[:8]) or "none"
        return [
            f"the site cuts times of {atype.duration} minutes back to back from the start of "
            f"each free stretch: {span.start:%H:%M} is not one of them (that day: {starts})"
        ]

    def _reason(self, reason: Reason, atype: r.AppointmentType | None) -> str:
        cause, books = reason.cause, self.db.books
        words = {
            "type": atype.name if atype else "?",
            "type_id": atype.id if atype else "?",
            "database": self.db.database,
            "hours": books.setup.expiry_hours,
            "months": self.db.settings.site.flexibility.months_to_sync,
        }
        if isinstance(cause, Block):
            words["block"] = self._block(cause)
            kind = books.setup.types[cause.type_id]
            words["kind"], words["days"] = kind.name, kind.expires_days_before
        elif isinstance(cause, Busy):
            row = books.appointments.get(cause.id)
            by = f" (registered by {row.registered_by})" if row else ""
            words["appointment"] = f"appointment #{cause.id} {_hours(cause.span)}{by}"
        elif isinstance(cause, BlockType):
            words["kind"] = cause.name
        elif isinstance(cause, Offer):
            offered = cause.treatments or frozenset()
            names = sorted(t.name for i, t in books.appointment_types.items() if i in offered)
            words["offered"] = ", ".join(names) or "nothing"
            words["rule"] = self._rule_at(cause.rule)
        where = {
            Why.LINKED: ("working_hours_linked",),
            Why.EXPIRY_HOURS: None,
            Why.BEYOND: ("site", "flexibility", "months_to_sync"),
        }
        if reason.why in where:
            keys = where[reason.why]
            words["at"] = (
                self._at(*keys) if keys else self._at_database("ebooking", "preblock_expiry_hours")
            )
        return _TEMPLATES[reason.why].format(**words)

    def source(self, span: Span) -> list[str]:
        """Where offered time comes from: the preblock, and the rule that placed it."""
        setup = self.db.books.setup
        out = []
        for block in self.book.blocks:
            kind = setup.types.get(block.type_id)
            if kind is not None and kind.internet and span.within(block.span):
                out.append(f"inside {self._block(block)}{self._placed_by(block)}")
        return out

    def _placed_by(self, block: Block) -> str:
        if not block.managed:
            return ""
        rules = (
            self.db.settings.clinics[self.db.clinic_key(self.code)].providers[self.code].publishing
        )
        for index, rule in enumerate(rules):
            if any(
                block.span.overlaps(s) for s in expand(publishing_rule(rule), self.db.now.date())
            ):
                path = (*self.path, "publishing", index)
                return f", from rule {format_path(path)} ({self._mark(path)})"
        return ""

    def _block(self, block: Block) -> str:
        row = self.db.books.preblocks.get(block.id)
        kind = self.db.books.setup.types.get(block.type_id)
        name = kind.name if kind else "?"
        by = f", placed by {row.created_by}" if row else ""
        return f"preblock '{name}' {_hours(block.span)} (#{block.id}{by})"

    def _at(self, *keys: str) -> str:
        path: ConfigPath = (
            (*self.path, *keys) if keys[0] != "site" else ("accounts", self.db.account, *keys)
        )
        return f"{format_path(path)}, {self._mark(path)}"

    def _at_database(self, *keys: str) -> str:
        path: ConfigPath = (
            "accounts",
            self.db.account,
            "databases",
            self.db.database,
            "opus",
            *keys,
        )
        return f"{format_path(path)}, {self._mark(path)}"

    def _rule_at(self, rule: tuple[str | int, ...]) -> str:
        path: ConfigPath = ("accounts", self.db.account, *rule)
        return f"{format_path(path)}, {self._mark(path)}"

    def _mark(self, path: ConfigPath) -> str:
        mark = self.loaded.source_of(path) or self.loaded.mark_of(path)
        return str(mark) if mark else "its default"


def _hours(span: Span) -> str:
    return f"{span.start:%Y-%m-%d %H:%M}–{span.end:%H:%M}"


_TEMPLATES = {
    Why.LINKED: "its working hours are linked to the provider in Opus, which breaks the sync "
    "of published time: it is not synced ({at})",
    Why.NO_TREATMENTS: "no appointment type is used in e-booking in database '{database}': "
    "nothing is published",
    Why.NOT_EBOOKING: "appointment type '{type}' (#{type_id}) is not used in e-booking",
    Why.PAST: "it is in the past",
    Why.EXPIRY_HOURS: "it is within {hours} hours of now: Internet time lapses {hours} hours "
    "ahead ({at})",
    Why.BEYOND: "it lies beyond the {months} months the site is given ({at})",
    Why.NO_BLOCK: "no Internet preblock covers it",
    Why.TOO_LONG: "{block} covers only part of it: the time does not fit inside it",
    Why.BLOCK_EXPIRED: "{block} has lapsed: its type '{kind}' expires {days} days before its start",
    Why.NO_WORKING_HOURS: "it lies outside the provider's working hours with Recall [R]",
    Why.APPOINTMENT: "{appointment} occupies it",
    Why.BLOCKING: "{block} occupies it",
    Why.EXCLUDED: "preblock type '{kind}' excludes '{type}' (disallowed_appointment_types)",
    Why.NOT_IN_RULE: "the rule that placed this time offers only {offered} ({rule})",
}
