"""`POST /api/sync/recover`: a device puts back what it holds after a restore
(sync/README.md §9.2). One page, one transaction; each dossier once per (generation,
device), recorded in `put_back` with its result so a page sent again changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from server.attachments.uploads import Uploads
from server.clock import utcnow
from server.database import write_transaction
from server.dossiers.batch_store import BatchStore
from server.dossiers.push import retrying
from server.dossiers.store import PiccoloStore, StoreCaches
from server.identity.principal import Principal
from server.problems import ProblemError
from server.recovery.detection import DeviceClaims, lock_device
from server.recovery.files import FilePlan, examine_files, record_files
from server.recovery.generation import generation_started_at
from server.recovery.keys import seal_key
from server.recovery.reservations import take_back_reservations, use_up_reservations
from server.recovery.tables import PutBack
from server.settings import Settings
from server.sql import SET_DEVICE_RECOVERED, Sql, dialect_of, transient_errors
from sync.messages import HeldDossier, PutBackResult, RecoverRequest, RecoverResponse
from sync.recovery import PutBackApplier
from sync.store import Actor


def _of(generation: int, device_id: uuid.UUID, ids: list[uuid.UUID]) -> Any:
    return (
        (PutBack.generation == generation)
        & (PutBack.device_id == device_id)
        & PutBack.dossier_id.is_in(ids)
    )


async def _recorded(
    generation: int, device_id: uuid.UUID, ids: list[uuid.UUID]
) -> dict[uuid.UUID, PutBackResult]:
    """The put-backs of this device in this generation that took effect. A refusal
    changed nothing, so it is tried again when sent again (its row is replaced)."""
    if not ids:
        return {}
    rows = await PutBack.select(PutBack.dossier_id, PutBack.outcome).where(
        _of(generation, device_id, ids) & (PutBack.status != "rejected")
    )
    return {r["dossier_id"]: msgspec.json.decode(r["outcome"], type=PutBackResult) for r in rows}


def _row(
    generation: int, principal: Principal, device_id: uuid.UUID, held: HeldDossier, done: Any
) -> PutBack:
    return PutBack(
        id=uuid.uuid4(),
        generation=generation,
        device_id=device_id,
        account_id=principal.account_id,
        dossier_id=held.id,
        commune_code=done.commune_code,
        code=done.code,
        status=done.result.status,
        note=done.note,
        phone_state=held.state,
        phone_version=held.version,
        server_state=done.server_state,
        server_version=done.server_version,
        detail=msgspec.json.encode(done.detail).decode(),
        outcome=msgspec.json.encode(done.result).decode(),
        at=utcnow(),
    )


async def _put_back_page(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    request: RecoverRequest,
    caches: StoreCaches,
    files: FilePlan,
) -> RecoverResponse:
    sql = Sql(engine)
    now = utcnow()
    async with write_transaction(engine):
        device = await lock_device(
            engine,
            request.device_id,
            DeviceClaims(request.confirmed_seq, request.generation, request.receipt),
        )
        generation = device.current_generation
        actor = Actor(
            account_id=principal.account_id,
            role=principal.role.value,
            commune_code=principal.commune_code,
            device_id=request.device_id,
        )
        store = BatchStore(PiccoloStore(engine, settings.base_url, caches), sql, caches.procedures)
        applier = PutBackApplier(
            store, actor, now, await seal_key(sql), await generation_started_at(engine, generation)
        )
        # Files first: the dossiers put back below may name them (§3.5).
        files_restored = await record_files(files, principal.account_id, request.device_id)
        ids = [d.id for d in request.dossiers]
        recorded = await _recorded(generation, request.device_id, ids)
        await store.prefetch(set(ids) - set(recorded))
        results: list[PutBackResult] = []
        rows: list[PutBack] = []
        for held in request.dossiers:
            if held.id in recorded:
                results.append(recorded[held.id])
                continue
            done = await applier.put_back(held)
            recorded[held.id] = done.result  # named twice in one page: once
            results.append(done.result)
            rows.append(_row(generation, principal, request.device_id, held, done))
        await store.flush()
        await use_up_reservations(
            {r.code: r.dossier_id for r in results if r.code and r.status == "restored"}
        )
        # After the dossiers are written: a code one of them holds is no free reservation.
        restored, refused = await take_back_reservations(
            engine, principal, request.device_id, request.reservations
        )
        if rows:
            await PutBack.delete().where(
                _of(generation, request.device_id, [r.dossier_id for r in rows])
            )
            await PutBack.insert(*rows)
        last_seq = device.last_seq
        if request.done:
            # The seqs the lost history applied are used up: the outbox goes on after them.
            last_seq = max(device.last_seq, request.confirmed_seq)
            await sql.execute(
                SET_DEVICE_RECOVERED,
                last_seq=last_seq,
                generation=generation,
                device_id=request.device_id,
            )
    return RecoverResponse(
        generation=generation,
        last_seq=last_seq,
        recovered=request.done or device.generation >= generation,
        results=results,
        reservations_restored=restored,
        reservations_refused=refused,
        receipt=device.receipt(last_seq),
        files_restored=files_restored,
        files_missing=files.missing,
    )


async def recover(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    request: RecoverRequest,
    uploads: Uploads,
    caches: StoreCaches | None = None,
) -> RecoverResponse:
    if principal.device_id != request.device_id:
        raise ProblemError(
            403, "device_mismatch", detail="device_id differs from the device credential"
        )
    caches = caches or StoreCaches()
    # The stored bytes are read and checked before the page's transaction, which
    # only writes the rows.
    files = await examine_files(engine, uploads, principal.account_id, request.files)
    return await retrying(
        lambda: _put_back_page(engine, settings, principal, request, caches, files),
        transient_errors(dialect_of(engine)),
    )
