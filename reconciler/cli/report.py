"""How problems are shown: text lines for people, JSON for tools, GitHub annotations for CI."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

import click

from reconciler.errors import Problem, Severity

FORMATS = ("text", "json", "github")

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def use_color(stream: TextIO) -> bool:
    """Colour only for a terminal, and never with NO_COLOR set."""
    return "NO_COLOR" not in os.environ and stream.isatty()


def one_line(text: str) -> str:
    """Messages are one line each, whatever a key or value in them holds."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


def problem_line(problem: Problem, *, with_severity: bool, color: bool) -> str:
    where = f"{problem.mark}: " if problem.mark else ""
    message = one_line(problem.message)
    if not with_severity:
        return f"{where}{message}"
    label = (
        click.style(problem.severity.value, fg=_COLORS[problem.severity])
        if color
        else problem.severity.value
    )
    return f"{where}{label}: {message} [{problem.code}]"


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
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def emit_problems(problems: list[Problem], fmt: str, *, with_severity: bool) -> None:
    """Problems to stderr (text) or stdout (github annotations). JSON is written by the
    caller as part of its one document."""
    if fmt == "github":
        for p in problems:
            click.echo(github_line(p))
        return
    color = use_color(sys.stderr)
    for p in problems:
        click.echo(problem_line(p, with_severity=with_severity, color=color), err=True)


def emit_json(document: dict[str, Any]) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))
