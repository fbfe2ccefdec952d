from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, JSONBody, Parameter, PathParameter, QueryParameter

from server.app_state import app_caches
from server.clock import vn_today
from server.desk.actions import decode_action, perform
from server.desk.queue import View, desk_dossier, queue
from server.desk.recovery import MAX_LIMIT, RecoveryList, recovery_list
from server.desk.reports import Report, build_report, report_csv
from server.desk.schemas import ActionResult, DeskDossier, QueueResponse, Task, TaskUpdate
from server.desk.tasks import update_task
from server.identity.guards import DEVICE_CREDENTIAL, admins, current_principal, require
from server.identity.roles import Role
from server.problems import ProblemError
from server.request_screen import READS_JSON_BODY

desk_roles = require(Role.desk, Role.agency_admin, Role.admin)
DossierId = Annotated[uuid.UUID, PathParameter()]


class DeskController(Controller):
    path = "/api/desk"
    tags = ["desk"]
    guards = [desk_roles]
    opt = DEVICE_CREDENTIAL  # the desk screens sign their calls with the install's credential

    @get("/queue", summary="The commune's dossiers, sorted by due date")
    async def queue(
        self,
        request: Request,
        view: FromQuery[View] = "all",
        procedure: Annotated[str | None, Parameter(max_length=64)] = None,
        # `state` is a reserved name in Litestar handlers.
        state_filter: Annotated[int | None, QueryParameter(name="state", ge=1, le=10)] = None,
        q: Annotated[
            str | None,
            Parameter(max_length=100, description="A code, or a name (accents optional)"),
        ] = None,
        commune: Annotated[
            str | None, Parameter(pattern=r"^[0-9]{5}$", description="Administrators only")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[
            int, Parameter(ge=0, le=2**31 - 1)
        ] = 0,  # past BIGINT is a 400, not an overflow
    ) -> QueueResponse:
        principal = await current_principal(request)
        return await queue(principal, view, procedure, state_filter, q, commune, limit, offset)

    @get("/dossiers/{dossier_id:uuid}", summary="One dossier with its history and linked tasks")
    async def dossier(self, request: Request, state: State, dossier_id: DossierId) -> DeskDossier:
        return await desk_dossier(
            await current_principal(request), dossier_id, state.settings.oidc_providers
        )

    @get(
        "/dossiers/{dossier_id:uuid}/duplicate",
        summary="The dossier and its possible duplicate, side by side",
    )
    async def duplicate(
        self, request: Request, state: State, dossier_id: DossierId
    ) -> list[DeskDossier]:
        principal = await current_principal(request)
        providers = state.settings.oidc_providers
        this = await desk_dossier(principal, dossier_id, providers)
        if this.possible_duplicate_of is None:
            raise ProblemError(
                404,
                "not_found",
                detail=("Hồ sơ này không có hồ sơ có thể trùng.", "No possible duplicate."),
            )
        return [this, await desk_dossier(principal, this.possible_duplicate_of, providers)]

    @post(
        "/dossiers/{dossier_id:uuid}/actions/{action:str}",
        status_code=200,
        summary="receive, refuse, start, request_documents, request_fee, record_payment, stop, complete, "
        "return_result, accept_withdrawal, message, mark_duplicate, mark_not_duplicate, "
        "extend_for_verification, apologise",
        opt={READS_JSON_BODY: True},
    )
    async def act(
        self,
        request: Request,
        state: State,
        dossier_id: DossierId,
        action: Annotated[str, PathParameter(max_length=32)],
    ) -> ActionResult:
        payload = decode_action(action, await request.body())
        return await perform(
            state.engine,
            state.settings,
            await current_principal(request),
            dossier_id,
            action,
            payload,
            app_caches(state).calendar,
        )

    @post(
        "/dossiers/{dossier_id:uuid}/tasks/{task:str}",
        status_code=200,
        summary="Hand a linked task over to its agency, or mark it done",
    )
    async def task(
        self,
        request: Request,
        state: State,
        dossier_id: DossierId,
        task: Annotated[str, PathParameter(max_length=32)],
        data: JSONBody[TaskUpdate],
    ) -> Task:
        return await update_task(
            state.engine, state.settings, await current_principal(request), dossier_id, task, data
        )

    @get(
        "/recovery",
        guards=[admins],
        summary="After a restore: the windows that may have been lost, and the dossiers to redo",
    )
    async def recovery(
        self,
        request: Request,
        commune: Annotated[
            str | None, Parameter(pattern=r"^[0-9]{5}$", description="Administrators only")
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_LIMIT)] = 100,
        offset: Annotated[int, Parameter(ge=0, le=2**31 - 1)] = 0,
    ) -> RecoveryList:
        return await recovery_list(await current_principal(request), commune, limit, offset)

    @get("/reports", summary="Counts, timeliness, processing time and ratings")
    async def report(
        self,
        request: Request,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
        commune: Annotated[str | None, Parameter(pattern=r"^[0-9]{5}$")] = None,
    ) -> Report:
        until = until or vn_today()
        return await build_report(
            await current_principal(request), since or until.replace(day=1), until, commune
        )

    @get("/reports.csv", media_type="text/csv", summary="The same report as CSV")
    async def report_csv(
        self,
        request: Request,
        since: FromQuery[dt.date | None] = None,
        until: FromQuery[dt.date | None] = None,
        commune: Annotated[str | None, Parameter(pattern=r"^[0-9]{5}$")] = None,
    ) -> Response[str]:
        until = until or vn_today()
        report = await build_report(
            await current_principal(request), since or until.replace(day=1), until, commune
        )
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="motcua-report-{until}.csv"'},
        )
