"""Linked tasks of interlinked bundles: handed to the police or the social-insurance
office, then done. The bundle completes when every task is done."""

from __future__ import annotations

import uuid

from piccolo.engine.base import Engine

from server.audit.service import record as audit
from server.clock import utcnow
from server.database import write_transaction
from server.desk.actions import load_for_desk
from server.desk.schemas import Task, TaskUpdate
from server.dossiers.store import PiccoloStore, publish_change
from server.dossiers.tables import DossierHistory, DossierTask
from server.identity.principal import Principal
from server.problems import ProblemError
from server.settings import Settings

_STATE_WORDS = {
    "pending": ("chưa được chuyển giao", "not handed over"),
    "handed_over": ("đã được chuyển giao", "handed over already"),
    "done": ("đã xong", "done already"),
}
_NEXT = {"pending": {"handed_over", "done"}, "handed_over": {"done"}, "done": set()}


async def update_task(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    dossier_id: uuid.UUID,
    task: str,
    update: TaskUpdate,
) -> Task:
    async with write_transaction(engine):
        record = await load_for_desk(engine, principal, dossier_id)
        row = (
            await DossierTask.select()
            .where((DossierTask.dossier_id == dossier_id) & (DossierTask.task == task))
            .first()
        )
        if row is None:
            raise ProblemError(
                404,
                "not_found",
                detail=(f"Không có việc liên thông {task}.", f"No linked task {task}."),
            )
        if update.state not in _NEXT[row["state"]]:
            raise ProblemError(
                409,
                "not_allowed_in_state",
                detail=(
                    f"Việc liên thông này {_STATE_WORDS[row['state']][0]}.",
                    f"This linked task is {_STATE_WORDS[row['state']][1]}.",
                ),
            )
        now = utcnow()
        reference = update.reference.strip()[:100] or row["reference"]
        await DossierTask.update(
            {
                DossierTask.state: update.state,
                DossierTask.reference: reference,
                DossierTask.updated_at: now,
            }
        ).where(DossierTask.id == row["id"])
        record.version += 1
        record.updated_at = now
        store = PiccoloStore(engine, settings.base_url)
        await store.update(record)
        await DossierHistory.insert(
            DossierHistory(
                dossier_id=dossier_id,
                at=now,
                actor_id=principal.account_id,
                actor_role=principal.role.value,
                action=f"task_{update.state}",
                from_state=record.state,
                to_state=record.state,
                detail=f'{{"task": "{task}"}}',
            )
        )
        await publish_change(store.engine, record)
        await audit(
            f"desk_task_{update.state}",
            actor_id=principal.account_id,
            target_kind="dossier",
            target_id=dossier_id,
            detail={"task": task},
        )
    return Task(task=task, agency=row["agency"], state=update.state, reference=reference)
