"""The clinic's wall clock. Opus keeps appointment-book times as local time without an
offset, and so does the booking site: "now" and "today", wherever they meet the book, are
the clinic's — not the machine's, which may run in UTC (a CI runner, a cloud host)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CLINIC_ZONE = ZoneInfo("Europe/Oslo")  # Norway, Sweden and Denmark keep the same time


def clinic_now() -> datetime:
    """The clinic's local time now, without an offset, to the second."""
    return datetime.now(CLINIC_ZONE).replace(tzinfo=None, microsecond=0)


def clinic_today() -> date:
    return clinic_now().date()
