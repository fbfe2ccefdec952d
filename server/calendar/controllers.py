"""The administrator's calendar: overrides of the `holidays` package, day by day.

GET    /api/admin/calendar/overrides[?year=2027]   every override (of one year)
GET    /api/admin/calendar/overrides/{date}        one override, or 404
PUT    /api/admin/calendar/overrides/{date}        create (201) or replace (200)
DELETE /api/admin/calendar/overrides/{date}        remove (204), or 404
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, put
from litestar.datastructures import State
from litestar.params import JSONBody, PathParameter, QueryParameter

from server.audit.service import record
from server.calendar import service
from server.calendar.service import OverrideRecord
from server.database import write_transaction
from server.identity.controllers.common import client_ip
from server.identity.guards import admin_only, current_principal
from server.problems import ProblemError


class OverrideBody(msgspec.Struct, forbid_unknown_fields=True):
    # holiday: an extra day off; working_day: a swapped working Saturday (làm bù)
    kind: Literal["holiday", "working_day"]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


def _check_year(day: dt.date) -> None:
    if not 1995 <= day.year <= 2200:
        raise ProblemError(400, "invalid_parameter", detail=f"date out of range: {day.isoformat()}")


class CalendarOverridesController(Controller):
    path = "/api/admin/calendar/overrides"
    tags = ["administration"]
    guards = [admin_only]

    @get("/", summary="Calendar overrides (holidays and swapped working days)")
    async def list_overrides(
        self, year: Annotated[int | None, QueryParameter(ge=1995, le=2200)] = None
    ) -> list[OverrideRecord]:
        return await service.list_overrides(year)

    @get("/{day:date}", summary="The override of one day")
    async def get_override(self, day: Annotated[dt.date, PathParameter()]) -> OverrideRecord:
        found = await service.get_override(day)
        if found is None:
            raise ProblemError(404, "not_found", detail=day.isoformat())
        return found

    @put("/{day:date}", summary="Make a day a holiday or a working day, whatever the package says")
    async def put_override(
        self,
        request: Request,
        state: State,
        day: Annotated[dt.date, PathParameter()],
        data: JSONBody[OverrideBody],
    ) -> Response[OverrideRecord]:
        _check_year(day)
        principal = await current_principal(request)
        note = " ".join(unicodedata.normalize("NFC", data.note).split())
        async with write_transaction(state.engine):
            saved, created = await service.set_override(
                day, data.kind, note, actor_id=principal.account_id
            )
            await record(
                "calendar_override_set",
                actor_id=principal.account_id,
                target_kind="calendar",
                target_id=day.isoformat(),
                ip=client_ip(request),
                detail={"kind": data.kind, "note": note},
            )
        return Response(saved, status_code=201 if created else 200)

    @delete("/{day:date}", status_code=204, summary="Remove a day's override")
    async def delete_override(
        self, request: Request, state: State, day: Annotated[dt.date, PathParameter()]
    ) -> None:
        principal = await current_principal(request)
        async with write_transaction(state.engine):
            if not await service.delete_override(day):
                raise ProblemError(404, "not_found", detail=day.isoformat())
            await record(
                "calendar_override_removed",
                actor_id=principal.account_id,
                target_kind="calendar",
                target_id=day.isoformat(),
                ip=client_ip(request),
            )
