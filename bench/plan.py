"""How long a no-change plan takes on a large chain, against merely reading what it reads.

For each size: `demo init --clinics N` (SQLite) with the reference booking site running on a
loopback port, apply everything once, then time, in the same run, (a) reading the same rows
and site objects the plan reads (the Opus bulk readers and the site's settings and master
data, nothing else) and (b) a full no-change plan (load and validate the config, read both
systems, compile, diff). Prints the figures, the plan/read ratio, and how the time grows
with the chain. Fails nothing.

Targets (issue: plan and apply): at 200 clinics a no-change plan in ≤ 2 s and ≤ 3x the read;
10x the chain costs ≤ 11x the time.

    .venv/bin/python bench/plan.py [--clinics 20 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date
from pathlib import Path

from timing import best

from reconciler.apply.engine import apply
from reconciler.config import load_config
from reconciler.demo.workspace import init, point_at
from reconciler.plan.planner import compute
from reconciler.providers.opus import schema_for
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.opus.live import live
from reconciler.providers.opus.resources import scope_of
from reconciler.providers.site import backend_client
from reconciler.providers.site.resources import database_id
from reconciler.site.background import BackgroundSite


def measure(clinics: int, repeat: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = init(Path(tmp) / "demo", clinics=clinics)
        site = BackgroundSite(workspace.site).start()
        point_at(workspace.config, site.url)
        config = workspace.config.parent
        computed = compute(config)
        computed.close()
        assert all(report.ok for report in apply(computed.plan, computed.loaded))
        loaded = load_config(config)
        account = loaded.config.accounts["demo"]
        db = account.databases["opus"]
        engine = create_engine(db, "opus")
        schema = schema_for(db, "opus")
        scope = scope_of("demo", account, "opus", date.today())

        def read_only() -> None:
            with connected(engine, db, "opus") as connection:
                live(connection, schema, scope)
            with backend_client(account) as client:
                client.account()
                client.databases()
                client.master_data(database_id(account.subdomain, "opus"))
                client.subdomain()

        def no_change_plan() -> None:
            done = compute(config)
            assert not done.plan.has_changes
            done.close()

        read_time, _ = best(repeat, read_only)
        plan_time, _ = best(repeat, no_change_plan)
        counted = compute(config)
        resources = len(counted.accounts["demo"].live_resources())
        counted.close()
        engine.dispose()
        site.stop()
    return read_time, plan_time, resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinics", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'clinics':>8} {'resources':>10} {'read':>8} {'plan':>8} {'plan/read':>10}")
    results = {}
    for n in args.clinics:
        read_time, plan_time, resources = measure(n, args.repeat)
        results[n] = plan_time
        print(
            f"{n:>8} {resources:>10} {read_time:>7.3f}s {plan_time:>7.3f}s "
            f"{plan_time / read_time:>9.2f}x"
        )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        print(
            f"scaling: {large / small:.0f}x the chain costs {results[large] / results[small]:.1f}x "
            "the time"
        )


if __name__ == "__main__":
    main()
