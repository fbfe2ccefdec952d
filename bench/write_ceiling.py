"""PostgreSQL alone with motcua's statements: the ceiling of a push on PostgreSQL.

What PostgreSQL itself can take of a push's reads and writes, with no motcua process
at all, on the same machine: no HTTP, no validation, no Python between the
statements. Any motcua server shares the machine's cores with this work, so its rate
on PostgreSQL can only approach this one; pouchdb_compare prints it beside the bare
stack (the floor of issue #21's target 2) to show how much of the gap is what a
draft writes rather than the server's own work.

How: a motcua server on a fresh PostgreSQL database takes one batch of `batch`
birth drafts from each of `clients` devices through the real push, and stops. Each
device's rows of its batch are read back (the dossiers, their history, the audit
entries, the feed rows, the recorded outcomes: what the push stored, column by
column). Then, timed (after one untimed batch per connection, as the contenders'
warm-up), each device's connection sends its share of `documents` drafts as copies
of those rows with fresh dossier and mutation ids and the device's seqs continued,
one transaction per batch of `batch`, with the two statements a push of new drafts
sends (server/sql.py BATCH_READS and WRITE_BATCH, its values built by the server's
own batch_store.write_batch_values). Left out: the device's lock (an upsert of one
row), the credential lookup before the transaction, and everything the server
computes."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.common import Report, cli, ms, percentile
from bench.load import Stats, push_once
from bench.push_throughput import split
from bench.servers import motcua
from bench.workload import PROCEDURE, chunks, create_draft_payload
from harness.sync_client import uuid7
from server.dossiers.batch_store import write_batch_values
from server.sql import (
    APPLIED_MUTATION_COLUMNS,
    AUDIT_EVENT_COLUMNS,
    BATCH_READS,
    DOSSIER_COLUMNS,
    DOSSIER_HISTORY_COLUMNS,
    FEED_COLUMNS,
    WRITE_BATCH,
    Dialect,
)

LABEL = "PostgreSQL alone: motcua's statements, no server"


@dataclass
class Batch:
    """One device's rows of one batch of new drafts, as the push stored them."""

    device_id: uuid.UUID
    dossiers: list[dict[str, Any]]
    history: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    feed: list[dict[str, Any]]
    applied: list[dict[str, Any]]

    def copy(
        self, first_seq: int, drafts: int
    ) -> tuple[list[uuid.UUID], list[uuid.UUID], dict[str, Any]]:
        """The rows of the first `drafts` dossiers again, for new dossiers and mutations
        numbered from `first_seq`: the dossiers' ids, the mutations' ids, and
        WRITE_BATCH's values."""
        dossier_ids = {d["id"]: uuid7() for d in self.dossiers[:drafts]}

        def mine(rows: list[dict[str, Any]], key: str = "dossier_id") -> list[dict[str, Any]]:
            return [{**r, key: dossier_ids[r[key]]} for r in rows if r[key] in dossier_ids]

        applied = mine(self.applied)
        mutation_ids = {a["mutation_id"]: uuid7() for a in applied}
        audit = [
            {**a, "target_id": str(dossier_ids[target])}
            for a in self.audit
            if (target := uuid.UUID(a["target_id"])) in dossier_ids
        ]
        applied = [
            {**a, "mutation_id": mutation_ids[a["mutation_id"]], "seq": first_seq + k}
            for k, a in enumerate(applied)
        ]
        values = write_batch_values(
            mine(self.dossiers, "id"),
            [],
            mine(self.history),
            audit,
            mine(self.feed),
            [],
            applied,
            (self.device_id, first_seq + len(applied) - 1),
        )
        return sorted(dossier_ids.values()), list(mutation_ids.values()), values


async def _select(
    connection: asyncpg.Connection, table: str, columns: Sequence[str], where: str, value: Any
) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        f"SELECT {', '.join(columns)} FROM {table} WHERE {where} ORDER BY id", value
    )
    return [dict(r) for r in rows]


async def _stored_batch(connection: asyncpg.Connection, device_id: uuid.UUID) -> Batch:
    dossiers = await _select(
        connection, "dossier", ("id", *DOSSIER_COLUMNS), "created_by_device = $1", device_id
    )
    ids = [d["id"] for d in dossiers]
    return Batch(
        device_id,
        dossiers,
        await _select(
            connection, "dossier_history", DOSSIER_HISTORY_COLUMNS, "device_id = $1", device_id
        ),
        await _select(
            connection,
            "audit_event",
            AUDIT_EVENT_COLUMNS,
            "target_id = ANY($1::text[])",
            [str(i) for i in ids],
        ),
        await _select(connection, "change_feed", FEED_COLUMNS, "dossier_id = ANY($1)", ids),
        await _select(
            connection, "applied_mutation", APPLIED_MUTATION_COLUMNS, "device_id = $1", device_id
        ),
    )


# A batch's dossier ids, its mutations' ids and WRITE_BATCH's values.
Copy = tuple[list[uuid.UUID], list[uuid.UUID], dict[str, Any]]


def _copies(batch: Batch, count: int, size: int) -> list[Copy]:
    """`count` drafts as copies of `batch`'s, in batches of `size`."""
    seq = len(batch.applied) + 1
    copies = []
    for share in chunks(list(range(count)), size):
        copies.append(batch.copy(seq, len(share)))
        seq += len(share)
    return copies


async def _send(
    connection: asyncpg.Connection, device_id: uuid.UUID, copies: list[Copy], stats: Stats
) -> None:
    """The batches one after another, one transaction each, as a device's pushes are."""
    reads, write = BATCH_READS.render(Dialect.POSTGRES), WRITE_BATCH.render(Dialect.POSTGRES)
    for ids, mutation_ids, values in copies:
        looked = {
            "ids": ids,
            "device_id": device_id,
            "seqs": [],
            "mutation_ids": mutation_ids,
            "codes": [PROCEDURE],
        }
        started = time.perf_counter()
        async with connection.transaction():
            await connection.fetch(reads.sql, *reads.arguments(looked))
            await connection.execute(write.sql, *write.arguments(values))
        stats.latencies.append(time.perf_counter() - started)
        stats.items += len(ids)


async def run_ceiling(documents: int, clients: int, batch: int) -> dict[str, Any]:
    """For pouchdb_compare: the same drafts, clients and batches as the contenders."""
    with motcua("postgres") as cluster:
        phones = await cluster.devices(clients)
        await asyncio.gather(
            *[
                push_once(
                    phone,
                    [
                        phone.mutation("create_draft", uuid7(), create_draft_payload(k * batch + i))
                        for i in range(batch)
                    ],
                )
                for k, phone in enumerate(phones)
            ]
        )
        for server in cluster.servers:
            server.stop()  # PostgreSQL alone from here
        url = cluster.database.url
        connections = [await asyncpg.connect(url) for _ in phones]
        try:
            stored = [await _stored_batch(connections[0], p.device_id) for p in phones]
            if any(len(b.dossiers) != batch or len(b.applied) != batch for b in stored):
                raise RuntimeError("the seed push did not store one batch per device")
            # Built before the clock starts: only the statements are timed. Each
            # connection's first batch is untimed, as the contenders' warm-up push is:
            # it prepares the two statements and fills its backend's caches.
            copies = [
                _copies(b, batch + count, batch)
                for b, count in zip(stored, split(documents, clients), strict=True)
            ]
            await asyncio.gather(
                *[
                    _send(c, b.device_id, mine[:1], Stats())
                    for c, b, mine in zip(connections, stored, copies, strict=True)
                ]
            )
            stats = Stats()
            started = time.perf_counter()
            await asyncio.gather(
                *[
                    _send(c, b.device_id, mine[1:], stats)
                    for c, b, mine in zip(connections, stored, copies, strict=True)
                ]
            )
            stats.seconds = time.perf_counter() - started
            total = await connections[0].fetchval("SELECT count(*) FROM dossier")
        finally:
            for c in connections:
                await c.close()
    return {
        "label": LABEL,
        "stats": stats,
        "peak_mb": math.nan,  # no server process
        "check": f"{total - 2 * clients * batch:,} stored",  # less the seed and the warm-up
    }


async def run(quick: bool = False, documents: int = 10_000, clients: int = 8, batch: int = 100):
    if quick:
        documents = 800
    report = Report("write_ceiling", "PostgreSQL alone with motcua's statements for a push")
    result = await run_ceiling(documents, clients, batch)
    s: Stats = result["stats"]
    table = report.table(
        f"{documents:,} birth drafts, {clients} connections, batches of {batch}",
        ["", "documents/s", "batch p50 ms", "batch p95 ms", "check"],
    )
    table.add(
        LABEL,
        s.rate,
        ms(percentile(s.latencies, 50)),
        ms(percentile(s.latencies, 95)),
        result["check"],
    )
    report.figures["docs_s"] = s.rate
    report.summary = f"{s.rate:,.0f} docs/s"
    return report


if __name__ == "__main__":
    cli(run, __doc__ or "")
