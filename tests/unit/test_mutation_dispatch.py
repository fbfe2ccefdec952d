"""Every mutation kind of the protocol has its handler in the applier's table."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import get_args

from server.database import build_engine
from server.dossiers.store import PiccoloStore
from server.settings import Settings
from sync.engine import MutationApplier
from sync.messages import PAYLOAD_TYPES, Kind
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
