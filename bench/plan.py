"""How long plan takes on a large chain: with nothing changed (change counters, no rows), with
a full read (`--refresh`), against `validate` of the same config, against merely reading
what the plan reads, and per resource against octoDNS planning as many records.

For each size: `demo init --clinics N` (SQLite) with the reference booking site running on a
loopback port in a process of its own (`site serve`), as a real site runs on a machine of its
own: in the benchmark's process, its work would compete with the plan's for the interpreter;
apply everything once; then time in the same run (best of --repeat):
  validate  loading and validating the config (what `reconciler validate` does)
  read      reading the rows and site objects the plan reads, nothing else
  no-change a plan whose counters say nothing moved since the last full read
  refresh   a plan that reads everything (plan --refresh)
and the traced memory peak of a full plan. Then octoDNS 1.x (installed into its own venv
under the system temporary directory on first use; skipped with --no-octodns) plans a zone
of as many A records, YAML to YAML with nothing to change, in-process, best of --repeat.

Targets (the plan engine's issue), at 200 clinics: no-change ≤ 2x validate and ≤ 1 s;
refresh ≤ 1.2 s and ≥ 30x faster per resource than octoDNS; memory ≤ 300 MB; 10x the chain
≤ 11x the time (refresh). Prints figures, ratios and whether each target is met; fails
nothing.

    .venv/bin/python bench/plan.py [--clinics 20 200] [--repeat 3] [--no-octodns]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timing import best

from reconciler.apply.engine import apply
from reconciler.config import load_config
from reconciler.demo.address import free_site_url, site_address
from reconciler.demo.workspace import init
from reconciler.plan.planner import compute
from reconciler.providers.account import read_account
from reconciler.providers.opus import schema_for
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.opus.live import live
from reconciler.providers.opus.resources import scope_of
from reconciler.providers.site import backend_client
from reconciler.providers.site.resources import database_id

OCTODNS_VENV = Path(tempfile.gettempdir()) / "reconciler-bench-octodns"


@dataclass
class Figures:
    clinics: int
    resources: int
    validate: float
    read: float
    unchanged: float
    refresh: float
    peak_mb: float


def measure(clinics: int, repeat: int) -> Figures:
    with tempfile.TemporaryDirectory() as tmp:
        workspace = init(Path(tmp) / "demo", clinics=clinics, site_url=free_site_url())
        with site_process(workspace.directory):
            return _measure(clinics, repeat, workspace.config.parent)


@contextmanager
def site_process(directory: Path) -> Iterator[None]:
    """The demo workspace's booking site, served by `reconciler site serve` in a process of
    its own, at the address its config names."""
    host, port = site_address(directory / "config")
    command = [sys.executable, "-m", "reconciler", "site", "serve"]
    options = ["--data", str(directory / "site.db"), "--host", host, "--port", str(port)]
    process = subprocess.Popen([*command, *options], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _listening(host, port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the booking site did not start at {host}:{port}")
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _measure(clinics: int, repeat: int, config: Path) -> Figures:
    first = compute(config)
    assert all(report.ok for report in apply(first.plan, first.loaded))
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

    def unchanged() -> None:
        done = compute(config)
        assert done.notes, "the counters did not stand in"
        assert not done.plan.has_changes

    def refresh() -> None:
        done = compute(config, refresh=True)
        assert not done.notes
        assert not done.plan.has_changes

    validate_time, _ = best(repeat, lambda: load_config(config))
    read_time, _ = best(repeat, read_only)
    refresh_time, _ = best(repeat, refresh)
    unchanged_time, _ = best(repeat, unchanged)
    tracemalloc.start()
    refresh()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    read = read_account("demo", account, loaded.source_of, date.today())
    resources = sum(len(provider.live) for provider in read.providers)
    read.close()
    engine.dispose()
    return Figures(clinics, resources, validate_time, read_time, unchanged_time, refresh_time, peak)


OCTODNS_SCRIPT = """
import sys, tempfile, time
from pathlib import Path
from octodns.manager import Manager

n, repeat = int(sys.argv[1]), int(sys.argv[2])
with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    records = "".join(
        f"host{i}:\\n  type: A\\n  value: 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}\\n"
        for i in range(n)
    )
    for side in ("config", "target"):
        (tmp / side).mkdir()
        (tmp / side / "example.com.yaml").write_text("---\\n" + records)
    (tmp / "octodns.yaml").write_text(
        "providers:\\n"
        "  config: {class: octodns.provider.yaml.YamlProvider, directory: %s}\\n"
        "  target: {class: octodns.provider.yaml.YamlProvider, directory: %s}\\n"
        "zones:\\n  example.com.: {sources: [config], targets: [target]}\\n"
        % (tmp / "config", tmp / "target")
    )
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        changes = Manager(str(tmp / "octodns.yaml")).sync(dry_run=True)
        times.append(time.perf_counter() - start)
        assert changes == 0, changes
    print(min(times))
"""


def octodns_seconds(records: int, repeat: int) -> float | None:
    """octoDNS planning `records` A records with nothing to change; None if it cannot be
    installed here."""
    python = OCTODNS_VENV / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(OCTODNS_VENV)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "octodns>=1,<2"],
                check=True,
                capture_output=True,
            )
        done = subprocess.run(
            [str(python), "-c", textwrap.dedent(OCTODNS_SCRIPT), str(records), str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"octoDNS could not run: {e}", file=sys.stderr)
        return None
    return float(done.stdout.strip().splitlines()[-1])


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinics", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-octodns", action="store_true")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    print(
        f"{'clinics':>7} {'resources':>9} {'validate':>9} {'read':>7} {'no-change':>9} "
        f"{'refresh':>8} {'nc/val':>7} {'ref/read':>8} {'peak':>8}"
    )
    results = []
    for n in args.clinics:
        f = measure(n, args.repeat)
        results.append(f)
        print(
            f"{f.clinics:>7} {f.resources:>9} {f.validate:>8.3f}s {f.read:>6.3f}s "
            f"{f.unchanged:>8.3f}s {f.refresh:>7.3f}s {f.unchanged / f.validate:>6.2f}x "
            f"{f.refresh / f.read:>7.2f}x {f.peak_mb:>6.0f}MB"
        )
    large = max(results, key=lambda f: f.clinics)
    print(f"\nat {large.clinics} clinics ({large.resources} resources):")
    print(
        f"  no-change plan {large.unchanged:.3f}s = {large.unchanged / large.validate:.2f}x "
        f"validate: ≤ 2x and ≤ 1 s "
        f"{verdict(large.unchanged <= 2 * large.validate and large.unchanged <= 1)}"
    )
    print(f"  refresh plan {large.refresh:.3f}s: ≤ 1.2 s {verdict(large.refresh <= 1.2)}")
    print(f"  memory peak {large.peak_mb:.0f} MB: ≤ 300 MB {verdict(large.peak_mb <= 300)}")
    small = min(results, key=lambda f: f.clinics)
    if small is not large:
        chain, cost = large.clinics / small.clinics, large.refresh / small.refresh
        print(
            f"  {chain:.0f}x the chain costs {cost:.1f}x the time (refresh): ≤ {chain * 1.1:.0f}x "
            f"{verdict(cost <= chain * 1.1)}"
        )
    octo = None if args.no_octodns else octodns_seconds(large.resources, args.repeat)
    if octo is not None:
        ours, theirs = large.refresh / large.resources, octo / large.resources
        print(
            f"  octoDNS, {large.resources} records: {octo:.3f}s; per resource ours "
            f"{ours * 1e6:.1f} µs, octoDNS {theirs * 1e6:.1f} µs = {theirs / ours:.0f}x: ≥ 30x "
            f"{verdict(theirs / ours >= 30)}"
        )
    if args.json:
        print(json.dumps([f.__dict__ for f in results] + [{"octodns": octo}]))


if __name__ == "__main__":
    main()
