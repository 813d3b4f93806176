"""Every lint rule fires where it should, at the right place, and nowhere else."""

from __future__ import annotations

import re

import pytest
from support import BASE, RunCli, WriteConfig

from reconciler.config import RULES, lint, load_config
from reconciler.errors import Severity

PROVIDER = "          HAN:\n"
RULE = '                hours: ["08:00-11:30", "12:30-15:00"]\n'
TYPES = '            "- Undersøkelse": {duration: 30, category: Undersøkelse}\n'
PREBLOCK = '            Internett: {kind: internet, color: "#D6F5D6"}\n'
SITE = "    clinics:\n"
NATIONAL_ID = "020132 99997"  # the tax authority's test vector
MOBILE = "+47 912 34 567"


def site(yaml: str) -> tuple[str, str]:
    return SITE, f"    site:\n{yaml}    clinics:\n"


Change = tuple[str, str]

CASES: list[tuple[str, Change | list[Change], str]] = [
    (
        "partial-groups",
        ("      sentrum:\n", "      nord: {opus_id: 2, group: Nord}\n      sentrum:\n"),
        "only 1 of 2 clinics have a group; sentrum will show under 'Ungrouped clinics'",
    ),
    (
        "preblock-expiry",
        (PREBLOCK, PREBLOCK.replace("kind:", "expires_days_before: 2, kind:")),
        "the preblock lapses before it occurs",
    ),
    (
        "preblock-expiry",
        (
            "          preblock_types:\n",
            "          ebooking: {preblock_expiry_hours: 48}\n          preblock_types:\n",
        ),
        "lapse 48 hours before they occur",
    ),
    (
        "appointment-type-without-category",
        (TYPES, '            "- Undersøkelse": {duration: 30}\n'),
        "no category; Opus requires one",
    ),
    (
        "no-ebooking-appointment-type",
        (
            TYPES + '            "- Tannrens": {duration: 45, category: Tannrens}\n',
            '            "- Undersøkelse": {duration: 30, category: U, use_in_ebooking: false}\n',
        ),
        "no free time will sync",
    ),
    (
        "skip-confirmation",
        site("      flexibility: {skip_confirmation: true}\n"),
        "for patient safety",
    ),
    (
        "new-appointment-requires-login",
        site("      flexibility: {new_appointment_requires_login: true}\n"),
        "only patients already in the Opus database can book",
    ),
    (
        "login-without-sms-login",
        site("      flexibility: {login: true, sms_login: false}\n"),
        "login works only together with sms_login",
    ),
    (
        "weekend-publishing-hidden",
        ("              - days: [mon-thu]\n", "              - days: [mon-thu, sat]\n"),
        "publishes on sat but weekend_booking is off",
    ),
    (
        "consent-missing",
        ("consent: {photo: false, title: true}", "consent: {photo: false, title: false}"),
        "the title will not be shown",
    ),
    (
        "boka-vard-not-sweden",
        site("      flexibility: {publish_on_boka_vard: true}\n"),
        "this account's country is NO",
    ),
    (
        "publishing-outside-working-hours",
        (RULE, '                hours: ["07:30-11:30", "12:00-17:00"]\n'),
        "mon 07:30-08:00, mon 12:00-12:30, mon 16:00-17:00, tue 07:30-08:00 and 8 more "
        "lies outside",
    ),
    (
        "preblock-type-not-internet",
        [
            (PREBLOCK, PREBLOCK + "            Manuell: {kind: normal}\n"),
            (RULE, RULE + "                preblock_type: Manuell\n"),
        ],
        "is kind: normal",
    ),
    (
        "appointment-type-not-ebooking",
        [
            (RULE, RULE + '                appointment_types: ["- Tannrens"]\n'),
            ("category: Tannrens}", "category: Tannrens, use_in_ebooking: false}"),
        ],
        "'- Tannrens' has use_in_ebooking: false",
    ),
    (
        "working-hours-linked",
        (PROVIDER, PROVIDER + "            working_hours_linked: true\n"),
        "breaks the sync of published time",
    ),
    (
        "preblock-not-blocking",
        (PREBLOCK, PREBLOCK.replace("kind:", "blocking: false, kind:")),
        "staff can book over this Internet preblock",
    ),
    ("preblock-code", (PREBLOCK, PREBLOCK.replace("kind:", "code: E1, kind:")), "advises not"),
    (
        "appointment-type-name",
        (TYPES, '            "Undersøkelse": {duration: 30, category: Undersøkelse}\n'),
        "starts with '- '",
    ),
    (
        "combined-view-order",
        site(
            "      registration:\n"
            "        {combined_view: true, order: [clinic, provider, treatment, time]}\n"
        ),
        "this order is ignored",
    ),
    (
        "maintenance-mode",
        site("      flexibility: {maintenance_mode: true}\n"),
        "closed to patients",
    ),
    (
        "inactive-database",
        (
            "        url: sqlite:///opus.db\n",
            "        url: sqlite:///opus.db\n        active: false\n",
        ),
        "database 'main' is not active",
    ),
    (
        "horizon-beyond-sync",
        (RULE, RULE + "                horizon_days: 120\n"),
        "120 days ahead, but the site syncs only 3 months",
    ),
    (
        "analytics-script",
        site("      analytics: {script: '<script></script>'}\n"),
        "does not support",
    ),
    (
        "national-id-in-text",
        site(f"      texts: {{welcome: 'Velkommen, {NATIONAL_ID}!'}}\n"),
        "site.texts.welcome: holds a national identity number (at character 12)",
    ),
    (
        "mobile-in-text",
        site(f"      sms: {{booked: 'Spørsmål? Ring {MOBILE}.'}}\n"),
        "site.sms.booked: holds a mobile number (at character 16); patients read this text",
    ),
]


def findings(write_config: WriteConfig, text: str) -> list[tuple[str, str, int]]:
    loaded = load_config(write_config(text))
    return [(p.code, p.message, p.mark.line if p.mark else 0) for p in lint(loaded)]


def test_the_base_config_lints_clean(write_config: WriteConfig) -> None:
    assert findings(write_config, BASE) == []


@pytest.mark.parametrize(("rule_id", "changes", "message"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires(
    write_config: WriteConfig, rule_id: str, changes: Change | list[Change], message: str
) -> None:
    text = BASE
    for old, new in changes if isinstance(changes, list) else [changes]:
        assert old in text, old
        text = text.replace(old, new, 1)
    found = findings(write_config, text)
    assert [f for f in found if f[0] == rule_id and message in f[1]], found
    assert all(f[2] > 0 for f in found)  # every finding has a line
    ignored = text.replace("version: 1\n", f"version: 1\nlint: {{ignore: [{rule_id}]}}\n", 1)
    assert not [f for f in findings(write_config, ignored) if f[0] == rule_id]


def test_every_rule_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(RULES)


def test_severities_are_meaningful() -> None:
    assert RULES["boka-vard-not-sweden"].severity is Severity.ERROR
    assert RULES["skip-confirmation"].severity is Severity.WARNING
    assert RULES["preblock-code"].severity is Severity.INFO


PERSONAL = f"""\
    site:
      texts:
        heading: "Tannlegene {MOBILE}"
        information: {{patient_note: "Ikke skriv fødselsnummer (som 02013299997) her"}}
      email:
        booked: {{body: "Hilsen tannlege 41234567 og fnr 30108299939"}}
    clinics:
"""


def test_personal_data_is_found_in_every_public_text_and_never_shown(
    write_config: WriteConfig,
) -> None:
    text = BASE.replace(SITE, PERSONAL)
    text = text.replace("title: Tannlege", "title: Tannlege 98765432")
    text = text.replace(
        "      sentrum:\n", "      sentrum:\n        text: {body: 'fnr 02013299997'}\n"
    )
    text = text.replace('"- Tannrens": {', '"- Tannrens": {description: Ring 91234567, ')
    found = findings(write_config, text)
    where = sorted((code, message.split(":")[0]) for code, message, _ in found)
    base = "accounts.clinic."
    assert where == sorted(
        [
            ("mobile-in-text", base + "site.texts.heading"),
            ("national-id-in-text", base + "site.texts.information.patient_note"),
            ("mobile-in-text", base + "site.email.booked.body"),
            ("national-id-in-text", base + "site.email.booked.body"),
            ("national-id-in-text", base + "clinics.sentrum.text.body"),
            ("mobile-in-text", base + "clinics.sentrum.providers.HAN.title"),
            (
                "mobile-in-text",
                base + 'databases.main.opus.appointment_types["- Tannrens"].description',
            ),
        ]
    )
    for _, message, _ in found:
        assert not re.search(r"\d{5}", message), message


@pytest.mark.parametrize(
    "written",
    [
        "Ring oss på 22 12 34 56",  # a landline
        "Konto 1234.56.78903",  # a bank account
        "Org.nr. 912 345 678",  # nine digits: an organisation number
        "Åpent 0800-1600, tlf. 800 12 345",
        "Kode 12345678901",  # eleven digits that are no national identity number
    ],
)
def test_public_numbers_are_not_personal_data(write_config: WriteConfig, written: str) -> None:
    text = BASE.replace(SITE, f"    site: {{texts: {{welcome: '{written}'}}}}\n{SITE}")
    assert findings(write_config, text) == []


def test_the_lint_command_never_prints_the_numbers(write_config: WriteConfig, cli: RunCli) -> None:
    directory = write_config(BASE.replace(SITE, PERSONAL))
    for fmt in ("text", "json", "github"):
        result = cli("lint", directory, "--format", fmt)
        output = result.out + result.err
        assert "national-id-in-text" in output, output
        for number in ("02013299997", "30108299939", "912 34 567", "41234567"):
            assert number not in output
