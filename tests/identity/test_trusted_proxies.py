"""Behind a real nginx running the deployment's own configuration
(deploy/nginx/motcua.conf, through harness/nginx.py), a real `motcua serve` tells its
clients apart: the sign-in rate limit one client runs into does not stop another, the
audit names each client's own address, and what a client writes in X-Forwarded-For
through the proxy, or in X-Forwarded-For or Forwarded straight to the server, never
names it as someone else. So the address the deployed nginx passes on is one that
MOTCUA_TRUSTED_PROXIES believes.

The clients connect from different loopback addresses (127.0.0.2, 127.0.0.3...),
which nginx sees as their addresses and appends to X-Forwarded-For; nginx reaches
the server from 127.0.0.1, the one trusted proxy."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from harness.nginx import Nginx
from harness.server_process import PASSWORD, ServerProcess, insert_accounts, server_env
from server.audit.tables import AuditEvent
from server.database import bound_engine
from server.ratelimit.service import LIMITS
from server.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("nginx_installed")]

CLIENT_1, CLIENT_2, OUTSIDER = "127.0.0.2", "127.0.0.3", "127.0.0.4"


def client_from(address: str, base_url: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30)


async def log_in(http: httpx.AsyncClient, email: str, password: str, **headers: str):
    return await http.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers
    )


async def test_clients_behind_nginx_are_told_apart(settings: Settings, tmp_path: Path) -> None:
    server = ServerProcess(
        server_env(settings, MOTCUA_TRUSTED_PROXIES="127.0.0.1"), tmp_path, "motcua"
    )
    async with bound_engine(settings):
        [email] = await insert_accounts([("citizen", "")])
        server.start()
        proxy = Nginx(tmp_path / "nginx", [server.port])
        try:
            await server.wait_ready()
            proxy.start()
            await proxy.wait_ready()
            async with (
                client_from(CLIENT_1, proxy.url) as one,
                client_from(CLIENT_2, proxy.url) as two,
                client_from(OUTSIDER, server.url) as outsider,
            ):
                # Client 1 uses up the sign-in limit of its address, each time with a
                # new email (the per-account limit stays out of it), and each time
                # claiming through the proxy to be client 2.
                allowed = LIMITS["signin:ip"].hits
                for _ in range(allowed):
                    refused = await log_in(
                        one,
                        f"{uuid.uuid4().hex}@example.vn",
                        "wrong",
                        **{"X-Forwarded-For": CLIENT_2},
                    )
                    assert refused.status_code == 401, refused.text
                limited = await log_in(one, email, PASSWORD)
                assert limited.status_code == 429, limited.text

                # Client 2, behind the same proxy, is not limited.
                signed_in = await log_in(two, email, PASSWORD)
                assert signed_in.status_code == 200, signed_in.text

                # Straight to the server, a forged header is nobody's word.
                forged = await log_in(
                    outsider, email, "wrong", **{"X-Forwarded-For": "203.0.113.9"}
                )
                assert forged.status_code == 401, forged.text
                forged = await log_in(outsider, email, "wrong", Forwarded="for=203.0.113.9")
                assert forged.status_code == 401, forged.text

            refusals = await AuditEvent.select(AuditEvent.ip).where(
                AuditEvent.action == "sign_in_refused"
            )
            signed = await AuditEvent.select(AuditEvent.ip).where(AuditEvent.action == "signed_in")
            assert sorted(r["ip"] for r in refusals) == [CLIENT_1] * allowed + [OUTSIDER] * 2
            assert [r["ip"] for r in signed] == [CLIENT_2]
        except BaseException:
            print(server.log_text())
            print(proxy.log_text())
            raise
        finally:
            proxy.stop()
            server.stop()
