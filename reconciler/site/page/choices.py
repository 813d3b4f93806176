"""The patient's choices so far, carried in the page's query string — clinic, treatment,
provider, time and the week shown — and which booking step comes next.

Only ids go into the query (a clinic's public id, a treatment's and a provider's number, a
time as its start, end, provider and clinic): nothing about the patient. A value the page did
not write is refused with 400 (`BadChoice`), never looked at further.

The steps come in the site's order (FlexibilitySettings.FirstStep … FourthStep: 0 clinic,
1 treatment, 2 provider, 3 time). The time step needs a treatment (it sets the length), and a
clinic and a provider unless the site offers "all clinics" / "all providers": where the order
puts it earlier, it waits until those are chosen. Choosing a provider chooses its clinic;
choosing a time chooses its clinic and provider. In the combined view the order is fixed:
clinic, then treatment and provider on one page, then time and details on one page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.settings import FlexibilitySettings

ALL = "alle"
CLINIC, TREATMENT, PROVIDER, TIME = 0, 1, 2, 3
COMBINED = 12  # the combined view's treatment-and-provider page
DETAILS = 4

_CLINIC_ID = re.compile(r"[0-9]{1,10}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NUMBER = re.compile(r"[1-9][0-9]{0,9}")
_MOMENT = "%Y%m%d%H%M%S"
MAX_ID = 2**31 - 1  # the vendor's ids are int32


class BadChoice(HttpProblem):
    def __init__(self) -> None:
        super().__init__(400, "bad-choice", "the page's query is not one it wrote", "start again")


@dataclass(frozen=True)
class SlotChoice:
    """A time the patient chose: its start and end, provider and clinic (public id)."""

    start: dt.datetime
    end: dt.datetime
    clinician_id: int
    clinic_id: str

    def token(self) -> str:
        return f"{self.start:{_MOMENT}}~{self.end:{_MOMENT}}~{self.clinician_id}~{self.clinic_id}"

    @classmethod
    def parse(cls, text: str) -> SlotChoice:
        parts = text.split("~")
        if len(parts) != 4 or not _CLINIC_ID.fullmatch(parts[3]):
            raise BadChoice()
        clinician_id = _number(parts[2])
        try:
            start = dt.datetime.strptime(parts[0], _MOMENT)
            end = dt.datetime.strptime(parts[1], _MOMENT)
        except ValueError:
            raise BadChoice() from None
        if not start < end <= start + dt.timedelta(days=1):
            raise BadChoice()
        if clinician_id is None:
            raise BadChoice()
        return cls(start, end, clinician_id, parts[3])


@dataclass(frozen=True)
class Choices:
    clinic: str | None = None  # a public clinic id, or ALL
    treatment: int | None = None
    provider: int | str | None = None  # a clinician id, or ALL
    time: SlotChoice | None = None
    week: dt.date | None = None  # the week view starts at the first free day from here

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Choices:
        return cls(
            clinic=_one_of(query.get("klinikk"), _CLINIC_ID, allow_all=True),
            treatment=_number(query.get("behandling")),
            provider=_provider(query.get("behandler")),
            time=SlotChoice.parse(query["tid"]) if query.get("tid") else None,
            week=parse_date(query.get("fra")),
        )

    @property
    def clinic_id(self) -> str | None:
        """The chosen clinic's public id (None for none or all)."""
        return None if self.clinic in (None, ALL) else self.clinic

    @property
    def clinician_id(self) -> int | None:
        return self.provider if isinstance(self.provider, int) else None

    def query(self) -> dict[str, str]:
        values = {
            "klinikk": self.clinic,
            "behandling": self.treatment,
            "behandler": self.provider,
            "tid": self.time.token() if self.time else None,
            "fra": self.week.isoformat() if self.week else None,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    def link(self, base: str, **changes: object) -> str:
        """The page's address with these choices, changed by `changes`."""
        query = urlencode(replace(self, **changes).query())  # type: ignore[arg-type]
        return f"{base}/?{query}" if query else f"{base}/"

    def next_step(self, flexibility: FlexibilitySettings) -> int:
        """The step to show: CLINIC, TREATMENT, PROVIDER, TIME, COMBINED or DETAILS."""
        if flexibility.UseCombinedView:
            if self.clinic is None:
                return CLINIC
            if self.treatment is None or self.provider is None:
                return COMBINED
            return TIME if self.time is None else DETAILS
        chosen = {
            CLINIC: self.clinic is not None,
            TREATMENT: self.treatment is not None,
            PROVIDER: self.provider is not None,
            TIME: self.time is not None,
        }
        for step in step_order(flexibility):
            if chosen[step] or (step == TIME and not self.time_ready(flexibility)):
                continue
            return step
        return DETAILS

    def time_ready(self, flexibility: FlexibilitySettings) -> bool:
        return (
            self.treatment is not None
            and (self.clinic is not None or flexibility.AnyClinicOption)
            and (self.provider is not None or flexibility.AnyClinicianOption)
        )


def step_order(flexibility: FlexibilitySettings) -> list[int]:
    return [
        flexibility.FirstStep,
        flexibility.SecondStep,
        flexibility.ThirdStep,
        flexibility.FourthStep,
    ]


def _one_of(value: str | None, pattern: re.Pattern[str], *, allow_all: bool) -> str | None:
    if value is None or value == "":
        return None
    if allow_all and value == ALL:
        return ALL
    if not pattern.fullmatch(value):
        raise BadChoice()
    return value


def _number(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not _NUMBER.fullmatch(value) or int(value) > MAX_ID:
        raise BadChoice()
    return int(value)


def _provider(value: str | None) -> int | str | None:
    if value == ALL:
        return ALL
    return _number(value)


def parse_date(value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadChoice() from None
