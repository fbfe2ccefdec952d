from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.datastructures import State

from server.app_state import app_caches
from server.communes.payload import build_payload_bytes
from server.communes.schemas import CommunesPayload
from server.communes.seed import DATASET
from server.problems import ProblemError
from server.reference.conditional import PRECOMPRESSED, cached_response
from server.reference.versions import dataset_version


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
