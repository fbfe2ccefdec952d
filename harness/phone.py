"""A citizen's phone at the protocol level, for the tests and benchmarks that need
dossiers submitted before a screen is looked at."""

from __future__ import annotations

import hashlib

import httpx

from harness.devices import sign_in_device
from harness.http_client import served_client
from harness.sync_client import SyncDevice, uuid7
from harness.tus_client import TusClient


class Phone:
    """The citizen's app, at the protocol level: a registered device that uploads
    files with tus and pushes mutations to /api/sync/push."""

    def __init__(self, http: httpx.AsyncClient, device: SyncDevice) -> None:
        self.http = http
        self.device = device

    @classmethod
    async def sign_in(cls, base_url: str, email: str, password: str) -> Phone:
        http = served_client(base_url)
        return cls(http, await sign_in_device(http, email, password, name="điện thoại thử"))

    async def upload(self, data: bytes, name: str) -> str:
        report = await TusClient(self.http, self.device.auth).upload_if_missing(data, filename=name)
        assert report.ok, report
        return hashlib.sha256(data).hexdigest()

    async def submit(self, procedure: str, fields: dict, attachments: dict[str, str]) -> str:
        dossier = uuid7()
        self.device.queue("create_draft", dossier, {"procedure_code": procedure, "fields": fields})
        version = 1
        for path, sha in attachments.items():
            self.device.queue("attach", dossier, {"path": path, "sha256": sha}, version)
            version += 1
        self.device.queue("submit", dossier, {}, version)
        outcomes = await self.device.sync()
        assert outcomes[-1]["status"] == "applied" and outcomes[-1]["state"] == 1, outcomes
        return str(dossier)
