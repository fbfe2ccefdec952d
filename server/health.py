from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.datastructures import State

from server.database import DatabaseUnreachable, check_reachable


class Health(msgspec.Struct):
    status: str
    database: str


@get("/health", tags=["operations"], summary="Process and database health")
async def health(state: State) -> Response[Health]:
    try:
        await check_reachable(state.engine)
    except DatabaseUnreachable as exc:
        return Response(Health(status="degraded", database=str(exc)), status_code=503)
    return Response(Health(status="ok", database=state.engine_name))
