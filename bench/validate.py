"""How long `validate` takes on a large chain, against merely parsing the same YAML.

Generates a chain of N clinics (10 providers each, one file per clinic, shared defaults),
then times, in the same run, (a) PyYAML's C loader reading every file — the floor any YAML
config tool pays — and (b) reconciler's full load: YAML 1.2 with places, includes, defaults,
pydantic validation and cross-references. Prints figures and ratios; fails nothing.

    .venv/bin/python bench/validate.py [--clinics 20 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import yaml
from timing import best

from reconciler.config import lint, load_config

ROOT = """\
version: 1
defaults:
  database:
    opus:
      preblock_types:
        Internett: {kind: internet, color: "#E2F0E6"}
      appointment_types:
        "- Undersøkelse": {duration: 30, category: Undersøkelse, move_max_days: 30}
        "- Tannrens": {duration: 45, category: Tannrens}
        "- Akutt": {duration: 30, category: Akutt}
  provider:
    consent: {photo: false, title: true}
    working_hours:
      - days: [mon-fri]
        hours: ["08:00-11:30", "12:00-16:00"]
accounts:
  chain:
    key: ${env:BENCH_KEY}
    subdomain: bench-chain
    databases: {include: databases.yaml}
    clinics: {include: "clinics/*.yaml"}
"""


def write_chain(directory: Path, clinics: int) -> None:
    (directory / "reconciler.yaml").write_text(ROOT, encoding="utf-8")
    (directory / "databases.yaml").write_text(
        "".join(f"db{c}: {{url: 'sqlite:///db{c}.db'}}\n" for c in range(clinics)),
        encoding="utf-8",
    )
    (directory / "clinics").mkdir()
    for c in range(clinics):
        lines = [f"clinic-{c:04d}:", f"  opus_id: {c + 1}", f"  database: db{c}", "  providers:"]
        for p in range(10):
            lines += [
                f"    P{p:02d}:",
                f"      name: Provider {c}-{p}",
                "      title: Tannlege",
                "      publishing:",
                "        - days: [mon-thu]",
                '          hours: ["08:00-11:30", "12:00-15:00"]',
                '          appointment_types: ["- Undersøkelse", "- Tannrens"]',
                '          dates_off: ["2026-12-24..2027-01-01"]',
            ]
        (directory / "clinics" / f"c{c:04d}.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def measure(clinics: int, repeat: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_chain(directory, clinics)
        files = sorted(directory.rglob("*.yaml"))

        def parse_only() -> None:
            for f in files:
                yaml.load(f.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

        baseline, _ = best(repeat, parse_only)
        full, _ = best(repeat, lambda: load_config(directory))
        loaded = load_config(directory)
        linting, _ = best(repeat, lambda: lint(loaded))
    return baseline, full, linting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinics", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("BENCH_KEY", "bench-key")
    print(
        f"{'clinics':>8} {'providers':>9} {'parse only':>11} {'validate':>9} "
        f"{'ratio':>6} {'lint':>7}"
    )
    results = {}
    for n in args.clinics:
        baseline, full, linting = measure(n, args.repeat)
        results[n] = full
        print(
            f"{n:>8} {n * 10:>9} {baseline:>10.3f}s {full:>8.3f}s "
            f"{full / baseline:>5.1f}x {linting:>6.3f}s"
        )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        growth = results[large] / results[small]
        print(
            f"scaling: {large / small:.0f}x the chain costs {growth:.1f}x the time "
            f"({growth / (large / small):.2f} of linear)"
        )


if __name__ == "__main__":
    main()
