"""The setup guide's traps as named lint rules.

Each rule has an id, a severity and a one-line summary (the README lists them), and a check
that yields (path, message) findings on a valid config. `lint: {ignore: [id, …]}` in the
config turns rules off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reconciler.config.diagnostics import format_path
from reconciler.config.loaded import LoadedConfig
from reconciler.config.loader import ConfigPath
from reconciler.config.model import (
    Account,
    AppointmentType,
    Database,
    PreblockType,
    Provider,
    PublishingRule,
)
from reconciler.config.model.base import all_days
from reconciler.config.model.site import DEFAULT_ORDER
from reconciler.config.public_texts import public_texts
from reconciler.domain import national_id, phone
from reconciler.domain.times import TimeWindow, Weekday, uncovered
from reconciler.errors import Problem, Severity

Finding = tuple[ConfigPath, str]
Check = Callable[[ConfigPath, Account], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, severity, summary, check)
        return check

    return register


def lint(loaded: LoadedConfig) -> list[Problem]:
    """Every finding of every rule not ignored, as Problems with their places."""
    ignored = set(loaded.config.lint.ignore)
    problems = []
    for name, account in loaded.config.accounts.items():
        for r in RULES.values():
            if r.id in ignored:
                continue
            for path, message in r.check(("accounts", name), account):
                problems.append(
                    Problem(
                        loaded.mark_of(path), f"{format_path(path)}: {message}", r.id, r.severity
                    )
                )
    return sorted(problems, key=Problem.sort_key)


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def _providers(path: ConfigPath, account: Account) -> Iterator[tuple[ConfigPath, Provider]]:
    for cid, clinic in account.clinics.items():
        for code, provider in clinic.providers.items():
            yield (*path, "clinics", cid, "providers", code), provider


def _publishing(
    path: ConfigPath, account: Account
) -> Iterator[tuple[ConfigPath, PublishingRule, Provider, Database | None]]:
    """Every publishing rule, with its provider and the database it publishes in."""
    for cid, clinic in account.clinics.items():
        database = account.databases.get(account.database_of(clinic) or "")
        for code, provider in clinic.providers.items():
            for i, rule_ in enumerate(provider.publishing):
                rpath: ConfigPath = (*path, "clinics", cid, "providers", code, "publishing", i)
                yield rpath, rule_, provider, database


def _preblock_types(
    path: ConfigPath, account: Account
) -> Iterator[tuple[ConfigPath, PreblockType]]:
    for db_name, db in account.databases.items():
        for name, ptype in db.opus.preblock_types.items():
            if not ptype.absent:
                yield (*path, "databases", db_name, "opus", "preblock_types", name), ptype


def _appointment_types(
    path: ConfigPath, account: Account
) -> Iterator[tuple[ConfigPath, str, AppointmentType]]:
    for db_name, db in account.databases.items():
        for name, atype in db.opus.appointment_types.items():
            if not atype.absent:
                yield (*path, "databases", db_name, "opus", "appointment_types", name), name, atype


def _flex(path: ConfigPath, key: str) -> ConfigPath:
    return (*path, "site", "flexibility", key)


@rule(
    "partial-groups",
    WARNING,
    "Only some clinics have a group; the rest show as 'Ungrouped clinics'.",
)
def _partial_groups(path: ConfigPath, account: Account) -> Iterator[Finding]:
    grouped = [cid for cid, c in account.clinics.items() if c.group]
    if grouped and len(grouped) < len(account.clinics):
        loose = [cid for cid in account.clinics if cid not in grouped]
        yield (
            (*path, "clinics", loose[0]),
            f"only {len(grouped)} of {len(account.clinics)} clinics have a group; "
            f"{', '.join(loose)} will show under 'Ungrouped clinics' — group all or none",
        )


@rule(
    "preblock-expiry", WARNING, "A preblock expiry is set; online time vanishes before it occurs."
)
def _preblock_expiry(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for db_name, db in account.databases.items():
        hours = db.opus.ebooking.preblock_expiry_hours
        if hours:
            yield (
                (*path, "databases", db_name, "opus", "ebooking", "preblock_expiry_hours"),
                f"Internet preblocks lapse {hours} hours before they occur, so all online time "
                "vanishes that far ahead; the vendor advises leaving this unset",
            )
    for tpath, ptype in _preblock_types(path, account):
        if ptype.expires_days_before is not None:
            yield (
                (*tpath, "expires_days_before"),
                "the preblock lapses before it occurs; the vendor is unsure this works "
                "and advises leaving it unset",
            )


@rule(
    "appointment-type-without-category",
    ERROR,
    "An appointment type has no category; Opus requires one.",
)
def _no_category(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for tpath, _, atype in _appointment_types(path, account):
        if atype.category is None:
            yield (
                tpath,
                "no category; Opus requires one and bookings get it — add category: <name>",
            )


@rule(
    "no-ebooking-appointment-type",
    ERROR,
    "No appointment type is enabled for e-booking: nothing will sync.",
)
def _no_ebooking_type(path: ConfigPath, account: Account) -> Iterator[Finding]:
    used = {account.database_of(c) for c in account.clinics.values()}
    for db_name, db in account.databases.items():
        if db.active and db_name in used and not db.opus.ebooking_types():
            yield (
                (*path, "databases", db_name, "opus"),
                "no appointment type has use_in_ebooking: true, so no free time will sync — "
                "declare one under appointment_types",
            )


@rule("skip-confirmation", WARNING, "Booking without the SMS code; the vendor advises against it.")
def _skip_confirmation(path: ConfigPath, account: Account) -> Iterator[Finding]:
    if account.site.flexibility.skip_confirmation:
        yield (
            _flex(path, "skip_confirmation"),
            "patients book without a confirmation code; the vendor advises against it "
            "for patient safety",
        )


@rule("new-appointment-requires-login", WARNING, "Only patients already in the database can book.")
def _requires_login(path: ConfigPath, account: Account) -> Iterator[Finding]:
    if account.site.flexibility.new_appointment_requires_login:
        yield (
            _flex(path, "new_appointment_requires_login"),
            "only patients already in the Opus database can book; the vendor advises off",
        )


@rule(
    "login-without-sms-login",
    WARNING,
    "Login is on but SMS login is off; login does not work alone.",
)
def _login_without_sms(path: ConfigPath, account: Account) -> Iterator[Finding]:
    flex = account.site.flexibility
    if flex.login and not flex.sms_login:
        yield (
            _flex(path, "login"),
            "login works only together with sms_login, which is off — turn sms_login on",
        )


@rule(
    "weekend-publishing-hidden",
    WARNING,
    "Time is published on weekends while weekend booking is off.",
)
def _weekend_hidden(path: ConfigPath, account: Account) -> Iterator[Finding]:
    if account.site.flexibility.weekend_booking:
        return
    for rpath, rule_, _, _ in _publishing(path, account):
        weekend = sorted(d for d in all_days(rule_.days) if d.is_weekend)
        if weekend:
            yield (
                (*rpath, "days"),
                f"publishes on {', '.join(d.label for d in weekend)} but weekend_booking is "
                "off, so the site will not show that time",
            )


@rule("consent-missing", WARNING, "A photo or title is set without the provider's consent.")
def _consent(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for ppath, provider in _providers(path, account):
        if provider.photo is not None and not provider.consent.photo:
            yield (
                (*ppath, "photo"),
                "the photo will not be shown: the provider has not consented (consent.photo)",
            )
        if provider.title is not None and not provider.consent.title:
            yield (
                (*ppath, "title"),
                "the title will not be shown: the provider has not consented (consent.title)",
            )


@rule("boka-vard-not-sweden", ERROR, "Boka Vård is turned on for an account that is not Swedish.")
def _boka_vard(path: ConfigPath, account: Account) -> Iterator[Finding]:
    if account.site.flexibility.publish_on_boka_vard and account.country != "SE":
        yield (
            _flex(path, "publish_on_boka_vard"),
            f"Boka Vård is a Swedish portal; this account's country is {account.country}",
        )


@rule(
    "publishing-outside-working-hours",
    ERROR,
    "A publishing rule covers time outside the provider's working hours with Recall.",
)
def _outside_hours(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for rpath, rule_, provider, _ in _publishing(path, account):
        if not provider.working_hours:
            continue
        recall = _recall_hours(provider)
        gaps = [
            f"{day.label} {gap}"
            for day in sorted(all_days(rule_.days))
            for window in rule_.hours
            for gap in uncovered(window, recall[day])
        ]
        if gaps:
            shown = ", ".join(gaps[:4]) + (f" and {len(gaps) - 4} more" if len(gaps) > 4 else "")
            yield (
                (*rpath, "hours"),
                f"{shown} lies outside the provider's working hours with Recall [R]; "
                "that time cannot be published",
            )


def _recall_hours(provider: Provider) -> dict[Weekday, list[TimeWindow]]:
    recall: dict[Weekday, list[TimeWindow]] = {d: [] for d in Weekday}
    for wh in provider.working_hours:
        if wh.recall:
            for day in all_days(wh.days):
                recall[day] += wh.hours
    return recall


@rule(
    "preblock-type-not-internet",
    ERROR,
    "A publishing rule places a preblock type that is not Internet.",
)
def _not_internet(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for rpath, rule_, _, db in _publishing(path, account):
        ptype = db.opus.preblock_types.get(rule_.preblock_type or "") if db else None
        if ptype is not None and ptype.kind != "internet":
            yield (
                (*rpath, "preblock_type"),
                f"preblock type '{rule_.preblock_type}' is kind: {ptype.kind}; "
                "only Internet preblocks publish time",
            )


@rule(
    "appointment-type-not-ebooking",
    WARNING,
    "A publishing rule offers a type not enabled for e-booking.",
)
def _type_not_ebooking(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for rpath, rule_, _, db in _publishing(path, account):
        for j, name in enumerate(rule_.appointment_types or []):
            atype = db.opus.appointment_types.get(name) if db else None
            if atype is not None and not atype.use_in_ebooking:
                yield (
                    (*rpath, "appointment_types", j),
                    f"'{name}' has use_in_ebooking: false, so patients cannot book it",
                )


@rule(
    "working-hours-linked", ERROR, "'Working hours linked to provider' is on; it breaks the sync."
)
def _hours_linked(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for ppath, provider in _providers(path, account):
        if provider.working_hours_linked:
            yield (
                (*ppath, "working_hours_linked"),
                "'Arbeidstid koblet til behandler' breaks the sync of published time; turn it off",
            )


@rule(
    "preblock-not-blocking",
    WARNING,
    "An Internet preblock type is not blocking; the vendor advises yes.",
)
def _not_blocking(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for tpath, ptype in _preblock_types(path, account):
        if ptype.kind == "internet" and not ptype.blocking:
            yield (
                (*tpath, "blocking"),
                "staff can book over this Internet preblock; the vendor advises blocking: true",
            )


@rule("preblock-code", INFO, "A preblock type has a code; the vendor advises none.")
def _preblock_code(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for tpath, ptype in _preblock_types(path, account):
        if ptype.code:
            yield ((*tpath, "code"), "the vendor advises not giving preblock types a code")


@rule("appointment-type-name", INFO, "An e-booking type's name does not start with '- '.")
def _type_name(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for tpath, name, atype in _appointment_types(path, account):
        if atype.use_in_ebooking and not name.startswith("- "):
            yield (
                tpath,
                "e-booking types are easier to spot in the book when the name starts with '- '",
            )


@rule(
    "combined-view-order",
    WARNING,
    "A registration order is set, but combined view fixes the order.",
)
def _combined_order(path: ConfigPath, account: Account) -> Iterator[Finding]:
    reg = account.site.registration
    if reg.combined_view and reg.order != DEFAULT_ORDER:
        yield (
            (*path, "site", "registration", "order"),
            "combined view fixes the order (clinic → treatment & provider → time & details); "
            "this order is ignored",
        )


@rule("maintenance-mode", WARNING, "The site is in maintenance mode: closed to the public.")
def _maintenance(path: ConfigPath, account: Account) -> Iterator[Finding]:
    if account.site.flexibility.maintenance_mode:
        yield (_flex(path, "maintenance_mode"), "the booking site is closed to patients")


@rule("inactive-database", WARNING, "A clinic is on a database that is not active for e-booking.")
def _inactive(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for cid, clinic in account.clinics.items():
        db_name = account.database_of(clinic)
        db = account.databases.get(db_name or "")
        if db is not None and not db.active:
            yield (
                (*path, "clinics", cid),
                f"database '{db_name}' is not active, so this clinic publishes nothing",
            )


@rule("horizon-beyond-sync", WARNING, "Time is published further ahead than the site syncs.")
def _horizon(path: ConfigPath, account: Account) -> Iterator[Finding]:
    months = account.site.flexibility.months_to_sync
    for rpath, rule_, _, _ in _publishing(path, account):
        if rule_.horizon_days > months * 31:
            yield (
                (*rpath, "horizon_days"),
                f"{rule_.horizon_days} days ahead, but the site syncs only {months} months "
                "(site.flexibility.months_to_sync)",
            )


@rule("analytics-script", INFO, "An analytics script is set; the vendor does not support its use.")
def _analytics(path: ConfigPath, account: Account) -> Iterator[Finding]:
    if account.site.analytics.script:
        yield (
            (*path, "site", "analytics", "script"),
            "the vendor does not support analytics scripts; test the site after applying",
        )


@rule(
    "national-id-in-text",
    WARNING,
    "A text patients read holds what looks like a national identity number.",
)
def _national_id_in_text(path: ConfigPath, account: Account) -> Iterator[Finding]:
    for tpath, text in public_texts(path, account):
        for at in national_id.positions_in(text):
            yield (
                tpath,
                f"holds a national identity number (at character {at + 1}); patients read this "
                "text, and a person's number never belongs in it — remove it",
            )


@rule(
    "mobile-in-text",
    WARNING,
    "A text patients read holds a mobile number: usually a person's own. Landlines are fine.",
)
def _mobile_in_text(path: ConfigPath, account: Account) -> Iterator[Finding]:
    """A clinic's switchboard is a landline (or a number in another range), and public by
    design; a Norwegian mobile number is most often a person's — a dentist's or a patient's
    — and so personal data. A clinic that publishes its own mobile on purpose turns this
    rule off with lint: {ignore: [mobile-in-text]}."""
    for tpath, text in public_texts(path, account):
        for at in phone.mobile_positions_in(text):
            yield (
                tpath,
                f"holds a mobile number (at character {at + 1}); patients read this text, and a "
                "mobile is usually a person's own — use the clinic's landline, or ignore "
                "mobile-in-text if this is the clinic's number",
            )
