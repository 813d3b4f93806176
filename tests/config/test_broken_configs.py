"""`reconciler validate` against a corpus of broken configs, run as a real subprocess.

Each case is a small valid base config with one thing broken. For every case the command must
exit 1, name the file (and, where there is one, the line and column) on stderr, print no
traceback and no internal error, never show a secret value, and finish well within a hang
guard. The cases that try to exhaust memory run the child under a 1 GiB address-space limit,
so a blow-up becomes a failure rather than a slow machine.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

HANG_GUARD_SECONDS = 60
MEMORY_LIMIT_BYTES = 1024**3

ACCOUNT_KEY = "acct-key-S3cr3t-7f1e9c2a"
DB_PASSWORD = "db-pass-S3cr3t-4b8d0e6f"
CERT_PASSWORD = "cert-pass-S3cr3t-93a1c5d7"
LITERAL_PASSWORD = "Hunter2-Literal-Pa55word"
MISSING_VARIABLE = "RECON_TEST_NOT_SET_ANYWHERE"

SECRET_ENV = {
    "RECON_TEST_ACCOUNT_KEY": ACCOUNT_KEY,
    "RECON_TEST_DB_PASSWORD": DB_PASSWORD,
    "RECON_TEST_CERT_PASSWORD": CERT_PASSWORD,
}
SECRET_VALUES = (ACCOUNT_KEY, DB_PASSWORD, CERT_PASSWORD)

ROOT = "reconciler.yaml"
ROOT_AT = r"reconciler\.yaml:\d+:\d+: "
PROBLEM_LINE = re.compile(r"[^\s:][^:]*:\d+:\d+: \S")

BASE = """\
version: 1
accounts:
  main:
    key: ${env:RECON_TEST_ACCOUNT_KEY}
    subdomain: tannlegene-test
    country: NO
    databases:
      opus:
        server: KLINIKK-SRV01
        database: OpusDental
        password: ${env:RECON_TEST_DB_PASSWORD}
        opus:
          preblock_types:
            Internett e-time:
              kind: internet
          appointment_types:
            "- Undersøkelse":
              duration: 30
              category: Undersøkelse
    site:
      flexibility:
        weekend_booking: false
      sms:
        booked: "Time hos {{clinic_name}} {{date}} kl. {{time}}."
    clinics:
      storgata:
        opus_id: 1
        providers:
          HAN:
            working_hours:
              - days: [mon-fri]
                hours: ["08:00-16:00"]
            publishing:
              - days: [mon-thu]
                hours: ["08:00-11:30"]
                appointment_types: ["- Undersøkelse"]
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    """`text` with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once in the base config"
    return text.replace(old, new)


@dataclass(frozen=True)
class Case:
    id: str
    files: Mapping[str, str | bytes]
    # what to pass as PATH, relative to the config directory
    target: str = "."
    # stderr must match this (the file that is wrong, with line and column where there is one)
    where: str = ROOT_AT
    # when set, the problem must be reported on this line of the root file
    line: int | None = None
    # whether the problem has a place (file:line:col); every stderr line is then one problem
    # line `file:line:col: message` or the closing `error: …` line
    located: bool = True
    # each must appear in stderr
    expect: tuple[str, ...] = ()
    # none may appear in stdout or stderr (secret values are always checked)
    forbid: tuple[str, ...] = ()
    # run the child under an address-space limit
    memory: bool = False
    # a file the config must not manage to create (unsafe tags)
    marker: str | None = None
    # symlinks to make: (name, target), relative to the directory of the config files
    links: tuple[tuple[str, str], ...] = ()


def root(text: str | bytes) -> dict[str, str | bytes]:
    return {ROOT: text}


def line_of(text: str | bytes, needle: str | bytes) -> int:
    """The 1-based line of `text` where `needle` first occurs."""
    if isinstance(text, bytes):
        needle = needle.encode() if isinstance(needle, str) else needle
        assert needle in text
        return text[: text.index(needle)].count(b"\n") + 1
    assert isinstance(needle, str)
    assert needle in text
    return text[: text.index(needle)].count("\n") + 1


# --- YAML-level cases ----------------------------------------------------------------------

UNCLOSED_FLOW = BASE + "lint: {ignore: [a, b]\n"

BAD_INDENT = edit(
    "        database: OpusDental\n",
    "        database: OpusDental\n       user: sa\n",
)

TAB_INDENT = edit("    subdomain: tannlegene-test\n", "\tsubdomain: tannlegene-test\n")

DUP_TOP = BASE + "version: 1\n"

DUP_NESTED = edit("    country: NO\n", "    country: NO\n    subdomain: en-annen\n")

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)

NUL_BYTES = BASE.encode() + b"    \x00\x00\x00\n"

INVALID_UTF8 = (
    edit("    subdomain: tannlegene-test\n", "    subdomain: tannlegene-XX\n")
    .encode()
    .replace(b"XX", b"\xc3\x28")
)

UTF16 = BASE.encode("utf-16")  # with a BOM

CONTROL_CHAR = edit("    country: NO\n", "    country: NO\x01\n")


def alias_list_bomb(levels: int, fan_out: int = 10, header: str = "version: 1\n") -> str:
    """lol0 holds 7 values; each further level holds `fan_out` aliases of the one before."""
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        aliases = ", ".join([f"*lol{i - 1}"] * fan_out)
        lines.append(f"lol{i}: &lol{i} [{aliases}]")
    return header + "\n".join(lines) + "\n"


def merge_bomb() -> str:
    keys = ", ".join(f"k{j}: lol" for j in range(10))
    lines = ["version: 1", f"m0: &m0 {{{keys}}}"]
    for i in range(1, 10):
        sources = ", ".join([f"*m{i - 1}"] * 10)
        values = ", ".join(f"n{j}: {{<<: [{sources}]}}" for j in range(10))
        lines.append(f"m{i}: &m{i} {{<<: [{sources}], {values}}}")
    return "\n".join(lines) + "\n"


# ~1.7 million values: each file is under a per-file alias budget of 2 million, but three
# includes of it are not under any sensible budget for the config as a whole.
PART_BOMB = alias_list_bomb(6, header="") + "again: [*lol5]\n"

INCLUDE_BOMB = {
    ROOT: BASE + "".join(f"extra{i}:\n  include: part.yaml\n" for i in range(3)),
    "part.yaml": PART_BOMB,
}

# One `include:` under an anchor, repeated by aliases: a thousand reads of the included file.
FANOUT_PART = alias_list_bomb(5, header="")
INCLUDE_FANOUT = {
    ROOT: BASE
    + "extra:\n"
    + "  one: &one {include: part.yaml}\n"
    + "  ten: &ten ["
    + ", ".join(["*one"] * 10)
    + "]\n"
    + "  hundred: &hundred ["
    + ", ".join(["*ten"] * 10)
    + "]\n"
    + "  thousand: ["
    + ", ".join(["*hundred"] * 10)
    + "]\n",
    "part.yaml": FANOUT_PART,
}

# 200,000 providers of one value each are within the value budget as written; a clinic's
# defaults.provider block multiplies each by thirty (1.5 GB once validated).
DEFAULTS_BLOCK = """\
        defaults:
          provider:
            title: Tannlege
            consent: {photo: false, title: true}
            working_hours:
              - {days: [mon-fri], hours: ["08:00-12:00", "12:30-16:00"]}
            publishing:
              - days: [mon-thu]
                hours: ["08:00-11:30"]
                appointment_types: ["- Undersøkelse"]
                dates_off: ["2026-12-24..2027-01-01"]
"""
DEFAULTS_BOMB_ROOT = edit(
    "        opus_id: 1\n        providers:\n",
    "        opus_id: 1\n" + DEFAULTS_BLOCK + "        providers:\n          include: many.yaml\n",
)
DEFAULTS_BOMB = {
    ROOT: DEFAULTS_BOMB_ROOT,
    "many.yaml": "".join(f"P{i}: {{}}\n" for i in range(200_000)),
}

DEEP_NESTING = "version: 1\nnested: " + "[" * 100_000 + "\n"


def nested_block(depth: int, inner: str) -> str:
    """`depth` levels of block mappings (within the per-file depth limit) around `inner`."""
    return "".join("  " * i + f"n{i}:\n" for i in range(depth)) + "  " * depth + inner + "\n"


# Each file is 60 levels deep, within the per-file limit; the includes stack them up.
DEEP_INCLUDES: dict[str, str | bytes] = {
    ROOT: BASE + nested_block(60, "include: part1.yaml"),
    **{f"part{k}.yaml": nested_block(60, f"include: part{k + 1}.yaml") for k in range(1, 12)},
    "part12.yaml": nested_block(60, "leaf: 1"),
}

# Each anchor is 60 levels deep, within the per-file limit; each wraps the previous alias.
DEEP_ALIASES = (
    BASE
    + "deep0: &deep0 "
    + "[" * 60
    + "x"
    + "]" * 60
    + "\n"
    + "".join(
        f"deep{k}: &deep{k} " + "[" * 60 + f"*deep{k - 1}" + "]" * 60 + "\n" for k in range(1, 12)
    )
)

HUGE_SCALAR = "version: 1\nblob: " + "a" * (30 * 1024 * 1024) + "\n"

LONG_SCALAR = edit(
    "        booked: ", "        cancelled: " + "b" * (2 * 1024 * 1024) + "\n        booked: "
)

PYTHON_OBJECT = edit(
    "    country: NO\n",
    "    country: NO\n    extra: !!python/object:os.system {}\n",
)

PYTHON_APPLY = BASE + 'lint: !!python/object/apply:os.system ["touch MARKER"]\n'

PYTHON_APPLY_SCALAR = BASE + "lint: !!python/object/apply:os.system touch MARKER\n"

PYTHON_NAME = BASE + "lint: !!python/name:os.system\n"

CUSTOM_TAG = edit("    subdomain: tannlegene-test\n", "    subdomain: !foo tannlegene-test\n")

YAML_CASES = [
    Case("yaml-unclosed-flow-mapping", root(UNCLOSED_FLOW), expect=("YAML syntax",)),
    Case(
        "yaml-bad-indentation",
        root(BAD_INDENT),
        line=line_of(BAD_INDENT, "       user: sa"),
        expect=("YAML syntax",),
    ),
    Case(
        "yaml-tab-indentation",
        root(TAB_INDENT),
        line=line_of(TAB_INDENT, "\t"),
        expect=("tab",),
    ),
    Case(
        "yaml-control-character",
        root(CONTROL_CHAR),
        line=line_of(CONTROL_CHAR, "\x01"),
    ),
    Case(
        "duplicate-key-top-level",
        root(DUP_TOP),
        line=DUP_TOP.count("\n"),
        expect=("duplicate key 'version'",),
    ),
    Case(
        "duplicate-key-nested",
        root(DUP_NESTED),
        line=line_of(DUP_NESTED, "subdomain: en-annen"),
        expect=("duplicate key 'subdomain'",),
    ),
    Case("root-is-list", root("- version: 1\n- accounts: {}\n"), expect=("mapping",)),
    Case("root-is-plain-scalar", root("just some text\n"), expect=("mapping",)),
    Case("empty-file", root(b""), expect=("empty",)),
    Case("comment-only-file", root("# nothing here yet\n# version: 1\n"), expect=("empty",)),
    Case("binary-png", root(PNG_BYTES), expect=("binary",)),
    Case(
        "binary-nul-bytes",
        root(NUL_BYTES),
        line=line_of(NUL_BYTES, b"\x00"),
        expect=("binary",),
    ),
    Case(
        "invalid-utf8",
        root(INVALID_UTF8),
        line=line_of(INVALID_UTF8, b"\xc3\x28"),
        expect=("UTF-8",),
    ),
    Case("utf16-with-bom", root(UTF16), line=1, expect=("UTF-16",)),
    Case("billion-laughs", root(alias_list_bomb(10)), expect=("alias",), memory=True),
    Case("merge-key-bomb", root(merge_bomb()), memory=True),
    Case(
        "alias-bomb-split-over-includes",
        INCLUDE_BOMB,
        where=r"(part|reconciler)\.yaml:\d+:\d+: ",
        memory=True,
    ),
    Case(
        "include-repeated-by-aliases",
        INCLUDE_FANOUT,
        where=r"(part|reconciler)\.yaml:\d+:\d+: ",
        memory=True,
    ),
    Case(
        "defaults-multiplied-by-200k-providers",
        DEFAULTS_BOMB,
        line=line_of(DEFAULTS_BOMB_ROOT, "          provider:"),
        expect=("more than 500,000 values once defaults are applied", "defaults.provider"),
        memory=True,
    ),
    Case("nesting-100k-brackets", root(DEEP_NESTING), expect=("nesting",), memory=True),
    Case(
        "nesting-stacked-by-includes",
        DEEP_INCLUDES,
        where=r"(part\d+|reconciler)\.yaml:\d+:\d+: ",
        memory=True,
    ),
    Case("nesting-stacked-by-aliases", root(DEEP_ALIASES), memory=True),
    Case("scalar-30mb", root(HUGE_SCALAR), line=1, expect=("larger than",), memory=True),
    Case(
        "scalar-2mb",
        root(LONG_SCALAR),
        line=line_of(LONG_SCALAR, "cancelled:"),
        expect=("longer than",),
        memory=True,
    ),
    Case(
        "tag-python-object",
        root(PYTHON_OBJECT),
        line=line_of(PYTHON_OBJECT, "!!python"),
        expect=("not allowed",),
    ),
    Case(
        "tag-python-object-apply",
        root(PYTHON_APPLY),
        line=line_of(PYTHON_APPLY, "!!python"),
        expect=("not allowed",),
        marker="MARKER",
    ),
    Case(
        "tag-python-object-apply-scalar",
        root(PYTHON_APPLY_SCALAR),
        line=line_of(PYTHON_APPLY_SCALAR, "!!python"),
        expect=("not allowed",),
        marker="MARKER",
    ),
    Case(
        "tag-python-name",
        root(PYTHON_NAME),
        line=line_of(PYTHON_NAME, "!!python"),
        expect=("not allowed",),
    ),
    Case(
        "tag-custom-foo",
        root(CUSTOM_TAG),
        line=line_of(CUSTOM_TAG, "!foo"),
        expect=("!foo",),
    ),
]

# --- model-level cases ---------------------------------------------------------------------


def model_case(
    case_id: str,
    old: str,
    new: str,
    *expect: str,
    forbid: tuple[str, ...] = (),
    on_new_line: bool = True,
    at: str | None = None,
) -> Case:
    """A case that replaces `old` by `new` in the base; with `on_new_line`, the problem must
    be reported on `new`'s (first) line, or on the line holding `at`."""
    text = edit(old, new)
    line = line_of(text, at or new.strip().splitlines()[0]) if on_new_line else None
    return Case(case_id, root(text), line=line, expect=expect, forbid=forbid)


SMS = '        booked: "Time hos {{clinic_name}} {{date}} kl. {{time}}."\n'
SITE_TEXTS = "      sms:\n"


def site_text_case(case_id: str, key: str, written: str, *expect: str) -> Case:
    """`site.texts.<key>` set to `written`, a YAML double-quoted text with escapes."""
    new = f'      texts:\n        {key}: "{written}"\n' + SITE_TEXTS
    return model_case(case_id, SITE_TEXTS, new, f"site.texts.{key}", *expect, at=f"{key}:")


# Characters that must not reach patients (or a terminal), written as YAML escapes.
CONTROL_CASES = [
    site_text_case("site-text-bidi-override", "welcome", r"Velkommen \u202Eneppo\u202C", "U+202E"),
    site_text_case("site-text-bidi-isolate", "patient_info", r"Ring \u2067ikke\u2069", "U+2067"),
    site_text_case("site-text-nul", "heading", r"Tannlegene\0", "U+0000"),
    model_case(
        "sms-terminal-title-escape",
        SMS,
        r'        booked: "Time \e]0;owned\a hos {{clinic_name}}"' + "\n",
        "site.sms.booked",
        "U+001B",
    ),
    model_case(
        "sms-c1-csi",
        SMS,
        r'        booked: "Time \x9B2J hos {{clinic_name}}"' + "\n",
        "site.sms.booked",
        "U+009B",
    ),
    model_case(
        "appointment-type-name-escape",
        '            "- Undersøkelse":\n',
        '            "- Undersøkelse":\n              duration: 30\n'
        + r'            "- Rens\e[2J":'
        + "\n",
        "this key",
        "U+001B",
        at="- Rens",
    ),
    model_case(
        "provider-title-two-lines",
        "          HAN:\n",
        "          HAN:\n" + r'            title: "Tannlege\nSpesialist"' + "\n",
        "providers.HAN.title",
        "must be one line",
        at="title:",
    ),
    model_case(
        "email-subject-two-lines",
        SITE_TEXTS,
        "      email:\n        booked:\n"
        + r'          subject: "Time\nBcc: x@example.org"'
        + "\n"
        + SITE_TEXTS,
        "site.email.booked.subject",
        "must be one line",
        at="subject:",
    ),
]


TWO_CERTIFICATES = edit(
    "    country: NO\n",
    "    country: NO\n"
    "    certificates:\n"
    "      gammel:\n"
    "        file: certs/gammel.p12\n"
    "        password: ${env:RECON_TEST_CERT_PASSWORD}\n"
    "      ny:\n"
    "        file: certs/ny.p12\n"
    "        password: ${env:RECON_TEST_CERT_PASSWORD}\n",
)

MODEL_CASES = [
    model_case("version-2", "version: 1\n", "version: 2\n", "version"),
    Case("version-missing", root(edit("version: 1\n", "")), expect=("version",)),
    model_case("version-string", "version: 1\n", 'version: "1"\n', "version"),
    Case(
        "unknown-top-level-key",
        root(BASE + "colour: blue\n"),
        line=BASE.count("\n") + 1,
        expect=("unknown key 'colour'",),
    ),
    model_case(
        "misspelt-nested-key",
        "        weekend_booking: false\n",
        "        weekend_bookin: false\n",
        "weekend_bookin",
        "did you mean",
        "weekend_booking",
    ),
    model_case(
        "weekend-booking-yes",
        "        weekend_booking: false\n",
        "        weekend_booking: yes\n",
        "weekend_booking",
        "true or false",
    ),
    model_case(
        "opus-id-leading-zero",
        "        opus_id: 1\n",
        "        opus_id: 010\n",
        "opus_id",
        "whole number",
    ),
    model_case(
        "opus-id-above-sql-server-int",
        "        opus_id: 1\n",
        "        opus_id: 2147483648\n",
        "opus_id",
        "from 1 to 2,147,483,647",
    ),
    model_case(
        "duration-negative",
        "              duration: 30\n",
        "              duration: -30\n",
        "duration",
        "from 5 to 600",
    ),
    model_case(
        "duration-above-range",
        "              duration: 30\n",
        "              duration: 99999999999\n",
        "duration",
        "from 5 to 600",
    ),
    model_case(
        "appointment-type-name-longer-than-its-column",
        '            "- Undersøkelse":\n',
        '            "- Undersøkelse":\n              duration: 30\n'
        '            "- Undersøkelse og tannrens med fluor":\n',
        "this key is longer than 30 characters",
        at="fluor",
    ),
    model_case(
        "category-longer-than-its-column",
        "              category: Undersøkelse\n",
        "              category: " + "Kategori " * 6 + "\n",
        "category",
        "longer than 50 characters",
    ),
    model_case(
        "secret-env-missing",
        "    key: ${env:RECON_TEST_ACCOUNT_KEY}\n",
        "    key: ${env:" + MISSING_VARIABLE + "}\n",
        MISSING_VARIABLE,
    ),
    model_case(
        "secret-literal-password",
        "        password: ${env:RECON_TEST_DB_PASSWORD}\n",
        "        password: " + LITERAL_PASSWORD + "\n",
        "password",
        forbid=(LITERAL_PASSWORD,),
    ),
    model_case(
        "secret-literal-password-in-url",
        "        server: KLINIKK-SRV01\n        database: OpusDental\n",
        f"        url: mssql+pyodbc://sa:{LITERAL_PASSWORD}@KLINIKK-SRV01/OpusDental\n",
        "password",
        forbid=(LITERAL_PASSWORD,),
        on_new_line=False,  # a whole-object check: reported at the database's key
    ),
    model_case(
        "subdomain-invalid",
        "    subdomain: tannlegene-test\n",
        "    subdomain: tann_legene test\n",
        "subdomain",
    ),
    model_case(
        "time-window-25-26",
        '                hours: ["08:00-11:30"]\n',
        '                hours: ["25:00-26:00"]\n',
        "25:00-26:00",
    ),
    model_case(
        "sms-unknown-merge-field",
        '        booked: "Time hos {{clinic_name}} {{date}} kl. {{time}}."\n',
        '        booked: "Time hos {{patient_ssn}} {{date}} kl. {{time}}."\n',
        "patient_ssn",
        "clinic_name",
        "booking_url",
        "patient_first_name",
    ),
    *(
        model_case(
            f"sms-malformed-merge-field-{name}",
            '        booked: "Time hos {{clinic_name}} {{date}} kl. {{time}}."\n',
            f'        booked: "Hei {written}, time hos {{{{clinic_name}}}}."\n',
            "site.sms.booked",
            f"'{shown}'",
            "{{patient_first_name}}",
        )
        for name, written, shown in (
            ("unclosed", "{{patient_first_name}", "{{patient_first_name}"),
            ("unopened", "{patient_first_name}}", "{patient_first_name}}"),
            ("single-braces", "{patient_first_name}", "{patient_first_name}"),
        )
    ),
    model_case(
        "sms-unknown-merge-field-with-spaces",
        '        booked: "Time hos {{clinic_name}} {{date}} kl. {{time}}."\n',
        '        booked: "Time hos {{ unknown }} {{date}} kl. {{time}}."\n',
        "site.sms.booked",
        "unknown merge field {{unknown}}",
    ),
    model_case(
        "publishing-undeclared-appointment-type",
        '                appointment_types: ["- Undersøkelse"]\n',
        '                appointment_types: ["- Rotfylling"]\n',
        "- Rotfylling",
        "not declared",
    ),
    Case(
        "two-certificates-without-use-certificate",
        {
            ROOT: TWO_CERTIFICATES,
            "certs/gammel.p12": b"\x30\x82\x01\x00 not a real certificate",
            "certs/ny.p12": b"\x30\x82\x01\x00 not a real certificate either",
        },
        line=line_of(TWO_CERTIFICATES, "certificates:"),
        expect=("use_certificate",),
    ),
]

# --- one row in Opus ------------------------------------------------------------------------

SECOND_CLINIC = """\
      sentrum:
        opus_id: 2
        providers:
          HAN:
            publishing:
              - days: [fri]
                hours: ["08:00-11:30"]
"""
TWO_CLINICS = BASE + SECOND_CLINIC
CASE_CODES = edit("          HAN:\n", "          han: {}\n          HAN:\n")
CASE_TYPES = edit(
    '            "- Undersøkelse":\n',
    '            "- UNDERSØKELSE":\n              duration: 30\n            "- Undersøkelse":\n',
)

DUPLICATE_CASES = [
    Case(
        "provider-selected-in-two-clinics",
        root(TWO_CLINICS),
        line=line_of(TWO_CLINICS, "  HAN:\n            publishing:\n              - days: [fri]"),
        expect=(
            "provider 'HAN' is also selected in clinic 'storgata'",
            f"first at reconciler.yaml:{line_of(TWO_CLINICS, 'HAN:')}:",
        ),
    ),
    Case(
        "provider-codes-differing-in-case",
        root(CASE_CODES),
        line=line_of(CASE_CODES, "HAN:"),
        expect=(
            "'HAN' and 'han' are one provider to Opus",
            f"first at reconciler.yaml:{line_of(CASE_CODES, 'han:')}:",
        ),
    ),
    Case(
        "appointment-type-names-differing-in-case",
        root(CASE_TYPES),
        line=line_of(CASE_TYPES, '"- Undersøkelse":'),
        expect=(
            "'- Undersøkelse' and '- UNDERSØKELSE' are one appointment type to Opus",
            f"first at reconciler.yaml:{line_of(CASE_TYPES, '- UNDERSØKELSE')}:",
        ),
    ),
]

# --- files and includes --------------------------------------------------------------------

INCLUDE_SITE = edit("    site:\n", "    site:\n      include: site-extra.yaml\n")

FILE_CASES = [
    Case(
        "include-missing-file",
        root(INCLUDE_SITE),
        line=line_of(INCLUDE_SITE, "include:"),
        expect=("site-extra.yaml", "does not exist"),
    ),
    Case(
        "include-cycle",
        {
            ROOT: edit("version: 1\n", "version: 1\ninclude: shared/a.yaml\n"),
            "shared/a.yaml": "include: b.yaml\n",
            "shared/b.yaml": "include: a.yaml\n",
        },
        where=r"(a|b|reconciler)\.yaml:\d+:\d+: ",
        expect=("include cycle", "a.yaml", "b.yaml"),
    ),
    Case(
        "include-syntax-error",
        {
            ROOT: INCLUDE_SITE,
            "site-extra.yaml": "texts:\n  heading: {Velkommen\n  welcome: Hei\n",
        },
        where=r"site-extra\.yaml:\d+:\d+: ",
        expect=("YAML syntax",),
    ),
    Case(
        "directory-without-root-file",
        {"clinics.yaml": BASE},
        where=r"reconciler\.yaml",
        expect=("no reconciler.yaml",),
        located=False,
    ),
    Case(
        "path-does-not-exist",
        root(BASE),
        target="no-such-dir/reconciler.yaml",
        where=r"no-such-dir",
        expect=("no such file",),
        located=False,
    ),
]

# A recursive glob over a tree whose symlinks lead back into it (and out of it): the walk
# must end, finding each real file once. One of them is broken, so that the run fails with a
# problem placed in it.
CLINICS_GLOB = edit("    clinics:\n", "    clinics:\n      include: 'clinics/**/*.yaml'\n")
GLOB_LOOP = Case(
    "include-glob-through-symlink-loops",
    {
        ROOT: CLINICS_GLOB,
        "clinics/nord.yaml": "nord:\n  opus_id: 2\n",
        "clinics/vest/bergen.yaml": "bergen:\n  opus_id: two\n",
    },
    where=r"clinics/vest/bergen\.yaml:2:12: ",
    expect=("must be a whole number",),
    memory=True,
    links=(
        ("clinics/self", "."),
        ("clinics/vest/up", ".."),
        ("clinics/vest/top", "../.."),
        ("clinics/vest/out", "/"),
    ),
)
OUTSIDE_SITE = edit("    site:\n", "    site:\n      include: ../shared/site.yaml\n")
INCLUDE_SITE_LINK = edit("    site:\n", "    site:\n      include: site-extra.yaml\n")
OUTSIDE_CASES = [
    Case(
        "include-parent-directory",
        {"config/reconciler.yaml": OUTSIDE_SITE, "shared/site.yaml": "texts: {heading: Hei}\n"},
        target="config",
        line=line_of(OUTSIDE_SITE, "include:"),
        expect=("include '../shared/site.yaml' reaches", "outside the config directory"),
    ),
    Case(
        "include-absolute-path",
        root(edit("    site:\n", "    site:\n      include: /etc/passwd\n")),
        line=line_of(edit("    site:\n", "    site:\n      include: /etc/passwd\n"), "include:"),
        expect=("is an absolute path",),
        forbid=("root:",),
    ),
    Case(
        "include-symlink-out",
        {"config/reconciler.yaml": INCLUDE_SITE_LINK, "elsewhere.yaml": "texts: {}\n"},
        target="config",
        line=line_of(INCLUDE_SITE_LINK, "include:"),
        expect=("through a symlink, outside the config directory",),
        links=(("config/site-extra.yaml", "../elsewhere.yaml"),),
    ),
]

CASES = (
    YAML_CASES
    + MODEL_CASES
    + CONTROL_CASES
    + DUPLICATE_CASES
    + FILE_CASES
    + [GLOB_LOOP, *OUTSIDE_CASES]
)


def write_files(
    directory: Path, files: Mapping[str, str | bytes], links: tuple[tuple[str, str], ...] = ()
) -> None:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for name, target in links:
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).symlink_to(target)


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_TEST_")}
    env.update(SECRET_ENV)
    env["NO_COLOR"] = "1"
    return env


def run_validate(
    cwd: Path,
    path: Path,
    *options: str,
    memory: bool = False,
) -> subprocess.CompletedProcess[str]:
    preexec: Callable[[], None] | None = limit_memory if memory else None
    return subprocess.run(
        [sys.executable, "-m", "reconciler", "validate", *options, str(path)],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=HANG_GUARD_SECONDS,
        preexec_fn=preexec,
        check=False,
    )


# Never printed raw: ESC, BEL, the C1 CSI, and bidirectional overrides and isolates.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e", "\u2067")


def assert_clean(result: subprocess.CompletedProcess[str], forbid: tuple[str, ...] = ()) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    for char in RAW_CONTROLS:
        assert char not in output, f"{char!r} printed raw:\n{output!r}"
    assert "internal error" not in output, output
    assert "MemoryError" not in output, output
    for value in (*SECRET_VALUES, *forbid):
        assert value not in output, f"{value!r} leaked into the output:\n{output}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_config_is_reported(tmp_path: Path, case: Case) -> None:
    write_files(tmp_path, case.files, case.links)

    result = run_validate(tmp_path, tmp_path / case.target, memory=case.memory)

    stderr = result.stderr
    assert result.returncode == 1, f"exit {result.returncode}\n{stderr}"
    assert re.search(case.where, stderr), f"no {case.where!r} in stderr:\n{stderr}"
    if case.line is not None:
        at_line = rf"(^|\n)(\S*/)?{re.escape(ROOT)}:{case.line}:\d+: "
        assert re.search(at_line, stderr), f"nothing reported at line {case.line}:\n{stderr}"
    if case.located:
        for line in stderr.splitlines():
            assert PROBLEM_LINE.match(line) or line.startswith("error: "), (
                f"not one problem per line (file:line:col: message):\n{stderr}"
            )
    for text in case.expect:
        assert text in stderr, f"{text!r} not in stderr:\n{stderr}"
    assert "valid:" not in result.stdout
    assert_clean(result, case.forbid)
    if case.marker is not None:
        assert not (tmp_path / case.marker).exists(), "a YAML tag executed a command"


def test_base_config_is_valid(tmp_path: Path) -> None:
    write_files(tmp_path, root(BASE))

    result = run_validate(tmp_path, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: 1 file, 1 account, 1 clinic, 1 provider")
    assert_clean(result)


def test_base_config_is_valid_under_the_memory_limit(tmp_path: Path) -> None:
    """The limit the memory cases run under leaves room for a normal run."""
    write_files(tmp_path, root(BASE))

    result = run_validate(tmp_path, tmp_path / ROOT, memory=True)

    assert result.returncode == 0, result.stderr
    assert_clean(result)


def test_json_output_for_a_broken_config(tmp_path: Path) -> None:
    broken = edit("        weekend_booking: false\n", "        weekend_booking: yes\n")
    broken = edit("subdomain: tannlegene-test", "subdomain: Tannlegene_Test", broken)
    broken = edit("${env:RECON_TEST_DB_PASSWORD}", LITERAL_PASSWORD, broken)
    write_files(tmp_path, root(broken))

    result = run_validate(tmp_path, tmp_path, "--format", "json")

    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is False
    problems = document["problems"]
    assert len(problems) >= 3, problems
    for problem in problems:
        assert isinstance(problem["file"], str), problem
        assert problem["file"].endswith(ROOT), problem
        assert isinstance(problem["line"], int), problem
        assert problem["line"] >= 1, problem
        assert isinstance(problem["column"], int), problem
        assert problem["column"] >= 1, problem
        assert problem["message"], problem
    assert_clean(result, (LITERAL_PASSWORD,))


LOCATED = [c for c in CASES if c.located]


@pytest.mark.parametrize("case", LOCATED, ids=[c.id for c in LOCATED])
def test_json_output_for_every_located_case(tmp_path: Path, case: Case) -> None:
    """The same corpus with --format json: one JSON document on stdout, each problem placed
    in a file that exists."""
    write_files(tmp_path, case.files, case.links)

    result = run_validate(tmp_path, tmp_path / case.target, "--format", "json", memory=case.memory)

    assert result.returncode == 1, result.stderr
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not one JSON document:\n{result.stdout}\n{result.stderr}")
    assert document["ok"] is False
    assert document["problems"], document
    for problem in document["problems"]:
        assert isinstance(problem["file"], str), problem
        assert (tmp_path / problem["file"]).is_file(), problem
        assert isinstance(problem["line"], int), problem
        assert problem["line"] >= 1, problem
        assert isinstance(problem["column"], int), problem
        assert problem["column"] >= 1, problem
    assert_clean(result, case.forbid)
    if case.marker is not None:
        assert not (tmp_path / case.marker).exists(), "a YAML tag executed a command"
