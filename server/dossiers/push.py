"""Applying a device's batch: exactly once per (device, seq) and per (device,
mutation id), in seq order, one transaction per batch so each mutation's effect and
its recorded outcome commit together."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from piccolo.engine.base import Engine

from server.attachments.links import hashes_in
from server.clock import utcnow, vn_date
from server.database import write_transaction
from server.dossiers.batch_store import BatchStore
from server.dossiers.minting import allocate_counters
from server.dossiers.store import PiccoloStore, StoreCaches
from server.identity.principal import Principal
from server.notify.worker import notify_now
from server.observability.metrics import (
    MUTATIONS_APPLIED,
    PUSH_BATCHES_REFUSED,
    PUSH_BATCHES_RETRIED,
    PUSH_MUTATIONS,
)
from server.problems import FieldError, ProblemError
from server.recovery.detection import DeviceClaims, lock_device
from server.settings import Settings
from server.sql import (
    BATCH_READS,
    RECORDED_OUTCOMES,
    Dialect,
    Sql,
    dialect_of,
    transient_errors,
)
from sync.digests import is_sha256
from sync.engine import AGENCY_COMMUNE, MutationApplier
from sync.forms.normalize import clean_string
from sync.messages import Mutation, Outcome, PushEnvelope, PushResponse
from sync.seals import dossier_seal
from sync.storable import unstorable
from sync.store import Actor

T = TypeVar("T")


class Tally:
    """What became of a batch's mutations, for the metrics: counted once the batch has
    committed (a batch run again after a transient error is counted once)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        self.applied_kinds: dict[str, int] = {}
        self.queued_messages = False

    def add(self, outcome: str, count: int = 1) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count

    def applied(self, kind: str) -> None:
        self.applied_kinds[kind] = self.applied_kinds.get(kind, 0) + 1

    def publish(self) -> None:
        for outcome, count in self.outcomes.items():
            PUSH_MUTATIONS.labels(outcome).inc(count)
        for kind, count in self.applied_kinds.items():
            MUTATIONS_APPLIED.labels(kind).inc(count)


class RecoverFirst(msgspec.Struct, frozen=True):
    """The device has not put back what it holds since the server was restored."""

    generation: int


Recorded = tuple[dict[int, Outcome], dict[uuid.UUID, Outcome]]


async def _look(
    sql: Sql,
    store: BatchStore,
    device_id: uuid.UUID,
    seqs: list[int],
    fresh: list[Mutation],
) -> Recorded:
    """What the batch reads once its device is locked: what this device already has
    on record (the outcomes under `seqs`, replays, and those of the fresh mutations'
    ids where they were applied, under whatever seq: a renumbered resend of an
    applied mutation), and into the store, every dossier the fresh mutations name,
    loaded and locked. On PostgreSQL, with the current versions of the procedures
    new drafts name, in one statement (one trip to the server)."""
    mutation_ids = [m.id for m in fresh]
    dossier_ids = {m.dossier_id for m in fresh}
    if sql.dialect is Dialect.SQLITE:
        recorded: list[tuple[int, int, Outcome]] = []
        if seqs or mutation_ids:
            rows = await sql.fetch(
                RECORDED_OUTCOMES, device_id=device_id, seqs=seqs, mutation_ids=mutation_ids
            )
            recorded = [
                (r["by_seq"], r["seq"], msgspec.json.decode(r["outcome"], type=Outcome))
                for r in rows
            ]
        await store.prefetch(dossier_ids)
        return _recorded(recorded)
    if not seqs and not fresh:
        return {}, {}
    codes = sorted({c for m in fresh if (c := _procedure_named(m)) is not None})
    rows = await sql.fetch(
        BATCH_READS,
        ids=sorted(dossier_ids),
        device_id=device_id,
        seqs=seqs,
        mutation_ids=mutation_ids,
        codes=codes,
    )
    looked = rows[0]  # one row at least, its dossier columns NULL without a dossier
    versions = msgspec.json.decode(looked["current_versions"] or "{}", type=dict[str, int | None])
    store.current_versions({code: versions.get(code) for code in codes})
    store.loaded(dossier_ids, [r for r in rows if r["id"] is not None])
    return _recorded(
        msgspec.json.decode(looked["recorded"] or "[]", type=list[tuple[int, int, Outcome]])
    )


async def _take_code_counters(
    sql: Sql, store: BatchStore, fresh: list[Mutation], year: int
) -> None:
    """The code counters of the communes the batch's submissions mint in, taken in one
    order before any is minted. Minting takes each where its submit comes and holds it
    until the commit, so two batches submitting in two communes in opposite orders
    would cross (a deadlock). A submission mints in its dossier's commune as stored,
    or in the one the batch's own drafting or edits last named for it before the
    submit (an outreach official's batch drafts each birth and submits it): both are
    taken, if they are communes the reference data knows (a payload is not checked
    yet; a counter row is made only for a real commune). A commune chosen otherwise
    (a conflict resolved) has its counter taken when it is minted, as before."""
    named: dict[uuid.UUID, str] = {}  # the commune the batch last named for a dossier
    minted_in: set[str] = set()
    for m in fresh:
        if (commune := _commune_named(m)) is not None:
            named[m.dossier_id] = commune
        elif m.kind == "submit" and not m.payload.get("reserved_code"):
            stored = store.loaded_commune(m.dossier_id)
            minted_in |= {clean_string(c) for c in (named.get(m.dossier_id), stored) if c}
    if minted_in:
        known = (await store.form_context()).communes.keys()
        for commune in sorted(minted_in & known):
            await allocate_counters(sql, commune, year, 0)


# The payload member that holds a mutation kind's answers, for kinds that may name
# the receiving commune before a submit.
_ANSWERS = {"create_draft": "fields", "edit_draft": "changes"}


def _commune_named(mutation: Mutation) -> str | None:
    """The receiving commune a draft or an edit names, unchecked (its mutation is
    checked when applied)."""
    member = _ANSWERS.get(mutation.kind)
    answers = mutation.payload.get(member) if member else None
    commune = answers.get(AGENCY_COMMUNE) if isinstance(answers, dict) else None
    return commune if isinstance(commune, str) else None


def _procedure_named(mutation: Mutation) -> str | None:
    """The procedure a new draft names, if it could be one (a payload with text no
    column holds is the mutation's own fault, told when it is applied)."""
    if mutation.kind != "create_draft":
        return None
    code = mutation.payload.get("procedure_code")
    if not isinstance(code, str) or len(code) > 64 or unstorable(code):
        return None
    return code


def _recorded(rows: list[tuple[int, int, Outcome]]) -> Recorded:
    """RECORDED_OUTCOMES' rows (by_seq, seq, outcome) by seq (replays) and by mutation
    id (those first applied under whatever seq)."""
    by_seq: dict[int, Outcome] = {}
    applied: dict[uuid.UUID, Outcome] = {}
    for listed_by_seq, seq, outcome in rows:
        if listed_by_seq:
            by_seq[int(seq)] = outcome
        else:
            applied[outcome.mutation_id] = outcome
    return by_seq, applied


def _named_files(mutations: list[Mutation]) -> set[str]:
    """The files a batch's mutations put into dossiers, read from the raw payloads so
    that whose bytes they are is asked once per batch (the engine decides the rest)."""
    named: set[str] = set()
    for m in mutations:
        digest = m.payload.get("sha256") if m.kind == "attach" else None
        if is_sha256(digest):
            named.add(digest)  # anything else is the mutation's own fault, told when applied
        if m.kind == "answer_supplement" and isinstance(m.payload.get("changes"), dict):
            named |= hashes_in(m.payload["changes"])
    return named


async def _apply_batch(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    envelope: PushEnvelope,
    caches: StoreCaches | None,
) -> tuple[PushResponse, Tally] | RecoverFirst:
    sql = Sql(engine)
    tally = Tally()
    caches = caches or StoreCaches()
    store = BatchStore(PiccoloStore(engine, settings.base_url, caches), sql, caches.procedures)
    now = utcnow()
    actor = Actor(
        account_id=principal.account_id,
        role=principal.role.value,
        commune_code=principal.commune_code,
        device_id=envelope.device_id,
    )
    applier = MutationApplier(store, actor, now, vn_date(now), day_of=vn_date)
    async with write_transaction(engine):
        # The device's row, created if new and locked until the batch commits (on
        # PostgreSQL the upsert holds the row lock; SQLite's IMMEDIATE transaction
        # already holds the database); a restore it reveals begins a generation.
        device = await lock_device(
            engine,
            envelope.device_id,
            DeviceClaims(envelope.confirmed_seq, envelope.generation, envelope.receipt),
        )
        if device.must_recover:
            return RecoverFirst(device.current_generation)  # a generation it began commits
        sealer = _Sealer(device.seal_key, principal.account_id)
        last = device.last_seq
        fresh = [m for m in envelope.mutations if m.seq > last]
        replays, applied_ids = await _look(
            sql,
            store,
            envelope.device_id,
            [m.seq for m in envelope.mutations if m.seq <= last],
            fresh,
        )
        await store.prefetch_sent(principal.account_id, _named_files(fresh))
        if sql.dialect is Dialect.POSTGRES:
            await _take_code_counters(sql, store, fresh, vn_date(now).year)
        outcomes: list[Outcome] = []
        applied: list[dict[str, Any]] = []
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
                    tally.add("duplicate")
                continue
            if mutation.seq != last + 1:
                expected = last + 1  # a gap: the device resends from here
                tally.add("out_of_order", len(envelope.mutations) - index)
                break
            first = applied_ids.get(mutation.id)
            if first is None:
                outcome = await sealer.seal(await applier.apply(mutation))
                applied_ids[mutation.id] = outcome
                tally.add(outcome.status)
                if outcome.status in ("applied", "merged"):
                    tally.applied(mutation.kind)
            else:
                # Applied already under another seq (the device renumbered it while the
                # first push was still held somewhere): never again. This seq is used
                # up and answered with the first application's outcome.
                outcome = msgspec.structs.replace(first, seq=mutation.seq)
                tally.add("repeat")
            applied.append(
                {
                    "device_id": envelope.device_id,
                    "seq": mutation.seq,
                    "mutation_id": mutation.id,
                    "dossier_id": mutation.dossier_id,
                    "kind": mutation.kind,
                    "outcome": msgspec.json.encode(outcome).decode(),
                    "applied_at": now,
                    "repeat_of": None if first is None else first.seq,
                }
            )
            outcomes.append(outcome)
            last = mutation.seq
        # Effects, recorded outcomes and the device's seq commit together, written
        # once per batch (on PostgreSQL in one statement).
        await store.flush(applied, (envelope.device_id, last))
        # Outcomes recorded before seals existed get theirs when replayed.
        outcomes = [await sealer.seal(o) for o in outcomes]
        tally.queued_messages = store.queued_messages
    response = PushResponse(
        outcomes=outcomes,
        last_seq=last,
        expected_seq=expected,
        generation=device.current_generation,
        receipt=device.receipt(last),
    )
    return response, tally


class _Sealer:
    """A code goes to the device with the server's seal on it (§9.2), recorded with the
    outcome: sealed with the key the device's lock read (recovery/detection.py)."""

    def __init__(self, key: bytes, account_id: uuid.UUID) -> None:
        self.key = key
        self.account_id = account_id

    async def seal(self, outcome: Outcome) -> Outcome:
        if not outcome.code or outcome.seal:
            return outcome
        seal = dossier_seal(self.key, outcome.dossier_id, self.account_id, outcome.code)
        return msgspec.structs.replace(outcome, seal=seal)


async def push(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    envelope: PushEnvelope,
    caches: StoreCaches | None = None,
) -> PushResponse:
    """`caches`: the application's (server.app_state); without, this push's own."""
    if principal.device_id != envelope.device_id:
        PUSH_BATCHES_REFUSED.labels("device_mismatch").inc()
        raise ProblemError(
            403, "device_mismatch", detail="device_id differs from the device credential"
        )
    try:
        result = await retrying(
            lambda: _apply_batch(engine, settings, principal, envelope, caches),
            transient_errors(dialect_of(engine)),
        )
    except ProblemError as refused:
        PUSH_BATCHES_REFUSED.labels(refused.code).inc()  # seq_reused
        raise
    if isinstance(result, RecoverFirst):
        PUSH_BATCHES_REFUSED.labels("recover_first").inc()
        raise ProblemError(409, "recover_first", detail=f"generation {result.generation}")
    response, tally = result
    tally.publish()
    if tally.queued_messages:
        notify_now()  # a submission's confirmation is waiting in the outbox
    return response


async def retrying(
    work: Callable[[], Awaitable[T]],
    retry_on: tuple[type[Exception], ...],
    attempts: int = 4,
    pause: float = 0.01,
) -> T:
    """`work()`, run again when it fails with one of `retry_on`: two batches crossed
    on the same rows and the database undid one, which may pass when run again.
    Any other error, or the last attempt's, is raised (the last one answered 503 with
    Retry-After: server/outages.py transactions_crossed)."""
    for attempt in range(1, attempts):
        try:
            return await work()
        except retry_on as crossed:
            PUSH_BATCHES_RETRIED.labels(type(crossed).__name__).inc()
            # Jittered, so that two batches that crossed do not meet again in step.
            await asyncio.sleep(pause * attempt * random.uniform(0.5, 1.5))
    return await work()
