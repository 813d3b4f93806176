"""What the command line prints, and how: problems as text lines for people, JSON for tools,
GitHub annotations for CI, and every other line.

All output goes through the helpers here (`echo`, `emit_problems`, `emit_json`,
`error_line`, `styled`), which show control characters as escapes (`\\u001b`, see
reconciler.domain.text): a file name, a key or a live value cannot retitle the terminal,
clear the screen or reorder what is read. Colour is added after the text is made safe.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

import click

from reconciler.domain.secrets import redact
from reconciler.domain.text import escape_controls
from reconciler.errors import Problem, Severity

FORMATS = ("text", "json", "github")

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def use_color(stream: TextIO) -> bool:
    """Colour only for a terminal, and never with NO_COLOR set."""
    return "NO_COLOR" not in os.environ and stream.isatty()


def one_line(text: str) -> str:
    """Messages are one line each, whatever a key or value in them holds: line breaks and
    other control characters are shown as escapes, secrets and national identity numbers
    masked (the second net: neither should ever reach a message)."""
    return escape_controls(redact(text))


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print plain text (it may span lines): control characters other than tab and newline
    are shown as escapes, secrets and national identity numbers masked."""
    click.echo(escape_controls(redact(text), lines=True), err=err, nl=nl)


def echo_styled(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print text whose every piece went through `one_line` or `styled` already."""
    click.echo(text, err=err, nl=nl)


def styled(text: str, color: bool, **style: Any) -> str:
    """`text` made one safe line, then in colour when `color`."""
    safe = one_line(text)
    active = {name: value for name, value in style.items() if value}
    return click.style(safe, **active) if color and active else safe


def error_line(what: str, todo: str, *, color: bool) -> str:
    """`error: what — what to do`, one safe line."""
    label = styled("error", color, fg="red", bold=True)
    return f"{label}: {one_line(what)}" + (f" — {one_line(todo)}" if todo else "")


def problem_line(problem: Problem, *, with_severity: bool, color: bool) -> str:
    where = f"{one_line(str(problem.mark))}: " if problem.mark else ""
    message = one_line(problem.message)
    if not with_severity:
        return f"{where}{message}"
    label = styled(problem.severity.value, color, fg=_COLORS[problem.severity])
    return f"{where}{label}: {message} [{one_line(problem.code)}]"


def github_line(problem: Problem) -> str:
    """A GitHub Actions workflow command. Property values and the message are escaped as
    GitHub documents, so that a file name holding ',' or '::' cannot add properties."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[
        problem.severity
    ]
    props = {"title": f"reconciler {problem.code}"}
    if problem.mark:
        mark = problem.mark
        props = {"file": mark.file, "line": str(mark.line), "col": str(mark.col), **props}
    shown = ",".join(f"{name}={_github_property(value)}" for name, value in props.items())
    return f"::{level} {shown}::{_github_data(problem.message)}"


def _github_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_controls(text)


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def emit_problems(problems: list[Problem], fmt: str, *, with_severity: bool) -> None:
    """Problems to stderr (text) or stdout (github annotations). JSON is written by the
    caller as part of its one document."""
    if fmt == "github":
        for p in problems:
            echo_styled(github_line(p))
        return
    color = use_color(sys.stderr)
    for p in problems:
        echo_styled(problem_line(p, with_severity=with_severity, color=color), err=True)


def emit_json(document: dict[str, Any]) -> None:
    """One JSON document; characters JSON leaves raw (DEL, C1, bidi controls) are written
    as \\u escapes, which JSON reads back as the same characters."""
    echo(json.dumps(document, indent=2, ensure_ascii=False))
