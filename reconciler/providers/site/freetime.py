"""Free time in the booking site's shapes: an engine Batch as an AvailableTimeslotBatch
(one free range, the treatments offered), and what the site holds as Published records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from reconciler.domain.freetime import Batch, Published
from reconciler.providers.site.models import (
    AvailableTime,
    AvailableTimeslotBatch,
    BatchTreatment,
    DateRange,
    FreeTime,
)

BatchKey = tuple[int, datetime, datetime, tuple[int, ...]]


def key_of(provider_id: int, batch: Batch) -> BatchKey:
    """What identifies a batch's content: provider, span and the treatments offered."""
    return (provider_id, batch.span.start, batch.span.end, tuple(sorted(batch.treatments)))


def site_batch(
    batch: Batch, *, provider_id: int, clinic_id: int, database_id: UUID
) -> AvailableTimeslotBatch:
    span = DateRange(From=batch.span.start, To=batch.span.end)
    return AvailableTimeslotBatch(
        Start=batch.span.start,
        End=batch.span.end,
        ClinicID=clinic_id,
        ClinicianID=provider_id,
        OpusDatabaseID=database_id,
        AvailableTimes=[AvailableTime(Range=span)],
        Treatments=[BatchTreatment(TreatmentId=t) for t in sorted(batch.treatments)],
    )


def removal(published: Published, *, clinic_id: int, database_id: UUID) -> AvailableTimeslotBatch:
    """The batch as the site needs it to remove it: by ID, and only as it was published."""
    return AvailableTimeslotBatch(
        ID=published.site_id,
        RowVersion=published.row_version,
        Start=published.starts_at,
        End=published.ends_at,
        ClinicID=clinic_id,
        ClinicianID=published.provider_id,
        OpusDatabaseID=database_id,
    )


def published_on_site(found: FreeTime) -> Iterable[Published]:
    """What the site holds, as Published records (batches of any shape: a batch with
    several free ranges, as the vendor's service sends them, never matches a key of ours,
    so it is replaced)."""
    for batch in found.Items:
        if batch.ID is None or batch.RowVersion is None:
            continue
        yield Published(
            batch.ID,
            batch.ClinicianID,
            _naive(batch.Start),
            _naive(batch.End),
            tuple(sorted(t.TreatmentId for t in batch.Treatments))
            if _whole(batch)
            else (-1,),  # never equal to a batch of ours
            batch.RowVersion,
        )


def _whole(batch: AvailableTimeslotBatch) -> bool:
    """Whether the batch is one free range over its whole span, as ours are."""
    times = batch.AvailableTimes
    return (
        len(times) == 1
        and _naive(times[0].Range.From) == _naive(batch.Start)
        and _naive(times[0].Range.To) == _naive(batch.End)
    )


def _naive(moment: datetime) -> datetime:
    """Opus keeps local time without a zone; so does what is compared with it."""
    return moment.replace(tzinfo=None)
