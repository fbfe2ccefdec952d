"""The change feed holds one row per dossier, at its latest version: a pull's cursor
walks it, and a second row would send a dossier twice or an old version last. A
batch writes its dossiers' new rows and takes their older ones out, except for the
dossiers it inserted, which have none (server/dossiers/store.py write_feed_rows)."""

from __future__ import annotations

import random
import uuid
from contextlib import aclosing

from harness.sync_client import SyncDevice, birth_answers, fake_sha256, uuid7
from server.clock import vn_today
from server.dossiers.tables import ChangeFeed
from tests.sync.conftest import device_for, make_account

CERTIFICATE = "attachments.birth_certificate"


async def _feed_faults() -> list[dict]:
    """Dossiers with more than one feed row, a row behind its dossier's version or
    without a dossier, and dossiers without a row."""
    return [
        *await ChangeFeed.raw(
            "SELECT dossier_id, count(*) AS rows FROM change_feed "
            "GROUP BY dossier_id HAVING count(*) > 1"
        ),
        *await ChangeFeed.raw(
            "SELECT f.dossier_id, f.version FROM change_feed f "
            "LEFT JOIN dossier d ON d.id = f.dossier_id "
            "WHERE d.id IS NULL OR d.version <> f.version"
        ),
        *await ChangeFeed.raw(
            "SELECT d.id FROM dossier d WHERE NOT EXISTS "
            "(SELECT 1 FROM change_feed f WHERE f.dossier_id = d.id)"
        ),
    ]


def _create(device: SyncDevice, dossier: uuid.UUID) -> dict:
    # The same answers every time: a submission's duplicate search finds the others,
    # and writes what the batch holds so far first (a flush in the middle of a batch).
    return device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )


async def test_mixed_batches_of_two_devices_keep_one_feed_row_per_dossier(app) -> None:
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    rng = random.Random(21)
    versions: dict[uuid.UUID, int] = {}
    kind_of: dict[str, str] = {}  # mutation id: kind
    applied: set[str] = set()
    async with aclosing(phone.http), aclosing(tablet.http):
        for round_ in range(12):
            for device in (phone, tablet):
                for _ in range(rng.randint(2, 7)):
                    if rng.random() < 0.35 or not versions:
                        dossier = uuid7()
                        kind_of[_create(device, dossier)["id"]] = "create_draft"
                        certificate = {"path": CERTIFICATE, "sha256": fake_sha256("certificate")}
                        kind_of[device.queue("attach", dossier, certificate, 1)["id"]] = "attach"
                        versions[dossier] = 2
                        continue
                    dossier = rng.choice(sorted(versions))
                    version = versions[dossier]
                    kind = rng.choice(["edit_draft", "attach", "submit", "delete_draft", "again"])
                    if kind == "edit_draft":
                        changes = {"child.hometown": f"Huế {round_}"}
                        queued = device.queue(kind, dossier, {"changes": changes}, version)
                    elif kind == "attach":
                        digest = fake_sha256(f"certificate {round_}")
                        payload = {"path": CERTIFICATE, "sha256": digest}
                        queued = device.queue(kind, dossier, payload, version)
                    elif kind == "again":
                        queued = _create(device, dossier)  # the id is taken: refused
                    else:
                        queued = device.queue(kind, dossier, {}, version)
                    kind_of[queued["id"]] = kind
                for outcome in await device.sync():
                    if outcome["status"] == "applied":
                        applied.add(kind_of[outcome["mutation_id"]])
                    if outcome.get("version"):
                        versions[uuid.UUID(outcome["dossier_id"])] = outcome["version"]
                assert await _feed_faults() == [], f"round {round_}"
    assert applied >= {"create_draft", "edit_draft", "submit", "delete_draft"}, applied
    assert len(await ChangeFeed.select(ChangeFeed.id)) == len(versions)
