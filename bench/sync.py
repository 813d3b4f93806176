"""The sync service's speed on a large chain, with the reference booking site running.

`demo init --clinics N` (SQLite), applied once; then, in the same run:

- **engine**: free time for every provider (the pure engine over books already read),
  against merely reading those rows (`read_books`);
- **first publish**: a cycle that publishes everything, with the peak memory it took;
- **no-change cycle**: a cycle when nothing changed (it reads change counters, not rows),
  against one query of the same counters;
- **one booking**: a cycle after a staff appointment in the book (one provider recomputed).

Targets (issue: sync): the engine ≤ 1 s and ≤ 2x the read at 2,000 providers; a no-change
cycle ≤ 100 ms; the first full publish of the 200-clinic demo in ≤ 300 MB. Fails nothing.

    .venv/bin/python bench/sync.py [--clinics 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import tracemalloc
from datetime import datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from timing import best

from reconciler.apply.engine import apply
from reconciler.config import load_config
from reconciler.demo.address import free_site_url, workspace_site
from reconciler.demo.workspace import init
from reconciler.domain.clock import clinic_now
from reconciler.domain.freetime import free_time, months_ahead
from reconciler.plan.planner import compute
from reconciler.providers.opus import counters
from reconciler.providers.opus.books import read_books
from reconciler.providers.opus.connection import connected
from reconciler.sync.service import Service, Settings


def measure(clinics: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = init(Path(tmp) / "demo", clinics=clinics, site_url=free_site_url())
        site = workspace_site(workspace.directory).start()
        config = workspace.config.parent
        computed = compute(config, force=True)
        assert all(r.ok for r in apply(computed.plan, computed.loaded, force=True))
        clock = [clinic_now()]
        service = Service(
            load_config(config),
            settings=Settings(lag=timedelta(seconds=1)),
            clock=lambda: clock[0],
            wait=lambda _: True,
            log=lambda _: None,
        )
        service._start()
        try:
            _engine(service, repeat)
            tracemalloc.start()
            first, outcome = best(1, service.cycle)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"first publish: {first:.3f}s, {outcome.added} batches, "
                f"peak {peak / 2**20:.0f} MB traced"
            )
            clock[0] += timedelta(seconds=5)
            service.cycle()  # the first observation becomes trusted

            def quiet() -> None:
                clock[0] += timedelta(seconds=1)
                assert not service.cycle().did_something

            target = service.targets[0]

            def counters_only() -> None:
                with connected(target.engine, target.db, target.name) as c:
                    counters.signature(c, target.schema)

            cycle_time, _ = best(repeat * 3, quiet)
            counter_time, _ = best(repeat * 3, counters_only)
            print(
                f"no-change cycle: {cycle_time * 1000:.1f} ms "
                f"({cycle_time / counter_time:.1f}x one counters query, "
                f"{counter_time * 1000:.1f} ms)"
            )
            _one_booking(service, clock)
        finally:
            service._stop()
            site.stop()


def _engine(service: Service, repeat: int) -> None:
    target = service.targets[0]
    now = clinic_now()
    until = months_ahead(datetime.combine(now.date(), time()), 3)
    scope = target.scope(now.date())

    def read() -> object:
        with connected(target.engine, target.db, target.name) as c:
            return read_books(c, target.schema, scope, target.settings, now=now, until=until)

    read_time, books = best(repeat, read)

    def compute_all() -> int:
        return sum(len(free_time(b, books.setup, now)) for b in books.books.values())  # type: ignore[attr-defined]

    engine_time, batches = best(repeat, compute_all)
    providers = len(books.books)  # type: ignore[attr-defined]
    print(
        f"engine: {providers} providers, {batches} batches in {engine_time:.3f}s; "
        f"reading their rows {read_time:.3f}s; engine/read {engine_time / read_time:.2f}x"
    )


def _one_booking(service: Service, clock: list[datetime]) -> None:
    """A staff appointment over published free time, then a cycle."""
    target = service.targets[0]
    published = target.schema.t("rc_published")
    appointments = target.schema.t("appointments")
    with connected(target.engine, target.db, target.name) as c:
        provider_id, start = c.execute(
            sa.select(published.c.provider_id, published.c.starts_at)
            .where(published.c.starts_at > clock[0] + timedelta(days=1))
            .order_by(published.c.starts_at)
            .limit(1)
        ).one()
        c.execute(
            appointments.insert().values(
                provider_id=provider_id,
                starts_at=start,
                duration=30,
                registered_by="SOV",
                status="booked",
                created_at=clock[0],
            )
        )
    clock[0] += timedelta(seconds=1)
    elapsed, outcome = best(1, service.cycle)
    print(
        f"cycle after one staff appointment: {elapsed * 1000:.0f} ms "
        f"({outcome.added} added, {outcome.removed} removed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinics", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"demo chain of {args.clinics} clinics")
    measure(args.clinics, args.repeat)


if __name__ == "__main__":
    main()
