from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import Parameter

from server.app_state import app_caches
from server.communes.old_units import old_units, old_units_body
from server.communes.payload import build_payload_bytes
from server.communes.schemas import CommunesPayload, OldMatches, OldUnitsPayload
from server.communes.seed import DATASET
from server.problems import ProblemError
from server.reference.conditional import PRECOMPRESSED, cached_response
from server.reference.versions import content_etag, dataset_version


class CommunesController(Controller):
    path = "/api/communes"
    tags = ["reference data"]

    @get(
        "/",
        summary="Every province and commune of Vietnam",
        description=(
            "The whole country in one compact document (a commune is "
            "[code, name, kind], kind x = xã, p = phường, dk = đặc khu), with a weak "
            "ETag: send If-None-Match to get 304 when nothing changed."
        ),
        opt=PRECOMPRESSED,
    )
    async def communes(self, request: Request, state: State) -> Response[CommunesPayload]:
        version = await dataset_version(DATASET)
        if version is None:
            raise ProblemError(503, "reference_data_missing")
        # Encoded bodies by version: every application builds each version once.
        bodies = app_caches(state).communes_bodies
        body = bodies.get(version)
        if body is None:
            body = await build_payload_bytes(version)
            bodies.clear()
            bodies[version] = body
        return cached_response(request, version, body)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape

    @get(
        "/old-units",
        summary="The wards, districts and provinces of before 1 July 2025",
        description=(
            "Each old province with the code of the province it is part of now, its "
            "districts and their wards, a ward as [name, kind, [new commune codes]] (a ward "
            "split between several communes names them all). Never changes but for "
            "corrections; a weak ETag as /api/communes. The app does not keep it: it asks "
            "/api/communes/old-units/match when online (docs/decisions.md)."
        ),
        opt=PRECOMPRESSED,
    )
    async def old_units(self, request: Request) -> Response[OldUnitsPayload]:
        # Read and indexed once per process, off the event loop (about a second).
        body = await anyio.to_thread.run_sync(old_units_body)
        return cached_response(request, content_etag(body), body)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape

    @get(
        "/old-units/match",
        summary="The old units an address names, and the communes they are now",
        description=(
            "Reads `q` as an address written with the units of before 1 July 2025 "
            '("…, Phường Phúc Xá, Quận Ba Đình, Hà Nội"; accents, case and kind words or '
            "abbreviations optional) and answers what it names, best first: a ward (needs "
            "its district or, when unique there, its province after it; alone with "
            "`ward_alone`), an island district, or else an old province. `start` is where "
            "the old units begin in `q`, counted in Unicode code points (not UTF-16 units)."
        ),
    )
    async def old_units_match(
        self,
        q: Annotated[str, Parameter(min_length=1, max_length=300)],
        ward_alone: Annotated[bool, Parameter(description="Offer a ward named alone")] = False,
    ) -> OldMatches:
        def match() -> OldMatches:
            return OldMatches(matches=old_units().match(q, ward_alone=ward_alone, limit=20))

        # Off the event loop: the first call reads the data (about a second), and a long
        # text without commas is tried cut at every word (a few milliseconds).
        return await anyio.to_thread.run_sync(match)
