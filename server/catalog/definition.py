"""The shape of a procedure data file (server/catalog/data/procedures/*.json)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class Text(msgspec.Struct, forbid_unknown_fields=True):
    vi: str
    en: str


class Processing(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    kind: Literal["same_day", "working_days"]
    days: int | None = None
    extended_days: int | None = None
    extended_when: Text | None = None


class Fee(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    kind: Literal["free", "free_when_on_time", "provincial"]
    item: str | None = None
    note: Text | None = None


class Deadline(msgspec.Struct, forbid_unknown_fields=True):
    field: str
    days: int


class LinkedTask(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: Text
    agency: Literal["police", "social_insurance", "labour_social_affairs"]


Family = Literal[
    "birth",
    "death",
    "marriage",
    "extract",
    "guardianship",
    "marital_status",
    "correction",
    "recognition",
    "certified_copy",
]


class ProcedureDefinition(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    code: str
    family: Family
    name: Text
    level: Literal[3, 4]
    processing: Processing
    fee: Fee
    notes: list[Text]
    # Checked by sync.forms.parse_schema, the same parser the validators use.
    form: dict[str, Any]
    deadline: Deadline | None = None
    linked_tasks: list[LinkedTask] = []


class Document(msgspec.Struct):
    """A document to attach: an attachment field of the form's `attachments` section."""

    id: str
    path: str
    label: Text
    required: bool
    # Required only in some cases (see the form's `required_when`).
    conditional: bool
