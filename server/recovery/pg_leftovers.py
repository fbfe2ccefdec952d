"""After pg_restore --clean: what the backup did not have goes too. --clean drops and
recreates only the objects in the dump, so a table made by a migration newer than the
backup would stay, with rows written after the backup, and the migration that makes it
would then fail on "already exists"."""

from __future__ import annotations

from typing import Any, cast

from piccolo.engine.base import Engine

from server.database import write_transaction

_RELATIONS = (
    "SELECT c.relname AS name, CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE' "
    "WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' ELSE 'MATERIALIZED VIEW' END AS kind "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
)
_FUNCTIONS = (
    "SELECT p.proname AS name, 'FUNCTION' AS kind FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
)


async def drop_leftovers(engine: Engine, dumped: set[tuple[str, str]]) -> list[str]:
    """Drops every table, sequence, view and function of the public schema that the
    dump does not list, in one transaction; returns them as "kind name"."""
    dropped: list[str] = []
    async with write_transaction(engine):
        for query in (_RELATIONS, _FUNCTIONS):
            rows = cast("list[Any]", await engine.run_ddl(query))  # asyncpg records
            for row in rows:
                kind, name = str(row["kind"]), str(row["name"])
                if (kind, name) in dumped:
                    continue
                quoted = '"' + name.replace('"', '""') + '"'
                # CASCADE: a sequence owned by a dropped table may already be gone.
                await engine.run_ddl(f"DROP {kind} IF EXISTS public.{quoted} CASCADE")
                dropped.append(f"{kind.lower()} {name}")
    return dropped
