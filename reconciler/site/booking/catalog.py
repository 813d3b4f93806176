"""What the public site knows of an account: its clinics, clinicians and treatments (from the
active databases), and how public ids map to internal ones.

The public ClinicID is a string `"{Clinic.ID}-{OpusDatabaseID}"` (the vendor's form); a
clinician's ID is only unique within its database, so it is looked up together with a clinic
or across the account's databases. A clinician's title and photo are shown only with the
clinician's consent (ClinicianPersonalDataConsents: 1 title, 2 photo).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from reconciler.site.api.backend.models import CONSENT_IMAGE, CONSENT_TITLE
from reconciler.site.api.problems import HttpProblem

_PUBLIC_CLINIC_ID = re.compile(
    r"([0-9]{1,10})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


def public_clinic_id(clinic_id: int, database_id: str) -> str:
    return f"{clinic_id}-{database_id}"


def parse_clinic_id(text: str, field_name: str) -> tuple[int, str]:
    match = _PUBLIC_CLINIC_ID.fullmatch(text.lower())
    if match is None:
        raise HttpProblem(
            404, "not-found", f"{field_name} names no clinic", "use an ID from GET /clinics"
        )
    return int(match.group(1)), match.group(2)


@dataclass
class Catalog:
    """The entities of the account's active databases, keyed by (database id, entity id)."""

    clinics: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    clinicians: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    treatments: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, db: sqlite3.Connection, account_id: str) -> Catalog:
        catalog = cls()
        rows = db.execute(
            "SELECT e.database_id, e.kind, e.id, e.data FROM entities e JOIN databases d"
            " ON d.account_id = e.account_id AND d.id = e.database_id"
            " WHERE e.account_id = ? AND d.active = 1",
            (account_id,),
        ).fetchall()
        table = {
            "clinic": catalog.clinics,
            "clinician": catalog.clinicians,
            "treatment": catalog.treatments,
        }
        for r in rows:
            table[r["kind"]][(r["database_id"], r["id"])] = json.loads(r["data"])
        return catalog

    def clinic(self, public_id: str, field_name: str = "ClinicID") -> tuple[str, dict[str, Any]]:
        clinic_id, database_id = parse_clinic_id(public_id, field_name)
        clinic = self.clinics.get((database_id, clinic_id))
        if clinic is None:
            raise HttpProblem(
                404, "not-found", f"{field_name} names no clinic", "use an ID from GET /clinics"
            )
        return database_id, clinic

    def clinician(self, database_id: str, clinician_id: int) -> dict[str, Any]:
        clinician = self.clinicians.get((database_id, clinician_id))
        if clinician is None or not clinician.get("Active", True):
            raise HttpProblem(
                404, "not-found", "ClinicianID names no clinician here", "use GET /clinicians"
            )
        return clinician

    def treatment(self, database_id: str, treatment_id: int) -> dict[str, Any]:
        treatment = self.treatments.get((database_id, treatment_id))
        if treatment is None:
            raise HttpProblem(
                404, "not-found", "TreatmentID names no treatment here", "use GET /treatments"
            )
        return treatment

    def sorted_clinics(self) -> list[tuple[tuple[str, int], dict[str, Any]]]:
        """((database id, clinic id), clinic) in display order."""
        return sorted(self.clinics.items(), key=lambda kv: (kv[1]["Order"], kv[0]))

    def clinicians_of(self, database_id: str, clinic_id: int) -> list[dict[str, Any]]:
        found = [
            c
            for (db, _), c in self.clinicians.items()
            if db == database_id and c["ClinicID"] == clinic_id and c.get("Active", True)
        ]
        return sorted(found, key=lambda c: (c["Order"], c["ID"]))


def treatment_minutes(treatment: dict[str, Any]) -> int:
    """How long a booking of this treatment holds the provider's book."""
    return int(
        treatment.get("WarmUpDuration", 0)
        + treatment["Duration"]
        + treatment.get("CoolDownDuration", 0)
    )


def clinic_dto(
    database_id: str, clinic: dict[str, Any], clinicians: list[dict[str, Any]]
) -> dict[str, Any]:
    dto = {
        k: clinic[k]
        for k in (
            "Name",
            "Address1",
            "Address2",
            "Postalcode",
            "City",
            "Home",
            "Work",
            "Fax",
            "Mobile",
            "Email",
            "Group",
            "ClinicTextHeader",
            "ClinicTextBody",
        )
        if clinic.get(k) is not None
    }
    return {
        "ID": public_clinic_id(clinic["ID"], database_id),
        **dto,
        "Clinicians": [clinician_dto(database_id, c) for c in clinicians],
    }


def clinician_dto(database_id: str, clinician: dict[str, Any]) -> dict[str, Any]:
    consents = set(clinician.get("ClinicianPersonalDataConsents", []))
    dto: dict[str, Any] = {
        "ID": clinician["ID"],
        "Name": clinician.get("Name") or _full_name(clinician),
        "Active": clinician.get("Active", True),
        "ClinicID": public_clinic_id(clinician["ClinicID"], database_id),
    }
    if clinician.get("Info"):
        dto["Info"] = clinician["Info"]
    if clinician.get("Title") and CONSENT_TITLE in consents:
        dto["Title"] = clinician["Title"]
    if clinician.get("ProfileImage") and CONSENT_IMAGE in consents:
        dto["ProfileImage"] = clinician["ProfileImage"]
    return dto


def _full_name(clinician: dict[str, Any]) -> str:
    return " ".join(p for p in (clinician.get("FirstName"), clinician.get("LastName")) if p)


def treatment_dto(treatment: dict[str, Any]) -> dict[str, Any]:
    dto = {"ID": treatment["ID"], "Name": treatment["Name"], "Duration": treatment["Duration"]}
    if treatment.get("Description"):
        dto["Description"] = treatment["Description"]
    return dto
