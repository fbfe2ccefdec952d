"""A first visit in real Chromium: while the entry script is on its way the page asks
for nothing else (the worker's script would share the link with the first screen: on
2G its 36 KB came ~5 s before the first paint); as soon as the entry script runs it
registers the worker and asks for the lazy chunks itself, so they download beside the
worker's script and the precache finds them in the HTTP cache (bench/first_visit.py).
Here the entry script is held back, then released; the app then works offline."""

from __future__ import annotations

import asyncio
from pathlib import Path

from harness.app_pages import app_ready, install_app

DIST = Path(__file__).resolve().parents[2] / "pwa" / "dist"

# Where the worker is: "none", "registered" or "activated" (its precache stored).
WORKER = """async () => {
  const reg = await navigator.serviceWorker.getRegistration();
  if (!reg) return 'none';
  return reg.active && reg.active.state === 'activated' ? 'activated' : 'registered';
}"""

# The page's stylesheet, asked for beside the entry script, has arrived.
STYLESHEET_IN = """() => performance.getEntriesByType('resource')
  .some((e) => /\\/assets\\/index-[\\w-]+\\.css$/.test(new URL(e.name).pathname))"""

# Whether the page itself asked for every one of these paths (the worker's requests are
# in its own timeline, not the page's).
PAGE_ASKED_FOR = """(paths) => {
  const asked = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
  return paths.every((p) => asked.includes(p));
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


def lazy_chunks() -> list[str]:
    """The precached scripts index.html does not load: the upload code, the receipt's
    QR code, passkeys (the desk screens are not precached)."""
    return sorted(
        f"/assets/{p.name}"
        for p in (DIST / "assets").glob("*.js")
        if not p.name.startswith(("index-", "DeskScreens-"))
    )


async def test_the_worker_waits_for_the_entry_script_then_installs_beside_the_app(new_page):
    chunks = lazy_chunks()
    assert chunks, "pwa/dist has no lazy chunks: build it (cd pwa && npm run build)"
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
        # Everything else index.html asks for is in; the worker is still not asked for
        # (a registration from index.html's head came before its stylesheet).
        await page.wait_for_function(STYLESHEET_IN)
        for _ in range(10):
            assert await page.evaluate(WORKER) == "none"
            await asyncio.sleep(0.1)
        assert held and not release.is_set()
        assert await page.evaluate("() => document.querySelector('main') === null")
    finally:
        release.set()

    # The entry script registers the worker as it starts, and asks for the lazy chunks
    # the precache stores: the page's own requests, not the worker's.
    assert await worker_reaches(page, "activated") == "activated"
    await app_ready(page)
    await page.wait_for_function(PAGE_ASKED_FOR, arg=chunks)

    # The usual first visit then completes: controlled, reference data stored.
    await install_app(page)
    await page.context.set_offline(True)
    await page.reload()
    await app_ready(page)


async def test_a_failed_install_is_asked_again_in_the_same_visit(new_page):
    """A 2G drop can fail a shell file more times than the precache asks (1 + 3 tries):
    the worker's install fails, and a first registration whose install failed is gone.
    The page registers again; the app works offline in this visit, not the next."""
    page = await new_page()
    failed: list[str] = []

    async def fail_four_times(route):
        # The worker's own requests (the precache): context.route sees them.
        if len(failed) < 4:
            failed.append(route.request.url)
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.context.route("**/icons/icon-maskable-512.png", fail_four_times)
    await page.goto("/")
    assert await worker_reaches(page, "activated", tries=400) == "activated", (
        f"the install failed ({len(failed)} failed requests) and nothing registered again"
    )
    assert len(failed) == 4
    await install_app(page)
    await page.context.set_offline(True)
    await page.reload()
    await app_ready(page)
