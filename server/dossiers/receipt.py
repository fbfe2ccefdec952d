"""A dossier's printable receipt (desk and outreach alike), and the short status
link its QR code opens."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect

from server.catalog.services import procedure_version
from server.communes.tables import Commune
from server.desk.queue import subject_of
from server.dossiers.access import may_read, not_found
from server.dossiers.tables import Dossier
from server.identity.guards import DEVICE_CREDENTIAL, current_principal, signed_in
from server.receipts import render_receipt
from server.receipts.schemas import ReceiptData
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
        row = await Dossier.select().where(Dossier.id == dossier_id).first()
        # A draft has not been handed in: there is nothing to give a receipt for.
        if row is None or row["state"] == DossierState.DRAFT or not may_read(principal, row):
            raise not_found(dossier_id)
        fields = msgspec.json.decode(row["fields"])
        found = await procedure_version(row["procedure_code"], row["schema_version"])
        commune = (
            await Commune.select(Commune.agency_name)
            .where(Commune.code == row["commune_code"])
            .first()
        )
        pdf = render_receipt(
            ReceiptData(
                dossier_id=row["id"],
                code=row["code"],
                procedure_name=found.definition.name.vi if found else row["procedure_code"],
                agency_name=commune["agency_name"] if commune else "",
                person_name=str(fields.get("requester.full_name") or subject_of(fields)),
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


@get("/tra-cuu", include_in_schema=False)
async def status_link(request: Request) -> Redirect:
    """Receipt QR codes print a short path; the app's lookup page lives under #/."""
    query = {k: v for k, v in request.query_params.items() if k in ("code", "id")}
    return Redirect(path=f"/#/tra-cuu?{urlencode(query)}" if query else "/#/tra-cuu")
