"""A dossier's printable receipt (desk and outreach alike), and the short status
link its QR code opens."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath, PathParameter
from litestar.response import Redirect

from server.catalog.services import procedure_version
from server.communes.tables import Commune
from server.desk.deadlines import apology_letters
from server.desk.queue import subject_of
from server.dossiers.access import may_read, not_found
from server.dossiers.tables import Dossier
from server.identity.guards import DEVICE_CREDENTIAL, current_principal, signed_in
from server.identity.principal import Principal
from server.problems import ProblemError
from server.receipts import render_receipt
from server.receipts.apology import render_apology
from server.receipts.schemas import ApologyData, ReceiptData
from sync.states import State as DossierState


class ReceiptController(Controller):
    path = "/api/dossiers"
    tags = ["dossiers"]
    guards = [signed_in]
    opt = DEVICE_CREDENTIAL

    @get(
        "/{dossier_id:uuid}/receipt.pdf",
        summary="The dossier's receipt as a PDF (its owner, the desk of its commune)",
    )
    async def receipt(
        self, request: Request, state: State, dossier_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        principal = await current_principal(request)
        row = await _readable(principal, dossier_id)
        fields = msgspec.json.decode(row["fields"])
        pdf = render_receipt(
            ReceiptData(
                dossier_id=row["id"],
                code=row["code"],
                procedure_name=await _procedure_name(row),
                agency_name=await _agency_name(row),
                person_name=_person_name(fields),
                submitted_at=row["submitted_at"] or row["created_at"],
                appointment_date=row["appointment_date"],
                base_url=state.settings.base_url,
                channel="outreach" if principal.role.value == "outreach" else "desk",
            )
        )
        name = row["code"] or str(row["id"])
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="bien-nhan-{name}.pdf"'},
        )

    @get(
        "/{dossier_id:uuid}/apology/{number:int}",
        media_type="application/pdf",
        summary="An apology letter with the new date, as a PDF (its owner, the desk of its commune)",
    )
    async def apology(
        self,
        request: Request,
        dossier_id: FromPath[uuid.UUID],
        number: Annotated[int, PathParameter(ge=1, le=1000)],
    ) -> Response[bytes]:
        row = await _readable(await current_principal(request), dossier_id)
        letters = await apology_letters(dossier_id)
        if number > len(letters):
            raise ProblemError(404, "not_found", detail=f"no apology letter {number}")
        letter = letters[number - 1]
        pdf = render_apology(
            ApologyData(
                dossier_id=row["id"],
                code=row["code"],
                procedure_name=await _procedure_name(row),
                agency_name=await _agency_name(row),
                person_name=_person_name(msgspec.json.decode(row["fields"])),
                received_at=row["received_at"] or row["submitted_at"] or row["created_at"],
                issued_at=letter.at,
                original_date=letter.original_date,
                new_date=letter.new_date,
                reason=letter.reason,
                number=letter.number,
                official=letter.official,
            )
        )
        name = row["code"] or str(row["id"])
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="phieu-xin-loi-{name}-{number}.pdf"'
            },
        )


async def _readable(principal: Principal, dossier_id: uuid.UUID) -> dict:
    """The dossier's row, or the one 404 for none and for one the caller may not read."""
    row = await Dossier.select().where(Dossier.id == dossier_id).first()
    # A draft has not been handed in: there is nothing to give a receipt for.
    if row is None or row["state"] == DossierState.DRAFT or not may_read(principal, row):
        raise not_found(dossier_id)
    return row


async def _procedure_name(row: dict) -> str:
    found = await procedure_version(row["procedure_code"], row["schema_version"])
    return found.definition.name.vi if found else row["procedure_code"]


async def _agency_name(row: dict) -> str:
    commune = (
        await Commune.select(Commune.agency_name).where(Commune.code == row["commune_code"]).first()
    )
    return commune["agency_name"] if commune else ""


def _person_name(fields: dict) -> str:
    return str(fields.get("requester.full_name") or subject_of(fields))


@get("/tra-cuu", include_in_schema=False)
async def status_link(request: Request) -> Redirect:
    """Receipt QR codes print a short path; the app's lookup page lives under #/."""
    query = {k: v for k, v in request.query_params.items() if k in ("code", "id")}
    return Redirect(path=f"/#/tra-cuu?{urlencode(query)}" if query else "/#/tra-cuu")
