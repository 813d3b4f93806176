"""Free time: what a provider's book offers patients, and the one place it is defined.

From rows already read (no I/O here; `now` is given), per provider selected in the config:

1. **Published**: every preblock whose type is of kind Internet — placed by the reconciler
   or by staff in the book —
2. … inside working hours with Recall,
3. … minus every appointment that occupies time (not cancelled, not the skeleton of a
   moved one) and every blocking preblock that is not an Internet one,
4. … minus expiry: a preblock whose type expires `d` days before publishes nothing once
   `now` is `d` days before its start; with the database's `preblock_expiry_hours` = `h`,
   none publishes anything once `now` is `h` hours before its start (the vendor's
   "cancellation deadline" that really is the preblock's expiry),
5. … from the start of today up to `until` (the site's months to sync, to a midnight),
   leaving out preblocks that have ended. The site itself offers no time before now.
   Aligned to days and preblocks, the result changes only when the book does, a preblock
   ends or lapses, or a day rolls over: a sync cycle with nothing new sends nothing.
6. **Treatments** offered there: the appointment types used in e-booking, minus those the
   preblock's type excludes, and in time a publishing rule placed with `appointment_types`,
   only those. With no e-booking appointment type at all nothing is published.
7. A provider whose working hours are linked to the provider is not synced.

The result is one `Batch` per preblock and set of treatments: the preblock's span (within
the window) and the free ranges inside it, as the booking site takes them. `explain` walks
the same steps for one moment and says which of them removes it.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise

from reconciler.domain.spans import Span, cut, intersect, merge, near, subtract

SATURDAY = 5
FREEING = frozenset({"cancelled", "moved"})  # the book keeps these as skeletons only


@dataclass(frozen=True, slots=True)
class BlockType:
    """A preblock type, as far as free time is concerned."""

    id: int
    name: str
    internet: bool
    blocking: bool = True
    expires_days_before: int | None = None
    excluded: frozenset[int] = frozenset()  # appointment types not offered on it


@dataclass(frozen=True, slots=True)
class Block:
    """A preblock placed in the book."""

    id: int
    type_id: int
    span: Span
    managed: bool = False  # placed by the reconciler from a publishing rule


@dataclass(frozen=True, slots=True)
class Busy:
    """Something that occupies time: an appointment (id) in the book."""

    id: int
    span: Span
    status: str = "booked"

    @property
    def occupies(self) -> bool:
        return self.status not in FREEING


@dataclass(frozen=True, slots=True)
class Offer:
    """Time a publishing rule placed, and the appointment types it offers there (None: all
    e-booking types)."""

    span: Span
    treatments: frozenset[int] | None = None
    rule: tuple[str | int, ...] = ()  # where the rule is written (a path in the config)


@dataclass(frozen=True, slots=True)
class Book:
    """One provider's book, as read."""

    provider: str
    working: tuple[Span, ...] = ()  # working hours with Recall
    blocks: tuple[Block, ...] = ()
    busy: tuple[Busy, ...] = ()
    offers: tuple[Offer, ...] = ()
    linked: bool = False  # working hours linked to the provider


@dataclass(frozen=True)
class Setup:
    """What holds for every provider of one database."""

    types: Mapping[int, BlockType]
    treatments: frozenset[int]  # appointment types used in e-booking
    until: datetime  # the end of the window the site is given
    expiry_hours: int | None = None


@dataclass(frozen=True, order=True, slots=True)
class Batch:
    """A stretch of a provider's free time that offers one set of treatments throughout: a
    maximal one (the next stretch, if it touches this one, offers another set)."""

    provider: str
    span: Span
    treatments: frozenset[int] = field(compare=False)

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the batch's content (hashable, sorted)."""
        return (self.provider, self.span, tuple(sorted(self.treatments)))


@dataclass(frozen=True, slots=True)
class Published:
    """A batch of free time as the booking site holds it: its ID and RowVersion there."""

    site_id: int
    provider_id: int
    starts_at: datetime
    ends_at: datetime
    treatments: tuple[int, ...]  # sorted
    row_version: str

    @property
    def key(self) -> tuple[int, datetime, datetime, tuple[int, ...]]:
        return (self.provider_id, self.starts_at, self.ends_at, self.treatments)


def months_ahead(now: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months on (the month's last day when it is
    shorter): the end of the window the site is given."""
    month = now.month - 1 + months
    year, month = now.year + month // 12, month % 12 + 1
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day)


def slots(batches: Iterable[Batch], treatment: int, minutes: int, *, weekends: bool) -> list[Span]:
    """The start times a patient is offered for `treatment`, as the site cuts them: pieces
    of its length, back to back from the start of each free range of each batch that
    offers it; on Saturdays and Sundays only with weekend booking on."""
    length = timedelta(minutes=minutes)
    found = {
        piece
        for batch in batches
        if treatment in batch.treatments
        for piece in cut([batch.span], length)
        if weekends or piece.start.weekday() < SATURDAY
    }
    return sorted(found)


def window(setup: Setup, now: datetime) -> Span | None:
    """The stretch the site is given: from the start of today to `until`."""
    start = datetime.combine(now.date(), time())
    return Span(start, setup.until) if start < setup.until else None


def expired(block: Block, kind: BlockType, now: datetime) -> bool:
    """Whether the preblock's type lets it lapse `d` days before its start, and it has."""
    days = kind.expires_days_before
    return days is not None and now >= block.span.start - timedelta(days=days)


def lapsed(block: Block, setup: Setup, now: datetime) -> bool:
    """Whether the database's preblock expiry (`h` hours before the start) has passed."""
    hours = setup.expiry_hours
    return hours is not None and hours > 0 and now >= block.span.start - timedelta(hours=hours)


def occupied(book: Book, setup: Setup) -> list[Span]:
    """What takes the book's time: appointments, and blocking preblocks not for Internet."""
    spans = [b.span for b in book.busy if b.occupies]
    for block in book.blocks:
        kind = setup.types.get(block.type_id)
        if kind is not None and kind.blocking and not kind.internet:
            spans.append(block.span)
    return merge(spans)


def free_time(book: Book, setup: Setup, now: datetime) -> list[Batch]:
    """The provider's free time as batches, in order: where Internet preblocks overlap, a
    time offers what any of them offers there."""
    span = window(setup, now)
    if book.linked or not setup.treatments or span is None:
        return []
    busy = occupied(book, setup)
    working = merge(book.working)
    pieces: list[tuple[Span, frozenset[int]]] = []
    for block in sorted(book.blocks, key=lambda b: (b.span, b.id)):
        kind = setup.types.get(block.type_id)
        if kind is None or not kind.internet or block.span.end <= now:
            continue
        if expired(block, kind, now) or lapsed(block, setup, now):
            continue
        placed = block.span.clipped(span.start, span.end)
        if placed is None:
            continue
        free = subtract(intersect([placed], near(working, placed)), near(busy, placed))
        if not free:
            continue
        offered = setup.treatments - kind.excluded
        for treatments, spans in _offered(block, free, offered, book.offers):
            pieces += [(piece, treatments) for piece in spans]
    return [Batch(book.provider, span, offers) for span, offers in _runs(pieces)]


def next_change(book: Book, setup: Setup, now: datetime) -> datetime:
    """The first moment after `now` at which the provider's free time changes with no change
    to the book: a preblock ends or lapses, or the day rolls over."""
    moments = [datetime.combine(now.date() + timedelta(days=1), time())]
    for block in book.blocks:
        kind = setup.types.get(block.type_id)
        if kind is None or not kind.internet:
            continue
        moments.append(block.span.end)
        if kind.expires_days_before is not None:
            moments.append(block.span.start - timedelta(days=kind.expires_days_before))
        if setup.expiry_hours:
            moments.append(block.span.start - timedelta(hours=setup.expiry_hours))
    return min(m for m in moments if m > now)


def _runs(pieces: list[tuple[Span, frozenset[int]]]) -> list[tuple[Span, frozenset[int]]]:
    """The time the pieces cover, cut where what is offered changes: each run offers the
    union of what the pieces over it offer. (A sweep over the pieces' ends.)"""
    changes: dict[datetime, list[tuple[int, frozenset[int]]]] = {}
    for piece, treatments in pieces:
        changes.setdefault(piece.start, []).append((1, treatments))
        changes.setdefault(piece.end, []).append((-1, treatments))
    active: Counter[frozenset[int]] = Counter()
    runs: list[tuple[Span, frozenset[int]]] = []
    points = sorted(changes)
    for start, end in pairwise(points):
        for step, treatments in changes[start]:
            active[treatments] += step
        here = frozenset().union(*(t for t, n in active.items() if n > 0))
        if not here:
            continue
        if runs and runs[-1][0].end == start and runs[-1][1] == here:
            runs[-1] = (Span(runs[-1][0].start, end), here)
        else:
            runs.append((Span(start, end), here))
    return runs


def _offered(
    block: Block, free: list[Span], offered: frozenset[int], offers: Sequence[Offer]
) -> Iterable[tuple[frozenset[int], list[Span]]]:
    """The free spans grouped by the treatments offered there: a rule's appointment types
    narrow what its own (managed) preblocks offer, where it placed them."""
    relevant = [o for o in offers if block.managed and o.span.overlaps(block.span)]
    if not relevant:
        if offered:
            yield offered, free
        return
    cuts = sorted({t for o in relevant for t in (o.span.start, o.span.end)})
    groups: dict[frozenset[int], list[Span]] = {}
    for span in free:
        points = [span.start, *(c for c in cuts if span.start < c < span.end), span.end]
        for start, end in pairwise(points):
            piece = Span(start, end)
            covering = [o.treatments for o in relevant if piece.within(o.span)]
            if covering and None not in covering:
                here = offered & frozenset().union(*(c for c in covering if c is not None))
            else:
                here = offered
            if here:
                groups.setdefault(here, []).append(piece)
    for treatments, pieces in groups.items():
        yield treatments, merge(pieces)


# --- why a moment is not offered ---------------------------------------------------------


class Why(StrEnum):
    LINKED = "linked"
    NO_TREATMENTS = "no-treatments"
    PAST = "past"
    EXPIRY_HOURS = "expiry-hours"
    BEYOND = "beyond-horizon"
    NO_BLOCK = "no-internet-preblock"
    TOO_LONG = "longer-than-preblock"
    BLOCK_EXPIRED = "preblock-expired"
    NO_WORKING_HOURS = "outside-working-hours"
    APPOINTMENT = "appointment"
    BLOCKING = "blocking-preblock"
    EXCLUDED = "excluded-by-preblock-type"
    NOT_IN_RULE = "not-in-rule"
    NOT_EBOOKING = "not-e-booking"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a time is not offered, with what causes it (a Block, Busy, Offer or
    BlockType, or None)."""

    why: Why
    cause: object = None


def explain(
    book: Book, setup: Setup, now: datetime, at: Span, treatment: int | None = None
) -> tuple[list[Block], list[Reason]]:
    """The Internet preblocks that cover `at`, and every reason `at` is not offered (for
    `treatment`, when given): empty when it is. Walks the steps of `free_time`."""
    reasons: list[Reason] = []
    if book.linked:
        reasons.append(Reason(Why.LINKED))
    if not setup.treatments:
        reasons.append(Reason(Why.NO_TREATMENTS))
    elif treatment is not None and treatment not in setup.treatments:
        reasons.append(Reason(Why.NOT_EBOOKING))
    if at.start < now:
        reasons.append(Reason(Why.PAST))  # the site offers nothing before now
    if at.end > setup.until:
        reasons.append(Reason(Why.BEYOND))
    covering = [
        b
        for b in book.blocks
        if (kind := setup.types.get(b.type_id)) is not None and kind.internet and at.within(b.span)
    ]
    usable, lapsing = [], []
    for block in covering:
        if expired(block, setup.types[block.type_id], now):
            lapsing.append(Reason(Why.BLOCK_EXPIRED, block))
        elif lapsed(block, setup, now):
            lapsing.append(Reason(Why.EXPIRY_HOURS, block))
        else:
            usable.append(block)
    if not covering:
        partly = [
            b
            for b in book.blocks
            if (kind := setup.types.get(b.type_id)) and kind.internet and b.span.overlaps(at)
        ]
        reasons += [Reason(Why.TOO_LONG, b) for b in partly] or [Reason(Why.NO_BLOCK)]
    elif not usable:
        reasons += lapsing
    if subtract([at], book.working):
        reasons.append(Reason(Why.NO_WORKING_HOURS))
    reasons += _occupying(book, setup, at)
    if treatment is not None and usable:
        reasons += _treatment_reasons(book, setup, usable, at, treatment)
    return covering, reasons


def _occupying(book: Book, setup: Setup, at: Span) -> list[Reason]:
    found = [Reason(Why.APPOINTMENT, b) for b in book.busy if b.occupies and b.span.overlaps(at)]
    for block in book.blocks:
        kind = setup.types.get(block.type_id)
        if kind and kind.blocking and not kind.internet and block.span.overlaps(at):
            found.append(Reason(Why.BLOCKING, block))
    return found


def _treatment_reasons(
    book: Book, setup: Setup, covering: list[Block], at: Span, treatment: int
) -> list[Reason]:
    """Why no covering preblock offers the treatment (nothing if one does)."""
    found: list[Reason] = []
    for block in covering:
        kind = setup.types[block.type_id]
        if treatment in kind.excluded:
            found.append(Reason(Why.EXCLUDED, kind))
            continue
        rules = [o for o in book.offers if block.managed and at.within(o.span)]
        if rules and not any(o.treatments is None or treatment in o.treatments for o in rules):
            found += [Reason(Why.NOT_IN_RULE, o) for o in rules]
            continue
        return []  # this preblock offers it
    return found
