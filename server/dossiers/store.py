"""The sync engine's storage on Piccolo: SQLite and PostgreSQL alike, inside the
caller's write transaction."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Set
from typing import Any

import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.attachments.links import before_dossier_write, missing_blobs
from server.audit.service import record as audit
from server.catalog.services import procedure_version
from server.catalog.tables import Procedure as ProcedureRow
from server.clock import utcnow, vn_today
from server.communes.seed import DATASET as COMMUNES_DATASET
from server.communes.tables import Commune, Province
from server.dossiers.minting import mint_codes
from server.dossiers.notifications import (
    Confirmation,
    enqueue_confirmations,
    submitted_confirmations,
)
from server.dossiers.tables import (
    CodeReservation,
    Dossier,
    DossierConflict,
    DossierHistory,
)
from server.identity.roles import Role
from server.reference.versions import dataset_version
from server.sql import DELETE_OLDER_FEED_ROWS, INSERT_FEED_ROW, Sql
from sync.forms import Context, parse_schema
from sync.messages import SupplementRequest
from sync.states import State
from sync.store import Actor, ConflictRecord, DossierRecord, Procedure

_json = msgspec.json.encode


def _decode(text: str | None) -> Any:
    return msgspec.json.decode(text) if text else None


def record_from_row(row: dict) -> DossierRecord:
    return DossierRecord(
        id=row["id"],
        owner_id=row["owner_id"],
        procedure_code=row["procedure_code"],
        family=row["family"],
        schema_version=row["schema_version"],
        state=row["state"],
        version=row["version"],
        fields=_decode(row["fields"]) or {},
        field_versions=_decode(row["field_versions"]) or {},
        commune_code=row["commune_code"],
        field_devices=_decode(row["field_devices"]) or {},
        code=row["code"],
        submitted_at=row["submitted_at"],
        due_date=row["due_date"],
        appointment_date=row["appointment_date"],
        dup_key=row["dup_key"],
        possible_duplicate_of=row["possible_duplicate_of"],
        supplement=msgspec.json.decode(row["supplement"], type=SupplementRequest)
        if row["supplement"]
        else None,
        rating_stars=row["rating_stars"],
        rating_comment=row["rating_comment"],
        created_by_device=row["created_by_device"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        search_text=row["search_text"],
        deleted_at=row["deleted_at"],
    )


def row_values(record: DossierRecord) -> dict[str, Any]:
    return {
        "owner_id": record.owner_id,
        "procedure_code": record.procedure_code,
        "family": record.family,
        "schema_version": record.schema_version,
        "commune_code": record.commune_code,
        "state": int(record.state),
        "version": record.version,
        "code": record.code,
        "fields": _json(record.fields).decode(),
        "field_versions": _json(record.field_versions).decode(),
        "field_devices": _json(record.field_devices).decode(),
        "submitted_at": record.submitted_at,
        "due_date": record.due_date,
        "appointment_date": record.appointment_date,
        "dup_key": record.dup_key,
        "possible_duplicate_of": record.possible_duplicate_of,
        "supplement": _json(record.supplement).decode() if record.supplement else None,
        "rating_stars": record.rating_stars,
        "rating_comment": record.rating_comment,
        "created_by_device": record.created_by_device,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "search_text": record.search_text,
        "deleted_at": record.deleted_at,
    }


@functools.lru_cache(maxsize=256)
def _parsed_schema(canonical_form: str):
    # Versions never change once written, so a parsed schema can live for the process.
    return parse_schema(canonical_form)


class StoreCaches:
    """What an application's stores reuse between requests (server.app_state): the
    communes and provinces, reloaded when the communes dataset version changes (a
    `motcua seed`), and procedure versions, never changed once written. A store
    given none keeps its own for its request."""

    def __init__(self) -> None:
        self.communes: dict[str, str] | None = None
        self.provinces: frozenset[str] = frozenset()
        self.communes_version: str | None = None
        self.procedures: dict[tuple[str, int], Procedure] = {}


class PiccoloStore:
    """One per request; the methods run in the caller's transaction."""

    def __init__(self, engine: Engine, base_url: str, caches: StoreCaches | None = None) -> None:
        self.engine = engine
        self.base_url = base_url
        self.postgres = isinstance(engine, PostgresEngine)
        self.caches = caches or StoreCaches()

    async def load_for_update(self, dossier_id: uuid.UUID) -> DossierRecord | None:
        query = Dossier.select().where(Dossier.id == dossier_id)
        if self.postgres:
            query = query.lock_rows(
                "UPDATE"
            )  # SQLite's IMMEDIATE transaction already excludes writers
        row = await query.first()
        return record_from_row(row) if row else None

    async def insert(self, record: DossierRecord) -> None:
        await before_dossier_write(record.id, record.fields)  # blob references and size limit
        await Dossier.insert(Dossier(id=record.id, **row_values(record)))

    async def update(self, record: DossierRecord) -> None:
        await before_dossier_write(record.id, record.fields)  # blob references and size limit
        values = row_values(record)
        await Dossier.update({getattr(Dossier, k): v for k, v in values.items()}).where(
            Dossier.id == record.id
        )

    async def procedure(self, code: str, version: int | None) -> Procedure | None:
        if version is None:
            row = (
                await ProcedureRow.select(ProcedureRow.current_version)
                .where(
                    (ProcedureRow.code == code) & (ProcedureRow.active == True)  # noqa: E712
                )
                .first()
            )
            if row is None:
                return None
            version = int(row["current_version"])
        found = await procedure_version(code, version)
        if found is None:
            return None
        form = _json(found.definition.form).decode()
        return Procedure(
            code=code, family=found.definition.family, version=version, schema=_parsed_schema(form)
        )

    async def form_context(self) -> Context:
        known = self.caches
        version = await dataset_version(COMMUNES_DATASET)
        if known.communes is None or known.communes_version != version:
            rows = await Commune.select(Commune.code, Commune.province)
            provinces = frozenset(r["code"] for r in await Province.select(Province.code))
            # Set all only after the last await: a concurrent request that saw the
            # communes loaded used to read the provinces still empty ("unknown_province").
            known.provinces = provinces
            known.communes = {r["code"]: r["province"] for r in rows}
            known.communes_version = version
        return Context(today=vn_today(), provinces=known.provinces, communes=known.communes)

    async def add_conflict(self, dossier_id, path, server_value, device_value, device_id) -> int:
        rows = await DossierConflict.insert(
            DossierConflict(
                dossier_id=dossier_id,
                path=path,
                server_value=_json(server_value).decode(),
                device_value=_json(device_value).decode(),
                device_id=device_id,
                created_at=utcnow(),
            )
        ).returning(DossierConflict.id)
        return rows[0]["id"]

    async def get_conflict(self, dossier_id, conflict_id) -> ConflictRecord | None:
        row = (
            await DossierConflict.select()
            .where((DossierConflict.id == conflict_id) & (DossierConflict.dossier_id == dossier_id))
            .first()
        )
        if row is None:
            return None
        return ConflictRecord(
            id=row["id"],
            dossier_id=row["dossier_id"],
            path=row["path"],
            server_value=_decode(row["server_value"]),
            device_value=_decode(row["device_value"]),
            resolved=row["resolved_at"] is not None,
        )

    async def resolve_conflict(self, conflict_id: int, value: Any, by: uuid.UUID) -> None:
        await DossierConflict.update(
            {
                DossierConflict.resolved_at: utcnow(),
                DossierConflict.resolved_value: _json(value).decode(),
                DossierConflict.resolved_by: by,
            }
        ).where(DossierConflict.id == conflict_id)

    async def open_conflicts_count(self, dossier_id: uuid.UUID) -> int:
        return await DossierConflict.count().where(
            (DossierConflict.dossier_id == dossier_id) & DossierConflict.resolved_at.is_null()
        )

    async def forget_conflicts(self, dossier_id: uuid.UUID) -> None:
        # Each conflict holds two values the person typed, and its resolution a third.
        await DossierConflict.delete().where(DossierConflict.dossier_id == dossier_id)

    async def add_history(
        self, dossier_id, actor: Actor, action, from_state, to_state, message="", detail=None
    ) -> None:
        await DossierHistory.insert(
            DossierHistory(
                dossier_id=dossier_id,
                at=utcnow(),
                actor_id=actor.account_id,
                actor_role=actor.role,
                device_id=actor.device_id,
                action=action,
                from_state=int(from_state),
                to_state=int(to_state),
                message=message,
                detail=_json(detail or {}).decode(),
            )
        )
        # Every action on a dossier is also in the audit log, with its device.
        await audit(
            action,
            actor_id=actor.account_id,
            target_kind="dossier",
            target_id=dossier_id,
            device_id=actor.device_id,
            detail={"from": str(int(from_state)), "to": str(int(to_state))},
        )

    async def next_code(self, commune_code: str, year: int) -> str:
        return (await mint_codes(Sql(self.engine), commune_code, year, 1))[0]

    async def bind_reserved_code(
        self, code: str, device_id: uuid.UUID, dossier_id: uuid.UUID
    ) -> bool:
        # A released reservation is still this device's: the code was never reissued,
        # and the family may already hold a receipt with it.
        rows = (
            await CodeReservation.update({CodeReservation.dossier_id: dossier_id})
            .where(
                (CodeReservation.code == code)
                & (CodeReservation.device_id == device_id)
                & CodeReservation.dossier_id.is_null()
            )
            .returning(CodeReservation.code)
        )
        return bool(rows)

    async def code_holder(self, code: str) -> uuid.UUID | None:
        row = await Dossier.select(Dossier.id).where(Dossier.code == code).first()
        return row["id"] if row else None

    async def find_duplicate(self, dup_key: str, exclude: uuid.UUID) -> uuid.UUID | None:
        row = (
            await Dossier.select(Dossier.id)
            .where(
                (Dossier.dup_key == dup_key)
                & (Dossier.id != exclude)
                & Dossier.state.not_in([State.DRAFT, State.NOT_RECEIVED])
            )
            .order_by(Dossier.submitted_at)
            .first()
        )
        return row["id"] if row else None

    async def missing_blobs(self, hashes: list[str], account_id: uuid.UUID) -> list[str]:
        return await missing_blobs(hashes, account_id)

    async def publish(self, record: DossierRecord) -> None:
        await publish_change(self.engine, record)

    async def submitted(self, record: DossierRecord, by: Actor) -> None:
        await enqueue_confirmations(await self.confirmations(record, by))

    async def confirmations(self, record: DossierRecord, by: Actor) -> list[Confirmation]:
        return await submitted_confirmations(record, self.base_url, Role(by.role))


async def publish_change(engine: Engine, record: DossierRecord) -> None:
    await publish_changes(engine, [record])


async def publish_changes(engine: Engine, records: list[DossierRecord]) -> None:
    """Keep one feed row per dossier, positioned after everything before it.

    The new rows go in before the old ones go: SQLite reuses the largest rowid
    once it is deleted, and a reused id would sit behind a cursor that already
    passed it. Deleting only rows older than a newer one keeps the largest in place.
    The dossiers' rows are locked by this transaction, so no other writer adds a
    feed row for them meanwhile: each dossier's newest row is the one just written."""
    if not records:
        return
    await write_feed_rows(Sql(engine), feed_rows(records, utcnow()))


async def write_feed_rows(
    sql: Sql, rows: list[dict[str, Any]], new: Set[uuid.UUID] = frozenset()
) -> None:
    """`rows` (feed_rows) into the feed, then their dossiers' older rows out, one
    statement each (publish_changes says why in that order). Dossiers of `new` were
    inserted by the caller's transaction: they have no older rows to take out (a batch
    of new drafts, the commonest push, spares itself the statement)."""
    if not rows:
        return
    await sql.execute_many(INSERT_FEED_ROW, rows)
    older = older_feed_dossiers(rows, new)
    if older:
        await sql.execute(DELETE_OLDER_FEED_ROWS, dossier_ids=older)


def older_feed_dossiers(rows: list[dict[str, Any]], new: Set[uuid.UUID]) -> list[uuid.UUID]:
    """The dossiers of feed `rows` whose older rows must go: all but those of `new`,
    inserted by the caller's transaction, which have none."""
    return [r["dossier_id"] for r in rows if r["dossier_id"] not in new]


def feed_rows(records: list[DossierRecord], now: dt.datetime) -> list[dict[str, Any]]:
    """The feed rows of `records` (server/sql.py FEED_COLUMNS), one per dossier."""
    return [
        {
            "dossier_id": r.id,
            "owner_id": r.owner_id,
            "commune_code": r.commune_code,
            "version": r.version,
            "at": now,
        }
        for r in records
    ]
