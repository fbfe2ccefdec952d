"""Applying a device's batch: exactly once per (device, seq), in seq order, one
transaction per batch so each mutation's effect and its recorded outcome commit
together."""

from __future__ import annotations

import asyncio

import msgspec
from piccolo.engine.base import Engine

from server.clock import utcnow, vn_today
from server.database import execute, fetch_value, insert_rows, write_transaction
from server.dossiers.batch_store import BatchStore
from server.dossiers.tables import AppliedMutation
from server.identity.principal import Principal
from server.notify.worker import notify_now
from server.problems import FieldError, ProblemError
from server.settings import Settings
from sync.engine import Engine as SyncEngine
from sync.messages import Outcome, PushEnvelope, PushResponse
from sync.store import Actor

_RETRYABLE = ("DeadlockDetectedError", "SerializationError", "UniqueViolationError")


async def _lock_sequence(engine: Engine, device_id) -> int:
    """The device's last applied seq, its row created if new and locked (on
    PostgreSQL the upsert holds the row lock; SQLite's IMMEDIATE transaction already
    holds the database) until the batch commits. One round trip."""
    upsert = ("INSERT INTO device_sequence (device_id, last_seq) VALUES ({}, 0) ON CONFLICT (device_id) "
              "DO UPDATE SET last_seq = device_sequence.last_seq RETURNING last_seq")
    return int(await fetch_value(engine, upsert.format("$1"), upsert.format("?"), device_id))


async def _recorded(device_id, seqs: list[int]) -> dict[int, Outcome]:
    if not seqs:
        return {}
    rows = await AppliedMutation.select(AppliedMutation.seq, AppliedMutation.outcome).where(
        (AppliedMutation.device_id == device_id) & AppliedMutation.seq.is_in(seqs))
    return {r["seq"]: msgspec.json.decode(r["outcome"], type=Outcome) for r in rows}


async def _apply_batch(engine: Engine, settings: Settings, principal: Principal, envelope: PushEnvelope) -> PushResponse:
    store = BatchStore(engine, settings.base_url)
    now = utcnow()
    actor = Actor(account_id=principal.account_id, role=principal.role.value,
                  commune_code=principal.commune_code, device_id=envelope.device_id)
    sync = SyncEngine(store, actor, now, vn_today())
    async with write_transaction(engine):
        last = await _lock_sequence(engine, envelope.device_id)
        replays = await _recorded(envelope.device_id, [m.seq for m in envelope.mutations if m.seq <= last])
        await store.prefetch({m.dossier_id for m in envelope.mutations if m.seq > last})
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
                        raise ProblemError(409, "seq_reused", detail=f"seq {mutation.seq} was used by another mutation",
                                           errors=[FieldError(path=f"$.mutations[{index}].seq", code="seq_reused",
                                                              message=str(recorded.mutation_id))])
                    outcomes.append(recorded)
                continue
            if mutation.seq != last + 1:
                expected = last + 1  # a gap: the device resends from here
                break
            outcome = await sync.apply(mutation)
            applied.append(dict(
                device_id=envelope.device_id, seq=mutation.seq, mutation_id=mutation.id,
                dossier_id=mutation.dossier_id, kind=mutation.kind,
                outcome=msgspec.json.encode(outcome).decode(), applied_at=now))
            outcomes.append(outcome)
            last = mutation.seq
        # Effects and recorded outcomes commit together, written once per batch.
        await store.flush()
        await insert_rows(engine, AppliedMutation._meta.tablename, applied)
        await execute(engine, "UPDATE device_sequence SET last_seq = $1 WHERE device_id = $2",
                      "UPDATE device_sequence SET last_seq = ? WHERE device_id = ?", last, envelope.device_id)
    return PushResponse(outcomes=outcomes, last_seq=last, expected_seq=expected)


async def push(engine: Engine, settings: Settings, principal: Principal, envelope: PushEnvelope) -> PushResponse:
    if principal.device_id != envelope.device_id:
        raise ProblemError(403, "device_mismatch", detail="device_id differs from the device credential")
    for attempt in range(4):
        try:
            response = await _apply_batch(engine, settings, principal, envelope)
            break
        except Exception as exc:  # asyncpg's errors have no common importable base here
            if type(exc).__name__ not in _RETRYABLE or attempt == 3:
                raise
            # Two batches crossed on the same rows; the database undid one. Try again.
            await asyncio.sleep(0.01 * (attempt + 1))
    notify_now()  # a submission's confirmation email is waiting in the outbox
    return response
