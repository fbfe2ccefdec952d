"""Dossiers as the devices see them."""

from __future__ import annotations

import uuid

import msgspec

from server.desk.deadlines import apology_letters_of
from server.dossiers.store import record_from_row
from server.dossiers.tables import Dossier, DossierConflict, DossierHistory
from server.identity.roles import Role
from sync.messages import ApologyLetter, Conflict, DossierView, Message
from sync.seals import dossier_seal

_PERSON_ROLES = {Role.citizen.value, Role.outreach.value}


async def dossier_views(
    ids: list[uuid.UUID], desk: bool, viewer: uuid.UUID | None, seal_key: bytes
) -> list[DossierView]:
    """`desk`: the viewer works the desk, and is shown which dossier each may duplicate.
    Nobody else is: an outreach official submitting a guessed birth would learn the id
    of someone else's dossier. The owner's views of a dossier with a code carry the
    server's seal on it (sync/README.md §9), which its devices keep to put it back
    after a restore; an official's view of someone else's dossier carries none."""
    if not ids:
        return []
    rows = await Dossier.select().where(Dossier.id.is_in(ids))
    # A draft belongs to its author's devices alone, even in an official's feed.
    rows = [r for r in rows if r["state"] != 0 or viewer is None or r["owner_id"] == viewer]
    conflicts: dict[uuid.UUID, list[Conflict]] = {}
    for c in (
        await DossierConflict.select()
        .where(DossierConflict.dossier_id.is_in(ids) & DossierConflict.resolved_at.is_null())
        .order_by(DossierConflict.id)
    ):
        conflicts.setdefault(c["dossier_id"], []).append(
            Conflict(
                id=c["id"],
                path=c["path"],
                server_value=msgspec.json.decode(c["server_value"]),
                device_value=msgspec.json.decode(c["device_value"]),
                device_id=c["device_id"],
                created_at=c["created_at"],
            )
        )
    messages: dict[uuid.UUID, list[Message]] = {}
    for h in (
        await DossierHistory.select(
            DossierHistory.dossier_id,
            DossierHistory.at,
            DossierHistory.actor_role,
            DossierHistory.message,
        )
        .where(DossierHistory.dossier_id.is_in(ids) & (DossierHistory.message != ""))
        .order_by(DossierHistory.id)
    ):
        author = "person" if h["actor_role"] in _PERSON_ROLES else "official"
        messages.setdefault(h["dossier_id"], []).append(
            Message(at=h["at"], author=author, text=h["message"])
        )
    letters = {
        dossier: [ApologyLetter(number=a.number, at=a.at, new_date=a.new_date) for a in found]
        for dossier, found in (await apology_letters_of(ids)).items()
    }
    raw = {row["id"]: row for row in rows}
    # The key is read once, and only when some view carries a seal.
    by_id = {}
    for r in map(record_from_row, rows):
        if r.deleted_at is not None:  # a tombstone: only what a device needs to drop it
            by_id[r.id] = DossierView(
                id=r.id,
                procedure_code=r.procedure_code,
                schema_version=r.schema_version,
                state=r.state,
                version=r.version,
                fields={},
                updated_at=r.updated_at,
                deleted=True,
            )
            continue
        by_id[r.id] = DossierView(
            id=r.id,
            procedure_code=r.procedure_code,
            schema_version=r.schema_version,
            state=r.state,
            version=r.version,
            fields=r.fields,
            commune_code=r.commune_code,
            code=r.code,
            submitted_at=r.submitted_at,
            due_date=r.due_date,
            appointment_date=r.appointment_date,
            conflicts=conflicts.get(r.id, []),
            supplement=r.supplement,
            messages=messages.get(r.id, []),
            apology_letters=letters.get(r.id, []),
            register_number=_register_number(raw[r.id]),
            possible_duplicate_of=r.possible_duplicate_of if desk else None,
            updated_at=r.updated_at,
            seal=dossier_seal(seal_key, r.id, r.owner_id, r.code)
            if r.code and r.owner_id == viewer
            else None,
        )
    return [by_id[i] for i in ids if i in by_id]


def _register_number(row: dict) -> str | None:
    """The register number the desk gave when it completed the dossier (its result)."""
    if not row.get("result"):
        return None
    result = msgspec.json.decode(row["result"])
    number = result.get("register_number") if isinstance(result, dict) else None
    return str(number) if number else None
