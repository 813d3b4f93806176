"""The free-time engine against a brute-force model of the same definition, minute by
minute; spans' arithmetic; and explanations that name the step that removes a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.domain.freetime import (
    Block,
    BlockType,
    Book,
    Busy,
    Offer,
    Setup,
    Why,
    explain,
    free_time,
    next_change,
)
from reconciler.domain.spans import Span, cut, intersect, merge, subtract

BASE = datetime(2027, 1, 4)  # a Monday
STEP = 15  # minutes: the model's grain
HORIZON = 24 * 60 // STEP  # a day of steps
TREATMENTS = (1, 2, 3)


def at(step: int) -> datetime:
    return BASE + timedelta(minutes=step * STEP)


spans = st.builds(
    lambda start, length: Span(at(start), at(start + length)),
    st.integers(0, HORIZON - 1),
    st.integers(1, 24),
)
# working days of the kind the book has, and odd stretches besides
days = st.builds(
    lambda start, length: Span(at(start), at(start + length)),
    st.integers(28, 40),
    st.integers(20, 40),
)
treatment_sets = st.frozensets(st.sampled_from(TREATMENTS))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Book, Setup, datetime]:
    types = {
        1: BlockType(
            1,
            "Internett",
            internet=True,
            expires_days_before=draw(st.sampled_from([None, None, None, 0, 1])),
            excluded=draw(st.frozensets(st.sampled_from(TREATMENTS), max_size=2)),
        ),
        2: BlockType(
            2,
            "Internett 2",
            internet=True,
            excluded=draw(st.frozensets(st.sampled_from(TREATMENTS), max_size=1)),
        ),
        3: BlockType(3, "Møte", internet=False, blocking=True),
        4: BlockType(4, "Notat", internet=False, blocking=False),
    }
    blocks = tuple(
        Block(i, draw(st.sampled_from([1, 1, 2, 3, 4])), span, draw(st.booleans()))
        for i, span in enumerate(draw(st.lists(days | spans, min_size=1, max_size=6)))
    )
    busy = tuple(
        Busy(i, span, draw(st.sampled_from(["booked", "cancelled", "moved", "arrived"])))
        for i, span in enumerate(draw(st.lists(spans, max_size=5)))
    )
    offers = tuple(
        Offer(span, draw(st.none() | treatment_sets)) for span in draw(st.lists(spans, max_size=3))
    )
    working = draw(st.lists(days, min_size=1, max_size=2)) + draw(st.lists(spans, max_size=2))
    book = Book("HAN", tuple(working), blocks, busy, offers)
    now = at(draw(st.integers(0, HORIZON // 2)))
    treatments = draw(st.frozensets(st.sampled_from(TREATMENTS), min_size=1))
    setup = Setup(
        types,
        treatments if draw(st.sampled_from([True] * 9 + [False])) else frozenset(),  # rarely none
        until=draw(st.sampled_from([at(HORIZON), now + timedelta(hours=10), now])),
        expiry_hours=draw(st.sampled_from([None, None, 0, 2, 12])),
    )
    return book, setup, now


def model(book: Book, setup: Setup, now: datetime) -> dict[datetime, frozenset[int]]:
    """The definition, one step at a time: which treatments each minute offers (what any
    Internet preblock over it offers there)."""
    out: dict[datetime, frozenset[int]] = {}
    start = datetime.combine(now.date(), datetime.min.time())
    for block in book.blocks:
        kind = setup.types[block.type_id]
        if not kind.internet or book.linked or block.span.end <= now:
            continue
        if kind.expires_days_before is not None and now >= block.span.start - timedelta(
            days=kind.expires_days_before
        ):
            continue
        if setup.expiry_hours and now >= block.span.start - timedelta(hours=setup.expiry_hours):
            continue
        for step in range(-10, HORIZON + 60):
            moment = at(step)
            if not (block.span.contains(moment) and start <= moment < setup.until):
                continue
            if not any(w.contains(moment) for w in book.working):
                continue
            occupied = [b.span for b in book.busy if b.status not in ("cancelled", "moved")]
            occupied += [
                o.span
                for o in book.blocks
                if setup.types[o.type_id].blocking and not setup.types[o.type_id].internet
            ]
            if any(span.contains(moment) for span in occupied):
                continue
            offered = setup.treatments - kind.excluded
            rules = [o for o in book.offers if block.managed and o.span.contains(moment)]
            if rules and all(o.treatments is not None for o in rules):
                offered &= frozenset().union(*(o.treatments or () for o in rules))
            if offered:
                out[moment] = out.get(moment, frozenset()) | offered
    return out


def engine(book: Book, setup: Setup, now: datetime) -> dict[datetime, frozenset[int]]:
    out: dict[datetime, frozenset[int]] = {}
    batches = free_time(book, setup, now)
    for batch, later in pairwise(batches):
        assert batch.span.end <= later.span.start  # in order, apart
        assert batch.span.end < later.span.start or batch.treatments != later.treatments
    for batch in batches:
        assert batch.treatments
        moment = batch.span.start
        while moment < batch.span.end:
            out[moment] = batch.treatments
            moment += timedelta(minutes=STEP)
    return out


@settings(max_examples=400, deadline=None)
@given(worlds())
def test_the_engine_is_the_definition(world: tuple[Book, Setup, datetime]) -> None:
    book, setup, now = world
    assert engine(book, setup, now) == model(book, setup, now)


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, HORIZON), st.sampled_from(TREATMENTS))
def test_explain_agrees_with_the_engine(
    world: tuple[Book, Setup, datetime], step: int, treatment: int
) -> None:
    book, setup, now = world
    moment = Span(at(step), at(step + 1))
    _, reasons = explain(book, setup, now, moment, treatment)
    offered = engine(book, setup, now)
    is_offered = moment.start >= now and treatment in offered.get(moment.start, frozenset())
    assert is_offered == (not reasons), reasons


def test_linked_working_hours_and_no_e_booking_type_publish_nothing() -> None:
    types = {1: BlockType(1, "Internett", internet=True)}
    day = Span(at(0), at(40))
    book = Book("HAN", (day,), (Block(1, 1, day),))
    setup = Setup(types, frozenset({1}), until=at(200))
    assert free_time(book, setup, at(0))
    linked = Book("HAN", (day,), (Block(1, 1, day),), linked=True)
    assert free_time(linked, setup, at(0)) == []
    assert [r.why for r in explain(linked, setup, at(0), Span(at(1), at(2)))[1]] == [Why.LINKED]
    none = Setup(types, frozenset(), until=at(200))
    assert free_time(book, none, at(0)) == []


def test_explain_names_what_removes_a_time() -> None:
    types = {
        1: BlockType(1, "Internett", internet=True, excluded=frozenset({2})),
        3: BlockType(3, "Møte", internet=False),
    }
    book = Book(
        "HAN",
        working=(Span(at(0), at(16)),),
        blocks=(Block(7, 1, Span(at(0), at(20))), Block(8, 3, Span(at(10), at(12)))),
        busy=(Busy(5, Span(at(4), at(6))),),
    )
    setup = Setup(types, frozenset({1, 2}), until=at(100))
    reasons = explain(book, setup, at(0), Span(at(4), at(5)), 1)[1]
    assert [(r.why, getattr(r.cause, "id", None)) for r in reasons] == [(Why.APPOINTMENT, 5)]
    reasons = explain(book, setup, at(0), Span(at(10), at(11)), 2)[1]
    assert [r.why for r in reasons] == [Why.BLOCKING, Why.EXCLUDED]
    reasons = explain(book, setup, at(0), Span(at(17), at(18)), 1)[1]
    assert [r.why for r in reasons] == [Why.NO_WORKING_HOURS]


@given(st.lists(spans, max_size=6), st.lists(spans, max_size=6))
def test_span_arithmetic(a: list[Span], b: list[Span]) -> None:
    def minutes(spans: list[Span]) -> set[datetime]:
        out = set()
        for span in spans:
            moment = span.start
            while moment < span.end:
                out.add(moment)
                moment += timedelta(minutes=STEP)
        return out

    assert minutes(merge(a)) == minutes(a)
    assert minutes(subtract(a, b)) == minutes(a) - minutes(b)
    assert minutes(intersect(a, b)) == minutes(a) & minutes(b)
    joined = merge(a)
    assert all(x.end < y.start for x, y in pairwise(joined))


def test_cut_back_to_back_from_the_start() -> None:
    pieces = list(cut([Span(at(0), at(5))], timedelta(minutes=30)))
    assert [p.start for p in pieces] == [at(0), at(2)]


def test_a_preblock_expires_the_moment_its_days_before_begin() -> None:
    types = {1: BlockType(1, "Internett", internet=True, expires_days_before=1)}
    block = Block(1, 1, Span(at(40), at(48)))
    book = Book("HAN", (Span(at(0), at(96)),), (block,))
    setup = Setup(types, frozenset({1}), until=at(200))
    day_before = block.span.start - timedelta(days=1)
    assert free_time(book, setup, day_before - timedelta(minutes=1))
    assert free_time(book, setup, day_before) == []
    reasons = explain(book, setup, day_before, Span(at(40), at(41)), 1)[1]
    assert [r.why for r in reasons] == [Why.BLOCK_EXPIRED]


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, 4 * 24))
def test_free_time_changes_only_at_next_change(
    world: tuple[Book, Setup, datetime], quarters: int
) -> None:
    book, setup, now = world
    later = now + timedelta(minutes=15 * quarters)
    if later < next_change(book, setup, now):
        assert free_time(book, setup, later) == free_time(book, setup, now)
