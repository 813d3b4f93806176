"""reconciler demo: the embedded default."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.demo import DEFAULT_SITE_URL


@click.group("demo")
def demo_group() -> None:
    """The embedded default: a demo workspace that runs on this machine alone."""


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

    made = workspace.init(directory, seed=seed, clinics=clinics, site_url=site_url)
    data = made.seed
    click.echo(
        f"wrote {made.database}: {len(data.clinics)} clinics, {len(data.providers)} providers, "
        f"{len(data.patients)} patients, {len(data.appointments)} appointments"
    )
    click.echo(f"wrote {made.site}: the booking site's store, with the account registered")
    click.echo(f"wrote {made.config}")
    click.echo(f"next: reconciler validate {made.config.parent}")
    return 0
