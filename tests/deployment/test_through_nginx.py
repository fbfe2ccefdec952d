"""The whole product through the deployment: three hosts behind nginx with
deploy/nginx/motcua.conf, on one PostgreSQL database. The chaos run (phones cut off
mid-request, batches twice, hosts killed and restarted), an outreach official's day,
and three hosts starting at once on a fresh database."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
import pytest

from harness.chaos import Chaos, ChaosPlan, render
from harness.deployment import Deployment
from harness.outreach_day import OutreachDevice, record_day
from harness.s3_server import S3Server
from server.database import bound_engine
from server.dossiers.tables import AppliedMutation, Dossier
from server.settings import Settings
from sync.states import State
from tests.deployment.conftest import device_credential
from tests.field.test_chaos import chaos_seed
from tests.support import databases as dbs

pytestmark = pytest.mark.slow  # three server processes and nginx: seconds to tens of seconds


async def test_chaos_through_nginx(shared_settings: Settings, tmp_path: Path) -> None:
    plan = ChaosPlan(
        devices=12, processes=3, sessions=5, kills=2, seed=chaos_seed(), cut_every=20_000
    )
    print(f"random seed {plan.seed}")
    async with bound_engine(shared_settings):
        chaos = Chaos(plan, shared_settings, tmp_path, through_nginx=True)
        async with chaos:
            try:
                result = await chaos.run()
            finally:
                print(chaos.logs()[-20000:])  # shown when the test fails
            assert chaos.deployment is not None
            hosts = {line.upstream for line in chaos.deployment.nginx.access()}
    print(render(result))
    counts = result.counts
    assert counts["processes killed (SIGKILL)"] == counts["processes restarted"] == plan.kills
    assert counts["connections cut mid-request"] >= 1
    assert len({h.split(", ")[-1] for h in hosts if h != "-"}) == plan.processes
    assert result.checks == dict.fromkeys(result.checks, 0), render(result)
    assert counts["devices converged"] == plan.devices
    assert counts["mutations confirmed"] == counts["mutations queued"]


async def test_an_outreach_day_through_nginx(deployment: Deployment) -> None:
    device_id, credential = await device_credential("outreach", "00070")
    device = OutreachDevice(deployment.url, credential, device_id)
    births, photos = 3, 6
    codes = await device.reserve(births)
    day = record_day(codes, births, photos, 60_000, seed=5)
    result = await device.sync(day)

    assert sorted(result.outcomes) == list(range(1, device.seq + 1))
    assert [o for o in result.outcomes.values() if o["status"] != "applied"] == []
    applied = await AppliedMutation.count().where(AppliedMutation.device_id == device_id)
    assert applied == device.seq
    for birth in day:
        row = await Dossier.select().where(Dossier.id == birth.dossier_id).first()
        assert (row["state"], row["code"], row["version"]) == (
            State.SUBMITTED,
            birth.code,
            2 + len(birth.photos),
        )
    async with device.client() as http:
        for p in (p for b in day for p in b.photos):
            r = await http.get(f"/api/blobs/{p.sha256}")
            assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == p.sha256
    # The day was spread over every host.
    served = {deployment.host_named(line.upstream) for line in deployment.nginx.access()}
    assert served == {0, 1, 2}


async def _start_behind_nginx(deployed: Deployment) -> set[int]:
    """The hosts that answered six requests through nginx once all were up."""
    async with deployed:
        async with httpx.AsyncClient(base_url=deployed.url) as http:
            answers = await asyncio.gather(*(http.get("/health") for _ in range(6)))
        assert [r.status_code for r in answers] == [200] * 6
        await asyncio.sleep(0.05)  # nginx writes its log line after the answer
        return {deployed.host_named(line.upstream) for line in deployed.nginx.access()}


def test_three_hosts_start_at_once_on_a_fresh_database(
    shared_settings: Settings, s3_server: S3Server, tmp_path: Path
) -> None:
    """`motcua serve` migrates first; three of them on an empty database take turns
    (server/migrate.py's advisory lock) and all come up behind nginx."""
    name = dbs.create_pg_database("motcua_fresh_deploy")
    try:
        settings = dbs.settings_for(dbs.pg_url(name), tmp_path / "data")
        deployed = Deployment(settings, tmp_path / "deploy", env=s3_server.bucket_env())
        try:
            served = asyncio.run(_start_behind_nginx(deployed))
        finally:
            logs = deployed.logs()
            print(logs)
        assert served == {0, 1, 2}
        assert "Traceback" not in logs
        assert all(s.starts == 1 for s in deployed.servers)
    finally:
        dbs.drop_pg_database(name)
