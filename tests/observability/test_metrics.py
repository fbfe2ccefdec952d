"""/metrics after real pushes, pulls and uploads, on both databases: each metric is
there with the values the traffic implies, labelled by route template and fixed
words only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness import samples
from harness.sync_client import SyncDevice, uuid7
from harness.tus_client import TusClient
from server.app import create_app
from server.notify.tables import OutboxMessage
from server.settings import Settings
from tests.observability.conftest import MONITOR, scrape
from tests.sync.test_push_pull import birth_draft

PUSH = {"method": "POST", "route": "/api/sync/push", "status": "200"}


async def test_push_outcomes_mutations_and_latency_by_route(
    citizen: SyncDevice, monitor: httpx.AsyncClient
) -> None:
    before = await scrape(monitor)
    dossier = uuid7()
    birth_draft(citizen, dossier)  # create_draft, attach
    citizen.queue("submit", dossier, {}, 2)
    batch = list(citizen.outbox)
    first = await citizen.push(batch)
    assert [o["status"] for o in first.json()["outcomes"]] == ["applied"] * 3
    again = await citizen.push(batch)  # the answer was lost: the same batch once more
    assert again.status_code == 200
    # A gap: seq 5 before 4 is left for the device to resend.
    citizen.seq += 1
    late = citizen.queue("edit_draft", uuid7(), {"changes": {}}, 1)
    r = await citizen.push([late])
    assert r.json()["expected_seq"] == 4
    # Edit an unknown dossier: the engine rejects the mutation, not the batch.
    citizen.seq = 3
    citizen.outbox = []
    citizen.queue("edit_draft", uuid7(), {"changes": {}}, 1)
    r = await citizen.push()
    assert r.json()["outcomes"][0]["status"] == "rejected"

    after = await scrape(monitor)

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("motcua_push_mutations_total", outcome="applied") == 3
    assert delta("motcua_push_mutations_total", outcome="duplicate") == 3
    assert delta("motcua_push_mutations_total", outcome="out_of_order") == 1
    assert delta("motcua_push_mutations_total", outcome="rejected") == 1
    for kind in ("create_draft", "attach", "submit"):
        assert delta("motcua_mutations_applied_total", kind=kind) == 1, kind
    assert delta("motcua_mutations_applied_total", kind="edit_draft") == 0
    # Four pushes, each timed under the route's template.
    assert delta("motcua_http_request_duration_seconds_count", **PUSH) == 4
    assert delta("motcua_http_request_duration_seconds_sum", **PUSH) > 0
    assert delta("motcua_http_request_duration_seconds_bucket", **PUSH, le="+Inf") == 4
    # A refused batch: the device names another device than its credential's.
    body = citizen.body()
    body["device_id"] = str(uuid.uuid4())
    r = await citizen.http.post("/api/sync/push", json=body, headers=citizen.auth)
    assert r.status_code == 403
    last = await scrape(monitor)
    assert (
        last.value("motcua_push_batches_refused_total", reason="device_mismatch")
        - after.value("motcua_push_batches_refused_total", reason="device_mismatch")
        == 1
    )


async def test_routes_are_templates_and_methods_a_fixed_list(
    citizen: SyncDevice, monitor: httpx.AsyncClient
) -> None:
    data = samples.pdf(40_000)
    report = await TusClient(citizen.http, citizen.auth).upload(data)
    assert report.ok
    await citizen.http.get(f"/api/sync/nothing-here-{uuid.uuid4().hex}")
    await citizen.http.request("BREW", "/admin/")  # a mounted app is handed any method
    scraped = await scrape(monitor)
    routes = scraped.label_values("motcua_http_request_duration_seconds_count", "route")
    assert "/api/uploads/{upload_id:str}" in routes or any(
        r.startswith("/api/uploads/{") for r in routes
    ), routes
    assert "unmatched" in routes  # every 404 under one label
    for route in routes:
        assert uuid.UUID(int=0).hex not in route
        assert not any(len(part) >= 32 and "{" not in part for part in route.split("/")), route
    methods = scraped.label_values("motcua_http_request_duration_seconds_count", "method")
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}
    assert "BREW" not in scraped.text


async def test_upload_bytes_and_completions(
    citizen: SyncDevice, monitor: httpx.AsyncClient
) -> None:
    before = await scrape(monitor)
    data = samples.pdf(300_000)  # two chunks of the default 256 KiB
    report = await TusClient(citizen.http, citizen.auth).upload(data)
    assert report.ok, report.problem
    after = await scrape(monitor)
    received = after.value("motcua_upload_bytes_received_total") - before.value(
        "motcua_upload_bytes_received_total"
    )
    assert received == len(data)
    assert (
        after.value("motcua_uploads_completed_total")
        - before.value("motcua_uploads_completed_total")
        == 1
    )


async def test_pull_lag_and_changes(citizen: SyncDevice, monitor: httpx.AsyncClient) -> None:
    await citizen.pull_all()  # first sync: a full resend, not lag
    before = await scrape(monitor)
    dossier = uuid7()
    birth_draft(citizen, dossier)
    await citizen.sync()
    await citizen.pull_all()  # one page with the new dossier, from a cursor
    await citizen.pull_all()  # up to date: lag 0
    after = await scrape(monitor)
    count = "motcua_pull_lag_seconds_count"
    # At least the two pulls from a cursor; more when a page said `pending` (on
    # PostgreSQL, another database's transaction in flight on the same cluster holds
    # the feed's horizon back) and the client asked again.
    pulls = after.value(count) - before.value(count)
    assert pulls >= 2
    # The up-to-date pulls count 0 and the fresh change seconds at most: none is
    # anywhere near the hour buckets.
    low = "motcua_pull_lag_seconds_bucket"
    assert after.value(low, le="60.0") - before.value(low, le="60.0") == pulls
    assert after.value(low, le="1.0") - before.value(low, le="1.0") >= 1
    assert after.value("motcua_pull_changes_total") - before.value("motcua_pull_changes_total") == 1


async def test_outbox_backlog_and_pool_at_scrape_time(
    app, settings: Settings, monitor: httpx.AsyncClient
) -> None:
    now = dt.datetime.now(dt.UTC)
    await OutboxMessage.insert(
        *(
            OutboxMessage(
                id=uuid.uuid4(),
                channel=channel,
                recipient="nguoi-nhan@example.vn" if channel == "email" else "+84901234567",
                template="activation",
                params="{}",
                status="pending",
                next_attempt_at=now + dt.timedelta(days=1),  # not the worker's yet
                created_at=now - dt.timedelta(hours=1),
            )
            for channel in ("email", "email", "sms")
        )
    )
    scraped = await scrape(monitor)
    assert scraped.value("motcua_notify_outbox_pending", channel="email") == 2
    assert scraped.value("motcua_notify_outbox_pending", channel="sms") == 1
    oldest = scraped.value("motcua_notify_outbox_oldest_pending_seconds", channel="email")
    assert 3600 <= oldest < 3 * 3600
    assert "nguoi-nhan" not in scraped.text and "84901234567" not in scraped.text
    if settings.engine == "postgres":
        limit = "motcua_db_pool_limit_connections"
        assert scraped.value(limit, bound="max") == settings.db_pool_max
        in_use = scraped.value("motcua_db_pool_connections", state="in_use")
        idle = scraped.value("motcua_db_pool_connections", state="idle")
        assert settings.db_pool_min <= in_use + idle <= settings.db_pool_max
    # SQLite: Piccolo keeps no pool, and no pool figures are made up
    # (server/observability/exposition.py refresh_pool_gauges).


async def test_delivery_failures_counted(monitor: httpx.AsyncClient, settings: Settings) -> None:
    from server.notify.claims import deliver_pass
    from server.notify.transport import DeliveryError

    before = await scrape(monitor)
    now = dt.datetime.now(dt.UTC)
    # Due an hour from now, and the pass below runs as of then: the app's own sender,
    # running beside the test, must not claim it first.
    due = now + dt.timedelta(hours=1)
    await OutboxMessage.insert(
        OutboxMessage(
            id=uuid.uuid4(),
            channel="sms",
            recipient="+84901234567",
            template="activation",
            params="{}",
            status="pending",
            next_attempt_at=due,
            created_at=now,
        )
    )

    async def refuse(item) -> DeliveryError:
        return DeliveryError("the gateway said no", permanent=False)

    import logging

    await deliver_pass(
        OutboxMessage._meta.db,
        channel="sms",
        now=due + dt.timedelta(seconds=1),
        limit=10,
        send_timeout=5,
        max_attempts=5,
        attempt=refuse,
        log=logging.getLogger("test"),
        what="sms",
    )
    after = await scrape(monitor)
    name = "motcua_notify_delivery_failures_total"
    assert (
        after.value(name, channel="sms", result="retry")
        - before.value(name, channel="sms", result="retry")
        == 1
    )


async def test_metrics_only_for_the_allowed_peers(settings: Settings) -> None:
    for allow, peer, status in (
        ((), MONITOR, 403),  # not configured: nobody
        (("10.0.5.0/24",), MONITOR, 403),
        (("10.0.5.0/24",), ("10.0.5.7", 9090), 200),
        (("127.0.0.1/32",), ("198.51.100.9", 1234), 403),
    ):
        app: Any = create_app(msgspec.structs.replace(settings, metrics_allow=allow))
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app, client=peer)
            async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
                r = await http.get("/metrics")
        assert r.status_code == status, (allow, peer, r.text)
        if status == 403:
            assert r.json()["type"].endswith("/metrics_not_allowed")
            assert "MOTCUA_METRICS_ALLOW" in r.json()["detail"]


@pytest.mark.parametrize("raw", ["nonsense", "10.0.0.0/33", "10.0.0.1, ::1/129"])
def test_a_bad_allow_list_is_refused_at_start(raw: str) -> None:
    from server.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="MOTCUA_METRICS_ALLOW"):
        load_settings({"MOTCUA_METRICS_ALLOW": raw})


async def test_metrics_are_not_read_through_the_balancer(settings: Settings) -> None:
    """The allowed network is often the private one, where the balancer also stands:
    a request the balancer relays comes from anyone on the internet, and is refused
    (the balancer's own address is allowed for a scraper on its machine, which
    connects to the host directly and names no client)."""
    balancer = ("10.0.5.10", 40000)
    app: Any = create_app(
        msgspec.structs.replace(
            settings, metrics_allow=("10.0.5.0/24",), trusted_proxies=("10.0.5.10",)
        )
    )
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=balancer)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
            relayed = await http.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})
            forged = await http.get("/metrics", headers={"X-Forwarded-For": "10.0.5.7"})
            rfc7239 = await http.get("/metrics", headers={"Forwarded": "for=198.51.100.9"})
            direct = await http.get("/metrics")
    assert relayed.status_code == 403, relayed.text
    assert rfc7239.status_code == 403, rfc7239.text
    # A client through the balancer cannot name an allowed address either.
    assert forged.status_code == 403, forged.text
    assert direct.status_code == 200, direct.text
    # Nor when the balancer was left out of MOTCUA_TRUSTED_PROXIES.
    app = create_app(msgspec.structs.replace(settings, metrics_allow=("10.0.5.0/24",)))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=balancer)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
            relayed = await http.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})
    assert relayed.status_code == 403, relayed.text
