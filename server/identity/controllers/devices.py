"""Registering an app install and checking its credential."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from server.audit.service import record
from server.database import write_transaction
from server.identity.controllers.common import client_ip, device_info, request_lang
from server.identity.devices import register_device
from server.identity.free_text import chosen_name
from server.identity.guards import DEVICE_CREDENTIAL, current_principal, signed_in
from server.identity.schemas import DeviceCredential, DeviceInfo, DeviceRegistration
from server.identity.tables import Device
from server.problems import ProblemError


class DevicesController(Controller):
    path = "/api/devices"
    tags = ["identity"]
    guards = [signed_in]

    @post(
        "/", status_code=201, summary="Register this app install; returns its sync credential once"
    )
    async def register(
        self, request: Request, state: State, data: JSONBody[DeviceRegistration]
    ) -> DeviceCredential:
        principal = await current_principal(request)
        if principal.via != "session":
            raise ProblemError(403, "session_required")
        name = chosen_name("name", data.name, request_lang(request), max_length=100)
        async with write_transaction(state.engine):
            credential = await register_device(principal.account_id, data.id, name)
            await record(
                "device_registered",
                actor_id=principal.account_id,
                target_kind="device",
                target_id=data.id,
                ip=client_ip(request),
                detail={"name": name},
            )
        return DeviceCredential(device_id=data.id, credential=credential)

    @get(
        "/current", opt=DEVICE_CREDENTIAL, summary="The device whose credential signs this request"
    )
    async def current(self, request: Request) -> DeviceInfo:
        principal = await current_principal(request)
        if principal.device_id is None:
            raise ProblemError(400, "device_credential_required")
        r = await Device.select().where(Device.id == principal.device_id).first()
        assert r is not None  # the device that signed this request
        return device_info(r, current=True)
