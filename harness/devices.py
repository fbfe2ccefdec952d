"""A device signed in as the PWA signs one in: a password sign-in, the install
registered at /api/devices, and from then on its device credential alone."""

from __future__ import annotations

import uuid

import httpx

from harness.sync_client import SyncDevice

DEVICE_NAME = "máy thử"


async def register_device(
    session: httpx.AsyncClient,
    csrf: str,
    *,
    name: str = DEVICE_NAME,
    device_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, str]:
    """Registers an install for the account signed in on `session`; returns its id and
    credential."""
    device_id = device_id or uuid.uuid4()
    r = await session.post(
        "/api/devices",
        json={"id": str(device_id), "name": name},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201, r.text
    return device_id, r.json()["credential"]


async def sign_in_device(
    http: httpx.AsyncClient,
    email: str,
    password: str,
    *,
    browser: httpx.AsyncClient | None = None,
    name: str = DEVICE_NAME,
    device_id: uuid.UUID | None = None,
) -> SyncDevice:
    """Signs in on `browser` (default: `http` itself, whose cookies are then cleared),
    registers a device and returns it talking through `http` with its credential only.
    A `browser` of its own keeps a client that several devices share free of session
    cookies."""
    session = browser or http
    r = await session.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    device_id, credential = await register_device(
        session, r.json()["csrf_token"], name=name, device_id=device_id
    )
    if browser is None:
        http.cookies.clear()
    return SyncDevice(http, credential, device_id)


async def sign_in_device_at(
    base_url: str, email: str, password: str, http: httpx.AsyncClient, **options
) -> SyncDevice:
    """`sign_in_device` against a server at `base_url`, signing in on a short-lived
    client so that `http` carries no session."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as browser:
        return await sign_in_device(http, email, password, browser=browser, **options)
