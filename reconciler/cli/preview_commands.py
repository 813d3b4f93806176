"""reconciler preview: the patient page as it would be after apply, on this machine."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.cli.report import echo
from reconciler.cli.stopping import stoppable, until_stopped
from reconciler.domain.words import count

if TYPE_CHECKING:
    from reconciler.preview.server import Build

DEFAULT_PORT = 8444  # beside `site serve`'s 8443


@click.command("preview")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--account", help="The account to preview; the config's first by default.")
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port on 127.0.0.1 (0 lets the system choose).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
def preview_command(path: Path, account: str | None, port: int, open_browser: bool) -> int:
    """Serve the booking site of PATH's account as it would be after apply, on this machine,
    until Ctrl-C: the settings and master data from the config (with the Opus database's
    rows, read only, when it is reachable), and the free time from the book as apply would
    leave it — or from the publishing rules alone when the database cannot be read.
    Neither Opus nor the live site is changed. Reloading the page after an edit of the
    config shows the edit; while the config is invalid the page lists its problems."""
    with stoppable():
        return _serve(path, account, port, open_browser)


def _serve(path: Path, account: str | None, port: int, open_browser: bool) -> int:
    from reconciler.preview.server import Preview  # noqa: PLC0415 (heavy imports stay out)

    preview = Preview(path, account=account, port=port, on_build=_report)
    try:
        preview.start()
    except KeyboardInterrupt:  # stopped during the first build: as stopped later
        echo("stopped")
        return 0
    try:
        if open_browser:
            webbrowser.open(preview.page_url)
        until_stopped(
            f"\nThe page: {preview.page_url}",
            "Edit the config and reload the page to see the change. Ctrl-C to stop.",
        )
        return 0
    finally:
        preview.stop()


def _report(built: Build) -> None:
    if not built.ok:
        echo(f"build {built.number}: the config has problems; the page lists them:")
        for problem in built.problems:
            echo(f"  {problem}")
        return
    if built.number == 1:
        others = [a for a in built.accounts if a != built.account]
        choose = f" (also in the config: {', '.join(others)}; --account)" if others else ""
        echo(f"account {built.account}{choose}")
        for database, source in built.sources.items():
            echo(f"free time of database '{database}': from {source}")
        for note in built.notes:
            echo(f"  {note}")
    echo(
        f"build {built.number}: {count(built.free_times, 'stretch', 'stretches')} of free "
        f"time, built in {built.seconds:.2f} s"
    )
