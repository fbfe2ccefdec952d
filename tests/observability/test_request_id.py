"""X-Request-ID: the balancer's id kept when well-formed, another made otherwise,
and returned on every answer (404s and refusals included)."""

from __future__ import annotations

import re

import httpx
import pytest

GENERATED = re.compile(r"[0-9a-f]{32}")


async def test_a_well_formed_id_is_echoed(client: httpx.AsyncClient) -> None:
    for rid in ("0f8b3c2d9e1a4b5c6d7e8f9a0b1c2d3e", "f5c1e0a2-4a1b-4f6e-9b0c-2d3e4f5a6b7c"):
        r = await client.get("/api/communes", headers={"X-Request-ID": rid})
        assert r.headers["x-request-id"] == rid


async def test_an_answer_without_one_gets_one(client: httpx.AsyncClient) -> None:
    seen = set()
    for path in ("/health/live", f"/no/such/page/{'x' * 20}", "/api/catalog/khai-sinh/versions/0"):
        r = await client.get(path)
        assert GENERATED.fullmatch(r.headers["x-request-id"]), (path, r.headers)
        seen.add(r.headers["x-request-id"])
    assert len(seen) == 3
    # A method the route does not take, and a body the screen refuses, are answered too.
    r = await client.delete("/api/communes")
    assert r.status_code == 405 and GENERATED.fullmatch(r.headers["x-request-id"])


@pytest.mark.parametrize(
    "forged",
    [
        "a" * 5000,  # huge
        "short",  # too short to be anyone's id
        'abc"def ghi\\jkl',  # quotes, spaces, backslashes: log injection
        "0f8b3c2d9e1a4b5c\u00e9d7e8f9a0b1c2d3e",
    ],
)
async def test_a_forged_id_is_replaced(client: httpx.AsyncClient, forged: str) -> None:
    r = await client.get("/api/communes", headers=[(b"x-request-id", forged.encode("utf-8"))])
    assert r.status_code == 200
    assert GENERATED.fullmatch(r.headers["x-request-id"])
    assert r.headers.get_list("x-request-id") == [r.headers["x-request-id"]]
