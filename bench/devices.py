"""A phone the benchmarks drive: a registered install of the app, signing its
requests with its device credential and numbering its mutations itself.

Apart from the server processes (servers.py) that register it and the workload
(workload.py) that fills its mutations, so that both can name it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from harness.sync_client import uuid7


@dataclass(eq=False)
class Device:
    """A registered install: its id, its credential and its own mutation seq."""

    base_url: str
    device_id: uuid.UUID
    credential: str
    email: str
    seq: int = 0

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Device {self.credential}"}

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A client with its own connection, signing every request as this device."""
        kwargs.setdefault("timeout", httpx.Timeout(120.0, connect=10.0))
        kwargs["headers"] = {**self.auth, **kwargs.get("headers", {})}
        return httpx.AsyncClient(base_url=self.base_url, **kwargs)

    def mutation(
        self, kind: str, dossier_id: uuid.UUID, payload: dict[str, Any], base_version: int = 0
    ) -> dict[str, Any]:
        self.seq += 1
        return {
            "seq": self.seq,
            "id": str(uuid7()),
            "dossier_id": str(dossier_id),
            "kind": kind,
            "payload": payload,
            "base_version": base_version,
        }

    def envelope(self, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        return {"device_id": str(self.device_id), "mutations": mutations}
