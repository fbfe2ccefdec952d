"""The HTTP client the harness's phones and officials use against a served motcua."""

from __future__ import annotations

import httpx

# Below the server's keep-alive (uvicorn's 5 s): a connection idle that long is not
# reused just as the server closes it, which fails the request with a ReadError.
KEEPALIVE_EXPIRY = 4.0


def served_client(base_url: str, timeout: float = 60) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY)
    )
