"""Public value types of the validator: its input context and its output."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

Params = dict[str, str | int]


class Context(msgspec.Struct, frozen=True):
    """What the validator needs besides the form: today's date (Asia/Ho_Chi_Minh on the server)
    and the current administrative units, which change too often to ship with the code."""

    today: datetime.date
    provinces: frozenset[str]
    communes: Mapping[str, str]  # commune code -> province code


class Issue(msgspec.Struct, frozen=True):
    path: str
    code: str
    severity: Literal["error", "warning"] = "error"
    params: Params = msgspec.field(default_factory=Params)


class ValidationResult(msgspec.Struct):
    values: dict[str, Any]
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    @property
    def accepted(self) -> bool:
        """A submission is accepted when nothing blocks it; warnings never do."""
        return not self.has_errors
