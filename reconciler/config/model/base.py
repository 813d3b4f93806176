"""The model's building blocks: the strict base class, `setting()` for documented fields, and
the small value types used across the model."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from reconciler.config.values import Invalid
from reconciler.domain import opus_limits as limits
from reconciler.domain.templates import merge_field_problems
from reconciler.domain.text import control_problem
from reconciler.domain.times import DAY_NAMES, DateSpan, TimeWindow, Weekday, parse_days


class Model(BaseModel):
    """Strict: unknown keys are errors, nothing is coerced (`"yes"` is not a boolean)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def setting(
    default: Any = ...,
    *,
    gui: str | None = None,
    doc: str,
    vendor: str | None = None,
    **constraints: Any,
) -> Any:
    """A documented field: `doc` says what it means, `gui` its name in the Opus Online Client
    or Opus Dental (Norwegian), `vendor` the field of the vendor's model it maps to."""
    extra: dict[str, Any] = {}
    if gui:
        extra["x-gui"] = gui
    if vendor:
        extra["x-vendor"] = vendor
    if isinstance(default, list | dict) or (
        isinstance(default, type) and issubclass(default, BaseModel)
    ):
        factory = default if isinstance(default, type) else (lambda d=default: type(d)(d))
        return Field(
            default_factory=factory, description=doc, json_schema_extra=extra, **constraints
        )
    return Field(default, description=doc, json_schema_extra=extra, **constraints)


Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"),
]
"""A name chosen in the config (account, clinic, database, certificate): letters, digits,
'-', '_' and '.', starting with a letter or digit."""

ProviderCode = Annotated[
    str,
    StringConstraints(
        pattern=rf"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå_.-]{{0,{limits.PROVIDER_CODE - 1}}}$"
    ),
]
"""A provider's code (signature) in Opus, e.g. HAN."""

OpusId = Annotated[int, Field(ge=1, le=limits.INT_MAX)]
"""An id in the Opus database: a SQL Server int."""

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


def _one_line(value: str) -> str:
    problem = control_problem(value)
    if problem:
        raise Invalid(problem, "control-character")
    return value


def _lines(value: str) -> str:
    problem = control_problem(value, lines=True)
    if problem:
        raise Invalid(problem, "control-character")
    return value


def text(max_length: int, *, lines: bool = False, pattern: str | None = None) -> Any:
    """Text of at most `max_length` characters without control characters (see
    reconciler.domain.text); with `lines` it may hold tabs and line breaks."""
    check = AfterValidator(_lines if lines else _one_line)
    return Annotated[str, StringConstraints(max_length=max_length, pattern=pattern), check]


Text30 = text(30)
Text50 = text(50)
Text100 = text(100)
Text150 = text(150)
Text174 = text(174)
Text300 = text(300)
LongText = text(4000, lines=True)
Script = text(64 * 1024, lines=True)
# Text written to an Opus column: at most as long as the column.
AppointmentTypeName = text(limits.APPOINTMENT_TYPE_NAME)
PreblockTypeName = text(limits.PREBLOCK_TYPE_NAME)
ListName = text(limits.LIST_NAME)
Category = text(limits.CATEGORY)
Description = text(limits.DESCRIPTION)
ResourceLetters = text(limits.RESOURCE)
BookText = text(limits.BOOK_TEXT)
PreblockText = text(limits.PREBLOCK_TYPE_TEXT)
PreblockCode = text(limits.PREBLOCK_TYPE_CODE)
Name = text(limits.NAME)
Title = text(limits.TITLE)

EmailAddress = text(300, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WebAddress = text(300, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
ProfileText = text(100, lines=True)


def _parse_with(parser: Any) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return parser(value)

    return check


def _template(*, lines: bool) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("must be text")
        if len(value) > TEMPLATE_MAX:
            raise Invalid(f"is longer than {TEMPLATE_MAX} characters", "string-too-long")
        problem = control_problem(value, lines=lines)
        if problem:
            raise Invalid(problem, "control-character")
        problems = merge_field_problems(value)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise Invalid(problems[0] + more, "merge-field")
        return str(value)

    return check


def _template_type(*, lines: bool) -> Any:
    return Annotated[
        str,
        PlainValidator(_template(lines=lines)),
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": TEMPLATE_MAX,
                "x-kind": "text with merge fields",
                "description": "Text with merge fields like {{clinic_name}}.",
            }
        ),
    ]


TEMPLATE_MAX = 4000  # the booking site's limit for a message template
Template = _template_type(lines=True)
"""A message (e-mail body, SMS) with merge fields; it may span lines."""
Subject = _template_type(lines=False)
"""An e-mail subject with merge fields: one line (a line break would end the header)."""

Days = Annotated[
    tuple[Weekday, ...],
    PlainValidator(_parse_with(parse_days)),
    PlainSerializer(
        lambda days: f"{days[0].label}-{days[-1].label}" if len(days) > 1 else days[0].label
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^({0})(-({0}))?$".format("|".join(DAY_NAMES)),
            "description": "A weekday (mon … sun) or a range such as mon-fri.",
            "x-kind": "weekday or range",
        }
    ),
]

Window = Annotated[
    TimeWindow,
    PlainValidator(_parse_with(TimeWindow.parse)),
    PlainSerializer(str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}-\d{2}:\d{2}$",
            "description": "A time window HH:MM-HH:MM (24-hour).",
            "x-kind": "time window",
        }
    ),
]

Dates = Annotated[
    DateSpan,
    PlainValidator(_parse_with(DateSpan.parse)),
    PlainSerializer(str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$",
            "description": "A date YYYY-MM-DD or an inclusive range YYYY-MM-DD..YYYY-MM-DD.",
            "x-kind": "date or range",
        }
    ),
]


def all_days(specs: tuple[tuple[Weekday, ...], ...] | list[tuple[Weekday, ...]]) -> set[Weekday]:
    return {day for spec in specs for day in spec}
