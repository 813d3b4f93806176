"""The booking form's patient: which fields are required by the site's registration
settings, and national id and mobile number validated with the domain's rules.

First name, last name and the national id are always required. The mobile number is required
when the form asks for it or when the booking is confirmed by SMS code; the e-mail address
when the form asks for it or when the code also goes by e-mail. A field the form does not ask
for is refused rather than silently dropped. Errors name the field, never its value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reconciler.domain import national_id
from reconciler.domain.phone import normalize_mobile
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.models import PatientDTO, PersonalIdentification
from reconciler.site.booking.settings import SiteSettings

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_POSTAL_CODES = {
    "NO": re.compile(r"[0-9]{4}"),
    "DK": re.compile(r"[0-9]{4}"),
    "SE": re.compile(r"[0-9]{3} ?[0-9]{2}"),
}


@dataclass(frozen=True)
class Patient:
    digits: str  # the national id; never logged, never in a response
    record: dict[str, Any]  # the PatientDTO kept for the clinic's feed
    mobile: str | None
    email: str | None


def national_id_digits(
    whole: str | None, split: PersonalIdentification | None, field: str, culture: str
) -> str:
    """The national id from its whole or split form, validated, in the country's own form
    (Norway and Denmark DDMMYY, Sweden yyyyMMdd, then the extra digits); 422 naming `field`."""
    if whole is None and split is None:
        raise _invalid([{"field": field, "message": "the national identity number is required"}])
    extra = EXTRA_DIGITS.get(culture, 4)
    if split is not None and len(split.ExtraDigits) != extra:
        where = "Norway" if extra == 5 else "Sweden and Denmark"
        message = f"ExtraDigits has {extra} digits in {where}"
        raise _invalid([{"field": f"{field}.ExtraDigits", "message": message}])
    candidates = {"".join(whole.split())} if whole is not None else set()
    if split is not None:
        candidates.add(split.whole())
    digits = {_domestic(c, culture, extra) for c in candidates}
    if len(digits) > 1:
        raise _invalid([{"field": field, "message": "the whole and the split national id differ"}])
    number = digits.pop()
    if culture == "NO":
        try:
            national_id.parse(number)
        except national_id.InvalidNationalId as e:
            raise _invalid([{"field": field, "message": str(e)}]) from None
    elif not (number.isascii() and number.isdigit() and 10 <= len(number) <= 12):
        raise _invalid([{"field": field, "message": "a personal identity number has 10-12 digits"}])
    return number


EXTRA_DIGITS = {"NO": 5, "SE": 4, "DK": 4}
"""How many digits follow the birth date in a national id, by country."""


def _domestic(digits: str, culture: str, extra: int) -> str:
    """The vendor's whole form (yyyyMMdd and the extra digits) in the country's own form;
    anything else as it is. Sweden's own long form is the vendor's."""
    if culture == "SE" or len(digits) != 8 + extra or not (digits.isascii() and digits.isdigit()):
        return digits
    return digits[6:8] + digits[4:6] + digits[2:4] + digits[8:]


def _invalid(errors: list[dict[str, str]]) -> HttpProblem:
    return HttpProblem(
        422,
        "invalid-patient",
        "the patient's details are not valid: " + "; ".join(e["message"] for e in errors[:5]),
        "correct the fields listed in errors",
        errors=errors,
    )


def form_fields(settings: SiteSettings) -> dict[str, tuple[bool, bool]]:
    """The booking form's patient fields besides the national id, in form order: whether the
    form asks for each, and whether it is required."""
    flexibility = settings.FlexibilitySettings
    form = flexibility.RegistrationSettings
    by_code = not flexibility.SkipConfirmation
    need_mobile = form.MobilePhoneNumberEnabled or by_code
    need_email = form.EmailEnabled or (by_code and flexibility.UseCodeChallange)
    return {
        "FirstName": (True, True),
        "LastName": (True, True),
        "Adress1": (form.Address1Enabled, form.Address1Enabled),
        "Adress2": (form.Address2Enabled, False),
        "PostalCode": (form.PostalCodeEnabled, form.PostalCodeEnabled),
        "HomePhoneNumber": (form.PhoneNumberEnabled, False),
        "MobilePhoneNumber": (need_mobile, need_mobile),
        "Email": (need_email, need_email),
    }


def validate(dto: PatientDTO, settings: SiteSettings, culture: str, field: str) -> Patient:
    flexibility = settings.FlexibilitySettings
    form = flexibility.RegistrationSettings
    digits = national_id_digits(
        dto.PatientPersonalIdentification,
        dto.PersonalNumber,
        f"{field}.PatientPersonalIdentification",
        culture,
    )
    errors: list[dict[str, str]] = []

    def need(name: str, value: str | None, required: bool, asked: bool) -> None:
        if value is not None and value.strip() and not asked:
            errors.append(
                {"field": f"{field}.{name}", "message": f"{name} is not on this site's form"}
            )
        elif required and (value is None or not value.strip()):
            errors.append({"field": f"{field}.{name}", "message": f"{name} is required"})

    fields = form_fields(settings)
    for name, (asked, required) in fields.items():
        need(name, getattr(dto, name), required, asked)
    need_mobile = fields["MobilePhoneNumber"][0]
    need_email = fields["Email"][0]

    mobile = _contact_problems(
        dto,
        errors,
        field=field,
        culture=culture,
        postal_code=form.PostalCodeEnabled,
        need_mobile=need_mobile,
        need_email=need_email,
    )
    if errors:
        raise _invalid(errors)
    record = dto.model_dump(
        mode="json", exclude_none=True, exclude={"PersonalNumber", "ID", "UpdatedOn"}
    )
    record["PatientPersonalIdentification"] = digits
    if mobile:
        record["MobilePhoneNumber"] = mobile
    return Patient(digits, record, mobile, dto.Email if need_email else None)


def _contact_problems(
    dto: PatientDTO,
    errors: list[dict[str, str]],
    *,
    field: str,
    culture: str,
    postal_code: bool,
    need_mobile: bool,
    need_email: bool,
) -> str | None:
    """Check the mobile, e-mail, postal code and guardian's id (adding to `errors`); the
    mobile number as stored (+47… for Norway)."""
    mobile = None
    if dto.MobilePhoneNumber and need_mobile:
        if culture == "NO":
            try:
                mobile = normalize_mobile(dto.MobilePhoneNumber)
            except ValueError as e:
                errors.append({"field": f"{field}.MobilePhoneNumber", "message": str(e)})
        else:
            mobile = re.sub(r"[\s\-().]", "", dto.MobilePhoneNumber)
    if dto.Email and need_email and not _EMAIL.fullmatch(dto.Email):
        errors.append({"field": f"{field}.Email", "message": "not an e-mail address"})
    pattern = _POSTAL_CODES.get(culture)
    if dto.PostalCode and postal_code and pattern and not pattern.fullmatch(dto.PostalCode):
        errors.append({"field": f"{field}.PostalCode", "message": "not a postal code"})
    if dto.GuardianPersonalNumber is not None:
        try:
            national_id_digits(
                dto.GuardianPersonalNumber, None, f"{field}.GuardianPersonalNumber", culture
            )
        except HttpProblem as problem:
            errors += problem.errors
    return mobile


def public_patient(record: dict[str, Any]) -> dict[str, Any]:
    """A stored patient as the public API shows it: without any national id."""
    return {
        k: v
        for k, v in record.items()
        if k not in ("PatientPersonalIdentification", "PersonalNumber", "GuardianPersonalNumber")
    }
