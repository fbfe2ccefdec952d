"""GET /metrics: the Prometheus text format, for the peers MOTCUA_METRICS_ALLOW names.

The figures read at scrape time (the outbox backlog from the database, this process's
pool) are gathered here; everything else is counted where it happens. In multiprocess
mode (PROMETHEUS_MULTIPROC_DIR) the answer adds up every process on the host that
writes to that directory, and each process refreshes its pool gauges every few
seconds so that a scrape answered by one sees the others'."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import datetime

from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from server.clock import utcnow
from server.notify.tables import OutboxMessage
from server.observability.metrics import POOL_CONNECTIONS, POOL_LIMITS
from server.problems import ProblemError
from server.settings import Settings

POOL_REFRESH_SECONDS = 5.0
OUTBOX_BACKLOG_SQL = (
    "SELECT channel, COUNT(*) AS pending, MIN(created_at) AS oldest "
    "FROM outbox_message WHERE status = 'pending' GROUP BY channel"
)


def multiprocess_dir() -> str | None:
    # prometheus-client reads the variable once, when first imported; so do we.
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def allowed(settings: Settings, peer: str | None, relayed: bool = False) -> bool:
    """Whether `peer` may read /metrics. Never a request a trusted proxy relays
    (`relayed`): the allowed network is often the private one the balancer stands
    in, and what it relays comes from anyone; a scraper connects to the host."""
    if not peer or not settings.metrics_allow or relayed:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in settings.metrics_allow)


def _relayed(request: Request) -> bool:
    """A proxy passes the request on for a client: it names one in X-Forwarded-For or
    Forwarded, as nginx always does. Whether or not the proxy is among the trusted
    ones (MOTCUA_TRUSTED_PROXIES may be left unset behind one): a scraper connecting
    to the host itself sends neither."""
    return "x-forwarded-for" in request.headers or "forwarded" in request.headers


def refresh_pool_gauges(engine: Engine) -> None:
    pool = engine.pool if isinstance(engine, PostgresEngine) else None
    if pool is None:
        return  # SQLite: no pool to describe
    size, idle = pool.get_size(), pool.get_idle_size()
    POOL_CONNECTIONS.labels(state="in_use").set(size - idle)
    POOL_CONNECTIONS.labels(state="idle").set(idle)
    POOL_LIMITS.labels(bound="min").set(pool.get_min_size())
    POOL_LIMITS.labels(bound="max").set(pool.get_max_size())


class _Figures(Collector):
    """Families read once for one scrape."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


async def outbox_backlog() -> list[Metric]:
    pending = GaugeMetricFamily(
        "motcua_notify_outbox_pending",
        "Notifications waiting in the outbox (not yet sent nor given up), by channel",
        labels=["channel"],
    )
    oldest = GaugeMetricFamily(
        "motcua_notify_outbox_oldest_pending_seconds",
        "Age of the oldest notification waiting in the outbox, by channel",
        labels=["channel"],
    )
    now = utcnow()
    by_channel = {"email": (0, 0.0), "sms": (0, 0.0)}
    for row in await OutboxMessage.raw(OUTBOX_BACKLOG_SQL):
        age = 0.0
        if row["oldest"] is not None:
            age = max(0.0, (now - _aware(row["oldest"])).total_seconds())
        by_channel[str(row["channel"])] = (int(row["pending"]), age)
    for channel, (count, age) in by_channel.items():
        pending.add_metric([channel], count)
        oldest.add_metric([channel], age)
    return [pending, oldest]


def _aware(moment: datetime | str) -> datetime:
    # SQLite hands timestamps back as text from a raw query.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


@get(
    "/metrics",
    include_in_schema=False,
    opt={"skip_compression": True},
    media_type=CONTENT_TYPE_LATEST,
)
async def metrics(request: Request, state: State) -> Response[bytes]:
    settings: Settings = state.settings
    peer = request.client.host if request.client else None
    if not allowed(settings, peer, _relayed(request)):
        raise ProblemError(
            403,
            "metrics_not_allowed",
            detail="/metrics answers only the addresses in MOTCUA_METRICS_ALLOW",
        )
    engine: Engine = state.engine
    refresh_pool_gauges(engine)
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_Figures(await outbox_backlog()))
    if multiprocess_dir():
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    body = generate_latest(counted) + generate_latest(scraped)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@asynccontextmanager
async def metrics_process(app: Litestar) -> AsyncIterator[None]:
    """In multiprocess mode: refresh this process's pool gauges every few seconds, and
    take its live gauges out of the sums when it stops."""
    if not multiprocess_dir():
        yield
        return
    task = asyncio.create_task(_refresh_pool(app.state.engine))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        multiprocess.mark_process_dead(os.getpid())


async def _refresh_pool(engine: Engine) -> None:
    while True:
        refresh_pool_gauges(engine)
        await asyncio.sleep(POOL_REFRESH_SECONDS)
