"""Reading an address written with the units of before 1 July 2025, on the real data."""

from __future__ import annotations

import sys

import pytest

from server.communes.old_units import fold, old_units

HONG_HA = "00097"  # Phường Hồng Hà, Hà Nội: Phúc Xá went into it


def only(text: str, **kw):
    found = old_units().match(text, **kw)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text",
    [
        "Phường Phúc Xá, Quận Ba Đình, Hà Nội",
        "phuong phuc xa, quan ba dinh, thanh pho ha noi",
        "P. Phúc Xá, Q. Ba Đình, TP Hà Nội",
        "P.Phúc Xá,Q.Ba Đình,TP.Hà Nội",
        "Phúc Xá, Ba Đình",
        "PHƯỜNG PHÚC XÁ QUẬN BA ĐÌNH HÀ NỘI",
        "phuc xa ba dinh",
    ],
)
def test_an_old_ward_written_many_ways_is_the_ward_it_went_into(text):
    m = only(text)
    assert (m.level, m.communes, m.province) == ("ward", [HONG_HA], "01")
    assert m.old == "Phường Phúc Xá, Quận Ba Đình, Hà Nội"


def test_what_comes_before_the_old_units_is_kept_apart():
    text = "Số 12 Hàng Bún, Phường Phúc Xá, Quận Ba Đình, Hà Nội"
    m = only(text)
    assert text[: m.start] == "Số 12 Hàng Bún, "


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Nhà trọ 🏠🏠🏠 số 12, Phường Phúc Xá, Quận Ba Đình, Hà Nội", 19),
        ("Nhà 🏠🏠🏠, P. Phúc Xá, Q. Ba Đình", 9),
    ],
)
def test_start_counts_code_points(text, start):
    # Not UTF-16 units: the app converts (pwa/src/oldAddresses.test.ts uses these numbers).
    assert only(text).start == start


def test_a_ward_split_between_communes_maps_to_all_of_them():
    m = only("Phường Kim Mã, Quận Ba Đình, Hà Nội")
    # Ba Đình, Ngọc Hà and Giảng Võ each took a part of Kim Mã.
    assert m.communes == ["00004", "00008", "00025"]


def test_an_old_province_is_its_new_province():
    m = only("Tỉnh Hà Giang")
    assert (m.level, m.old, m.province, m.communes) == ("province", "Hà Giang", "08", [])
    assert only("Thừa Thiên Huế").province == "46"


def test_a_ward_in_a_merged_province_goes_to_the_new_province():
    m = only("Thôn 3, xã Nậm Ty, huyện Hoàng Su Phì, tỉnh Hà Giang")
    assert (m.province, m.old) == ("08", "Xã Nậm Ty, Huyện Hoàng Su Phì, Hà Giang")
    assert only("Xã Nậm Ty, Hà Giang").communes == m.communes  # no district: unique there


def test_numbered_wards_need_their_district():
    assert only("P.15, Q.11, TP.HCM").old == "Phường 15, Quận 11, Hồ Chí Minh"
    assert only("Phường 01, Quận 3").old == "Phường 1, Quận 3, Hồ Chí Minh"
    # "Phường 1" alone is in dozens of towns: a residence field suggests none of them.
    assert [m.level for m in old_units().match("Phường 1, Hồ Chí Minh")] == ["province"]


def test_a_ward_alone_is_offered_only_where_the_person_chooses():
    assert old_units().match("Phúc Xá") == []
    assert only("Phúc Xá", ward_alone=True).communes == [HONG_HA]


def test_a_district_naming_another_province_is_no_match():
    found = old_units().match("Phường Phúc Xá, Quận Ba Đình, Đà Nẵng")
    assert all(m.level == "province" for m in found)


def test_an_island_district_is_its_special_zone():
    m = only("Huyện Côn Đảo, Bà Rịa - Vũng Tàu")
    assert (m.level, m.province) == ("district", "79")
    assert len(m.communes) == 1


@pytest.mark.parametrize("text", ["", "   ", ",,,", "Việt Nam", "\x00", "xa" * 500])
def test_text_naming_nothing_old_gives_nothing(text):
    assert [m for m in old_units().match(text) if m.level != "province"] == []


def test_fold():
    assert fold("Phường  Phúc   Xá") == "phuong phuc xa"
    assert fold("Chân Mây – Lăng Cô") == fold("Chân Mây - Lăng Cô") == "chan may lang co"
    assert fold("P.015") == "p 15"


@pytest.mark.parametrize(
    "text",
    [
        ",".join(["1", "q 1"] * 100)[:300],  # Phường 1 / Quận 1: names shared by dozens
        ",".join(["2"] * 150)[:300],
        ",".join(["tan thanh", "long an"] * 30)[:300],
    ],
)
def test_a_long_query_folds_its_own_pieces_not_every_candidates_name(text):
    """The endpoint is public, and its work holds the GIL (a thread does not spare the
    event loop): a 300-character query of short, common names must not fold each
    candidate's district and province names again for every piece (about 10,000
    folds, a quarter of a second). Counted in calls, not timed."""
    units = old_units()
    units.match("warm up")
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event == "call" and frame.f_code is fold.__code__:
            calls += 1

    sys.setprofile(count)
    try:
        units.match(text, ward_alone=True)
    finally:
        sys.setprofile(None)
    assert calls <= text.count(",") + 1 + 100, calls  # its pieces (and the cut, if any)
