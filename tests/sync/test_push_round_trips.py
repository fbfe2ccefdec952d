"""A push batch's trips to PostgreSQL (issue #21): counted on the wire, between the
server and the database, for a batch of new drafts. Each trip is a wait for the
database (10-30 ms on a loaded machine), whatever the batch's size."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from contextlib import aclosing
from urllib.parse import urlsplit, urlunsplit

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.app import create_app
from server.audit.tables import AuditEvent
from server.clock import vn_today
from server.dossiers.tables import (
    AppliedMutation,
    ChangeFeed,
    DeviceSequence,
    Dossier,
    DossierHistory,
)
from server.recovery.keys import seal_key
from server.settings import Settings
from server.sql import Sql
from sync.seals import dossier_seal
from tests.support.pg_wire import CountingRelay, WireConnection
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft

BATCH = 100


@pytest.fixture
async def relay(engine_kind: str) -> AsyncIterator[CountingRelay]:
    if engine_kind != "postgres":
        pytest.skip("round trips to a database server: PostgreSQL only")
    relay = CountingRelay()
    yield relay
    await relay.close()


def _through(settings: Settings, port: int) -> Settings:
    """The same database, reached through the relay, on one pooled connection (so
    each statement is prepared once, as on a busy server's connections)."""
    parts = urlsplit(settings.database_url)
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    url = urlunsplit(parts._replace(netloc=netloc))
    return msgspec.structs.replace(
        settings, database_url=url, db_pool_min=1, db_pool_max=1, demo_mode=True
    )


def _drafts(device: SyncDevice, count: int) -> None:
    today = vn_today()
    for _ in range(count):
        device.queue(
            "create_draft",
            uuid7(),
            {"procedure_code": "khai-sinh", "fields": birth_answers(today)},
        )


def _transaction(connection: WireConnection, start: int) -> tuple[int, list[str]]:
    """The trips from BEGIN to COMMIT (both counted), and the statements sent."""
    messages = connection.messages[start:]
    begin = next(i for i, (k, t) in enumerate(messages) if k == "Q" and t.startswith("BEGIN"))
    end = next(i for i, (k, t) in enumerate(messages) if k == "Q" and t.startswith("COMMIT"))
    inside = messages[begin : end + 1]
    trips = sum(1 for k, _ in inside if k in ("S", "H", "Q"))
    return trips, [t[:90] for k, t in inside if k in ("Q", "P")] + [
        f"{sum(1 for k, _ in inside if k == 'E')} executions"
    ]


async def test_a_batch_of_new_drafts_takes_few_trips(settings: Settings, relay: CountingRelay):
    port = await relay.start()
    app = create_app(_through(settings, port))
    async with LifespanManager(app):
        device = await device_for(app, await make_account("citizen"))
        async with aclosing(device.http):
            _drafts(device, BATCH)  # the first batch prepares the statements
            outcomes = await device.sync()
            assert {o["status"] for o in outcomes} == {"applied"}
            marks = relay.mark()
            _drafts(device, BATCH)
            outcomes = await device.sync()
            assert len(outcomes) == BATCH and {o["status"] for o in outcomes} == {"applied"}
            busy = [
                (c, s)
                for c, s in relay.since(marks)
                if any(k == "Q" and t.startswith("BEGIN") for k, t in c.messages[s:])
            ]
            assert len(busy) == 1
            trips, sent = _transaction(*busy[0])
            assert trips <= 5, "\n".join([f"{trips} trips:", *sent])


async def test_what_one_batch_writes_is_the_same_on_both_databases(app, citizen) -> None:
    """A batch that creates, edits and submits (its code and duplicate search write
    what came before them first), then one that edits again: every row where the
    one-by-one store would have put it, on both databases."""
    first, second = uuid7(), uuid7()
    birth_draft(citizen, first)  # create, attach
    citizen.queue(
        "create_draft",
        second,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    citizen.queue("edit_draft", first, {"changes": {"child.full_name": "Lê Văn An"}}, 2)
    citizen.queue("submit", first, {}, 3)
    outcomes = await citizen.sync()
    assert [o["status"] for o in outcomes] == ["applied"] * 5, outcomes
    submitted = outcomes[-1]
    key = await seal_key(Sql(app.state.engine))
    owner = await Dossier.select(Dossier.owner_id).where(Dossier.id == first).first()
    assert submitted["seal"] == dossier_seal(key, first, owner["owner_id"], submitted["code"])

    citizen.queue("edit_draft", second, {"changes": {"child.full_name": "Lê Thị Bình"}}, 1)
    [edited] = await citizen.sync()
    assert edited["status"] == "applied"

    rows = await Dossier.select(Dossier.id, Dossier.version, Dossier.code, Dossier.state)
    assert {(r["id"], r["version"]) for r in rows} == {(first, 4), (second, 2)}
    assert next(r for r in rows if r["id"] == first)["code"] == submitted["code"]
    feed = await ChangeFeed.select(ChangeFeed.dossier_id, ChangeFeed.version).order_by(
        ChangeFeed.id
    )
    assert feed == [
        {"dossier_id": first, "version": 4},
        {"dossier_id": second, "version": 2},
    ]
    history = await DossierHistory.select(
        DossierHistory.dossier_id, DossierHistory.action, DossierHistory.at
    ).order_by(DossierHistory.id)
    assert [(h["dossier_id"], h["action"]) for h in history] == [
        (first, "create_draft"),
        (first, "attach"),
        (second, "create_draft"),
        (first, "edit_draft"),
        (first, "submit"),
        (second, "edit_draft"),
    ]
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)
    audit = (
        await AuditEvent.select(AuditEvent.target_id, AuditEvent.action)
        .where(AuditEvent.target_kind == "dossier")
        .order_by(AuditEvent.id)
    )
    assert [(a["target_id"], a["action"]) for a in audit] == [
        (str(h["dossier_id"]), h["action"]) for h in history
    ]
    applied = await AppliedMutation.select(AppliedMutation.seq).order_by(AppliedMutation.seq)
    assert [a["seq"] for a in applied] == [1, 2, 3, 4, 5, 6]
    device = await DeviceSequence.select(DeviceSequence.last_seq).first()
    assert device["last_seq"] == 6


async def test_text_a_stranger_types_comes_back_exactly_through_the_one_statement_write(
    app, citizen
) -> None:
    """The batch's rows travel to PostgreSQL as JSON text inside one statement: text
    that looks like JSON escapes, quotes, backslashes, emoji, combining marks and
    right-to-left marks must be stored and read back as typed (in Unicode's composed
    form, NFC, as every answer is kept), on both databases."""
    typed = 'Huế \\u0000 \\" "x" \\\\n 😀 e\u0301 \u202e ]}, {"id": 1'
    dossier = uuid7()
    citizen.queue(
        "create_draft",
        dossier,
        {
            "procedure_code": "khai-sinh",
            "fields": {**birth_answers(vn_today()), "child.hometown": typed},
        },
    )
    [created] = await citizen.sync()
    assert created["status"] == "applied", created
    citizen.queue("edit_draft", dossier, {"changes": {"child.full_name": "Lê Văn An"}}, 1)
    [edited] = await citizen.sync()
    assert edited["status"] == "applied", edited
    row = await Dossier.select(Dossier.fields).where(Dossier.id == dossier).first()
    fields = (
        row["fields"] if isinstance(row["fields"], dict) else msgspec.json.decode(row["fields"])
    )
    assert fields["child.hometown"] == unicodedata.normalize("NFC", typed)
    assert fields["child.full_name"] == "Lê Văn An"
