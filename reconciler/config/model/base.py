"""The model's building blocks: the strict base class, `setting()` for documented fields, and
the small value types used across the model."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)

from reconciler.config.values import Invalid
from reconciler.domain.templates import merge_field_problems
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
    StringConstraints(pattern=r"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå_.-]{0,15}$"),
]
"""A provider's code (signature) in Opus, e.g. HAN."""

HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length)]


Text30 = _text(30)
Text50 = _text(50)
Text100 = _text(100)
Text150 = _text(150)
Text174 = _text(174)
LongText = _text(4000)


def _parse_with(parser: Any) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be text")
        return parser(value)

    return check


def _template(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    problems = merge_field_problems(value)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Invalid(problems[0] + more, "merge-field")
    return str(value)


Template = Annotated[
    str,
    PlainValidator(_template),
    WithJsonSchema(
        {
            "type": "string",
            "x-kind": "text with merge fields",
            "description": "Text with merge fields like {{clinic_name}}.",
        }
    ),
]

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
