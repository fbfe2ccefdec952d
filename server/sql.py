"""The hand-written SQL of the push path, one named template per statement.

A template is written once, in PostgreSQL's own syntax with named parameters, and
rendered for the engine in use:

- `:name` is a parameter: `$n` on PostgreSQL (one number per name), `?` on SQLite
  (one per occurrence, the value repeated);
- `column = ANY(:name::type[])` takes a list: one array parameter on PostgreSQL, an
  `IN (?, ?, …)` of its items on SQLite (an empty list matches nothing on both);
- `{fragment}` is what only one database has: `{for_update}` (SQLite's IMMEDIATE
  transaction already holds the database), `{current_txid}` (PostgreSQL's
  transaction id; SQLite has one writer, so 0).

Statements run on the connection of the transaction in progress, straight through
the driver: building statements of a few thousand parameters through Piccolo's
query strings cost more than the database took to run them. On SQLite, Piccolo's
registered adapters convert UUIDs and datetimes as for its own queries, and its
connections return rows as dicts."""

from __future__ import annotations

import datetime as dt
import enum
import functools
import operator
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from asyncpg.exceptions import DeadlockDetectedError, SerializationError, UniqueViolationError
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import ADAPTERS, SQLiteEngine

from server.sqlite_kept import statement_connections


class Dialect(enum.Enum):
    SQLITE = "sqlite"
    POSTGRES = "postgres"


_FRAGMENTS: dict[str, dict[Dialect, str]] = {
    "for_update": {Dialect.SQLITE: "", Dialect.POSTGRES: "FOR UPDATE"},
    "current_txid": {
        Dialect.SQLITE: "0",
        Dialect.POSTGRES: "pg_current_xact_id()::text::bigint",
    },
    # The larger of two values (SQLite's scalar max).
    "greatest": {Dialect.SQLITE: "MAX", Dialect.POSTGRES: "GREATEST"},
}
_FRAGMENT = re.compile(r"\{(\w+)\}")
# A list parameter, or a scalar one (a `::type` cast is not a parameter).
_PARAMETER = re.compile(r"= ANY\(:(\w+)::(\w+)\[\]\)|(?<![:\w]):([a-z_]\w*)")


class Statement(msgspec.Struct, frozen=True):
    name: str
    template: str

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every parameter's name, each once, in the order of first use."""
        return _parameters(self.template)[0]

    @property
    def list_parameters(self) -> frozenset[str]:
        return _parameters(self.template)[1]

    def render(self, dialect: Dialect, lengths: Mapping[str, int] | None = None) -> Rendered:
        """The SQL for `dialect`; SQLite needs each list parameter's length."""
        key = tuple(sorted((lengths or {}).items())) if dialect is Dialect.SQLITE else ()
        return _render(self.template, dialect, key)


class Rendered(msgspec.Struct, frozen=True):
    sql: str
    # What fills each placeholder, in order: a parameter's name, and for an item of a
    # list on SQLite its index.
    slots: tuple[tuple[str, int | None], ...]

    def arguments(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(values[n] if i is None else values[n][i] for n, i in self.slots)


@functools.lru_cache(maxsize=512)
def _parameters(template: str) -> tuple[tuple[str, ...], frozenset[str]]:
    found = [(m.group(1) or m.group(3), bool(m.group(1))) for m in _PARAMETER.finditer(template)]
    return tuple(dict.fromkeys(n for n, _ in found)), frozenset(n for n, listed in found if listed)


@functools.lru_cache(maxsize=512)
def _render(template: str, dialect: Dialect, lengths: tuple[tuple[str, int], ...]) -> Rendered:
    text = _FRAGMENT.sub(lambda m: _FRAGMENTS[m.group(1)][dialect], template)
    sizes = dict(lengths)
    slots: list[tuple[str, int | None]] = []
    numbers: dict[str, int] = {}

    def placeholder(name: str) -> str:
        if dialect is Dialect.SQLITE:
            slots.append((name, None))
            return "?"
        if name not in numbers:
            slots.append((name, None))
            numbers[name] = len(numbers) + 1
        return f"${numbers[name]}"

    def replace(match: re.Match[str]) -> str:
        listed, element_type, scalar = match.groups()
        if scalar is not None:
            return placeholder(scalar)
        if dialect is Dialect.POSTGRES:
            return f"= ANY({placeholder(listed)}::{element_type}[])"
        slots.extend((listed, i) for i in range(sizes[listed]))
        return f"IN ({', '.join('?' * sizes[listed])})"

    return Rendered(sql=_PARAMETER.sub(replace, text), slots=tuple(slots))


def dialect_of(engine: Engine) -> Dialect:
    return Dialect.SQLITE if isinstance(engine, SQLiteEngine) else Dialect.POSTGRES


# PostgreSQL undid the transaction because it crossed others on the same rows
# (SQLSTATE 40P01, 40001): run again later, it passes.
CROSSED: tuple[type[Exception], ...] = (DeadlockDetectedError, SerializationError)


def transient_errors(dialect: Dialect) -> tuple[type[Exception], ...]:
    """The driver's errors that undo a transaction which may succeed if run again:
    on PostgreSQL, two transactions that crossed on the same rows (`CROSSED`), or
    two inserts of one new key. SQLite has none: every write transaction takes the
    write lock at BEGIN, so writers queue instead."""
    if dialect is Dialect.SQLITE:
        return ()
    return (*CROSSED, UniqueViolationError)


# The value types whose SQLite text Piccolo's adapters make (its own functions, so
# the stored text stays theirs) and that recur across a batch's rows.
_RECURRING = {t: ADAPTERS[t] for t in (uuid.UUID, dt.datetime)}


def _sqlite_rows(
    rendered: Rendered, rows: Sequence[Mapping[str, Any]], texts: dict[Any, str]
) -> list[tuple[Any, ...]]:
    """The rows' arguments for sqlite3's executemany, built column by column: a column
    with no UUID or datetime passes as it is, and in the others each value is turned
    to the text SQLite stores once, kept in `texts` for the next statements. A batch
    names a dossier's id in four tables, and the device's id and the batch's clock in
    every row, and sqlite3 would call the adapter for each place, in the connection's
    thread, inside the write lock. A datetime is known by its offset too (two in one
    zone's repeated hour compare equal an hour apart), and by whether it has a zone at
    all (the adapter converts any zoned one to UTC, and a zone may give no offset)."""
    if any(i is not None for _, i in rendered.slots):
        raise ValueError("a statement run for many rows takes no list parameter")
    names = [name for name, _ in rendered.slots]
    if not names:
        return [()] * len(rows)  # run once per row, as given
    if len(names) == 1:
        values: Iterable[Sequence[Any]] = [[row[names[0]] for row in rows]]
    else:
        values = zip(*map(operator.itemgetter(*names), rows), strict=True)
    return list(zip(*(_sqlite_column(column, texts) for column in values), strict=True))


def _sqlite_column(values: Sequence[Any], texts: dict[Any, str]) -> Sequence[Any]:
    kinds = set(map(type, values))
    if _RECURRING.keys().isdisjoint(kinds):
        return values
    if kinds <= _UUIDS_ONLY:
        # msgspec writes a UUID's text (str's) in C, where the adapter runs Python's
        # UUID.__str__ value by value: a batch's rows, built under the write lock, in
        # about half the time (docs/perf-push-profile.md).
        return msgspec.to_builtins(values)
    adapted = []
    for value in values:
        adapter = _RECURRING.get(type(value))
        if adapter is None:
            adapted.append(value)
            continue
        if isinstance(value, dt.datetime) and value.tzinfo is dt.UTC:
            key: Any = value  # in UTC, equal instants have one text (no fold, no offset to tell)
        elif isinstance(value, dt.datetime):
            key = (value, value.utcoffset(), value.tzinfo is None)
        else:
            key = value
        text = texts.get(key)
        if text is None:
            text = texts[key] = adapter(value)
        adapted.append(text)
    return adapted


_UUIDS_ONLY = frozenset({uuid.UUID, type(None)})


# How many texts a Sql keeps for SQLite (one batch's UUIDs and datetimes are a few
# hundred); past it they are dropped and made again as needed.
_TEXTS_KEPT = 10_000


class Sql:
    """The statements, run on `engine`'s transaction in progress (or, outside one,
    each on a connection of its own)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = dialect_of(engine)
        # SQLite's text of the UUIDs and datetimes of the rows given so far (_sqlite_rows).
        self._texts: dict[Any, str] = {}

    def _render(self, statement: Statement, values: Mapping[str, Any]) -> Rendered:
        if self.dialect is Dialect.POSTGRES:
            return statement.render(self.dialect)
        lengths = {name: len(values[name]) for name in statement.list_parameters}
        return statement.render(self.dialect, lengths)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        """The transaction's connection; outside one, on SQLite one of the process's
        kept connections for such statements (server/sqlite_kept.py), this
        statement's alone until it is fetched and committed; on PostgreSQL one from
        the pool."""
        transaction = self.engine.current_transaction.get()
        if transaction is not None:
            yield transaction.connection
        elif isinstance(self.engine, SQLiteEngine):
            async with statement_connections(self.engine).taken() as connection:
                yield connection
                await connection.commit()
        elif not isinstance(self.engine, PostgresEngine):
            raise TypeError(f"no SQL dialect for {type(self.engine).__name__}")
        elif self.engine.pool is not None:
            async with self.engine.pool.acquire() as connection:
                yield connection
        else:
            connection = await self.engine.get_new_connection()
            try:
                yield connection
            finally:
                await connection.close()

    async def execute(self, statement: Statement, **values: Any) -> None:
        rendered = self._render(statement, values)
        async with self._connection() as connection:
            if self.dialect is Dialect.SQLITE:
                await connection.execute(rendered.sql, rendered.arguments(values))
            else:
                await connection.execute(rendered.sql, *rendered.arguments(values))

    async def execute_many(self, statement: Statement, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement for every row: asyncpg prepares it once per connection and
        sends the rows in one pipelined round trip (a multi-row VALUES text of a few
        hundred rows is too long for its statement cache, so it was parsed every batch)."""
        if not rows:
            return
        rendered = statement.render(self.dialect)
        if self.dialect is Dialect.SQLITE:
            if len(self._texts) > _TEXTS_KEPT:
                self._texts.clear()
            arguments = _sqlite_rows(rendered, rows, self._texts)
        else:
            arguments = [rendered.arguments(r) for r in rows]
        async with self._connection() as connection:
            await connection.executemany(rendered.sql, arguments)

    async def fetch(self, statement: Statement, **values: Any) -> list[dict[str, Any]]:
        rendered = self._render(statement, values)
        async with self._connection() as connection:
            if self.dialect is Dialect.SQLITE:
                # One trip to the connection's thread (execute, fetch, close), not three.
                rows = await connection.execute_fetchall(rendered.sql, rendered.arguments(values))
                return [dict(row) for row in rows]
            return [
                dict(row)
                for row in await connection.fetch(rendered.sql, *rendered.arguments(values))
            ]

    async def fetch_value(self, statement: Statement, **values: Any) -> Any:
        """The first column of the first row (None without a row)."""
        rows = await self.fetch(statement, **values)
        return next(iter(rows[0].values())) if rows else None


# -- the statements -------------------------------------------------------------

# Every column of a dossier row but its id, as server/dossiers/store.py row_values gives them.
DOSSIER_COLUMNS = (
    "owner_id",
    "procedure_code",
    "family",
    "schema_version",
    "commune_code",
    "state",
    "version",
    "code",
    "fields",
    "field_versions",
    "field_devices",
    "submitted_at",
    "due_date",
    "appointment_date",
    "dup_key",
    "possible_duplicate_of",
    "supplement",
    "rating_stars",
    "rating_comment",
    "created_by_device",
    "created_at",
    "updated_at",
    "search_text",
    "deleted_at",
)


def _insert(table: str, columns: Sequence[str]) -> str:
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    )


# A device and its account in one statement: every sync request asks this first.
DEVICE_ACCOUNT = Statement(
    "device_account",
    "SELECT d.token_hash, d.revoked_at, d.last_seen_at, a.id, a.role, a.commune_code, "
    "a.full_name, a.email FROM device d JOIN account a ON a.id = d.account_id WHERE d.id = :device_id",
)
# The server's generation (sync/README.md §9): 1 until the first restore.
_CURRENT_GENERATION = "(SELECT COALESCE(MAX(number), 1) FROM server_generation)"
# What a generation's code counters start above: each generation has its own 2^32
# counters of every commune and year, so none hands out what a lost one did.
_COUNTER_FLOOR = f"(({_CURRENT_GENERATION} - 1) * 4294967296)"
CURRENT_GENERATION = Statement("current_generation", f"SELECT {_CURRENT_GENERATION} AS number")
# The device's last applied seq and the generation it last synced in, its row created
# if new (in the current generation), with the current generation and the seal key
# (server/recovery/keys.py SEAL_KEY_ROW: the receipts); on PostgreSQL the upsert holds
# the row lock until the batch commits.
LOCK_DEVICE_SEQUENCE = Statement(
    "lock_device_sequence",
    "INSERT INTO device_sequence (device_id, last_seq, generation) "
    f"VALUES (:device_id, 0, {_CURRENT_GENERATION}) "
    "ON CONFLICT (device_id) DO UPDATE SET last_seq = device_sequence.last_seq "
    f"RETURNING last_seq, generation, {_CURRENT_GENERATION} AS current_generation, "
    "(SELECT key FROM code_key WHERE id = 2) AS seal_key",
)
SET_DEVICE_SEQUENCE = Statement(
    "set_device_sequence",
    "UPDATE device_sequence SET last_seq = :last_seq WHERE device_id = :device_id",
)
# A device that put back what it holds: its seq moves on from what it had confirmed.
SET_DEVICE_RECOVERED = Statement(
    "set_device_recovered",
    "UPDATE device_sequence SET last_seq = :last_seq, generation = :generation "
    "WHERE device_id = :device_id",
)
# The device's outcomes under `seqs` (by_seq), and those of `mutation_ids` first
# applied under whatever seq: each half is one index's lookup.
RECORDED_OUTCOMES = Statement(
    "recorded_outcomes",
    "SELECT 1 AS by_seq, seq, mutation_id, outcome FROM applied_mutation "
    "WHERE device_id = :device_id AND seq = ANY(:seqs::bigint[]) "
    "UNION ALL SELECT 0, seq, mutation_id, outcome FROM applied_mutation "
    "WHERE device_id = :device_id AND repeat_of IS NULL "
    "AND mutation_id = ANY(:mutation_ids::uuid[])",
)
APPLIED_MUTATION_COLUMNS = (
    "device_id",
    "seq",
    "mutation_id",
    "dossier_id",
    "kind",
    "outcome",
    "applied_at",
    "repeat_of",
)
INSERT_APPLIED_MUTATION = Statement(
    "insert_applied_mutation", _insert("applied_mutation", APPLIED_MUTATION_COLUMNS)
)
# Every dossier a batch names, in id order so that batches lock in one order.
LOCK_DOSSIERS = Statement(
    "lock_dossiers",
    "SELECT * FROM dossier WHERE id = ANY(:ids::uuid[]) ORDER BY id {for_update}",
)
INSERT_DOSSIER = Statement("insert_dossier", _insert("dossier", ("id", *DOSSIER_COLUMNS)))
UPDATE_DOSSIER = Statement(
    "update_dossier",
    f"UPDATE dossier SET {', '.join(f'{c} = :{c}' for c in DOSSIER_COLUMNS)} WHERE id = :id",
)
DOSSIER_HISTORY_COLUMNS = (
    "dossier_id",
    "at",
    "actor_id",
    "actor_role",
    "device_id",
    "action",
    "from_state",
    "to_state",
    "message",
    "detail",
)
INSERT_DOSSIER_HISTORY = Statement(
    "insert_dossier_history", _insert("dossier_history", DOSSIER_HISTORY_COLUMNS)
)
AUDIT_EVENT_COLUMNS = (
    "at",
    "actor_id",
    "device_id",
    "action",
    "target_kind",
    "target_id",
    "ip",
    "detail",
)
INSERT_AUDIT_EVENT = Statement("insert_audit_event", _insert("audit_event", AUDIT_EVENT_COLUMNS))
# A feed row's columns but its txid (the writing transaction's).
FEED_COLUMNS = ("dossier_id", "owner_id", "commune_code", "version", "at")
INSERT_FEED_ROW = Statement(
    "insert_feed_row",
    f"INSERT INTO change_feed (txid, {', '.join(FEED_COLUMNS)}) "
    f"VALUES ({{current_txid}}, {', '.join(':' + c for c in FEED_COLUMNS)})",
)
# Each dossier's feed rows but its newest (server/dossiers/store.py publish_changes).
DELETE_OLDER_FEED_ROWS = Statement(
    "delete_older_feed_rows",
    "DELETE FROM change_feed WHERE dossier_id = ANY(:dossier_ids::uuid[]) AND id < "
    "(SELECT max(newer.id) FROM change_feed newer WHERE newer.dossier_id = change_feed.dossier_id)",
)
# Of `hashes`, the verified blobs this account has sent, with their sizes.
SENT_BLOBS = Statement(
    "sent_blobs",
    "SELECT b.sha256, b.size FROM blob b WHERE b.sha256 = ANY(:hashes::text[]) AND EXISTS "
    "(SELECT 1 FROM blob_uploader u WHERE u.sha256 = b.sha256 AND u.account_id = :account_id)",
)
# The key that permutes dossier codes (server/dossiers/minting.py), and its making
# at first use: of two processes that race, one insert wins.
CODE_KEY = Statement("code_key", "SELECT key FROM code_key WHERE id = :id")
INSERT_CODE_KEY = Statement(
    "insert_code_key",
    "INSERT INTO code_key (id, key, created_at) VALUES (:id, :key, :created_at) "
    "ON CONFLICT DO NOTHING",
)
# `count` consecutive code counters of a commune and year, in one atomic upsert.
ALLOCATE_CODE_COUNTERS = Statement(
    "allocate_code_counters",
    "INSERT INTO code_counter (commune_code, year, next_value) "
    f"VALUES (:commune_code, :year, {_COUNTER_FLOOR} + :after) "
    "ON CONFLICT (commune_code, year) DO UPDATE SET next_value = "
    f"{{greatest}}(code_counter.next_value, {_COUNTER_FLOOR} + 1) + :count "
    "RETURNING next_value",
)
# The version of a procedure new drafts are written against (none once inactive).
CURRENT_PROCEDURE_VERSION = Statement(
    "current_procedure_version",
    "SELECT current_version FROM procedure WHERE code = :code AND active = :active",
)
# Which of `codes` a dossier or a reservation already holds.
TAKEN_CODES = Statement(
    "taken_codes",
    "SELECT code FROM dossier WHERE code = ANY(:codes::text[]) "
    "UNION SELECT code FROM code_reservation WHERE code = ANY(:codes::text[])",
)

# -- a push batch on PostgreSQL, in two trips ---------------------------------------
# On PostgreSQL every statement is a trip to the server and back (10-30 ms on a busy
# machine), so a batch's reads go in one statement once its device is locked, and its
# writes in another. SQLite, in the process, runs the statements above one by one.


# A dossier's JSON documents: its fields, and their versions and devices. They go to
# WRITE_BATCH as text arrays beside the rows' JSON, not inside it: escaped inside a JSON
# string, unescaping them was two thirds of PostgreSQL's work on a batch's dossier rows
# (100 new drafts: 2.0 ms, against 0.7 ms without them; docs/perf-push-profile.md).
DOSSIER_DOCUMENTS = ("fields", "field_versions", "field_devices")


def _rows(
    table: str,
    columns: Sequence[str],
    parameter: str,
    leading: str = "",
    texts: Sequence[str] = (),
) -> str:
    """The rows of a JSON array parameter, each object's values taken as `table`'s
    columns' types (the table's own row type), in the array's order; `leading`
    names values selected before them (e.g. the transaction's id). The columns of
    `texts` come instead from text array parameters, `:{parameter}_{column}`, one item
    per row in the same order (a LEFT JOIN: were an array ever shorter than the rows, the
    rows past its end would be NULL there and refused by NOT NULL, not left out)."""
    rows = f"json_populate_recordset(NULL::{table}, :{parameter}::json) WITH ORDINALITY AS r"
    if texts:
        arrays = ", ".join(f":{parameter}_{c}::text[]" for c in texts)
        rows += (
            f" LEFT JOIN unnest({arrays}) WITH ORDINALITY AS t({', '.join(texts)}, ordinality) "
            "ON t.ordinality = r.ordinality"
        )
    picked = ", ".join(("t." if c in texts else "r.") + c for c in columns)
    return f"SELECT {leading}{picked} FROM {rows} ORDER BY r.ordinality"


# What a batch reads once its device is locked: the device's recorded outcomes (as
# RECORDED_OUTCOMES: [by_seq, seq, outcome] each), the current versions of the
# procedures named (code: version, the active ones), and every dossier named, locked
# in id order (one row each, or one row of NULLs without any).
BATCH_READS = Statement(
    "batch_reads",
    "WITH locked AS (SELECT * FROM dossier WHERE id = ANY(:ids::uuid[]) ORDER BY id FOR UPDATE) "
    "SELECT locked.*, looked.recorded, looked.current_versions FROM (SELECT "
    "(SELECT json_agg(json_build_array(r.by_seq, r.seq, r.outcome::json)) "
    f"FROM ({RECORDED_OUTCOMES.template}) r) AS recorded, "
    "(SELECT json_object_agg(p.code, p.current_version) FROM procedure p "
    "WHERE p.code = ANY(:codes::text[]) AND p.active) AS current_versions) looked "
    "LEFT JOIN locked ON true",
)
# What a batch writes, in one statement of data-modifying parts: the same rows as
# INSERT_DOSSIER, UPDATE_DOSSIER, INSERT_DOSSIER_HISTORY, INSERT_AUDIT_EVENT,
# INSERT_FEED_ROW with DELETE_OLDER_FEED_ROWS, INSERT_APPLIED_MUTATION and
# SET_DEVICE_SEQUENCE (without a device_id, no device's seq moves), each list a JSON
# array of objects (a dossier's DOSSIER_DOCUMENTS as text arrays beside them). All
# parts see the snapshot the statement began with, so the prune cannot see the feed
# rows inserted beside it: it deletes every row it sees of the dossiers named in
# `older_feed` (those given a new row that the batch did not insert: server/dossiers/
# store.py older_feed_dossiers), all older than the new ones (no other writer adds a
# feed row of a dossier this transaction holds locked; a sequence never hands an id back).
# It reads the insert's RETURNING so that the new rows take their ids first, before the
# prune can wait on another transaction's lock (tests/sync/test_pull_out_of_order.py).
_DOSSIER_ROWS = ("id", *DOSSIER_COLUMNS)
WRITE_BATCH = Statement(
    "write_batch",
    "WITH new_dossiers AS (INSERT INTO dossier (id, "
    f"{', '.join(DOSSIER_COLUMNS)}) "
    f"{_rows('dossier', _DOSSIER_ROWS, 'new_dossiers', texts=DOSSIER_DOCUMENTS)}), "
    f"changed_dossiers AS (UPDATE dossier SET {', '.join(f'{c} = v.{c}' for c in DOSSIER_COLUMNS)} "
    f"FROM ({_rows('dossier', _DOSSIER_ROWS, 'changed_dossiers', texts=DOSSIER_DOCUMENTS)}) v "
    "WHERE dossier.id = v.id), "
    f"history AS (INSERT INTO dossier_history ({', '.join(DOSSIER_HISTORY_COLUMNS)}) "
    f"{_rows('dossier_history', DOSSIER_HISTORY_COLUMNS, 'history')}), "
    f"audit AS (INSERT INTO audit_event ({', '.join(AUDIT_EVENT_COLUMNS)}) "
    f"{_rows('audit_event', AUDIT_EVENT_COLUMNS, 'audit')}), "
    f"feed AS (INSERT INTO change_feed (txid, {', '.join(FEED_COLUMNS)}) "
    f"{_rows('change_feed', FEED_COLUMNS, 'feed', leading='{current_txid}, ')} "
    "RETURNING dossier_id), "
    "older_feed AS (DELETE FROM change_feed WHERE dossier_id IN "
    "(SELECT dossier_id FROM feed WHERE dossier_id = ANY(:older_feed::uuid[]))), "
    f"applied AS (INSERT INTO applied_mutation ({', '.join(APPLIED_MUTATION_COLUMNS)}) "
    f"{_rows('applied_mutation', APPLIED_MUTATION_COLUMNS, 'applied')}) "
    "UPDATE device_sequence SET last_seq = :last_seq WHERE device_id = :device_id",
)

STATEMENTS = (
    DEVICE_ACCOUNT,
    LOCK_DEVICE_SEQUENCE,
    SET_DEVICE_SEQUENCE,
    RECORDED_OUTCOMES,
    INSERT_APPLIED_MUTATION,
    LOCK_DOSSIERS,
    INSERT_DOSSIER,
    UPDATE_DOSSIER,
    INSERT_DOSSIER_HISTORY,
    INSERT_AUDIT_EVENT,
    INSERT_FEED_ROW,
    DELETE_OLDER_FEED_ROWS,
    SENT_BLOBS,
    CODE_KEY,
    INSERT_CODE_KEY,
    ALLOCATE_CODE_COUNTERS,
    TAKEN_CODES,
    CURRENT_GENERATION,
    SET_DEVICE_RECOVERED,
    CURRENT_PROCEDURE_VERSION,
)
# Those only PostgreSQL runs (SQLite runs the statements they stand for).
POSTGRES_STATEMENTS = (BATCH_READS, WRITE_BATCH)
