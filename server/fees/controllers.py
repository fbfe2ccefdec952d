"""GET /api/catalog/fees: what the catalog's fee items cost (public)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import QueryParameter

from server.communes.tables import Province
from server.fees.service import FeeSchedule, fee_schedule
from server.problems import ProblemError
from server.reference.conditional import cached_response
from server.reference.versions import content_etag

_encoder = msgspec.json.Encoder()


class FeesController(Controller):
    path = "/api/catalog/fees"
    tags = ["reference data"]

    @get(
        "/",
        summary="The fee schedule: national fees, with one province's own amounts",
        description=(
            "Amounts in đồng for the `fee.item` keys of the catalog's procedures. Without "
            "`province`, only the national fees; with it, the province's amount replaces the "
            "national one for the same item (`province_code` says which applies). An item "
            "that is absent has no amount entered yet. Weak ETag: send If-None-Match."
        ),
    )
    async def fees(
        self,
        request: Request,
        province: Annotated[
            str | None,
            QueryParameter(
                name="province", pattern=r"^[0-9]{2}$", description="Province code, e.g. 01"
            ),
        ] = None,
    ) -> Response[FeeSchedule]:
        if province is not None and not await Province.exists().where(Province.code == province):
            raise ProblemError(404, "not_found", detail=f"province {province}")
        body = _encoder.encode(await fee_schedule(province))
        return cached_response(request, content_etag(body), body)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape
