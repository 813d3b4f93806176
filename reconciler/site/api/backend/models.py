"""Request bodies of the backend API, shaped on the vendor's internal models
(OPUS-API-FACTS.md §3.2–3.5): activation, token, databases, master data, free time, service
state, and the booking feed's acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from reconciler.site.api.wire import (
    Count,
    Id,
    LocalTime,
    Name100,
    Text10,
    Text20,
    Text30,
    Text50,
    Text60,
    Text100,
    Text150,
    Text174,
    Text300,
    Text1000,
    Wire,
)

RowVersionText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{11}=$")]
"""A row version: 8 bytes, base64 (like SQL Server's rowversion)."""


class PublicCertificate(Wire):
    SerialNumber: Text100 | None = None
    Thumbprint: Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{40}$")] | None = None
    Subject: Text1000 | None = None
    ExpirationDate: datetime | None = None
    EffectiveDate: datetime | None = None
    RawData: Annotated[str, StringConstraints(min_length=1, max_length=64 * 1024)]


class AccountActivation(Wire):
    AccountID: UUID
    Certificate: PublicCertificate


class BackendTokenRequest(Wire):
    """Authentication.GetBackendAPIToken.Request."""

    Thumbprint: Annotated[str, StringConstraints(pattern=r"^[0-9A-Fa-f]{40}$")]
    AccountId: UUID


class DatabaseRegistration(Wire):
    """The parts of OpusDatabase that its service reports."""

    Name: Name100
    Active: bool = True
    Culture: Text10 | None = None
    Version: Text20 | None = None
    ClientVersion: Text100 | None = None


class Clinic(Wire):
    ID: Id
    OpusDatabaseID: UUID | None = None
    Name: Annotated[str, StringConstraints(min_length=1, max_length=174)]
    Order: Annotated[int, Field(ge=0, le=100_000)]
    Address1: Text150 | None = None
    Address2: Text150 | None = None
    Postalcode: Text10 | None = None
    City: Text10 | None = None
    Home: Text30 | None = None
    Work: Text30 | None = None
    Fax: Text30 | None = None
    Mobile: Text30 | None = None
    Email: Text300 | None = None
    Group: Text50 | None = None
    ClinicTextHeader: Text100 | None = None
    ClinicTextBody: Annotated[str, StringConstraints(max_length=4000)] | None = None
    Profession: Text60 | None = None
    ExternalID: Text50 | None = None


Consent = Literal[1, 2]  # 1: the title may be shown, 2: the profile image may be shown
CONSENT_TITLE = 1
CONSENT_IMAGE = 2


class Clinician(Wire):
    ID: Id
    OpusDatabaseID: UUID | None = None
    ClinicID: Id
    Order: Annotated[int, Field(ge=0, le=100_000)]
    Name: Text174 | None = None
    Title: Text50 | None = None
    Active: bool = True
    Info: Text100 | None = None
    ExternalID: Text50 | None = None
    FirstName: Text50 | None = None
    LastName: Text50 | None = None
    ProfileImage: Text1000 | None = None
    ClinicianPersonalDataConsents: list[Consent] = Field(default_factory=list, max_length=2)
    MaxConcurrentWebBookingsPerTimePeriod: Count | None = None
    MaxConcurrentWebBookingsPerResource: Count | None = None


class Treatment(Wire):
    ID: Id
    OpusDatabaseID: UUID | None = None
    Name: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    Description: Text150 | None = None
    Duration: Annotated[int, Field(ge=5, le=480)]
    WarmUpDuration: Annotated[int, Field(ge=0, le=240)] = 0
    CoolDownDuration: Annotated[int, Field(ge=0, le=240)] = 0
    CreateInWeb: bool = True
    ChangeInWeb: bool = True
    CancelInWeb: bool = True
    ChangeInWebLimit: Annotated[int, Field(ge=0, le=3650)] = 0
    IsPriority: bool = False


class Removed(Wire):
    """An entity to remove: its ID is what counts."""

    ID: Id
    OpusDatabaseID: UUID | None = None


MAX_ITEMS = 10_000


class OpusDatabaseDiff(Wire):
    OpusDatabaseID: UUID | None = None
    HasChanges: bool | None = None
    AddedClinics: list[Clinic] = Field(default_factory=list, max_length=MAX_ITEMS)
    ChangedClinics: list[Clinic] = Field(default_factory=list, max_length=MAX_ITEMS)
    RemovedClinics: list[Removed] = Field(default_factory=list, max_length=MAX_ITEMS)
    AddedClinicians: list[Clinician] = Field(default_factory=list, max_length=MAX_ITEMS)
    ChangedClinicians: list[Clinician] = Field(default_factory=list, max_length=MAX_ITEMS)
    RemovedClinicians: list[Removed] = Field(default_factory=list, max_length=MAX_ITEMS)
    AddedTreatments: list[Treatment] = Field(default_factory=list, max_length=MAX_ITEMS)
    ChangedTreatments: list[Treatment] = Field(default_factory=list, max_length=MAX_ITEMS)
    RemovedTreatments: list[Removed] = Field(default_factory=list, max_length=MAX_ITEMS)
    BaseRowVersion: RowVersionText | None = None


class DateRange(Wire):
    From: LocalTime
    To: LocalTime

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.From >= self.To:
            raise ValueError("From must be before To")
        return self


class AvailableTime(Wire):
    """The vendor's AvailableTime, whose generated names are C# backing fields
    (`<Range>k__BackingField`); here they have their plain names."""

    ResourceId: Id | None = None
    Range: DateRange
    NumberOfFreeEmployeeTimesLeft: Count = 1
    NumberOfFreeResourceTimesLeft: Count | None = None


class BatchTreatment(Wire):
    """AvailableAppointmentsSync.Treatment."""

    TreatmentId: Id
    AllowAllReschedule: bool = False


class AvailableTimeslotBatch(Wire):
    ID: Id | None = None
    Start: LocalTime
    End: LocalTime
    ClinicID: Id
    ClinicianID: Id
    OpusDatabaseID: UUID | None = None
    RowVersion: RowVersionText | None = None
    AvailableTimes: list[AvailableTime] = Field(default_factory=list, max_length=200)
    Treatments: list[BatchTreatment] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> AvailableTimeslotBatch:
        if self.Start >= self.End:
            raise ValueError("Start must be before End")
        for time in self.AvailableTimes:
            if time.Range.From < self.Start or time.Range.To > self.End:
                raise ValueError("every AvailableTimes range must lie between Start and End")
        return self


class TimeSlotDiffV2(Wire):
    HasChanges: bool | None = None
    OpusDatabaseID: UUID | None = None
    Removed: list[AvailableTimeslotBatch] = Field(default_factory=list, max_length=MAX_ITEMS)
    Added: list[AvailableTimeslotBatch] = Field(default_factory=list, max_length=MAX_ITEMS)


class ProcessTimeSlotChanges(Wire):
    """Timeslots.ProcessTimeSlotChanges.Request, plus the row version the diff was made
    against: a diff built on stale state is refused rather than applied over changes."""

    TimeSlotDiff: TimeSlotDiffV2
    BaseRowVersion: RowVersionText | None = None


class ServiceState(Wire):
    """ServiceState.RegisterOnline / PingHeartbeat / RegisterOffline.Request, plus which
    service instance is speaking (only one may be online per database)."""

    Databases: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    ServiceId: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,100}$")] | None = None
    ClientMachineName: Text100 | None = None


class EventAck(Wire):
    Cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$")]


class EventRejection(Wire):
    """Reference-site extension: the clinic could not write an event's booking."""

    Cursor: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$")]
    Reason: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class BookAppointment(Wire):
    """An upcoming appointment the clinic booked for a patient the site knows."""

    OpusAppointmentID: Id
    PatientPersonalIdentification: Annotated[str, StringConstraints(pattern=r"^[0-9]{10,13}$")]
    ClinicID: Id
    ClinicianID: Id
    TreatmentID: Id | None = None  # None: booked without an e-booking appointment type
    Start: LocalTime
    End: LocalTime

    @model_validator(mode="after")
    def _ordered(self) -> BookAppointment:
        if self.End <= self.Start:
            raise ValueError("End must be after Start")
        return self


class BookAppointments(Wire):
    """Reference-site extension: the appointments the clinic holds in the book for the
    patients the site knows, so that patients see (and may move or cancel) them too.

    `Upserts` add or update by OpusAppointmentID; `Removals` are appointments no longer
    upcoming in the book; with `Replace`, every appointment of the database not in
    `Upserts` is removed. `Gone` names site bookings the clinic cancelled or moved in the
    book."""

    Replace: bool = False
    Upserts: list[BookAppointment] = Field(default_factory=list, max_length=MAX_ITEMS)
    Removals: list[Id] = Field(default_factory=list, max_length=MAX_ITEMS)
    Gone: list[Id] = Field(default_factory=list, max_length=MAX_ITEMS)
