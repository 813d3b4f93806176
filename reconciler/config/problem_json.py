"""A Problem as tools read it: an item of `problems` in `validate`/`lint --format json`
(schemas/problems.schema.json) and in a plan document (schemas/plan.schema.json)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from reconciler.config.model.base import Model
from reconciler.errors import Mark, Problem, Severity

Place = Annotated[int, Field(ge=1)]


class ProblemJson(Model):
    """One problem: where (file, line and column, or none), how bad, and what."""

    file: str | None
    line: Place | None
    column: Place | None
    severity: Annotated[Severity, Field(strict=False)]  # its value, as JSON holds it
    code: str = Field(description="A lint rule id or a validation code.")
    message: str

    @classmethod
    def of(cls, problem: Problem) -> ProblemJson:
        mark = problem.mark
        return cls.model_construct(
            file=mark.file if mark else None,
            line=mark.line if mark else None,
            column=mark.col if mark else None,
            severity=problem.severity,
            code=problem.code,
            message=problem.message,
        )

    def problem(self) -> Problem:
        """The Problem; a place is kept only when it is whole (file, line and column)."""
        mark = None
        if self.file is not None and self.line is not None and self.column is not None:
            mark = Mark(self.file, self.line, self.column)
        return Problem(mark, self.message, self.code, self.severity)
