"""Realistic, deterministic demo data for an Opus database: clinics, providers, working hours
with Recall, preblock and appointment types, patients with synthetic national identity
numbers, and the appointments and preblocks staff have placed.

Same seed, same start date, same data. Rows refer to each other by natural keys (provider
code, patient national ID, type name); the writer turns those into ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from reconciler.domain.national_id import synthetic

WEEKS = 8
PROVIDERS_PER_CLINIC = 10
PATIENTS_PER_CLINIC = 70

TOWNS = [
    "Oslo Sentrum", "Majorstuen", "Grünerløkka", "Bergen", "Trondheim", "Stavanger", "Drammen",
    "Fredrikstad", "Kristiansand", "Tromsø", "Sandnes", "Ålesund", "Bodø", "Hamar", "Moss",
    "Tønsberg", "Arendal", "Larvik", "Halden", "Lillehammer", "Molde", "Harstad", "Gjøvik",
    "Kongsberg", "Steinkjer", "Narvik", "Askøy", "Ski", "Lillestrøm", "Asker",
]  # fmt: skip
FIRST = [
    "Hanne", "Kjetil", "Mia", "Ola", "Ingrid", "Sivert", "Tor", "Kari", "Arne", "Helga", "Per",
    "Elise", "Nina", "Jonas", "Aslak", "Marit", "Eirik", "Sofie", "Lars", "Nora", "Emil",
    "Sara", "Jakob", "Ida", "Henrik", "Thea", "Magnus", "Emma", "Sander", "Maja",
]  # fmt: skip
LAST = [
    "Nilsen", "Olsen", "Berg", "Haugen", "Bakke", "Lie", "Eide", "Vik", "Moe", "Gran",
    "Strand", "Dahl", "Lund", "Kvam", "Hansen", "Johansen", "Larsen", "Andersen", "Pedersen",
    "Karlsen", "Jensen", "Solberg", "Bakken", "Halvorsen", "Jacobsen", "Ruud", "Hagen",
]  # fmt: skip
TITLES = ["Tannlege", "Tannlege", "Tannlege", "Tannpleier", "Kjeveortoped"]

INTERNET_TYPE = "Internett e-time"
PREBLOCK_TYPES: list[dict[str, Any]] = [
    {"name": INTERNET_TYPE, "text": "Ledig for e-timebok", "color": "#D6F5D6", "kind": "internet"},
    {"name": "Møte", "text": "Internmøte", "color": "#E8E8E8", "kind": "normal"},
    {"name": "Lunsj", "color": "#F5F0D6", "kind": "normal"},
]
APPOINTMENT_TYPES: list[dict[str, Any]] = [
    {"name": "- Undersøkelse", "duration": 30, "category": "Undersøkelse",
     "use_in_ebooking": True, "change_in_ebooking": True, "cancel_in_ebooking": True,
     "move_max_days": 14, "book_text": "E-time: undersøkelse"},
    {"name": "- Tannrens", "duration": 45, "category": "Tannrens",
     "use_in_ebooking": True, "change_in_ebooking": True, "cancel_in_ebooking": True,
     "move_max_days": 14, "book_text": "E-time: tannrens"},
    {"name": "- Akutt", "duration": 30, "category": "Akutt", "use_in_ebooking": True,
     "cancel_in_ebooking": True, "book_text": "E-time: akutt"},
    {"name": "Fylling", "duration": 60, "category": "Behandling"},
    {"name": "Recall 60", "duration": 60, "category": "Recall", "use_in_recall": True,
     "move_next_recall": True},
]  # fmt: skip
EBOOKING_TYPES = [t["name"] for t in APPOINTMENT_TYPES if t.get("use_in_ebooking")]
MORNING = (time(8, 0), time(11, 30))
AFTERNOON = (time(12, 0), time(16, 0))


@dataclass(frozen=True)
class DemoProvider:
    code: str
    clinic_id: int
    name: str
    title: str
    weekdays: tuple[int, ...]  # 0 = Monday


@dataclass
class Seed:
    """Everything to write, table by table, rows as dicts of logical column names."""

    start: date  # the Monday the eight weeks begin
    clinics: list[dict[str, Any]] = field(default_factory=list)
    providers: list[DemoProvider] = field(default_factory=list)
    patients: list[dict[str, Any]] = field(default_factory=list)
    working_hours: list[dict[str, Any]] = field(default_factory=list)  # by provider code
    appointments: list[dict[str, Any]] = field(default_factory=list)  # by code and NID
    preblocks: list[dict[str, Any]] = field(default_factory=list)  # by code and type name


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def generate(seed: int, clinics: int, start: date) -> Seed:
    """Demo data for `clinics` clinics from the Monday of `start`'s week."""
    rng = random.Random(seed)
    data = Seed(start=monday_of(start))
    per_clinic = _providers_per_clinic(clinics)
    codes: set[str] = set()
    for number in range(1, clinics + 1):
        data.clinics.append(_clinic(number, clinics, rng))
        for _ in range(per_clinic[number - 1]):
            data.providers.append(_provider(number, codes, rng))
    patients = 200 if clinics <= 3 else PATIENTS_PER_CLINIC * clinics
    taken: set[str] = set()
    data.patients = [_patient(rng, i, taken) for i in range(patients)]
    for provider in data.providers:
        _fill_weeks(data, provider, rng)
    return data


def _providers_per_clinic(clinics: int) -> list[int]:
    if clinics <= 3:
        return [3, 3, 2][:clinics]
    return [PROVIDERS_PER_CLINIC] * clinics


def _clinic(number: int, clinics: int, rng: random.Random) -> dict[str, Any]:
    town = TOWNS[(number - 1) % len(TOWNS)]
    suffix = f" {(number - 1) // len(TOWNS) + 1}" if clinics > len(TOWNS) else ""
    return {
        "id": number,
        "name": f"Tannlegene {town}{suffix}",
        "address": f"Storgata {rng.randint(1, 120)}",
        "postal_code": f"{rng.randint(1, 9999):04d}",
        "city": town.split()[0],
        "phone": f"{rng.randint(2, 7)}{rng.randint(1000000, 9999999)}",
        "email": f"post{number}@tannlegene.example",
    }


def _provider(clinic_id: int, codes: set[str], rng: random.Random) -> DemoProvider:
    """A provider with a code in the usual Opus style (HAN), numbered only when taken."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    stem = f"{first[:2]}{last[0]}".upper()
    code = stem
    number = 1
    while code in codes:
        number += 1
        code = f"{stem}{number}"
    codes.add(code)
    weekdays = (0, 1, 2, 3, 4) if rng.random() < 0.75 else (0, 1, 2)
    return DemoProvider(code, clinic_id, f"{first} {last}", rng.choice(TITLES), weekdays)


def _patient(rng: random.Random, index: int, taken: set[str]) -> dict[str, Any]:
    national_id = ""
    while not national_id or national_id in taken:
        born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 80))
        national_id = synthetic(born, rng)
    taken.add(national_id)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "national_id": national_id,
        "first_name": first,
        "last_name": last,
        "address1": f"{rng.choice(LAST)}veien {rng.randint(1, 80)}",
        "postal_code": f"{rng.randint(1, 9999):04d}",
        "city": rng.choice(TOWNS).split()[0],
        "mobile": f"+47{rng.choice('49')}{rng.randint(1000000, 9999999)}",
        "email": f"pasient{index}@example.org",
    }


def _fill_weeks(data: Seed, provider: DemoProvider, rng: random.Random) -> None:
    """Eight weeks of working hours with Recall, a weekly meeting, and appointments booked
    by staff over about a third of the hours."""
    types = [t for t in APPOINTMENT_TYPES if not t["name"].startswith("- ")] + APPOINTMENT_TYPES[:2]
    for week in range(WEEKS):
        for weekday in provider.weekdays:
            day = data.start + timedelta(weeks=week, days=weekday)
            for begin, end in (MORNING, AFTERNOON):
                data.working_hours.append(
                    {
                        "provider": provider.code,
                        "starts_at": datetime.combine(day, begin),
                        "ends_at": datetime.combine(day, end),
                        "recall": True,
                    }
                )
            if weekday == provider.weekdays[-1]:
                data.preblocks.append(
                    {
                        "provider": provider.code,
                        "type": "Møte",
                        "starts_at": datetime.combine(day, time(15, 0)),
                        "ends_at": datetime.combine(day, time(16, 0)),
                        "created_by": provider.code,
                    }
                )
            for hour in sorted(rng.sample((8, 9, 10, 12, 13, 14), rng.choice((1, 2, 2, 3)))):
                kind = rng.choice(types)
                data.appointments.append(
                    {
                        "provider": provider.code,
                        "patient": rng.randrange(len(data.patients)),
                        "type": kind["name"],
                        "starts_at": datetime.combine(day, time(hour, 0)),
                        "duration": kind["duration"],
                        "category": kind["category"],
                        "registered_by": provider.code,
                    }
                )


__all__ = ["EBOOKING_TYPES", "INTERNET_TYPE", "Seed", "generate"]
