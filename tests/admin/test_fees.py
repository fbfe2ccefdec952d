"""The fee schedule: its seed, its uniqueness and the public read API. Both engines."""

from __future__ import annotations

import json
import sqlite3

import asyncpg
import pytest

from server.catalog.loader import DATA_DIR
from server.clock import utcnow
from server.database import write_transaction
from server.fees.items import FEE_ITEMS
from server.fees.seed import NATIONAL_FEES, seed_fees
from server.fees.tables import NATIONAL
from server.fees.tables import ProvincialFee as F

URL = "/api/catalog/fees"


def test_the_fee_items_are_those_the_catalog_names() -> None:
    used = set()
    for path in (DATA_DIR / "procedures").glob("*.json"):
        fee = json.loads(path.read_text(encoding="utf-8"))["fee"]
        if "item" in fee:
            used.add(fee["item"])
    assert used <= FEE_ITEMS
    # ket_hon's note mentions the provincial fee without an item; the rest are used.
    assert FEE_ITEMS - used == set()


async def test_the_seed_loads_only_the_national_fees_and_keeps_edits(client) -> None:
    rows = await F.select().order_by(F.item)
    assert {(r["province_code"], r["item"], r["amount"]) for r in rows} == {
        (NATIONAL, "ban_sao_trich_luc_ho_tich", 8_000),
        (NATIONAL, "chung_thuc_ban_sao", 2_000),
    }
    assert "200.000" in next(r["note"] for r in rows if r["item"] == "chung_thuc_ban_sao")
    await F.update({F.amount: 4_000}).where(F.item == "ban_sao_trich_luc_ho_tich")
    async with write_transaction(F._meta.db):
        report = await seed_fees()
    assert (report.national, report.added) == (len(NATIONAL_FEES), 0)
    assert (await F.select(F.amount).where(F.item == "ban_sao_trich_luc_ho_tich").first())[
        "amount"
    ] == 4_000


async def test_one_amount_per_item_and_province(client) -> None:
    await F.insert(F(province_code="01", item="khai_tu_qua_han", amount=5_000, updated_at=utcnow()))
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await F.insert(
            F(province_code="01", item="khai_tu_qua_han", amount=6_000, updated_at=utcnow())
        )
    await F.insert(F(province_code="79", item="khai_tu_qua_han", amount=6_000, updated_at=utcnow()))


async def test_the_fees_api_gives_national_fees_with_a_provinces_own_on_top(client) -> None:
    r = await client.get(URL)
    assert r.status_code == 200, r.text
    national = r.json()
    assert national["province"] is None
    assert [(f["item"], f["amount"], f["province_code"]) for f in national["fees"]] == [
        ("ban_sao_trich_luc_ho_tich", 8_000, "00"),
        ("chung_thuc_ban_sao", 2_000, "00"),
    ]

    now = utcnow()
    await F.insert(
        F(
            province_code="01",
            item="khai_sinh_qua_han",
            amount=8_000,
            note="HĐND Hà Nội",
            updated_at=now,
        ),
        F(province_code="01", item="chung_thuc_ban_sao", amount=3_000, updated_at=now),
        F(province_code="79", item="khai_sinh_qua_han", amount=5_000, updated_at=now),
    )
    r = await client.get(URL, params={"province": "01"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["province"] == "01"
    assert [(f["item"], f["amount"], f["province_code"]) for f in body["fees"]] == [
        ("ban_sao_trich_luc_ho_tich", 8_000, "00"),
        ("chung_thuc_ban_sao", 3_000, "01"),
        ("khai_sinh_qua_han", 8_000, "01"),
    ]
    # Cacheable: a weak ETag that changes with the schedule.
    etag = r.headers["etag"]
    assert (
        await client.get(URL, params={"province": "01"}, headers={"If-None-Match": etag})
    ).status_code == 304
    await F.update({F.amount: 9_000}).where(
        (F.province_code == "01") & (F.item == "khai_sinh_qua_han")
    )
    r = await client.get(URL, params={"province": "01"}, headers={"If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag

    assert (await client.get(URL, params={"province": "77"})).status_code == 404
    assert (await client.get(URL, params={"province": "1"})).status_code == 400
