"""Rows of the Opus tables as plain, immutable records — what the readers return and the
rest of the project works with. Each record's fields are its table's logical columns, in
order; `RECORDS` says which record a table's rows become."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Clinic:
    table: ClassVar[str] = "clinics"
    id: int
    name: str
    address: str | None
    postal_code: str | None
    city: str | None
    phone: str | None
    email: str | None
    change_no: int | None


@dataclass(frozen=True, slots=True)
class Provider:
    table: ClassVar[str] = "providers"
    id: int
    clinic_id: int
    code: str
    name: str
    title: str | None
    active: bool
    working_hours_linked: bool
    change_no: int | None


@dataclass(frozen=True, slots=True)
class WorkingHours:
    table: ClassVar[str] = "working_hours"
    id: int
    provider_id: int
    starts_at: datetime
    ends_at: datetime
    recall: bool
    change_no: int | None


@dataclass(frozen=True, slots=True)
class AppointmentType:
    table: ClassVar[str] = "appointment_types"
    id: int
    name: str
    duration: int
    category: str | None
    description: str | None
    resource: str | None
    use_in_book: bool
    use_in_ebooking: bool
    change_in_ebooking: bool
    cancel_in_ebooking: bool
    use_in_recall: bool
    move_next_recall: bool
    move_max_days: int | None
    book_text: str | None
    managed: bool
    change_no: int | None


@dataclass(frozen=True, slots=True)
class PreblockType:
    table: ClassVar[str] = "preblock_types"
    id: int
    name: str
    text: str | None
    code: str | None
    color: str | None
    valid_for: str
    blocking: bool
    disallow_treatment: bool
    kind: str
    expires_days_before: int | None
    managed: bool
    change_no: int | None


@dataclass(frozen=True, slots=True)
class PreblockTypeExclusion:
    table: ClassVar[str] = "preblock_type_exclusions"
    preblock_type_id: int
    appointment_type_id: int


@dataclass(frozen=True, slots=True)
class Preblock:
    table: ClassVar[str] = "preblocks"
    id: int
    provider_id: int
    preblock_type_id: int
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    managed: bool
    change_no: int | None


@dataclass(frozen=True, slots=True)
class Patient:
    table: ClassVar[str] = "patients"
    id: int
    national_id: str = field(repr=False)
    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    address1: str | None = field(repr=False)
    address2: str | None = field(repr=False)
    postal_code: str | None = field(repr=False)
    city: str | None = field(repr=False)
    mobile: str | None = field(repr=False)
    email: str | None = field(repr=False)
    change_no: int | None = None


@dataclass(frozen=True, slots=True)
class Appointment:
    table: ClassVar[str] = "appointments"
    id: int
    provider_id: int
    patient_id: int | None
    appointment_type_id: int | None
    starts_at: datetime
    duration: int
    category: str | None
    book_text: str | None
    registered_by: str
    status: str
    site_booking_id: str | None
    created_at: datetime
    change_no: int | None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    table: ClassVar[str] = "journal_entries"
    id: int
    patient_id: int
    written_at: datetime
    author: str
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PatientUpdate:
    table: ClassVar[str] = "patient_updates"
    id: int
    patient_id: int
    requested_at: datetime
    attribute: str
    new_value: str | None = field(repr=False)
    status: str = "pending"
    source: str = ""


@dataclass(frozen=True, slots=True)
class RegistrationList:
    table: ClassVar[str] = "registration_lists"
    id: int
    name: str
    owner: str
    managed: bool


@dataclass(frozen=True, slots=True)
class RegistrationListItem:
    table: ClassVar[str] = "registration_list_items"
    list_id: int
    appointment_type_id: int
    position: int


@dataclass(frozen=True, slots=True)
class PreblockList:
    table: ClassVar[str] = "preblock_lists"
    id: int
    name: str
    owner: str
    managed: bool


@dataclass(frozen=True, slots=True)
class PreblockListItem:
    table: ClassVar[str] = "preblock_list_items"
    list_id: int
    preblock_type_id: int
    position: int


@dataclass(frozen=True, slots=True)
class ListLink:
    table: ClassVar[str] = "list_links"
    id: int
    list_kind: str
    list_id: int
    target_kind: str
    target_id: int


@dataclass(frozen=True, slots=True)
class AccessRight:
    table: ClassVar[str] = "access_rights"
    id: int
    category: str
    function: str
    grantee: str


@dataclass(frozen=True, slots=True)
class EBookingSetting:
    table: ClassVar[str] = "ebooking_settings"
    name: str
    value: str | None


Record = Any  # one of the classes above

RECORDS: dict[str, type[Any]] = {
    cls.table: cls
    for cls in (
        Clinic,
        Provider,
        WorkingHours,
        AppointmentType,
        PreblockType,
        PreblockTypeExclusion,
        Preblock,
        Patient,
        Appointment,
        JournalEntry,
        PatientUpdate,
        RegistrationList,
        RegistrationListItem,
        PreblockList,
        PreblockListItem,
        ListLink,
        AccessRight,
        EBookingSetting,
    )
}


def columns_of(record: type[Any]) -> list[str]:
    return [f.name for f in fields(record)]
