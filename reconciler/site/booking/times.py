"""Time on the booking site: the clinic's local wall-clock time, as the vendor's API sends it.

The vendor's datetimes carry no offset (`2022-07-20T07:00:00`): they are the clinic's local
time. The site stores them the same way, as ISO text that sorts in time order, and asks a
`Clock` for "now" so that tests can move time instead of waiting for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

CLINIC_ZONE = ZoneInfo("Europe/Oslo")  # NO, SE and DK share it

Clock = Callable[[], datetime]
"""Returns the current local time (naive, in the clinic's zone)."""


def local_now() -> datetime:
    return datetime.now(CLINIC_ZONE).replace(tzinfo=None, microsecond=0)


def to_text(moment: datetime) -> str:
    """A local datetime as stored and sent: seconds precision, no offset."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CLINIC_ZONE).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat()


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)


def normalize(moment: datetime) -> datetime:
    """A datetime from a request as local naive time: an offset, if given, is converted.
    ValueError for times outside 2000-2099 (no booking lives there, and arithmetic near the
    ends of the calendar would overflow)."""
    if moment.tzinfo is not None:
        if not (EARLIEST.year < moment.year < LATEST.year - 1):
            raise ValueError("the time must lie between 2000 and 2099")
        moment = moment.astimezone(CLINIC_ZONE).replace(tzinfo=None)
    moment = moment.replace(microsecond=0)
    if not (EARLIEST <= moment < LATEST):
        raise ValueError("the time must lie between 2000 and 2099")
    return moment


def utc_text(moment: datetime) -> str:
    """An absolute instant (certificate validity, token expiry) as UTC with an offset."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CLINIC_ZONE)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def local_to_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=CLINIC_ZONE).astimezone(UTC)
