"""The booking site's payloads as the client sees them, with the vendor's field names
(schemas/booking-site.openapi.yaml). Lenient on the way in — fields the client does not know
are kept, missing optional ones are None — because the real vendor may send more or less.
National ids never show in a repr.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def body(self) -> dict[str, Any]:
        """As a request body: fields left unset are left out."""
        return self.model_dump(mode="json", exclude_none=True)


# --- account, certificate, token -------------------------------------------------------


class AccountInfo(Payload):
    ID: UUID
    SubdomainName: str
    Culture: str | None = None
    Activated: bool = False
    Thumbprint: str | None = None
    # The reference site's extension: grows with every change to what a plan reads (the
    # Subdomain document, certificate, databases, master data). None: unknown, read in full.
    StateVersion: int | None = None


class CertificateAdminInfo(Payload):
    AccountID: UUID
    SerialNumber: str | None = None
    Thumbprint: str
    Subject: str | None = None
    EffectiveDate: datetime
    ExpirationDate: datetime
    RawData: str | None = Field(default=None, repr=False)


class BackendToken(Payload):
    Token: str = Field(repr=False)
    ExpiresAt: datetime


# --- databases, master data ------------------------------------------------------------


class OpusDatabaseInfo(Payload):
    OpusDatabaseID: UUID
    AccountID: UUID | None = None
    Name: str
    Active: bool = True
    SubdomainName: str | None = None
    TargetState: int = 0
    HeartbeatTime: datetime | None = None
    Culture: str | None = None
    Version: str | None = None
    ClientVersion: str | None = None
    ClientMachineName: str | None = None


class ServiceStateResult(Payload):
    Databases: list[OpusDatabaseInfo]


class Clinic(Payload):
    ID: int
    OpusDatabaseID: UUID | None = None
    Name: str
    Order: int = 0
    Address1: str | None = None
    Address2: str | None = None
    Postalcode: str | None = None
    City: str | None = None
    Home: str | None = None
    Work: str | None = None
    Fax: str | None = None
    Mobile: str | None = None
    Email: str | None = None
    Group: str | None = None
    ClinicTextHeader: str | None = None
    ClinicTextBody: str | None = None
    Profession: str | None = None
    ExternalID: str | None = None


class Clinician(Payload):
    ID: int
    OpusDatabaseID: UUID | None = None
    ClinicID: int
    Order: int = 0
    Name: str | None = None
    Title: str | None = None
    Active: bool = True
    Info: str | None = None
    ExternalID: str | None = None
    FirstName: str | None = None
    LastName: str | None = None
    ProfileImage: str | None = None
    ClinicianPersonalDataConsents: list[int] = []  # CONSENT_TITLE, CONSENT_PHOTO
    MaxConcurrentWebBookingsPerTimePeriod: int | None = None
    MaxConcurrentWebBookingsPerResource: int | None = None


# Clinician.ClinicianPersonalDataConsents, as the contract defines them
# (schemas/booking-site.openapi.yaml): what the provider consented to show.
CONSENT_TITLE = 1
CONSENT_PHOTO = 2


class Treatment(Payload):
    ID: int
    OpusDatabaseID: UUID | None = None
    Name: str
    Description: str | None = None
    Duration: int
    WarmUpDuration: int = 0
    CoolDownDuration: int = 0
    CreateInWeb: bool = True
    ChangeInWeb: bool = True
    CancelInWeb: bool = True
    ChangeInWebLimit: int = 0
    IsPriority: bool = False


class Removed(Payload):
    ID: int


class MasterData(Payload):
    OpusDatabaseID: UUID
    Clinics: list[Clinic] = []
    Clinicians: list[Clinician] = []
    Treatments: list[Treatment] = []
    RowVersion: str | None = None


class OpusDatabaseDiff(Payload):
    AddedClinics: list[Clinic] = []
    ChangedClinics: list[Clinic] = []
    RemovedClinics: list[Removed] = []
    AddedClinicians: list[Clinician] = []
    ChangedClinicians: list[Clinician] = []
    RemovedClinicians: list[Removed] = []
    AddedTreatments: list[Treatment] = []
    ChangedTreatments: list[Treatment] = []
    RemovedTreatments: list[Removed] = []
    BaseRowVersion: str | None = None


class MasterDataResult(Payload):
    RowVersion: str
    Added: int = 0
    Changed: int = 0
    Removed: int = 0


# --- the Subdomain document ------------------------------------------------------------


class RegistrationFlexibilitySettings(Payload):
    Address1Enabled: bool = False
    Address2Enabled: bool = False
    PostalCodeEnabled: bool = False
    MobilePhoneNumberEnabled: bool = True
    PhoneNumberEnabled: bool = False
    EmailEnabled: bool = True
    CampaignCodeEnabled: bool = False


class FlexibilitySettings(Payload):
    FirstStep: int = 0
    SecondStep: int = 1
    ThirdStep: int = 2
    FourthStep: int = 3
    HourBeforModifyBookingClosing: int = 24
    MonthsToSync: int = 3
    RegistrationSettings: RegistrationFlexibilitySettings = RegistrationFlexibilitySettings()
    LoginEnabled: bool = True
    LoginSMSEnabled: bool = True
    UseCodeChallange: bool = False
    NewBookingRequireLogin: bool = False
    ViewBookingsEnabled: bool = True
    NewBookingEnabled: bool = True
    ModifyBookingEnabled: bool = True
    CancelBookingsEnabled: bool = True
    WeekendBookingEnabled: bool = False
    AllowAllReschedule: bool = False
    AllowAllCancel: bool = False
    RegisterCancellationInJournal: bool = True
    RegisterRescheduleInJournal: bool = True
    UseCancellationNoShowPolicy: bool = False
    AnyClinicOption: bool = True
    AnyClinicianOption: bool = True
    UseCombinedView: bool = False
    SkipConfirmation: bool = False
    UseLandingPage: bool = False
    UserMessageInputEnabled: bool = True
    PlaceJavaScriptInHeader: bool = False
    MaintenanceMode: bool = False
    IsPublishedOnOpusDentalOnline: bool = False
    IsPublishedOnBokaVard: bool = False
    UseArrivalRegistration: bool = False
    UseHealthDeclaration: bool = False


class MediaSettings(Payload):
    ColorCode: str | None = None
    TextContainer: dict[str, str] = {}
    MediaContainer: dict[str, str] = Field(default={}, repr=False)


class EmailTemplate(Payload):
    Subject: str | None = None
    Body: str | None = None


class EmailTemplates(Payload):
    SenderName: str | None = None
    SenderAddress: str | None = None
    Booked: EmailTemplate = EmailTemplate()
    Changed: EmailTemplate = EmailTemplate()
    Cancelled: EmailTemplate = EmailTemplate()


class SmsTemplates(Payload):
    Booked: str | None = None
    Changed: str | None = None
    Cancelled: str | None = None


class MessageTemplates(Payload):
    Email: EmailTemplates = EmailTemplates()
    Sms: SmsTemplates = SmsTemplates()


class Analytics(Payload):
    Script: str | None = None


_Flexibility = FlexibilitySettings
_Media = MediaSettings
_Analytics = Analytics


class Subdomain(Payload):
    Name: str | None = None
    AccountID: UUID | None = None
    FlexibilitySettings: _Flexibility = _Flexibility()
    MediaSettings: _Media = _Media()
    Messages: MessageTemplates = MessageTemplates()
    Analytics: _Analytics = _Analytics()
    RowVersion: str | None = None

    def body(self) -> dict[str, Any]:
        document = super().body()
        document.pop("RowVersion", None)
        return document


class SubdomainAvailability(Payload):
    Name: str
    Available: bool
    Reason: str | None = None


# --- free time -------------------------------------------------------------------------


class DateRange(Payload):
    From: datetime
    To: datetime


class AvailableTime(Payload):
    ResourceId: int | None = None
    Range: DateRange
    NumberOfFreeEmployeeTimesLeft: int = 1
    NumberOfFreeResourceTimesLeft: int | None = None


class BatchTreatment(Payload):
    TreatmentId: int
    AllowAllReschedule: bool = False


class AvailableTimeslotBatch(Payload):
    ID: int | None = None
    Start: datetime
    End: datetime
    ClinicID: int
    ClinicianID: int
    OpusDatabaseID: UUID | None = None
    RowVersion: str | None = None
    AvailableTimes: list[AvailableTime] = []
    Treatments: list[BatchTreatment] = []


class TimeSlotDiffV2(Payload):
    HasChanges: bool | None = None
    OpusDatabaseID: UUID | None = None
    Removed: list[AvailableTimeslotBatch] = []
    Added: list[AvailableTimeslotBatch] = []


class FreeTime(Payload):
    """All of a database's free-time batches, read page by page, and its row version."""

    Items: list[AvailableTimeslotBatch]
    RowVersion: str


class TimeslotDiffResult(Payload):
    RowVersion: str
    Added: list[dict[str, Any]] = []
    Removed: int = 0


class BookAppointment(Payload):
    """An upcoming appointment the clinic booked for a patient the site knows."""

    OpusAppointmentID: int
    PatientPersonalIdentification: str = Field(repr=False)
    ClinicID: int
    ClinicianID: int
    TreatmentID: int | None = None
    Start: datetime
    End: datetime


class BookAppointments(Payload):
    """Reference-site extension: the clinic's own appointments for the site's patients."""

    Replace: bool = False
    Upserts: list[BookAppointment] = []
    Removals: list[int] = []
    Gone: list[int] = []  # site bookings the clinic cancelled or moved in the book


# --- patients and bookings -------------------------------------------------------------


class PersonalIdentification(Payload):
    Year: int
    Month: int
    Day: int
    ExtraDigits: str = Field(repr=False)


class PatientDTO(Payload):
    ID: int | None = None
    PatientPersonalIdentification: str | None = Field(default=None, repr=False)
    PersonalNumber: PersonalIdentification | None = Field(default=None, repr=False)
    FirstName: str | None = None
    LastName: str | None = None
    Adress1: str | None = None
    Adress2: str | None = None
    PostalCode: str | None = None
    City: str | None = None
    Email: str | None = None
    MobilePhoneNumber: str | None = None
    HomePhoneNumber: str | None = None
    WorkPhoneNumber: str | None = None
    GuardianPersonalNumber: str | None = Field(default=None, repr=False)
    MunicipalityCode: str | None = None
    ConsentToMarketing: bool | None = None
    ClinicId: str | None = None
    ClinicianId: int | None = None


class TimeSlotDTO(Payload):
    ID: int | None = None
    Start: datetime
    End: datetime
    ClinicID: str
    ClinicianID: int
    TreatmentID: int


class BookingDTO(Payload):
    ID: int | None = None
    Patient: PatientDTO
    TimeSlot: TimeSlotDTO
    CampaignCode: str | None = None
    FreeTextMessage: str | None = None
    CategoryDescription: str | None = None
    CategoryCode: int | None = None


class RescheduleDTO(Payload):
    OriginalBookingId: int
    NewTime: TimeSlotDTO
    PatientToReschedule: PatientDTO | None = None
    RequestedBy: str | None = None
    ReschedulerIdentity: PersonalIdentification | None = Field(default=None, repr=False)


class EventTimeSlot(Payload):
    Start: datetime
    End: datetime
    ClinicID: int
    ClinicianID: int
    TreatmentID: int
    OpusDatabaseID: UUID


class EventBooking(Payload):
    ID: int
    TimeSlot: EventTimeSlot
    Patient: PatientDTO
    CampaignCode: str | None = None
    FreeTextMessage: str | None = None
    CategoryDescription: str | None = None
    CategoryCode: int | None = None
    OpusAppointmentID: int | None = None  # an appointment the clinic booked (uploaded)


class BookingEvent(Payload):
    Cursor: str
    Kind: Literal["new", "moved", "cancelled"]
    OccurredAt: datetime
    OpusDatabaseID: UUID
    BookingId: int
    PreviousBookingId: int | None = None
    PreviousOpusAppointmentID: int | None = None  # a move of an appointment the clinic booked
    Booking: EventBooking
    RegisterInJournal: bool = False
    PatientLoggedIn: bool = False


# --- the public site -------------------------------------------------------------------


class ClinicianDTO(Payload):
    ID: int
    Name: str | None = None
    Title: str | None = None
    Active: bool = True
    ClinicID: str | None = None
    Info: str | None = None
    ProfileImage: str | None = None


class ClinicDTO(Payload):
    ID: str
    Name: str | None = None
    Address1: str | None = None
    Address2: str | None = None
    Postalcode: str | None = None
    City: str | None = None
    Home: str | None = None
    Work: str | None = None
    Fax: str | None = None
    Mobile: str | None = None
    Email: str | None = None
    Group: str | None = None
    ClinicTextHeader: str | None = None
    ClinicTextBody: str | None = None
    Clinicians: list[ClinicianDTO] = []


class TreatmentDTO(Payload):
    ID: int
    Name: str
    Description: str | None = None
    Duration: int


class Challenge(Payload):
    """A one-time code was sent: confirm it with `PublicClient.confirm`."""

    ChallengeId: str
    Action: Literal["book", "move", "cancel", "login"]
    Channels: list[str] = []
    ExpiresAt: datetime
    AttemptsLeft: int
    BookingId: int | None = None


class ConfirmationResult(Payload):
    Action: Literal["book", "move", "cancel", "login"]
    Status: str
    BookingId: int | None = None
    SessionToken: str | None = Field(default=None, repr=False)
    SessionExpiresAt: datetime | None = None


class Reservation(Payload):
    """A held slot: its id (the vendor's int32) and, on the reference site, the holder's token
    (X-Reservation-Token), which booking with it and releasing it need."""

    ID: int
    ExpiresAt: datetime | None = None
    Token: str | None = Field(default=None, repr=False)


class Outcome(Payload):
    """What a booking, move or cancellation came to: done at once (`booking_id`, when the
    site skips confirmation) or waiting for a code (`challenge`)."""

    booking_id: int | None = None
    challenge: Challenge | None = None

    @property
    def done(self) -> bool:
        return self.challenge is None


class OutboxMessage(Payload):
    ID: int
    Subdomain: str
    Channel: Literal["sms", "email"]
    Recipient: str
    Subject: str | None = None
    Body: str
    CreatedAt: datetime
