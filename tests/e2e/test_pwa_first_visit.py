"""A first visit in real Chromium: the service worker is registered from index.html's
head, not by the entry script once the page has loaded, so on a slow link the
worker's script and precache start beside the entry script (bench/first_visit.py).
Here the entry script is held back: the worker must be registered, and the shell
precached, before the app's own code has even arrived; then the app starts as usual
and works offline."""

from __future__ import annotations

import asyncio

from harness.app_pages import app_ready, install_app

# Where the worker is: "none", "registered" or "activated" (its precache stored).
WORKER = """async () => {
  const reg = await navigator.serviceWorker.getRegistration();
  if (!reg) return 'none';
  return reg.active && reg.active.state === 'activated' ? 'activated' : 'registered';
}"""


async def worker_reaches(page, state: str, tries: int = 150) -> str:
    """Polls the worker's state (page.wait_for_function would take the promise an async
    function returns for a truthy answer) until it is `state`; returns the last seen."""
    seen = "none"
    for _ in range(tries):
        seen = await page.evaluate(WORKER)
        if seen == state:
            break
        await asyncio.sleep(0.1)
    return seen


async def test_the_worker_installs_while_the_entry_script_is_still_on_its_way(new_page):
    page = await new_page()
    release = asyncio.Event()
    held: list[str] = []

    async def hold(route):
        held.append(route.request.url)
        await release.wait()
        await route.continue_()

    # Only the page's request for its entry script (the worker's precache asks for
    # the same file from the worker, which page.route does not see).
    await page.route("**/assets/index-*.js", hold)
    await page.set_viewport_size({"width": 412, "height": 900})
    await page.goto("/", wait_until="commit")
    try:
        assert await worker_reaches(page, "activated") == "activated"
        assert held and not release.is_set()
        assert await page.evaluate("() => document.querySelector('main') === null")
    finally:
        release.set()
    await app_ready(page)

    # The usual first visit then completes: controlled, reference data stored.
    await install_app(page)
    await page.context.set_offline(True)
    await page.reload()
    await app_ready(page)
