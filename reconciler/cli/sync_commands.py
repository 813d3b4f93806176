"""slots and explain: what the books offer patients now, and why a time is or is not."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from reconciler.cli.report import echo
from reconciler.domain.clock import clinic_now
from reconciler.errors import UsageError

path_argument = click.argument("path", type=click.Path(path_type=Path))
clinic_option = click.option("--clinic", metavar="KEY", help="Only this clinic (its key).")
type_option = click.option(
    "--type", "treatment", metavar="NAME", help="Only this appointment type (its name)."
)


@click.command("slots")
@path_argument
@clinic_option
@click.option("--provider", metavar="CODE", help="Only this provider (their code).")
@type_option
@click.option("--from", "first", metavar="DATE", help="First day, YYYY-MM-DD (default: today).")
@click.option(
    "--days", type=click.IntRange(1, 400), default=7, show_default=True, help="How many days."
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text for people, json for tools (schemas/slots.schema.json).",
)  # fmt: skip
def slots_command(
    path: Path,
    clinic: str | None,
    provider: str | None,
    treatment: str | None,
    first: str | None,
    days: int,
    fmt: str,
) -> int:
    """The start times a patient would be offered, from the live books, without touching
    the site: the same engine and cutting rules as the sync service and the site."""
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.sync.slots import by_day, offered  # noqa: PLC0415

    now = clinic_now().replace(second=0)
    start = _date(first, "--from") if first else now.date()
    found = offered(
        load_config(path),
        now=now,
        first=start,
        days=days,
        clinic=clinic,
        provider=provider,
        treatment=treatment,
    )
    for note in found.notes:
        echo(f"note: {note}", err=True)
    if fmt == "json":
        document = {"slots": [o.as_json() for o in found.offered], "notes": found.notes}
        echo(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    if not found.offered:
        echo(f"No times offered from {start} for {days} days.")
        return 0
    last = None
    for key, day, times in by_day(found.offered):
        if key != last:
            account, clinic_key, code, name = key
            echo(f"{account} · {clinic_key} · {code} · {name}")
            last = key
        echo(f"  {day:%a %Y-%m-%d}  {' '.join(times)}")
    return 0


@click.command("explain")
@path_argument
@click.option("--provider", required=True, metavar="CODE", help="The provider's code.")
@click.option("--at", "moment", required=True, metavar='"YYYY-MM-DD HH:MM"', help="The time.")
@clinic_option
@type_option
def explain_command(
    path: Path, provider: str, moment: str, clinic: str | None, treatment: str | None
) -> int:
    """Whether a time is offered to patients, and every reason why not, each naming its row
    in the book or its line in the config."""
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.sync.explain import explain_time  # noqa: PLC0415

    try:
        at = datetime.strptime(moment.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise UsageError(
            f"--at '{moment}' is not a time like \"2026-12-07 09:00\"", "give YYYY-MM-DD HH:MM"
        ) from None
    now = clinic_now().replace(second=0)
    result = explain_time(
        load_config(path), now=now, provider=provider, at=at, clinic=clinic, treatment=treatment
    )
    when = f"{at:%a %Y-%m-%d %H:%M}"
    if result.offered:
        echo(f"{provider} {when}: offered for {', '.join(result.offered)}")
        for line in result.because:
            echo(f"  {line}")
    for name, reasons in result.reasons.items():
        echo(f"{provider} {when}: not offered for {name}, because")
        for line in reasons:
            echo(f"  - {line}")
    return 0


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} '{text}' is not a date", "give YYYY-MM-DD") from None


@click.command("sync")
@path_argument
@click.option("--once", is_flag=True, help="One cycle, then stop (for cron, CI and tests).")
@click.option(
    "--interval", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
    metavar="SECONDS", help="Pause between cycles.",
)  # fmt: skip
@click.option("--account", metavar="NAME", help="The account to sync (one service per account).")
@click.option(
    "--status-port", type=click.IntRange(0, 65535), metavar="PORT",
    help="Serve /healthz and /metrics on 127.0.0.1:PORT.",
)  # fmt: skip
def sync_command(
    path: Path, once: bool, interval: float, account: str | None, status_port: int | None
) -> int:
    """Keep the booking site equal to the books: free time out, bookings back into the
    book. Runs until stopped (SIGTERM or Ctrl-C: the step in hand is finished, the site told
    the service is offline, the lease released); one service per account."""
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415
    from datetime import timedelta  # noqa: PLC0415

    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.sync.service import Service, Settings  # noqa: PLC0415
    from reconciler.sync.status import serve_status  # noqa: PLC0415

    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        service = Service(
            load_config(path),
            account,
            settings=Settings(interval=timedelta(seconds=interval)),
            wait=stopping.wait,
            log=lambda line: echo(f"{datetime.now():%Y-%m-%dT%H:%M:%S} {line}", err=True),
        )
        status = serve_status(service.health, status_port, interval) if status_port else None
        try:
            service.run(once=once)
        finally:
            if status is not None:
                status.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
