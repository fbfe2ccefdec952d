"""Every template renders in both languages, as text and HTML, with a subject."""

from __future__ import annotations

import typing

import pytest

from server.notify.render import TEMPLATES_DIR, render
from server.notify.schemas import TemplateName, decode_params, encode_params, template_of
from tests.notify.samples import SAMPLES


def test_every_template_has_a_sample_and_all_four_files() -> None:
    names = set(typing.get_args(TemplateName))
    assert {template_of(p) for p in SAMPLES} == names
    for name in names:
        for lang in ("vi", "en"):
            for ext in ("txt", "html"):
                assert (TEMPLATES_DIR / f"{name}.{lang}.{ext}").is_file()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("params", SAMPLES, ids=template_of)
def test_template_renders_subject_text_and_html(params, lang) -> None:
    out = render(params, lang)
    assert out.subject and "\n" not in out.subject
    assert out.text.strip() and out.html.startswith("<!doctype html>")
    assert f'<html lang="{lang}">' in out.html
    assert "{{" not in out.text and "{%" not in out.html
    for field in ("code", "link"):
        value = getattr(params, field, "")
        if value:
            assert value in out.text


def test_vietnamese_text_keeps_its_diacritics() -> None:
    out = render(SAMPLES[4], "vi")
    assert out.subject == "Hồ sơ 01234260000001AK đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả: 25/11/2026" in out.text
    assert "Kính gửi Quý ông/bà," in out.text
    en = render(SAMPLES[4], "en")
    assert "25 November 2026" in en.text


def test_html_escapes_parameters_and_text_does_not() -> None:
    out = render(SAMPLES[5], "vi")  # documents_requested
    assert "&lt;bản sao&gt;" in out.html and "<bản sao>" not in out.html
    assert "Giấy chứng nhận kết hôn <bản sao>" in out.text
    activation = render(SAMPLES[0], "vi")
    assert 'href="http://localhost:8000/activate?t=abc&amp;x=1"' in activation.html
    assert "Kính gửi Nguyễn Thị Hoà," in activation.text


def test_links_state_how_long_they_are_valid() -> None:
    assert "24 giờ" in render(SAMPLES[0], "vi").text
    assert "1 hour " in render(SAMPLES[1], "en").text
    assert "1 giờ" in render(SAMPLES[1], "vi").text


def test_params_round_trip_through_their_stored_json() -> None:
    for params in SAMPLES:
        assert decode_params(encode_params(params)) == params
