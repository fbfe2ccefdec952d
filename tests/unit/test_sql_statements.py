"""The push path's statements (server/sql.py): one template, rendered for each database."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import piccolo.engine.sqlite  # noqa: F401  # registers the adapters sqlite3 stores values through
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


class _ZeroNamed(dt.tzinfo):
    """A zone of offset zero that is not datetime.UTC: equal instants, its own object."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def dst(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)


_LONDON = ZoneInfo("Europe/London")  # 2026-10-25 01:30 happens twice there
_REPEATED = dt.datetime(2026, 10, 25, 1, 30, tzinfo=_LONDON)
# Few values, so that a batch meets the same instant, and the same wall time, under
# different zones and folds.
_TIMES = st.sampled_from(
    [
        _REPEATED,
        _REPEATED.replace(fold=1),  # == the one above, an hour later
        _REPEATED.astimezone(dt.UTC),
        _REPEATED.replace(fold=1).astimezone(dt.UTC),
        _REPEATED.astimezone(dt.UTC).replace(fold=1),
        _REPEATED.astimezone(dt.timezone(dt.timedelta(0))),
        _REPEATED.astimezone(ZoneInfo("UTC")),
        _REPEATED.astimezone(_ZeroNamed()),
        _REPEATED.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")),
        _REPEATED.replace(tzinfo=None),
        dt.datetime(2026, 12, 6, 9, 30, 0, 1, tzinfo=dt.UTC),
        dt.datetime.max.replace(year=9998, tzinfo=dt.UTC),
    ]
)
_UUIDS = st.builds(uuid.UUID, int=st.sampled_from([0, 1, 2**128 - 1, 2**127 + 12345]))
_SCALARS = st.one_of(st.none(), st.text(max_size=3), st.integers(-5, 5), st.binary(max_size=2))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.lists(st.one_of(_UUIDS, st.none()), min_size=4, max_size=4),  # a UUID column
                st.lists(st.one_of(_TIMES, st.none()), min_size=4, max_size=4),  # a time column
                st.lists(st.one_of(_UUIDS, _TIMES, _SCALARS), min_size=4, max_size=4),
            ),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_sqlite_rows_store_what_the_adapters_store_for_any_values(
    statements: list[list[list[Any]]],
) -> None:
    """Whatever columns a batch's statements carry (UUIDs, times in any zone or fold,
    anything else), one Sql's texts kept across them: the stored values and their
    SQLite types are the adapters' own, value by value."""
    import sqlite3

    from server.sql import _sqlite_rows

    three = Statement("three", "INSERT INTO t VALUES (:a, :b, :c)")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a, b, c)")
    texts: dict[Any, str] = {}
    read = "SELECT a, typeof(a), b, typeof(b), c, typeof(c) FROM t ORDER BY rowid"
    for columns in statements:
        rows = list(zip(*columns, strict=True))
        db.execute("DELETE FROM t")
        db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        by_adapters = db.execute(read).fetchall()
        named = [dict(zip("abc", row, strict=True)) for row in rows]
        db.execute("DELETE FROM t")
        db.executemany(
            "INSERT INTO t VALUES (?, ?, ?)",
            _sqlite_rows(three.render(Dialect.SQLITE), named, texts),
        )
        assert db.execute(read).fetchall() == by_adapters


def test_sqlite_rows_of_a_statement_without_parameters_run_it_once_each() -> None:
    from server.sql import _sqlite_rows

    plain = Statement("plain", "INSERT INTO t DEFAULT VALUES")
    assert _sqlite_rows(plain.render(Dialect.SQLITE), [{}, {}, {}], {}) == [(), (), ()]
