"""Holes found in the day's new surfaces (attack19):

- an answer to a request for documents that names one document twice, or one file
  twice, was kept as said: the desk's history listed the same document twice;
- a link page's language switch kept the *last* `token` of the address while the
  page's script uses the *first* (URLSearchParams.get), so switching language could
  make the page act on another token than the one it was opened with; it also carried
  every other parameter of the address along;
- the demo accounts' file (passwords) took the permissions of a scratch file left
  over from an earlier run, which O_CREAT does not change;
- /demo answered 500 when that file could not be read as accounts (an older shape)."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import httpx
import msgspec

from harness import samples
from harness.sync_client import SyncDevice
from server.demo import ACCOUNTS_FILE, DemoAccount, save_demo_accounts
from tests.desk.conftest import DeskOfficial, desk, person  # noqa: F401  (fixtures)
from tests.desk.test_supplement_per_document import (
    MARRIAGE,
    RESIDENCE,
    _sent,  # pyright: ignore[reportPrivateUsage]
    _two_documents_requested,  # pyright: ignore[reportPrivateUsage]
)
from tests.sync.conftest import app  # noqa: F401  (fixture)


async def test_an_answer_names_each_document_and_each_file_once(
    person: SyncDevice, desk: DeskOfficial
) -> None:
    dossier, version = await _two_documents_requested(person, desk)
    marriage = await _sent(person, samples.jpeg(seed=412), "ket-hon.jpg")
    residence = await _sent(person, samples.jpeg(seed=413), "cu-tru.jpg")
    answer = {
        "changes": {
            "attachments.marriage_certificate": [marriage],
            "attachments.residence_documents": [residence],
        },
        "documents": [
            {"document": MARRIAGE, "files": [marriage, marriage]},
            {"document": RESIDENCE, "files": [residence]},
            {"document": MARRIAGE, "files": [marriage]},
        ],
    }
    person.queue("answer_supplement", dossier, answer, version)
    [outcome] = await person.sync()
    assert outcome["status"] == "applied", outcome

    last = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()["history"][-1]
    assert last["action"] == "answer_supplement"
    assert last["detail"]["documents"] == [
        {"document": MARRIAGE, "files": [marriage]},
        {"document": RESIDENCE, "files": [residence]},
    ]


def _switch_href(page: str) -> str:
    found = re.search(r'<a href="([^"]*)" hreflang=', page)
    assert found, page[:400]
    return found.group(1).replace("&amp;", "&")


async def test_the_language_switch_keeps_the_token_the_page_acts_on(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/activate", "/reset-password", "/enroll"):
        page = await client.get(f"{path}?token=first&token=second&lang=en&next=//evil.example")
        assert page.status_code == 200
        # The page's script reads the first token; its other language must too, and
        # nothing else of the address is carried over.
        assert _switch_href(page.text) == "?token=first&lang=vi"
        bare = await client.get(f"{path}?lang=en")
        assert _switch_href(bare.text) == "?lang=vi"


def test_the_demo_passwords_file_is_the_server_users_alone(tmp_path: Path) -> None:
    leftover = tmp_path / ACCOUNTS_FILE
    scratch = leftover.with_suffix(".tmp")
    scratch.write_text("left over from a run that stopped")
    scratch.chmod(0o644)
    accounts = [DemoAccount("a@demo.example", "citizen", "A", "", "pw-123456789")]
    path = save_demo_accounts(tmp_path, accounts)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def _accounts_of_another_shape(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / ACCOUNTS_FILE).write_bytes(msgspec.json.encode([{"email": "x"}]))


async def test_the_demo_page_with_an_unreadable_accounts_file(app) -> None:
    # The sync suite's app runs in demo mode.
    _accounts_of_another_shape(app.state.settings.data_dir)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as http:
        page = await http.get("/demo?lang=en")
    assert page.status_code == 200, page.text
    assert "No demo accounts yet" in page.text
