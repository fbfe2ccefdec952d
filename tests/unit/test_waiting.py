from __future__ import annotations

import itertools

import pytest

from tests.support.waiting import wait_until, wait_until_sync


async def test_returns_the_first_truthy_value_of_a_sync_or_async_check() -> None:
    counter = itertools.count()
    assert await wait_until(lambda: next(counter) >= 3 and "ready", interval=0) == "ready"

    calls = itertools.count()

    async def check() -> list[int]:
        return [1] if next(calls) == 2 else []

    assert await wait_until(check, interval=0) == [1]


async def test_says_what_never_happened_after_the_timeout() -> None:
    with pytest.raises(AssertionError, match=r"no mail to an@example.vn \(waited 0.05 s\)"):
        await wait_until(
            lambda: False, seconds=0.05, interval=0.01, message="no mail to an@example.vn"
        )


def test_the_sync_form_waits_and_fails_alike() -> None:
    counter = itertools.count()
    assert wait_until_sync(lambda: next(counter) == 2, interval=0) is True
    with pytest.raises(AssertionError, match="still down"):
        wait_until_sync(lambda: 0, seconds=0.05, interval=0.01, message=lambda: "still down")
