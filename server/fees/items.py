"""The fee items the catalog's procedures name in `fee.item` (see
server/catalog/data/README.md). tests/admin/test_fees.py checks this list against the
data files."""

from __future__ import annotations

from enum import StrEnum


class FeeItem(StrEnum):
    khai_sinh_qua_han = "khai_sinh_qua_han"
    khai_tu_qua_han = "khai_tu_qua_han"
    dang_ky_lai_khai_sinh = "dang_ky_lai_khai_sinh"
    dang_ky_lai_khai_tu = "dang_ky_lai_khai_tu"
    dang_ky_lai_ket_hon = "dang_ky_lai_ket_hon"
    nhan_cha_me_con = "nhan_cha_me_con"
    thay_doi_cai_chinh_ho_tich = "thay_doi_cai_chinh_ho_tich"
    bo_sung_thong_tin_ho_tich = "bo_sung_thong_tin_ho_tich"
    xac_dinh_lai_dan_toc = "xac_dinh_lai_dan_toc"
    xac_nhan_tinh_trang_hon_nhan = "xac_nhan_tinh_trang_hon_nhan"
    ban_sao_trich_luc_ho_tich = "ban_sao_trich_luc_ho_tich"  # per copy
    chung_thuc_ban_sao = "chung_thuc_ban_sao"  # per page of the original


FEE_ITEMS = frozenset(item.value for item in FeeItem)
