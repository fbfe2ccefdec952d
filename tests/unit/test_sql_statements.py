"""The push path's statements (server/sql.py): one template, rendered for each database."""

from __future__ import annotations

from typing import Any

import pytest

from server.database import bound_engine, write_transaction
from server.settings import Settings
from server.sql import POSTGRES_STATEMENTS, STATEMENTS, Dialect, Sql, Statement

PICK = Statement(
    "pick",
    "SELECT * FROM t WHERE a = :a AND b = ANY(:bs::uuid[]) AND c = :a {for_update}",
)


def test_postgres_numbers_each_parameter_once_and_takes_lists_as_arrays() -> None:
    rendered = PICK.render(Dialect.POSTGRES)
    assert (
        rendered.sql == "SELECT * FROM t WHERE a = $1 AND b = ANY($2::uuid[]) AND c = $1 FOR UPDATE"
    )
    assert rendered.arguments({"a": 7, "bs": ["x", "y"]}) == (7, ["x", "y"])


def test_sqlite_repeats_parameters_and_spreads_lists() -> None:
    rendered = PICK.render(Dialect.SQLITE, {"bs": 2})
    assert rendered.sql == "SELECT * FROM t WHERE a = ? AND b IN (?, ?) AND c = ? "
    assert rendered.arguments({"a": 7, "bs": ["x", "y"]}) == (7, "x", "y", 7)


def test_a_cast_is_not_a_parameter() -> None:
    rendered = Statement("txid", "SELECT {current_txid}, :a::text").render(Dialect.POSTGRES)
    assert rendered.sql == "SELECT pg_current_xact_id()::text::bigint, $1::text"
    assert Statement("txid", "SELECT {current_txid}").render(Dialect.SQLITE).sql == "SELECT 0"


def test_statement_names_are_unique() -> None:
    names = [s.name for s in (*STATEMENTS, *POSTGRES_STATEMENTS)]
    assert len(names) == len(set(names))


def _example(statement: Statement, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
    """The statement's SQL with lists of two items, and NULL for every value."""
    lists = statement.list_parameters
    values = {n: [None, None] if n in lists else None for n in statement.parameters}
    rendered = statement.render(dialect, dict.fromkeys(lists, 2))
    return rendered.sql, rendered.arguments(values)


def test_parameters_are_named_once_and_lists_known() -> None:
    assert PICK.parameters == ("a", "bs")
    assert PICK.list_parameters == {"bs"}


async def test_every_statement_is_valid_sql_on_the_database(settings: Settings) -> None:
    """Each database parses and plans each statement against the migrated schema
    (PostgreSQL prepares it; SQLite explains it), without running it."""
    async with bound_engine(settings) as engine:
        sql = Sql(engine)
        async with write_transaction(engine):
            connection = engine.current_transaction.get().connection
            postgres_only = POSTGRES_STATEMENTS if sql.dialect is Dialect.POSTGRES else ()
            for statement in (*STATEMENTS, *postgres_only):
                text, args = _example(statement, sql.dialect)
                if sql.dialect is Dialect.POSTGRES:
                    await connection.prepare(text)
                else:
                    async with connection.execute("EXPLAIN " + text, args) as cursor:
                        await cursor.fetchall()


@pytest.mark.parametrize("count", [0, 3])
async def test_lists_of_any_length_on_the_database(settings: Settings, count: int) -> None:
    async with bound_engine(settings) as engine:
        sql = Sql(engine)
        codes = [f"code-{k}" for k in range(count)]
        taken = Statement("taken", "SELECT code FROM dossier WHERE code = ANY(:codes::text[])")
        assert await sql.fetch(taken, codes=codes) == []  # outside a transaction too
