"""Every mutation kind of the protocol has its handler in the applier's table."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import get_args

from server.database import build_engine
from server.dossiers.store import PiccoloStore
from server.settings import Settings
from sync.engine import MutationApplier, decode_ahead
from sync.messages import PAYLOAD_TYPES, CreateDraft, Kind, Mutation
from sync.store import Actor


def _applier(settings: Settings) -> MutationApplier:
    actor = Actor(account_id=uuid.uuid4(), role="citizen", commune_code="", device_id=uuid.uuid4())
    store = PiccoloStore(build_engine(settings), settings.base_url)
    now = dt.datetime.now(dt.UTC)
    return MutationApplier(store, actor, now, now.date(), day_of=dt.datetime.date)


def test_every_kind_in_the_messages_has_a_handler(settings: Settings) -> None:
    handlers = _applier(settings).handlers
    assert set(handlers) == set(get_args(Kind))
    assert set(handlers) == set(PAYLOAD_TYPES)
    assert all(callable(h) for h in handlers.values())


def _mutation(payload: dict) -> Mutation:
    return Mutation(
        seq=1, id=uuid.uuid4(), kind="create_draft", dossier_id=uuid.uuid4(), payload=payload
    )


async def test_a_payload_decoded_ahead_is_rejected_as_one_decoded_in_turn(
    settings: Settings,
) -> None:
    # Decoded before the write lock (server/dossiers/push.py): the same outcome.
    for payload, path in [
        (
            {"procedure_code": "khai-sinh", "fields": {"child.full_name": "a\x00b"}},
            "payload.fields",
        ),
        ({"procedure_code": 7, "fields": {}}, "payload.procedure_code"),
    ]:
        mutation = _mutation(payload)
        decoded = decode_ahead(mutation)
        assert decoded.payload is None and decoded.fault is not None
        ahead = await _applier(settings).apply(mutation, decoded)
        in_turn = await _applier(settings).apply(mutation)
        assert ahead.status == in_turn.status == "rejected"
        assert ahead.reasons == in_turn.reasons and ahead.reasons[0].path.startswith(path)


def test_a_good_payload_decodes_ahead_to_its_type() -> None:
    decoded = decode_ahead(_mutation({"procedure_code": "khai-sinh", "fields": {"a": "b"}}))
    assert isinstance(decoded.payload, CreateDraft) and decoded.fault is None
