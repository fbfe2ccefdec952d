"""Applying a device's batch: exactly once per (device, seq) and per (device,
mutation id), in seq order, one transaction per batch so each mutation's effect and
its recorded outcome commit together."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.attachments.links import hashes_in
from server.clock import utcnow, vn_today
from server.database import execute, fetch_rows, fetch_value, insert_rows, write_transaction
from server.dossiers.batch_store import BatchStore
from server.dossiers.store import StoreCaches
from server.dossiers.tables import AppliedMutation
from server.identity.principal import Principal
from server.notify.worker import notify_now
from server.problems import FieldError, ProblemError
from server.settings import Settings
from sync.engine import Engine as SyncEngine
from sync.messages import Mutation, Outcome, PushEnvelope, PushResponse
from sync.store import Actor

_RETRYABLE = ("DeadlockDetectedError", "SerializationError", "UniqueViolationError")


async def _lock_sequence(engine: Engine, device_id) -> int:
    """The device's last applied seq, its row created if new and locked (on
    PostgreSQL the upsert holds the row lock; SQLite's IMMEDIATE transaction already
    holds the database) until the batch commits. One round trip."""
    upsert = (
        "INSERT INTO device_sequence (device_id, last_seq) VALUES ({}, 0) ON CONFLICT (device_id) "
        "DO UPDATE SET last_seq = device_sequence.last_seq RETURNING last_seq"
    )
    return int(await fetch_value(engine, upsert.format("$1"), upsert.format("?"), device_id))


async def _recorded(
    engine: Engine, device_id: uuid.UUID, seqs: list[int], mutation_ids: list[uuid.UUID]
) -> tuple[dict[int, Outcome], dict[uuid.UUID, Outcome]]:
    """What this device already has on record, in one round trip: the outcomes under
    `seqs` (replays), and the outcomes of `mutation_ids` where they were applied,
    under whatever seq (a renumbered resend of an applied mutation). Each half is
    one index's lookup."""
    if not seqs and not mutation_ids:
        return {}, {}
    columns = "seq, mutation_id, outcome"
    postgres = (
        f"SELECT true AS by_seq, {columns} FROM applied_mutation WHERE device_id = $1 AND seq = ANY($2) "
        f"UNION ALL SELECT false, {columns} FROM applied_mutation "
        "WHERE device_id = $1 AND repeat_of IS NULL AND mutation_id = ANY($3::uuid[])"
    )
    marks = ", ".join
    sqlite = (
        f"SELECT 1 AS by_seq, {columns} FROM applied_mutation "
        f"WHERE device_id = ? AND seq IN ({marks('?' for _ in seqs)}) "
        f"UNION ALL SELECT 0, {columns} FROM applied_mutation "
        f"WHERE device_id = ? AND repeat_of IS NULL AND mutation_id IN ({marks('?' for _ in mutation_ids)})"
    )
    if isinstance(engine, PostgresEngine):
        rows = await fetch_rows(engine, postgres, "", device_id, seqs, mutation_ids)
    else:
        rows = await fetch_rows(engine, "", sqlite, device_id, *seqs, device_id, *mutation_ids)
    by_seq: dict[int, Outcome] = {}
    applied: dict[uuid.UUID, Outcome] = {}
    for r in rows:
        outcome = msgspec.json.decode(r["outcome"], type=Outcome)
        if r["by_seq"]:
            by_seq[int(r["seq"])] = outcome
        else:
            applied[outcome.mutation_id] = outcome
    return by_seq, applied


def _named_files(mutations: list[Mutation]) -> set[str]:
    """The files a batch's mutations put into dossiers, read from the raw payloads so
    that whose bytes they are is asked once per batch (the engine decides the rest)."""
    named: set[str] = set()
    for m in mutations:
        if m.kind == "attach" and isinstance(m.payload.get("sha256"), str):
            named.add(m.payload["sha256"])
        elif m.kind == "answer_supplement" and isinstance(m.payload.get("changes"), dict):
            named |= hashes_in(m.payload["changes"])
    return named


async def _apply_batch(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    envelope: PushEnvelope,
    caches: StoreCaches | None,
) -> PushResponse:
    store = BatchStore(engine, settings.base_url, caches)
    now = utcnow()
    actor = Actor(
        account_id=principal.account_id,
        role=principal.role.value,
        commune_code=principal.commune_code,
        device_id=envelope.device_id,
    )
    sync = SyncEngine(store, actor, now, vn_today())
    async with write_transaction(engine):
        last = await _lock_sequence(engine, envelope.device_id)
        fresh = [m for m in envelope.mutations if m.seq > last]
        replays, applied_ids = await _recorded(
            engine,
            envelope.device_id,
            [m.seq for m in envelope.mutations if m.seq <= last],
            [m.id for m in fresh],
        )
        await store.prefetch({m.dossier_id for m in fresh})
        await store.prefetch_sent(principal.account_id, _named_files(fresh))
        outcomes: list[Outcome] = []
        applied: list[dict] = []
        expected = None
        for index, mutation in enumerate(envelope.mutations):
            if mutation.seq <= last:
                recorded = replays.get(mutation.seq)
                if recorded is not None:
                    if recorded.mutation_id != mutation.id:
                        # The device numbered a different change with a used seq: answering
                        # with the old outcome would make it drop a change never applied.
                        raise ProblemError(
                            409,
                            "seq_reused",
                            detail=f"seq {mutation.seq} was used by another mutation",
                            errors=[
                                FieldError(
                                    path=f"$.mutations[{index}].seq",
                                    code="seq_reused",
                                    message=str(recorded.mutation_id),
                                )
                            ],
                        )
                    outcomes.append(recorded)
                continue
            if mutation.seq != last + 1:
                expected = last + 1  # a gap: the device resends from here
                break
            first = applied_ids.get(mutation.id)
            if first is None:
                outcome = applied_ids[mutation.id] = await sync.apply(mutation)
            else:
                # Applied already under another seq (the device renumbered it while the
                # first push was still held somewhere): never again. This seq is used
                # up and answered with the first application's outcome.
                outcome = msgspec.structs.replace(first, seq=mutation.seq)
            applied.append(
                dict(
                    device_id=envelope.device_id,
                    seq=mutation.seq,
                    mutation_id=mutation.id,
                    dossier_id=mutation.dossier_id,
                    kind=mutation.kind,
                    outcome=msgspec.json.encode(outcome).decode(),
                    applied_at=now,
                    repeat_of=None if first is None else first.seq,
                )
            )
            outcomes.append(outcome)
            last = mutation.seq
        # Effects and recorded outcomes commit together, written once per batch.
        await store.flush()
        await insert_rows(engine, AppliedMutation._meta.tablename, applied)
        await execute(
            engine,
            "UPDATE device_sequence SET last_seq = $1 WHERE device_id = $2",
            "UPDATE device_sequence SET last_seq = ? WHERE device_id = ?",
            last,
            envelope.device_id,
        )
    return PushResponse(outcomes=outcomes, last_seq=last, expected_seq=expected)


async def push(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    envelope: PushEnvelope,
    caches: StoreCaches | None = None,
) -> PushResponse:
    """`caches`: the application's (server.app_state); without, this push's own."""
    if principal.device_id != envelope.device_id:
        raise ProblemError(
            403, "device_mismatch", detail="device_id differs from the device credential"
        )
    for attempt in range(4):
        try:
            response = await _apply_batch(engine, settings, principal, envelope, caches)
            break
        except Exception as exc:  # asyncpg's errors have no common importable base here
            if type(exc).__name__ not in _RETRYABLE or attempt == 3:
                raise
            # Two batches crossed on the same rows; the database undid one. Try again.
            await asyncio.sleep(0.01 * (attempt + 1))
    notify_now()  # a submission's confirmation email is waiting in the outbox
    return response
