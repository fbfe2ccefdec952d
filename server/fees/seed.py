"""The national fees loaded by `motcua seed`.

Only amounts set by a national regulation for the whole country are here; civil-status
registration fees (lệ phí hộ tịch) are set by each province's People's Council and stay
empty until that province's administrator enters them at /admin. A row already in the
database is never overwritten, so an administrator's correction survives a re-seed.
Temporary reductions (such as the 50 % cuts of some years) are not modelled."""

from __future__ import annotations

import msgspec

from server.clock import utcnow
from server.fees.items import FeeItem
from server.fees.tables import NATIONAL, ProvincialFee


class NationalFee(msgspec.Struct, frozen=True):
    item: FeeItem
    amount: int
    note: str


NATIONAL_FEES = (
    NationalFee(
        item=FeeItem.ban_sao_trich_luc_ho_tich,
        amount=8_000,
        note=(
            "8.000 đồng/bản sao trích lục/sự kiện hộ tịch đã đăng ký "
            "(Thông tư 281/2016/TT-BTC, phí khai thác, sử dụng thông tin trong cơ sở dữ liệu hộ tịch)."
        ),
    ),
    NationalFee(
        item=FeeItem.chung_thuc_ban_sao,
        amount=2_000,
        note=(
            "2.000 đồng/trang cho trang 1 và 2; từ trang thứ ba 1.000 đồng/trang; tối đa "
            "200.000 đồng/bản. Tính theo số trang của bản chính (Thông tư 226/2016/TT-BTC)."
        ),
    ),
)


class FeesSeedReport(msgspec.Struct):
    national: int
    added: int


async def seed_fees() -> FeesSeedReport:
    """Insert the national fees that are missing. Runs in the caller's transaction."""
    F = ProvincialFee
    have = {r["item"] for r in await F.select(F.item).where(F.province_code == NATIONAL)}
    now = utcnow()
    missing = [f for f in NATIONAL_FEES if f.item.value not in have]
    if missing:
        await F.insert(
            *[
                F(
                    province_code=NATIONAL,
                    item=f.item.value,
                    amount=f.amount,
                    note=f.note,
                    updated_at=now,
                )
                for f in missing
            ]
        )
    return FeesSeedReport(national=len(NATIONAL_FEES), added=len(missing))
