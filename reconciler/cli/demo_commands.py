"""reconciler demo: the embedded default — a workspace, the reference booking site, and the
plan/apply journey on them, all on this machine."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from reconciler.cli.report import echo, echo_styled, styled
from reconciler.cli.stopping import stoppable, until_stopped
from reconciler.demo import DEFAULT_SITE_URL
from reconciler.domain.labels import site_url_problem
from reconciler.domain.words import count
from reconciler.errors import CannotListen, UsageError

_PORT_TAKEN = (
    "another demo, or reconciler site serve, probably runs there: stop it, or run the demo on "
    "another port: reconciler demo init DIR --site-url http://127.0.0.1:PORT, then "
    "reconciler demo --dir DIR"
)


@click.group("demo", invoke_without_command=True)
@click.option(
    "--dir", "directory", type=click.Path(path_type=Path, file_okay=False),
    help="Workspace to use (made with demo init if empty); a temporary one by default.",
)  # fmt: skip
@click.option("--once", is_flag=True, help="Stop when the journey is done instead of serving on.")
@click.pass_context
def demo_group(ctx: click.Context, directory: Path | None, once: bool) -> int:
    """The whole journey on the embedded default: a demo workspace, the booking site running,
    doctor, plan, apply, a plan that shows nothing left, the site as a patient sees it, a sync
    that publishes the free time, a booking, and a sync that brings it into the book.
    Without --once the site keeps running until Ctrl-C, and the last line is the address of
    the patient page."""
    if ctx.invoked_subcommand is not None:
        return 0
    with stoppable():
        if directory is None:
            with tempfile.TemporaryDirectory(prefix="reconciler-demo-") as temporary:
                return _journey(Path(temporary), once)
        return _journey(directory, once)


def page_url(site_url: str) -> str:
    """The demo's patient page on the site at `site_url`."""
    from reconciler.demo.workspace import SUBDOMAIN  # noqa: PLC0415

    return f"{site_url}/sites/{SUBDOMAIN}/"


def _step(title: str) -> None:
    echo("")
    echo_styled(styled(f"==> {title}", True, bold=True))


def _journey(directory: Path, once: bool) -> int:
    from reconciler.demo import workspace  # noqa: PLC0415 (heavy imports stay out of start-up)
    from reconciler.demo.address import workspace_site  # noqa: PLC0415

    config = directory / "config"
    if not (config / "reconciler.yaml").exists():
        _step(f"demo init {directory}")
        made = workspace.init(directory)
        seed = made.seed
        echo(f"{count(len(seed.clinics), 'clinic')}, {count(len(seed.providers), 'provider')}")
    _step("the reference booking site")
    site = workspace_site(directory, dev=True)  # dev: the codes it sends
    try:
        site.start()
    except CannotListen as e:
        raise CannotListen(e.message, _PORT_TAKEN) from None
    try:
        echo(f"listening on {site.url}")
        if not _doctor(config) or not _plan_and_apply(config):
            return 1
        _patient_view(config, site.url)
        if not _sync_and_book(config, site.url):
            return 1
        if once:
            return 0
        until_stopped(
            f"\nThe booking site runs at {site.url} until Ctrl-C.",
            f"The patient page: {page_url(site.url)}",
        )
        return 0
    finally:
        site.stop()


def _doctor(config: Path) -> bool:
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.demo.workspace import ACCOUNT  # noqa: PLC0415
    from reconciler.sync.checks import statuses  # noqa: PLC0415

    _step(f"reconciler doctor {config}")
    healthy = True
    for status in statuses(load_config(config).config.accounts[ACCOUNT]):
        echo(f"{status.check}: " + ("OK" if status.ok else f"FAIL {status.reason}"))
        healthy = healthy and status.ok
    return healthy


def _plan_and_apply(config: Path) -> bool:
    from reconciler.apply.engine import apply  # noqa: PLC0415
    from reconciler.cli.apply_report import echo_reports  # noqa: PLC0415
    from reconciler.plan.planner import compute  # noqa: PLC0415
    from reconciler.plan.render import render_text  # noqa: PLC0415

    _step(f"reconciler plan {config}")
    computed = compute(config)
    echo(render_text(computed.plan), nl=False)
    _step("reconciler apply (approved)")
    if not echo_reports(apply(computed.plan, computed.loaded)):
        return False
    _step(f"reconciler plan {config} (again)")
    again = compute(config)
    echo(render_text(again.plan), nl=False)
    return not again.plan.has_changes


def _patient_view(config: Path, url: str) -> None:
    from reconciler.demo.workspace import SUBDOMAIN  # noqa: PLC0415
    from reconciler.providers.site import connect_public  # noqa: PLC0415

    _step("the booking site as a patient sees it")
    with connect_public(url, SUBDOMAIN) as patient:
        for clinic in patient.clinics():
            people = patient.clinicians(clinic_id=clinic.ID)
            echo(f"{clinic.Name}: {', '.join(p.Name or '?' for p in people)}")
        echo("treatments: " + ", ".join(t.Name or "?" for t in patient.treatments()))


def _sync_and_book(config: Path, url: str) -> bool:
    """One sync cycle publishes the free time; a patient books; the next brings the
    booking into the appointment book."""
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.demo.patient import book_first_time, in_the_book  # noqa: PLC0415
    from reconciler.domain.clock import clinic_today  # noqa: PLC0415
    from reconciler.sync.service import Service  # noqa: PLC0415

    def sync_once() -> None:
        _step(f"reconciler sync {config} --once")
        Service(load_config(config), wait=lambda _: True, log=echo).run(once=True)

    sync_once()
    account = load_config(config).config.accounts["demo"]
    _step("a patient books the first free time on the patient page, with the code the site sends")
    booked = book_first_time(account, url, clinic_today())
    if booked is None:
        echo("the site offers no time to book", err=True)
        return False
    echo(
        f"booked {booked.treatment} with {booked.provider} at {booked.clinic}, "
        f"{booked.start:%a %Y-%m-%d %H:%M} (booking {booked.booking_id})"
    )
    echo(f"confirmed on the patient page: {booked.confirmation}")
    sync_once()
    shown = in_the_book(account, booked.booking_id)
    where = f"in {booked.provider}'s appointment book"
    echo(f"{where}: {shown}" if shown else f"not {where}")
    return shown is not None


@demo_group.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", type=int, default=1, show_default=True, help="Seed for the demo data.")
@click.option(
    "--clinics",
    type=click.IntRange(1, 5000),
    default=3,
    show_default=True,
    help="How many clinics.",
)
@click.option(
    "--site-url",
    default=DEFAULT_SITE_URL,
    show_default=True,
    help="Where the reference booking site will listen.",
)
def init_command(directory: Path, seed: int, clinics: int, site_url: str) -> int:
    """Write DIRECTORY/opus.db (an Opus database with demo data), DIRECTORY/site.db (the
    reference booking site's store, the account registered) and DIRECTORY/config/ (a config
    pointing at both, ready to validate, lint, plan and apply)."""
    from reconciler.demo import workspace  # noqa: PLC0415 (keeps SQLAlchemy out of start-up)

    problem = site_url_problem(site_url)
    if problem:
        raise UsageError(f"--site-url: {problem}", "")
    made = workspace.init(directory, seed=seed, clinics=clinics, site_url=site_url)
    data = made.seed
    echo(
        f"wrote {made.database}: {count(len(data.clinics), 'clinic')}, "
        f"{count(len(data.providers), 'provider')}, {count(len(data.patients), 'patient')}, "
        f"{count(len(data.appointments), 'appointment')}"
    )
    echo(f"wrote {made.site}: the booking site's store, with the account registered")
    echo(f"wrote {made.config}")
    echo(f"next: reconciler site serve --data {made.site}")
    echo(f"then: reconciler plan {made.config.parent}")
    return 0
