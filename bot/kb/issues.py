"""Validation findings: what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One finding, pointing at a file, line and field."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = f"{self.field}: " if self.field else ""
        fix = f" (fix: {self.hint})" if self.hint else ""
        return f"{where}: {self.severity.value}: {what}{self.message}{fix}"


class KnowledgeBaseInvalid(Exception):
    """Raised when a knowledge base has errors; carries every finding."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        errors = [i for i in issues if i.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} error(s) in the knowledge base; first: {errors[0] if errors else '-'}")
