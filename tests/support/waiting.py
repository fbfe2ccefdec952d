"""Waiting for something to become true, bounded: one polling loop for the tests,
failing with a message that says what never happened instead of hanging."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    check: Callable[[], Awaitable[T] | T],
    *,
    seconds: float = 10.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "the condition never held",
) -> T:
    """The first truthy value `check()` returns (awaited if it is a coroutine),
    polled every `interval` seconds; AssertionError with `message` after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(_text(message, seconds))
        await asyncio.sleep(interval)


def wait_until_sync(
    check: Callable[[], T],
    *,
    seconds: float = 10.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "the condition never held",
) -> T:
    """`wait_until` for code outside an event loop (threads, sync fixtures)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(_text(message, seconds))
        time.sleep(interval)


def _text(message: str | Callable[[], str], seconds: float) -> str:
    text = message() if callable(message) else message
    return f"{text} (waited {seconds:g} s)"
