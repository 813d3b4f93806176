"""Request bodies of the public API, with the vendor's v1 DTO names (OPUS-API-FACTS.md §3.1):
TimeSlotDTO, PatientDTO (with its `Adress1` spelling), BookingDTO, RescheduleDTO and
PersonalIdentification, and Bookings.CancelBooking.Request as a body; plus the confirmation
step and the patient login."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from reconciler.site.api.wire import Id, LocalTime, Text10, Text50, Text100, Text150, Text300, Wire


class PersonalIdentification(Wire):
    """A national id split as the vendor sends it: Year (4 digits), Month, Day (as written in
    the number, so +40 for D-numbers) and the ExtraDigits after the birth date: five in Norway,
    four in Sweden and Denmark (patients.national_id_digits checks which for the site)."""

    Year: Annotated[int, Field(ge=1800, le=2099)]
    Month: Annotated[int, Field(ge=1, le=99)]
    Day: Annotated[int, Field(ge=1, le=99)]
    ExtraDigits: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,5}$")]

    def whole(self) -> str:
        """The vendor's whole form of the number: yyyyMMdd and the extra digits."""
        return f"{self.Year:04d}{self.Month:02d}{self.Day:02d}{self.ExtraDigits}"


NationalIdText = Annotated[str, StringConstraints(max_length=20)]


class PatientDTO(Wire):
    ID: Id | None = None
    PatientPersonalIdentification: NationalIdText | None = None
    PersonalNumber: PersonalIdentification | None = None
    FirstName: Text50 | None = None
    LastName: Text50 | None = None
    Adress1: Text150 | None = None
    Adress2: Text150 | None = None
    PostalCode: Text10 | None = None
    City: Text50 | None = None
    Email: Text300 | None = None
    MobilePhoneNumber: Text50 | None = None
    HomePhoneNumber: Text50 | None = None
    WorkPhoneNumber: Text50 | None = None
    GuardianPersonalNumber: NationalIdText | None = None
    MunicipalityCode: Text10 | None = None
    ConsentToMarketing: bool | None = None
    ClinicId: Text100 | None = None
    ClinicianId: Id | None = None
    UpdatedOn: datetime | None = None


class TimeSlotDTO(Wire):
    ID: Id | None = None
    Start: LocalTime
    End: LocalTime
    ClinicID: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    ClinicianID: Id
    TreatmentID: Id


class BookingDTO(Wire):
    ID: Id | None = None
    Patient: PatientDTO
    TimeSlot: TimeSlotDTO
    CampaignCode: Text50 | None = None
    FreeTextMessage: Annotated[str, StringConstraints(max_length=1000)] | None = None
    CategoryDescription: Text100 | None = None
    CategoryCode: Id | None = None


class RescheduleDTO(Wire):
    OriginalBookingId: Id
    NewTime: TimeSlotDTO
    PatientToReschedule: PatientDTO | None = None
    RequestedBy: Text100 | None = None
    ReschedulerIdentity: PersonalIdentification | None = None


class CancelBooking(Wire):
    """The vendor's Bookings.CancelBooking.Request. The vendor sends it as query parameters;
    the reference site takes it as the body of DELETE /bookings, so that the national id is
    never in a URL. `RequestedByPersonalIdentification` (the whole number) is the reference
    site's addition beside the vendor's split `RequestedByPersonalId`."""

    BookingID: Id
    ClinicID: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    RequestedBy: Text100 | None = None
    RequestedByPersonalId: PersonalIdentification | None = None
    RequestedByPersonalIdentification: NationalIdText | None = None
    NotifyPatient: bool | None = None


class Confirmation(Wire):
    Code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class PatientLogin(Wire):
    PatientPersonalIdentification: NationalIdText | None = None
    PersonalNumber: PersonalIdentification | None = None
