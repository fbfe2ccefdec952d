"""Demo dossiers for `motcua demo`: what a person sees on first trying the app.

They travel the real path: the demo citizen's device pushes them (exactly once,
with fixed ids, so running `motcua demo` again changes nothing) and the demo
desk official receives one."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
from piccolo.engine.base import Engine

from server.clock import utcnow, vn_today
from server.database import write_transaction
from server.desk.actions import perform
from server.desk.schemas import Note
from server.dossiers.push import push
from server.dossiers.tables import Dossier
from server.identity.principal import Principal
from server.identity.roles import Role
from server.identity.tables import Account, Device
from server.identity.tokens import digest, new_secret
from server.settings import Settings
from sync.messages import Mutation, PushEnvelope
from sync.states import State

_NAMESPACE = uuid.UUID("6d6f7463-7561-4064-656d-6f0000000000")


def _id(name: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, name)


DEVICE = _id("device")
EXTRACT = _id("dossier:extract")
BIRTH_DRAFT = _id("dossier:birth-draft")


def _extract_answers(commune: str) -> dict:
    return {
        "agency.province": "01",
        "agency.commune": commune,
        "requester.full_name": "Nguyễn Thị Lan",
        "requester.id_number": "001190012345",
        "requester.residence": "Số 12 phố Hàng Bông, phường Hoàn Kiếm, Hà Nội",
        "requester.relationship": "ban_than",
        "subject.full_name": "Nguyễn Thị Lan",
        "subject.sex": "female",
        "subject.birth_date": "1990-05-01",
        "previous.registered_by": "UBND phường Hàng Bông",
        "request.copies": 2,
        "delivery.method": "truc_tiep",
        "contact.phone": "0912345678",
    }


def _birth_draft(commune: str) -> dict:
    born = (vn_today() - dt.timedelta(days=5)).isoformat()
    return {
        "agency.province": "01",
        "agency.commune": commune,
        "requester.full_name": "Nguyễn Thị Lan",
        "requester.relationship": "me",
        "child.full_name": "Trần Minh An",
        "child.sex": "male",
        "child.birth_date": born,
    }


def _principal(account: dict, device_id: uuid.UUID | None) -> Principal:
    return Principal(
        account_id=account["id"],
        role=Role(account["role"]),
        commune_code=account["commune_code"],
        full_name=account["full_name"],
        email=account["email"],
        via="device",
        device_id=device_id,
    )


async def create_demo_dossiers(
    engine: Engine, settings: Settings, citizen_email: str, desk_email: str, commune: str
) -> list[str]:
    citizen = await Account.select().where(Account.email == citizen_email).first()
    desk = await Account.select().where(Account.email == desk_email).first()
    if citizen is None or desk is None:
        raise RuntimeError("the demo accounts are missing: they are made first")
    async with write_transaction(engine):
        if not await Device.exists().where(Device.id == DEVICE):
            now = utcnow()
            # A device whose secret nobody holds: only this command pushes as it.
            await Device.insert(
                Device(
                    id=DEVICE,
                    account_id=citizen["id"],
                    name="Điện thoại mẫu (demo)",
                    token_hash=digest(new_secret()),
                    created_at=now,
                    last_seen_at=now,
                )
            )
    mutations = [
        Mutation(
            seq=1,
            id=_id("m1"),
            dossier_id=EXTRACT,
            kind="create_draft",
            payload={"procedure_code": "trich-luc-khai-sinh", "fields": _extract_answers(commune)},
        ),
        Mutation(
            seq=2, id=_id("m2"), dossier_id=EXTRACT, kind="submit", payload={}, base_version=1
        ),
        Mutation(
            seq=3,
            id=_id("m3"),
            dossier_id=BIRTH_DRAFT,
            kind="create_draft",
            payload={"procedure_code": "khai-sinh", "fields": _birth_draft(commune)},
        ),
    ]
    response = await push(
        engine,
        settings,
        _principal(citizen, DEVICE),
        PushEnvelope(device_id=DEVICE, mutations=mutations),
    )
    problems = [
        f"{o.seq}: {[r.code + ' ' + r.path for r in o.reasons]}"
        for o in response.outcomes
        if o.status == "rejected"
    ]
    if problems:
        raise RuntimeError("demo dossiers were refused: " + "; ".join(problems))
    extract = await Dossier.select(Dossier.state, Dossier.code).where(Dossier.id == EXTRACT).first()
    assert extract is not None  # the push above was accepted
    if extract["state"] == State.SUBMITTED:
        await perform(
            engine,
            settings,
            _principal(desk, None),
            EXTRACT,
            "receive",
            msgspec.convert(
                {"message": "Hồ sơ đã được tiếp nhận. Mời chị đến nhận kết quả theo lịch hẹn."},
                Note,
            ),
        )
        extract = (
            await Dossier.select(Dossier.state, Dossier.code).where(Dossier.id == EXTRACT).first()
        )
        assert extract is not None
    return [
        f"trích lục khai sinh {extract['code']} (state {extract['state']})",
        "khai sinh: a draft",
    ]
