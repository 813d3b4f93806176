"""The plan document, defined once: what `plan --format json` prints and `plan --out FILE`
saves. Its JSON Schema (schemas/plan.schema.json), the writing of a Plan and the reading of
one back all come from these models; reading is strict (no unknown keys, nothing coerced).

Sensitive attributes are written as (sensitive), never as their values.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import Field, PlainSerializer, PlainValidator, WithJsonSchema

from reconciler.config.model.base import Model
from reconciler.config.problem_json import ProblemJson
from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import Mark
from reconciler.plan.model import AccountPlan, Plan

FormatVersion = Literal[2]
FORMAT_VERSION: Final[FormatVersion] = 2

T = TypeVar("T")


def _parsed(parse: Callable[[str], T], form: str) -> PlainValidator:
    """Text read by `parse`; anything else, or text it refuses, "must be `form`" (the
    message never repeats the value)."""

    def check(value: object) -> T:
        if isinstance(value, str):
            try:
                return parse(value)
            except ValueError:
                pass
        raise ValueError(f"must be {form}")

    return PlainValidator(check)


_MARK: Final = r"^(.+):(\d+):(\d+)$"


def _mark(text: str) -> Mark:
    m = re.fullmatch(_MARK, text)
    if m is None:
        raise ValueError("not file:line:column")
    return Mark(m.group(1), int(m.group(2)), int(m.group(3)))


Source = Annotated[
    Mark,
    _parsed(_mark, "file:line:column"),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": _MARK}),
]
Day = Annotated[
    date,
    _parsed(date.fromisoformat, "a date YYYY-MM-DD"),
    PlainSerializer(date.isoformat),
    WithJsonSchema({"type": "string", "format": "date"}),
]
LocalTime = Annotated[
    datetime,
    _parsed(datetime.fromisoformat, "a time in ISO 8601"),
    PlainSerializer(lambda t: t.isoformat(timespec="seconds")),
    WithJsonSchema({"type": "string"}),
]
Count = Annotated[int, Field(ge=0)]
Attributes = Annotated[
    dict[str, Any] | None, Field(description="Attributes; sensitive ones as (sensitive).")
]


class SummaryJson(Model):
    """How many changes of each action."""

    create: Count
    update: Count
    delete: Count

    @classmethod
    def of(cls, counts: Counter[Action]) -> SummaryJson:
        return cls.model_construct(
            create=counts[Action.CREATE], update=counts[Action.UPDATE], delete=counts[Action.DELETE]
        )


class ChangeJson(Model):
    """One change: its attributes before and after, and where the config set each."""

    action: Annotated[Action, Field(strict=False)]  # its value, as JSON holds it
    address: str = Field(description="Stable address within the account.")
    kind: str
    fields: list[str] = Field(description="Changed attributes (update).")
    before: Attributes
    after: Attributes
    sources: dict[str, Source] = Field(
        description="For each desired attribute, the config file:line:col that set it."
    )
    sensitive: list[str]

    @classmethod
    def of(cls, change: Change) -> ChangeJson:
        resource = change.resource
        return cls.model_construct(
            action=change.action,
            address=change.address,
            kind=change.kind,
            fields=list(change.fields),
            before=_shown(change.before),
            after=_shown(change.after),
            sources=dict(resource.sources),
            sensitive=sorted(resource.sensitive),
        )

    def change(self) -> Change:
        before, after = self._resource(self.before), self._resource(self.after)
        return Change(self.action, self.address, self.kind, before, after, tuple(self.fields))

    def _resource(self, attrs: dict[str, Any] | None) -> Resource | None:
        if attrs is None:
            return None
        return Resource(self.address, self.kind, attrs, self.sources, frozenset(self.sensitive))


def _shown(resource: Resource | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    return {name: resource.shown(name) for name in resource.attrs}


class AccountJson(Model):
    """One account's plan: its changes in the order apply runs them, and its problems."""

    account: str
    live_fingerprint: str
    refused: str = Field(description="Why apply would refuse (safety), or empty.")
    summary: SummaryJson
    problems: list[ProblemJson]
    changes: list[ChangeJson]

    @classmethod
    def of(cls, account: AccountPlan) -> AccountJson:
        return cls.model_construct(
            account=account.account,
            live_fingerprint=account.live_fingerprint,
            refused=account.refused,
            summary=SummaryJson.of(account.counts()),
            problems=[ProblemJson.of(p) for p in account.problems],
            changes=[ChangeJson.of(c) for c in account.changes],
        )

    def account_plan(self) -> AccountPlan:
        return AccountPlan(
            self.account,
            tuple(c.change() for c in self.changes),
            self.live_fingerprint,
            tuple(p.problem() for p in self.problems),
            self.refused,
        )


class ConfigJson(Model):
    """The config the plan was made from."""

    path: str = Field(description="The config's directory, relative to where plan ran.")
    fingerprint: str = Field(description="Hash of the YAML files and the files they name.")


class PlanJson(Model):
    """What `reconciler plan --format json` prints and `plan --out FILE` saves."""

    format_version: FormatVersion
    digest: str = Field(
        pattern=r"^blake2b-256:[0-9a-f]{64}$",
        description="Hash of the document's canonical JSON (sorted keys, no spaces) without "
        "this key; apply refuses a plan whose digest does not match.",
    )
    plan_id: str
    created_at: LocalTime = Field(description="Local time, ISO 8601.")
    today: Day
    config: ConfigJson
    refresh_only: bool
    targets: list[str]
    excludes: list[str]
    selected_accounts: list[str] = Field(
        description="The accounts plan was asked for (--account); empty for all."
    )
    summary: SummaryJson
    accounts: list[AccountJson]

    @classmethod
    def of(cls, plan: Plan) -> PlanJson:
        """The document of `plan`, its digest left empty (it is computed over the rest)."""
        return cls.model_construct(
            format_version=FORMAT_VERSION,
            digest="",
            plan_id=plan.id,
            created_at=plan.created_at,
            today=plan.today,
            config=ConfigJson.model_construct(
                path=plan.config_path, fingerprint=plan.config_fingerprint
            ),
            refresh_only=plan.refresh_only,
            targets=list(plan.targets),
            excludes=list(plan.excludes),
            selected_accounts=list(plan.selected),
            summary=SummaryJson.of(plan.counts()),
            accounts=[AccountJson.of(a) for a in plan.accounts],
        )

    def plan(self) -> Plan:
        return Plan(
            id=self.plan_id,
            created_at=self.created_at,
            today=self.today,
            config_path=self.config.path,
            config_fingerprint=self.config.fingerprint,
            accounts=tuple(a.account_plan() for a in self.accounts),
            refresh_only=self.refresh_only,
            targets=tuple(self.targets),
            excludes=tuple(self.excludes),
            selected=tuple(self.selected_accounts),
        )
