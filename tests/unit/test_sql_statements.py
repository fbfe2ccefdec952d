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


def test_sqlite_rows_carry_the_text_piccolos_adapters_store() -> None:
    """A batch's UUIDs and datetimes are turned to text (a column of UUIDs at once,
    a recurring datetime once), and the text is what sqlite3 would have stored
    through Piccolo's adapters value by value."""
    import datetime as dt
    import sqlite3
    import uuid

    from piccolo.engine.sqlite import ADAPTERS

    from server.sql import _sqlite_rows

    class NoOffset(dt.tzinfo):
        """A zone that gives no offset: equal to the naive time, stored otherwise."""

        def utcoffset(self, when: dt.datetime | None) -> None:
            return None

    dossier = uuid.uuid4()
    aware = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    naive = dt.datetime(2026, 12, 6, 9, 30)
    zoned = naive.replace(tzinfo=NoOffset())
    assert zoned == naive
    in_utc = aware.astimezone(dt.UTC)
    rows = [
        (dossier, aware, naive, "text", 7, None, in_utc),
        (dossier, in_utc, naive, b"\x00", 1.5, dossier, in_utc),
        (dossier, aware, zoned, "", True, None, in_utc + dt.timedelta(microseconds=1)),
    ]
    seven = Statement("seven", "INSERT INTO t VALUES (:a, :b, :c, :d, :e, :f, :g)")
    adapted = _sqlite_rows(
        seven.render(Dialect.SQLITE),
        [dict(zip("abcdefg", row, strict=True)) for row in rows],
        {},
    )

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a, b, c, d, e, f, g)")
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    by_adapters = db.execute("SELECT * FROM t").fetchall()
    db.execute("DELETE FROM t")
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)", adapted)
    assert db.execute("SELECT * FROM t").fetchall() == by_adapters
    assert adapted[0][0] == ADAPTERS[uuid.UUID](dossier)
    assert adapted[0][1] == adapted[1][1] == adapted[0][6] == "2026-12-06 02:30:00+00:00"
    assert adapted[2][6] == "2026-12-06 02:30:00.000001+00:00"
    assert adapted[0][2] == "2026-12-06 09:30:00"


def test_sqlite_rows_of_a_statement_without_parameters_run_it_once_each() -> None:
    from server.sql import _sqlite_rows

    plain = Statement("plain", "INSERT INTO t DEFAULT VALUES")
    assert _sqlite_rows(plain.render(Dialect.SQLITE), [{}, {}, {}], {}) == [(), (), ()]
