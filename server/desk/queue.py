"""The commune's queue: what is new, due today, overdue or waiting for documents."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec
from piccolo.query import OrderByRaw

from server.attachments.tables import BlobUploader
from server.catalog.definition import Text
from server.catalog.services import procedure_version
from server.clock import vn_today
from server.desk.deadlines import apology_letters
from server.desk.schemas import DeskDossier, HistoryEntry, QueueItem, QueueResponse, Task
from server.desk.verified_requester import any_changed, latest_identities, verified_requester
from server.dossiers.access import may_process, not_found
from server.dossiers.tables import Dossier, DossierHistory, DossierTask
from server.identity.oidc.config import ProviderConfig
from server.identity.principal import Principal
from server.identity.roles import Role
from server.problems import ProblemError
from sync.codes import InvalidCode, parse_code
from sync.digests import is_sha256
from sync.states import LABELS, OPEN_STATES, State
from sync.text import search_key

View = Literal["all", "new", "due_today", "overdue", "waiting_documents"]
_SUBJECTS = (
    "child.full_name",
    "deceased.full_name",
    "groom.full_name",
    "person.full_name",
    "ward.full_name",
    "requester.full_name",
)


def _promised_on(day):
    """Dossiers whose promised date (the appointment, moved by an apology; else the
    due date) is `day` or, with a comparison, before it — as SQL conditions."""
    return (
        (Dossier.appointment_date == day)
        | (Dossier.appointment_date.is_null() & (Dossier.due_date == day)),
        (Dossier.appointment_date < day)
        | (Dossier.appointment_date.is_null() & (Dossier.due_date < day)),
    )


def is_overdue(row: dict, today) -> bool:
    """Past the date promised to the person (after an apology, its new date) and
    still open. The phone says the same (pwa/src/overdue.ts): tests/vectors/overdue.json
    holds both to it."""
    promised = row["appointment_date"] or row["due_date"]
    return bool(promised and promised < today and row["state"] in OPEN_STATES)


def subject_of(fields: dict) -> str:
    if fields.get("groom.full_name") and fields.get("bride.full_name"):
        return f"{fields['groom.full_name']} – {fields['bride.full_name']}"
    return next((str(fields[p]) for p in _SUBJECTS if fields.get(p)), "")


def state_text(state: int) -> Text:
    vi, en = LABELS[State(state)]
    return Text(vi=vi, en=en)


async def _procedure_name(code: str, version: int, cache: dict) -> tuple[Text, int]:
    key = (code, version)
    if key not in cache:
        found = await procedure_version(code, version)
        cache[key] = (
            (found.definition.name, found.definition.level)
            if found
            else (Text(vi=code, en=code), 3)
        )
    return cache[key]


def _scope(query, principal: Principal, commune: str | None):
    if principal.role is Role.admin:
        return query.where(Dossier.commune_code == commune) if commune else query
    if commune and commune != principal.commune_code:
        raise ProblemError(403, "forbidden", detail="another commune's queue")
    return query.where(Dossier.commune_code == principal.commune_code)


async def queue(
    principal: Principal,
    view: View,
    procedure: str | None,
    state: int | None,
    q: str | None,
    commune: str | None,
    limit: int,
    offset: int,
) -> QueueResponse:
    today = vn_today()
    query = _scope(Dossier.select(), principal, commune).where(Dossier.state != State.DRAFT)
    count = _scope(Dossier.count(), principal, commune).where(Dossier.state != State.DRAFT)
    conditions = []
    if view == "new":
        conditions.append(Dossier.state == State.SUBMITTED)
    elif view == "due_today":
        conditions += [_promised_on(today)[0], Dossier.state.is_in(sorted(OPEN_STATES))]
    elif view == "overdue":
        conditions += [_promised_on(today)[1], Dossier.state.is_in(sorted(OPEN_STATES))]
    elif view == "waiting_documents":
        conditions.append(Dossier.state == State.SUPPLEMENT_REQUESTED)
    if procedure:
        conditions.append(Dossier.procedure_code == procedure)
    if state is not None:
        conditions.append(Dossier.state == state)
    if q and q.strip():
        try:
            conditions.append(Dossier.code == parse_code(q))
        except InvalidCode:
            conditions.append(Dossier.search_text.like(f"%{search_key(q)}%"))
    for condition in conditions:
        query = query.where(condition)
        count = count.where(condition)
    rows = (
        await query.order_by(
            OrderByRaw("CASE WHEN due_date IS NULL THEN 1 ELSE 0 END, due_date, submitted_at")
        )
        .limit(limit)
        .offset(offset)
    )
    names: dict = {}
    items = []
    answers = [msgspec.json.decode(r["fields"]) for r in rows]
    changed = await any_changed(rows, answers)
    for r, fields, requester_changed in zip(rows, answers, changed, strict=True):
        name, _ = await _procedure_name(r["procedure_code"], r["schema_version"], names)
        items.append(
            QueueItem(
                id=r["id"],
                code=r["code"],
                procedure_code=r["procedure_code"],
                procedure=name,
                state=r["state"],
                state_label=state_text(r["state"]),
                commune_code=r["commune_code"],
                subject=subject_of(fields),
                submitted_at=r["submitted_at"],
                due_date=r["due_date"],
                overdue=is_overdue(r, today),
                possible_duplicate_of=r["possible_duplicate_of"]
                if not r["duplicate_decision"]
                else None,
                requester_changed=requester_changed,
            )
        )
    return QueueResponse(items=items, total=await count)


async def desk_dossier(
    principal: Principal, dossier_id: uuid.UUID, providers: tuple[ProviderConfig, ...] = ()
) -> DeskDossier:
    """`providers`: the configured OpenID providers, for the name of the one that verified
    the requester."""
    r = await Dossier.select().where(Dossier.id == dossier_id).first()
    if r is None or not may_process(principal, r):
        raise not_found(dossier_id)
    name, level = await _procedure_name(r["procedure_code"], r["schema_version"], {})
    found = await procedure_version(r["procedure_code"], r["schema_version"])
    processing = found.definition.processing if found else None
    history = [
        HistoryEntry(
            at=h["at"],
            action=h["action"],
            from_state=h["from_state"],
            to_state=h["to_state"],
            actor_role=h["actor_role"],
            message=h["message"],
            detail=msgspec.json.decode(h["detail"]),
            actor_id=h["actor_id"],
        )
        for h in await DossierHistory.select()
        .where(DossierHistory.dossier_id == dossier_id)
        .order_by(DossierHistory.id)
    ]
    tasks = [
        Task(task=t["task"], agency=t["agency"], state=t["state"], reference=t["reference"])
        for t in await DossierTask.select()
        .where(DossierTask.dossier_id == dossier_id)
        .order_by(DossierTask.id)
    ]
    today = vn_today()
    fields = msgspec.json.decode(r["fields"])
    return DeskDossier(
        id=r["id"],
        code=r["code"],
        procedure_code=r["procedure_code"],
        procedure=name,
        level=level,
        schema_version=r["schema_version"],
        state=r["state"],
        state_label=state_text(r["state"]),
        version=r["version"],
        commune_code=r["commune_code"],
        fields=fields,
        submitted_at=r["submitted_at"],
        received_at=r["received_at"],
        due_date=r["due_date"],
        appointment_date=r["appointment_date"],
        overdue=is_overdue(r, today),
        possible_duplicate_of=r["possible_duplicate_of"],
        duplicate_decision=r["duplicate_decision"],
        fee=msgspec.json.decode(r["fee"]) if r["fee"] else None,
        result=msgspec.json.decode(r["result"]) if r["result"] else None,
        tasks=tasks,
        history=history,
        rating_stars=r["rating_stars"],
        rating_comment=r["rating_comment"],
        extended_days=processing.extended_days if processing else None,
        extended_when=processing.extended_when if processing else None,
        extended_at=r["extended_at"],
        apology_letters=[a.number for a in await apology_letters(dossier_id)],
        file_names=await file_names(
            _hashes(fields, history), {r["owner_id"], *(h.actor_id for h in history)}
        ),
        verified_requester=verified_requester(
            (await latest_identities([r["owner_id"]])).get(r["owner_id"]),
            found.definition.form if found else None,
            fields,
            providers,
        ),
    )


def _hashes(fields: dict, history: list[HistoryEntry]) -> set[str]:
    """The SHA-256s in the answers (attachment lists) and in the history's details."""
    found: set[str] = set()
    for value in [*fields.values(), *(h.detail.get("sha256") for h in history)]:
        for item in value if isinstance(value, list) else [value]:
            if is_sha256(item):
                found.add(item)
    return found


async def file_names(hashes: set[str], uploaders: set[uuid.UUID | None]) -> dict[str, str]:
    """The name each file was sent under by someone who worked on the dossier (another
    account's name for the same bytes is not theirs to show); the latest sender's when
    several did."""
    accounts = [a for a in uploaders if a is not None]
    if not hashes or not accounts:
        return {}
    rows = (
        await BlobUploader.select(BlobUploader.sha256, BlobUploader.filename)
        .where(
            BlobUploader.sha256.is_in(sorted(hashes))
            & BlobUploader.account_id.is_in(accounts)
            & (BlobUploader.filename != "")
        )
        .order_by(BlobUploader.at)
    )
    return {r["sha256"]: r["filename"] for r in rows}
