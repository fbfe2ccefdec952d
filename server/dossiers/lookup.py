"""Public status lookup by code or by the id on a receipt: status, agency and dates,
never a name or an ID number."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from server.catalog.definition import Text
from server.catalog.services import procedure_version
from server.communes.tables import Commune
from server.dossiers.tables import Dossier
from server.problems import FieldError, ProblemError
from sync.codes import InvalidCode, parse_code
from sync.states import LABELS, State


class LookupRequest(msgspec.Struct, forbid_unknown_fields=True):
    captcha_id: uuid.UUID
    captcha_answer: str
    code: str | None = None
    id: uuid.UUID | None = None


class LookupResult(msgspec.Struct, omit_defaults=True):
    state: int
    state_label: Text
    procedure: Text
    agency: str
    code: str | None = None
    submitted_at: dt.datetime | None = None
    due_date: dt.date | None = None
    appointment_date: dt.date | None = None


def parse_lookup_code(text: str) -> str:
    try:
        return parse_code(text)
    except InvalidCode as exc:
        message = (
            "the check character does not match: a character is mistyped"
            if exc.reason == "check"
            else "16 letters and digits"
        )
        raise ProblemError(
            422,
            "validation_failed",
            errors=[FieldError(path="code", code=f"code_{exc.reason}", message=message)],
        ) from None


async def lookup(code: str | None, dossier_id: uuid.UUID | None) -> LookupResult:
    if dossier_id is not None:
        row = await Dossier.select().where(Dossier.id == dossier_id).first()
    else:
        row = await Dossier.select().where(Dossier.code == code).first()
    if row is None or row["state"] == State.DRAFT:
        raise ProblemError(404, "not_found")
    vi, en = LABELS[State(row["state"])]
    found = await procedure_version(row["procedure_code"], row["schema_version"])
    commune = (
        await Commune.select(Commune.agency_name).where(Commune.code == row["commune_code"]).first()
    )
    return LookupResult(
        state=row["state"],
        state_label=Text(vi=vi, en=en),
        procedure=found.definition.name
        if found
        else Text(vi=row["procedure_code"], en=row["procedure_code"]),
        agency=commune["agency_name"] if commune else "",
        code=row["code"],
        submitted_at=row["submitted_at"],
        due_date=row["due_date"],
        appointment_date=row["appointment_date"],
    )
