"""The booking site's settings for one account: the vendor's `Subdomain` document with its
`FlexibilitySettings`, `RegistrationFlexibilitySettings` and `MediaSettings`, plus the e-mail and
SMS templates and the analytics script (the Online Client's Media screens).

A PUT replaces the whole document; a field left out takes its default, as in the config.
Defaults are those of a new site (and of the config model).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from reconciler.domain.templates import merge_field_problems
from reconciler.site.api.wire import LongText, Text50, Text100, Wire

Step = Literal[0, 1, 2, 3]  # 0 clinic, 1 treatment, 2 provider, 3 time


class RegistrationFlexibilitySettings(Wire):
    Address1Enabled: bool = False
    Address2Enabled: bool = False
    PostalCodeEnabled: bool = False
    MobilePhoneNumberEnabled: bool = True
    PhoneNumberEnabled: bool = False
    EmailEnabled: bool = True
    CampaignCodeEnabled: bool = False


class FlexibilitySettings(Wire):
    FirstStep: Step = 0
    SecondStep: Step = 1
    ThirdStep: Step = 2
    FourthStep: Step = 3
    HourBeforModifyBookingClosing: Annotated[int, Field(ge=0, le=24 * 60)] = 24
    MonthsToSync: Annotated[int, Field(ge=1, le=24)] = 3
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

    @model_validator(mode="after")
    def _steps_are_a_permutation(self) -> FlexibilitySettings:
        steps = [self.FirstStep, self.SecondStep, self.ThirdStep, self.FourthStep]
        if sorted(steps) != [0, 1, 2, 3]:
            raise ValueError("FirstStep … FourthStep must name each of 0, 1, 2 and 3 once")
        return self


HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
ContainerKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
MediaText = Annotated[str, StringConstraints(max_length=3 * 1024 * 1024)]


class MediaSettings(Wire):
    ColorCode: HexColor | None = None
    TextContainer: dict[ContainerKey, LongText] = Field(default_factory=dict, max_length=64)
    MediaContainer: dict[ContainerKey, MediaText] = Field(default_factory=dict, max_length=16)


Template = Annotated[str, StringConstraints(max_length=4000)]


def _check_templates(values: list[str | None]) -> None:
    problems = [p for v in values if v for p in merge_field_problems(v)]
    if problems:
        raise ValueError("; ".join(problems))


class EmailTemplate(Wire):
    Subject: Template | None = None
    Body: Template | None = None


class EmailTemplates(Wire):
    SenderName: Text100 | None = None
    SenderAddress: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=300)]
        | None
    ) = None
    Booked: EmailTemplate = EmailTemplate()
    Changed: EmailTemplate = EmailTemplate()
    Cancelled: EmailTemplate = EmailTemplate()

    @model_validator(mode="after")
    def _merge_fields(self) -> EmailTemplates:
        _check_templates(
            [t for m in (self.Booked, self.Changed, self.Cancelled) for t in (m.Subject, m.Body)]
        )
        return self


class SmsTemplates(Wire):
    Booked: Template | None = None
    Changed: Template | None = None
    Cancelled: Template | None = None

    @model_validator(mode="after")
    def _merge_fields(self) -> SmsTemplates:
        _check_templates([self.Booked, self.Changed, self.Cancelled])
        return self


class MessageTemplates(Wire):
    Email: EmailTemplates = EmailTemplates()
    Sms: SmsTemplates = SmsTemplates()


class Analytics(Wire):
    Script: Annotated[str, StringConstraints(max_length=64 * 1024)] | None = None


_Flexibility = FlexibilitySettings
_Media = MediaSettings
_Analytics = Analytics


class SiteSettings(Wire):
    """What the account's Subdomain document holds besides its name."""

    FlexibilitySettings: _Flexibility = _Flexibility()
    MediaSettings: _Media = _Media()
    Messages: MessageTemplates = MessageTemplates()
    Analytics: _Analytics = _Analytics()


class Subdomain(SiteSettings):
    """The request body of PUT /subdomain (RowVersion is in If-Match, not here)."""

    Name: Text50 | None = None
    AccountID: UUID | None = None


SENDER_FALLBACK = "no-reply@opusdentalonline.com"
# The keys of TextContainer's information texts: the names the reconciler writes them under
# (its config's `texts.information.<setting>`), read by the public API and the page alike.
INFO_MAINTENANCE = "information.maintenance_mode"
INFO_REQUIRES_LOGIN = "information.new_appointment_requires_login"


def default_settings() -> dict[str, Any]:
    return SiteSettings().out()


def load_settings(document: str) -> SiteSettings:
    return SiteSettings.model_validate_json(document)


__all__ = ["LongText", "SiteSettings", "Subdomain", "default_settings", "load_settings"]
