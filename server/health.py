"""Liveness and readiness, for the balancer and the orchestrator.

/health/live: the process answers (no database): restart it if this fails.
/health/ready: the database answers and has run every migration this code carries:
send it traffic only then. /health is readiness too (what the harness and older
checks ask)."""

from __future__ import annotations

import logging

import msgspec
from litestar import Response, get
from litestar.datastructures import State

from server.database import DatabaseUnreachable, check_reachable
from server.migrate import unapplied_migrations

log = logging.getLogger("motcua.health")


class Health(msgspec.Struct, omit_defaults=True):
    status: str  # "ok", or "degraded" with the reason in `database` and `detail`
    database: str
    detail: str | None = None
    # Migrations on disk the database has not run (`motcua migrate` runs them).
    unapplied_migrations: list[str] = []


class Liveness(msgspec.Struct):
    status: str
    # Demo mode (MOTCUA_DEMO): the app then shows its demo banner, linking to /demo.
    demo_mode: bool = False


@get("/health/live", tags=["operations"], summary="The process answers (no database asked)")
async def live(state: State) -> Liveness:
    return Liveness(status="alive", demo_mode=state.settings.demo_mode)


def _operation_id(handler: object, method: object, components: list) -> str:
    """One id per path (HealthReady, Health): one handler serves both, and two operations
    with one id would leave the app's generated types naming whichever came last."""
    return "".join(str(c).title() for c in components if isinstance(c, str))


@get(
    ["/health", "/health/ready"],
    tags=["operations"],
    operation_id=_operation_id,
    summary="Ready: the database answers and every migration has run (503 otherwise)",
)
async def ready(state: State) -> Response[Health]:
    try:
        await check_reachable(state.engine)
    except DatabaseUnreachable as exc:
        # Anyone may ask, through the balancer too: where the database lives and what
        # the driver said go to the log, not into the answer.
        log.warning("not ready: %s", exc)
        return _degraded(state.engine_name, "the database cannot be reached")
    try:
        missing = await unapplied_migrations()
    except Exception as exc:  # above all, no migration table: a database never migrated
        log.warning("not ready: the migration record cannot be read: %s", exc)
        return _degraded(
            state.engine_name,
            f"the migration record cannot be read ({type(exc).__name__}): "
            "is the database migrated? run `motcua migrate`",
        )
    if missing:
        return Response(
            Health(
                status="degraded",
                database=state.engine_name,
                detail=f"{len(missing)} migration(s) not run; run `motcua migrate`",
                unapplied_migrations=missing,
            ),
            status_code=503,
        )
    return Response(Health(status="ok", database=state.engine_name))


def _degraded(database: str, detail: str) -> Response[Health]:
    return Response(
        Health(status="degraded", database=database, detail=detail),
        status_code=503,
        headers={"Retry-After": "5"},
    )
