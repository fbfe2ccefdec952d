"""Which database engine the settings name, built but not yet opened, and which
engine the process is bound to.

Apart from server.database so that Piccolo's configuration module (piccolo_conf) and
the code that binds and opens the engine (database) both take it from here, and
neither imports the other's half-built module, nor writes the other's globals."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from server.settings import Settings


def build_engine(settings: Settings) -> Engine:
    if settings.engine == "postgres":
        # No extensions: the schema needs none, and creating one needs privileges
        # a hosted database may not grant.
        return PostgresEngine(config={"dsn": settings.database_url}, extensions=())
    return SQLiteEngine(path=str(settings.sqlite_path), timeout=settings.sqlite_busy_timeout)


_bound: Engine | None = None


def bind(engine: Engine) -> None:
    """The engine Piccolo's own machinery (its migration runner, its CLI) finds
    through piccolo_conf from now on. server.database.bind_engine points the tables
    at it too."""
    global _bound
    _bound = engine


def bound() -> Engine | None:
    return _bound
