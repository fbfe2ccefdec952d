"""Behind a trusted proxy, the admin gate audits the client the proxy names, as every
other part of the app does (server/client_address.py); the session it signed in with
carries that address too."""

from __future__ import annotations

import msgspec

from server.audit.tables import AuditEvent
from server.identity.tables import Session
from server.settings import Settings
from tests.admin.conftest import AdminClient
from tests.support.demo_accounts import CLIENT_ADDRESS, PASSWORD, client_for, demo_app, new_account

CLIENT = "198.51.100.20"


async def test_the_gate_audits_the_client_behind_the_proxy(settings: Settings) -> None:
    # The in-process client connects from CLIENT_ADDRESS: here, the balancer.
    behind = msgspec.structs.replace(settings, trusted_proxies=(f"{CLIENT_ADDRESS[0]}/32",))
    async with demo_app(behind) as app:
        account_id, email = await new_account("admin")
        async with client_for(app) as http:
            # What the client claimed (10.9.9.9), then what the balancer saw.
            http.headers["X-Forwarded-For"] = f"10.9.9.9, {CLIENT}"
            r = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200, r.text
            admin = AdminClient(http, account_id, email)
            r = await admin.write("POST", "/admin/public/logout/")  # through the gate
            assert r.status_code == 200, r.text
        events = await AuditEvent.select(AuditEvent.action, AuditEvent.ip).order_by(AuditEvent.id)
        assert [(e["action"], e["ip"]) for e in events] == [
            ("signed_in", CLIENT),
            ("signed_out", CLIENT),
        ]
        assert [s["ip"] for s in await Session.select(Session.ip)] == [CLIENT]
