"""A link that stops carrying anything in the middle of a request (a phone leaving
coverage: packets vanish, nothing resets the connection). The app gives the request up
and sends again, rather than wait the many minutes until the operating system drops
the connection with the sync lock held; the request that did reach the server late is
taken once."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from harness.app_pages import install_app, sign_in
from tests.e2e.test_pwa_offline import CITIZEN, demo_password
from tests.e2e.test_shared_phone import _new_birth_draft
from tests.e2e.test_take_back import dossier_row


async def test_a_push_on_a_link_that_stalls_is_given_up_and_sent_again(
    new_page, live_server, link
) -> None:
    page = await new_page(link.url)
    await install_app(page)
    await sign_in(page, CITIZEN, demo_password(live_server, CITIZEN))
    syncbar = page.get_by_test_id("syncbar")
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=30_000)

    push = link.hold("/api/sync/push", "POST", times=1)
    drafted = await _new_birth_draft(page, "Con sinh ngoài vùng sóng")
    await asyncio.wait_for(push.reached.wait(), 20)
    # The held push never answers; the app's allowance for it (a minute, plus its body
    # at 1 KB/s) runs out, and the next pass sends the change again.
    await expect(syncbar).to_have_attribute("data-pending", "0", timeout=150_000)
    row = await dossier_row(live_server, drafted)
    assert row is not None and row["state"] == 0, row

    # The stalled request reaches the server at last: the same change, taken once.
    push.release()
    await page.wait_for_timeout(2_000)
    assert await dossier_row(live_server, drafted) == row
    await expect(syncbar).to_have_attribute("data-pending", "0")
    await expect(syncbar).to_have_attribute("data-refused", "0")
