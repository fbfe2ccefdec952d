"""Dossiers and the blobs their attachment fields hold.

Every dossier write goes through `before_dossier_write` (server/dossiers/store.py),
inside the sync engine's transaction: it keeps `blob_ref` in step with the fields,
so garbage collection and access checks never parse dossier JSON, and it refuses an
attach that would push a dossier past its size limit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from server.attachments.tables import Blob, BlobRef
from server.clock import utcnow
from sync.digests import is_sha256
from sync.messages import Reason

DEFAULT_MAX_DOSSIER_BYTES = 50 * 1024 * 1024


class _Limits:
    # Set from the settings when the app starts (server/attachments/lifespan).
    max_dossier_bytes: int = DEFAULT_MAX_DOSSIER_BYTES


LIMITS = _Limits()


def configure(max_dossier_bytes: int) -> None:
    LIMITS.max_dossier_bytes = max_dossier_bytes


def hashes_in(fields: dict[str, Any]) -> set[str]:
    """The SHA-256 digests an attachment field (a list of digests) holds."""
    return {
        v for value in fields.values() if isinstance(value, list) for v in value if is_sha256(v)
    }


def _paths_holding(fields: dict[str, Any], hashes: set[str]) -> list[str]:
    # Item by item: a list stored before put-backs were checked may hold anything.
    return sorted(
        p
        for p, v in fields.items()
        if isinstance(v, list) and any(isinstance(h, str) and h in hashes for h in v)
    )


async def known_bytes(hashes: set[str] | list[str]) -> tuple[int, set[str]]:
    """The total size of the verified blobs among `hashes`, and which are verified."""
    if not hashes:
        return 0, set()
    rows = await Blob.select(Blob.sha256, Blob.size).where(Blob.sha256.is_in(sorted(hashes)))
    return sum(int(r["size"]) for r in rows), {r["sha256"] for r in rows}


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def too_large(fields: dict[str, Any], hashes: set[str], total: int) -> Exception:
    from sync.engine import Rejected  # the engine's own way of refusing a mutation

    limit, total_mb = _mb(LIMITS.max_dossier_bytes), _mb(total)
    return Rejected(
        *[
            Reason(
                "dossier_too_large",
                path,
                f"Tổng dung lượng tệp đính kèm ({total_mb} MB) vượt giới hạn {limit} MB của một hồ sơ / "
                f"The attachments add up to {total_mb} MB, over the {limit} MB a dossier may hold",
            )
            for path in _paths_holding(fields, hashes) or ["attachments"]
        ]
    )


async def before_dossier_write(
    dossier_id: uuid.UUID, fields: dict[str, Any], now: dt.datetime | None = None
) -> None:
    """Bring blob_ref in line with `fields`; refuse (sync Rejected) an added
    attachment that takes the dossier's files past the limit. Call it before the
    dossier row is written, in the same transaction."""
    now = now or utcnow()
    wanted = hashes_in(fields)
    rows = await BlobRef.select(BlobRef.sha256).where(BlobRef.dossier_id == dossier_id)
    have = {r["sha256"] for r in rows}
    added, removed = wanted - have, have - wanted
    if added:
        total, _ = await known_bytes(wanted)
        if total > LIMITS.max_dossier_bytes:
            raise too_large(fields, added, total)
    if removed:
        await BlobRef.delete().where(
            (BlobRef.dossier_id == dossier_id) & BlobRef.sha256.is_in(sorted(removed))
        )
        # Garbage collection counts its 30 days from the last release.
        await Blob.update({Blob.released_at: now}).where(Blob.sha256.is_in(sorted(removed)))
    if added:
        await BlobRef.insert(
            *[BlobRef(sha256=h, dossier_id=dossier_id) for h in sorted(added)]
        ).on_conflict(action="DO NOTHING")
        await Blob.update({Blob.released_at: None}).where(Blob.sha256.is_in(sorted(added)))


async def missing_blobs(hashes: list[str], account_id: uuid.UUID) -> list[str]:
    """The hashes whose verified bytes this account has not sent: the sync engine's
    check for attach, submit and answer_supplement (the rule itself is `held_by` in
    server/attachments/blobs.py). Files that would take a dossier past its size
    limit are refused here, naming the fields."""
    from server.attachments.blobs import sent_sizes  # blobs imports this module's neighbours

    return unsent_or_too_large(set(hashes), await sent_sizes(account_id, set(hashes)))


def unsent_or_too_large(wanted: set[str], sent: dict[str, int]) -> list[str]:
    missing = sorted(wanted - sent.keys())
    total = sum(sent[h] for h in wanted if h in sent)
    if not missing and total > LIMITS.max_dossier_bytes:
        raise too_large({"attachments": sorted(wanted)}, wanted, total)
    return missing
