"""Reading fee schedules: the national fees, with a province's own amounts on top."""

from __future__ import annotations

import datetime as dt

import msgspec

from server.fees.tables import NATIONAL, ProvincialFee

F = ProvincialFee


class FeeEntry(msgspec.Struct, frozen=True):
    item: str
    amount: int  # đồng
    note: str
    # "00" when the fee is national, else the province whose schedule sets it
    province_code: str
    updated_at: dt.datetime


class FeeSchedule(msgspec.Struct, frozen=True):
    # None: only the national fees were asked for
    province: str | None
    fees: list[FeeEntry]


async def fee_schedule(province: str | None) -> FeeSchedule:
    """Every item with a known amount, by item; a province's row replaces the
    national row of the same item."""
    codes = [NATIONAL] if province is None else [NATIONAL, province]
    rows = await F.select(F.province_code, F.item, F.amount, F.note, F.updated_at).where(
        F.province_code.is_in(codes)
    )
    by_item: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: r["province_code"] != NATIONAL):  # national first
        by_item[row["item"]] = row
    return FeeSchedule(
        province=province,
        fees=[
            FeeEntry(
                item=r["item"],
                amount=r["amount"],
                note=r["note"],
                province_code=r["province_code"],
                updated_at=r["updated_at"],
            )
            for _, r in sorted(by_item.items())
        ],
    )
