from __future__ import annotations

from litestar import Controller, Request, Response, get

from server.communes.payload import build_payload_bytes
from server.communes.schemas import CommunesPayload
from server.communes.seed import DATASET
from server.problems import ProblemError
from server.reference.conditional import PRECOMPRESSED, cached_response
from server.reference.versions import dataset_version

# Encoded bodies by version: every process builds each version once.
_bodies: dict[str, bytes] = {}


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
    async def communes(self, request: Request) -> Response[CommunesPayload]:
        version = await dataset_version(DATASET)
        if version is None:
            raise ProblemError(503, "reference_data_missing")
        body = _bodies.get(version)
        if body is None:
            body = await build_payload_bytes(version)
            _bodies.clear()
            _bodies[version] = body
        return cached_response(request, version, body)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape
