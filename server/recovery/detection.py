"""How the server learns it was restored without being told (sync/README.md §9.1): a
device that synced in the current generation knows of a seq the database no longer
holds, or of a newer generation. Either proves the database lost what it had confirmed,
and a new generation begins, in the caller's transaction."""

from __future__ import annotations

import uuid

import msgspec
from piccolo.engine.base import Engine

from server.recovery.generation import begin_generation
from server.sql import LOCK_DEVICE_SEQUENCE, Sql


class DeviceSequence(msgspec.Struct, frozen=True):
    last_seq: int
    # The generation the device last synced in, and the server's.
    generation: int
    current_generation: int

    @property
    def must_recover(self) -> bool:
        return self.generation < self.current_generation


class DeviceClaims(msgspec.Struct, frozen=True):
    """What the device says it was told: the highest seq confirmed, and the generation."""

    confirmed_seq: int = 0
    generation: int | None = None


async def lock_device(engine: Engine, device_id: uuid.UUID, claims: DeviceClaims) -> DeviceSequence:
    """The device's row, created if new and locked until the transaction ends; a new
    generation begun first if the device proves the database lost something."""
    row = (await Sql(engine).fetch(LOCK_DEVICE_SEQUENCE, device_id=device_id))[0]
    found = DeviceSequence(
        last_seq=int(row["last_seq"]),
        generation=int(row["generation"]),
        current_generation=int(row["current_generation"]),
    )
    ahead_in_seq = claims.confirmed_seq > found.last_seq and not found.must_recover
    ahead_in_generation = (claims.generation or 0) > found.current_generation
    if not (ahead_in_seq or ahead_in_generation):
        return found
    detail = (
        f"device {device_id} was confirmed seq {claims.confirmed_seq}, "
        f"the database holds {found.last_seq}; it knew generation {claims.generation}"
    )
    number = await begin_generation(engine, "detected", detail=detail, after=claims.generation or 0)
    return msgspec.structs.replace(found, current_generation=number)
