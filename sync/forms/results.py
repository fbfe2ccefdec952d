"""Public value types of the validator: its input context and its output."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

Params = dict[str, str | int]


class Context(msgspec.Struct, frozen=True):
    """What the validator needs besides the form: today's date (Asia/Ho_Chi_Minh on the server),
    the day of filing, and the current administrative units, which change too often to ship
    with the code.

    Two days, because a dossier is judged as filed: the checks across fields count ages and
    time limits to `filed_on` (for a supplement answered later, the day it was filed), while
    a field's own rules ("not in the future", the personal ID's year) hold against `today`,
    the real day (a paper the desk asked for may be dated after the day of filing)."""

    today: datetime.date
    provinces: frozenset[str]
    communes: Mapping[str, str]  # commune code -> province code
    filed_on: datetime.date | None = None  # None: filed today (a submission, a draft)

    @property
    def filing_day(self) -> datetime.date:
        """The day checks count ages and time limits to."""
        return self.filed_on if self.filed_on is not None else self.today


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
