"""Wire shapes of the catalog API."""

from __future__ import annotations

from typing import Any

import msgspec

from server.catalog.definition import Deadline, Document, Fee, LinkedTask, Processing, Text


class ProcedureSummary(msgspec.Struct, omit_defaults=True):
    code: str
    family: str
    name: Text
    level: int
    processing: Processing
    fee: Fee
    notes: list[Text]
    documents: list[Document]
    version: int
    deadline: Deadline | None = None
    linked_tasks: list[LinkedTask] = []


class ProcedureDetail(ProcedureSummary, omit_defaults=True):
    # The form schema, in the language of sync/forms/README.md.
    form: dict[str, Any] = {}
    content_hash: str = ""


class CatalogPayload(msgspec.Struct):
    version: str
    procedures: list[ProcedureSummary]
