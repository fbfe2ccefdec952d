"""How the server learns it was restored without being told (sync/README.md §9.1): a
device that synced in the current generation knows of a seq the database no longer
holds, or of a newer generation, and shows the server's own receipt for it. Either
proves the database lost what it had confirmed, and a new generation begins, in the
caller's transaction. A claim without the receipt proves nothing: anyone could
otherwise make every device start its sync over."""

from __future__ import annotations

import uuid

import msgspec
from piccolo.engine.base import Engine

from server.recovery.generation import begin_generation
from server.recovery.keys import seal_key
from server.sql import LOCK_DEVICE_SEQUENCE, Sql
from sync.seals import receipt_seal, sealed


class DeviceSequence(msgspec.Struct, frozen=True):
    device_id: uuid.UUID
    last_seq: int
    # The generation the device last synced in, and the server's.
    generation: int
    current_generation: int
    seal_key: bytes

    @property
    def must_recover(self) -> bool:
        return self.generation < self.current_generation

    def receipt(self, last_seq: int) -> str:
        """What the device keeps with `last_seq`, to prove it later (§9.1)."""
        return receipt_seal(self.seal_key, self.device_id, last_seq, self.current_generation)


class DeviceClaims(msgspec.Struct, frozen=True):
    """What the device says it was told: the highest seq confirmed, the generation, and
    the server's receipt for both. Without a valid receipt a claim proves nothing."""

    confirmed_seq: int = 0
    generation: int | None = None
    receipt: str | None = None


async def lock_device(engine: Engine, device_id: uuid.UUID, claims: DeviceClaims) -> DeviceSequence:
    """The device's row, created if new and locked until the transaction ends; a new
    generation begun first if the device proves the database lost something."""
    sql = Sql(engine)
    row = (await sql.fetch(LOCK_DEVICE_SEQUENCE, device_id=device_id))[0]
    found = DeviceSequence(
        device_id=device_id,
        last_seq=int(row["last_seq"]),
        generation=int(row["generation"]),
        current_generation=int(row["current_generation"]),
        seal_key=bytes.fromhex(row["seal_key"]) if row["seal_key"] else await seal_key(sql),
    )
    ahead_in_seq = claims.confirmed_seq > found.last_seq and not found.must_recover
    ahead_in_generation = (claims.generation or 0) > found.current_generation
    if not (ahead_in_seq or ahead_in_generation) or not _proven(found, claims):
        return found
    detail = (
        f"device {device_id} was confirmed seq {claims.confirmed_seq}, "
        f"the database holds {found.last_seq}; it knew generation {claims.generation}"
    )
    number = await begin_generation(engine, "detected", detail=detail, after=claims.generation or 0)
    return msgspec.structs.replace(found, current_generation=number)


def _proven(found: DeviceSequence, claims: DeviceClaims) -> bool:
    """The server itself told the device this seq in this generation (its receipt)."""
    if claims.generation is None:
        return False
    expected = receipt_seal(
        found.seal_key, found.device_id, claims.confirmed_seq, claims.generation
    )
    return sealed(expected, claims.receipt)
