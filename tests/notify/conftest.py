from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import msgspec
import pytest
from piccolo.engine.base import Engine

from server.database import bind_engine, build_engine, close_engine, open_engine
from server.notify.tables import OutboxMessage
from server.settings import Settings
from tests.support.smtp import RecordingHandler, SmtpServer, free_port


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine]:
    """The test's database, tables bound to it, the outbox empty (the PostgreSQL
    database is shared by the whole run)."""
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    await OutboxMessage.delete(force=True)
    try:
        yield engine
    finally:
        await OutboxMessage.delete(force=True)
        await close_engine(engine)


@pytest.fixture
def smtp_handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_server(smtp_handler: RecordingHandler, smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_handler, smtp_port).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_settings(settings: Settings, smtp_port: int) -> Settings:
    """Settings that send to the test SMTP server (started or not)."""
    return msgspec.structs.replace(
        settings, smtp_host="127.0.0.1", smtp_port=smtp_port, mail_max_attempts=5
    )
