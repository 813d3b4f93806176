"""The command line: parse, call, render, and map every failure to a line and an exit code.

Exit codes: 0 success · 1 any error (including usage errors) · 2 only where a command says
"there are changes". No traceback reaches the user unless --debug is given.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click

from reconciler import __version__
from reconciler.cli.config_commands import lint_command, schema_command, validate_command
from reconciler.cli.demo_commands import demo_group
from reconciler.cli.plan_commands import (
    apply_command,
    doctor_command,
    drift_command,
    export_command,
    plan_command,
    show_command,
    unlock_command,
)
from reconciler.cli.preview_commands import preview_command
from reconciler.cli.report import echo, echo_styled, error_line, problem_line, use_color
from reconciler.cli.site_commands import site_group
from reconciler.cli.sync_commands import explain_command, slots_command, sync_command
from reconciler.domain.secrets import redact
from reconciler.errors import ConfigError, ReconcilerError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reconciler")
@click.option("--debug", is_flag=True, help="Show the Python traceback when something fails.")
def cli(debug: bool) -> None:
    """Configuration-as-code for Opus Dental online booking.

    PATH arguments take a config directory (holding reconciler.yaml) or that file itself.
    """


cli.add_command(validate_command)
cli.add_command(lint_command)
cli.add_command(schema_command)
cli.add_command(plan_command)
cli.add_command(apply_command)
cli.add_command(show_command)
cli.add_command(drift_command)
cli.add_command(unlock_command)
cli.add_command(export_command)
cli.add_command(doctor_command)
cli.add_command(slots_command)
cli.add_command(explain_command)
cli.add_command(sync_command)
cli.add_command(preview_command)
cli.add_command(site_group)
cli.add_command(demo_group)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:  # accepted anywhere on the line, not only before the command
        args = ["--debug", *(a for a in args if a != "--debug")]
    try:
        result = cli.main(args=args, prog_name="reconciler", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.exceptions.NoArgsIsHelpError as e:  # a bare group: its help, as --help
        echo(e.ctx.get_help() if e.ctx is not None else cli.get_help(click.Context(cli)))
        return 0
    except click.exceptions.Abort:
        _error("aborted", "")
        return 1
    except click.ClickException as e:
        ctx = getattr(e, "ctx", None)
        command = ctx.command_path if ctx is not None else "reconciler"
        _error(e.format_message().rstrip("."), f"see '{command} --help'")
        return 1
    except ConfigError as e:
        color = use_color(sys.stderr)
        for p in e.problems:
            echo_styled(problem_line(p, with_severity=False, color=color), err=True)
        _error(e.message, e.hint)
        return 1
    except ReconcilerError as e:
        if debug:
            echo(traceback.format_exc(), err=True, nl=False)
        _error(e.message, e.hint)
        return 1
    except KeyboardInterrupt:
        _error("interrupted", "")
        return 1
    except Exception as e:  # the last line of defence: a clear line, never a secret
        if debug:
            echo(traceback.format_exc(), err=True, nl=False)
        # the driver's own words only: a database error's statement and parameters may
        # hold patient data, so they are never shown
        original = getattr(e, "orig", None) or e
        detail = (redact(str(original)).strip().splitlines() or [""])[0]
        _error(
            f"internal error: {type(e).__name__}: {detail}",
            "this is a bug; run again with --debug and report the traceback",
        )
        return 1
    return result if isinstance(result, int) else 0


def _error(what: str, todo: str) -> None:
    echo_styled(error_line(what, todo, color=use_color(sys.stderr)), err=True)
