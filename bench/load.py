"""Concurrent clients: each device pushes its pre-encoded batches one after another,
as a phone's sync loop does; the devices run side by side."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from bench.devices import Device

JSON = "application/json"
MSGPACK = "application/x-msgpack"


@dataclass
class Stats:
    items: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    problems: Counter = field(default_factory=Counter)
    # Each device's last answered push (body, answer), for the exactly-once replay check.
    last_answer: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else float("nan")


def encode(body: Any, content_type: str = JSON) -> bytes:
    return msgspec.msgpack.encode(body) if content_type == MSGPACK else msgspec.json.encode(body)


def decode(data: bytes, content_type: str = JSON) -> Any:
    return msgspec.msgpack.decode(data) if content_type == MSGPACK else msgspec.json.decode(data)


async def run_clients(jobs: list[Callable[[Stats], Awaitable[None]]], deadline: float) -> Stats:
    """Run the client coroutines together; stop them at `deadline` seconds."""
    stats = Stats()
    started = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*[job(stats) for job in jobs]), deadline)
    except TimeoutError:
        stats.problems[f"stopped after {deadline:.0f} s"] += 1
    stats.seconds = time.perf_counter() - started
    return stats


def push_job(
    device: Device, bodies: list[tuple[bytes, int]], content_type: str = JSON
) -> Callable[[Stats], Awaitable[None]]:
    """A device pushing (body, mutation count) pairs in order, counting outcomes."""

    async def job(stats: Stats) -> None:
        async with device.client(headers={**device.auth, "Content-Type": content_type}) as http:
            for body, count in bodies:
                t0 = time.perf_counter()
                r = await http.post("/api/sync/push", content=body)
                stats.latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    stats.problems[f"HTTP {r.status_code}: {r.text[:120]}"] += 1
                    continue
                answer = decode(r.content, content_type)
                outcomes = answer["outcomes"]
                if len(outcomes) != count or answer.get("expected_seq") is not None:
                    stats.problems[
                        f"{len(outcomes)} outcomes for {count}, expected_seq {answer.get('expected_seq')}"
                    ] += 1
                stats.statuses.update(o["status"] for o in outcomes)
                stats.items += len(outcomes)
                stats.last_answer[str(device.device_id)] = (body, answer)

    return job


async def push_once(device: Device, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    async with device.client() as http:
        r = await http.post(
            "/api/sync/push",
            content=encode(device.envelope(mutations)),
            headers={"Content-Type": JSON},
        )
    if r.status_code != 200:
        raise RuntimeError(f"push answered {r.status_code}: {r.text[:300]}")
    return r.json()


async def replay_check(
    device: Device, last: tuple[bytes, dict[str, Any]] | None, content_type: str = JSON
) -> bool:
    """Exactly-once: the device's last answered batch, sent again byte for byte,
    gets the recorded outcomes back."""
    if last is None:
        return False
    body, first = last
    async with device.client() as http:
        r = await http.post("/api/sync/push", content=body, headers={"Content-Type": content_type})
    if r.status_code != 200:
        return False
    again = decode(r.content, content_type)
    # last_seq is the device's highest seq now: a batch cut off by the deadline may
    # still have committed after the answer kept here, so it can only have grown.
    return again["outcomes"] == first["outcomes"] and again["last_seq"] >= first["last_seq"]


def summarize_problems(stats: Stats) -> str:
    if not stats.problems:
        return "none"
    return "; ".join(f"{n}× {what}" for what, n in stats.problems.most_common(3))


async def timed_get(
    http: httpx.AsyncClient, url: str, **kwargs: Any
) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    r = await http.get(url, **kwargs)
    return time.perf_counter() - t0, r
