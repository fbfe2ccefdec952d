"""The pages emailed links open (/activate, /reset-password, /enroll): one language,
chosen by ?lang= or Accept-Language (Vietnamese by default), a link to the other
one that keeps the token, the way on to the app's sign-in screen, and a CSP that
allows the page's own inline style and script by hash and nothing else."""

from __future__ import annotations

import re

import pytest

from server.identity.pages import SIGN_IN
from server.security_headers import _sha256_source  # pyright: ignore[reportPrivateUsage]
from tests.identity.conftest import Browser

PAGES = ["/activate", "/reset-password", "/enroll"]


def _lang(html: str) -> str:
    found = re.search(r'<html lang="(\w+)"', html)
    assert found, html[:200]
    return found.group(1)


@pytest.mark.parametrize("path", PAGES)
async def test_vietnamese_by_default_with_no_english_beside_it(browser: Browser, path: str):
    page = await browser.get(f"{path}?token=abc")
    assert page.status_code == 200
    assert _lang(page.text) == "vi"
    assert page.headers["content-language"] == "vi"
    # One language: none of the English words of the page are there.
    for english in ("Activate", "Reset your password", "Register your passkey", "Sign in"):
        assert english not in page.text
    # The other language is one click away, for the same link (token kept).
    assert 'href="?token=abc&amp;lang=en"' in page.text
    assert f'href="{SIGN_IN}"' in page.text


@pytest.mark.parametrize("path", PAGES)
async def test_english_from_accept_language_or_the_switch(browser: Browser, path: str):
    by_header = await browser.get(
        f"{path}?token=abc", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert _lang(by_header.text) == "en" and "Sign in" in by_header.text
    assert "Đăng nhập" not in by_header.text
    assert 'href="?token=abc&amp;lang=vi"' in by_header.text
    # The switch link wins over the browser's preference, both ways.
    asked = await browser.get(f"{path}?token=abc&lang=vi", headers={"Accept-Language": "en"})
    assert _lang(asked.text) == "vi"
    asked = await browser.get(f"{path}?token=abc&lang=en")
    assert _lang(asked.text) == "en"
    # An unknown language falls back to the header, then Vietnamese.
    assert _lang((await browser.get(f"{path}?lang=fr")).text) == "vi"


async def test_the_token_cannot_break_out_of_the_switch_link(browser: Browser):
    page = await browser.get('/activate?token="><script>alert(1)</script>')
    assert "<script>alert(1)" not in page.text
    assert page.status_code == 200


@pytest.mark.parametrize("path", PAGES)
async def test_the_policy_allows_exactly_the_pages_inline_style_and_script(
    browser: Browser, path: str
):
    page = await browser.get(path)
    policy = page.headers["content-security-policy"]
    [style] = re.findall(r"<style>(.*?)</style>", page.text, re.S)
    [script] = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    assert f"style-src {_sha256_source(style)};" in policy
    assert f"script-src {_sha256_source(script)};" in policy
    assert "unsafe-inline" not in policy and "default-src 'none'" in policy
