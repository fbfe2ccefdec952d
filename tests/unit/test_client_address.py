"""The client's address behind trusted proxies (server/client_address.py): taken from
X-Forwarded-For or Forwarded only when the peer is a trusted proxy, walked from the
right, never forgeable by the client, never an error."""

from __future__ import annotations

import pytest

from server.client_address import client_address, trusted_networks
from server.settings import SettingsError, load_settings

PROXIES = trusted_networks("10.0.0.0/8, 192.0.2.1, 2001:db8:ffff::/48")


def scope(peer: str | None, *headers: tuple[str, str]) -> dict:
    return {
        "type": "http",
        "client": (peer, 51000) if peer is not None else None,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
    }


def address(peer: str | None, *headers: tuple[str, str], trusted=PROXIES) -> str:
    return client_address(scope(peer, *headers), trusted)


# ---------------------------------------------------------------- who is believed


def test_no_trusted_proxies_means_the_peer_whatever_the_headers() -> None:
    forged = ("X-Forwarded-For", "203.0.113.5")
    assert address("10.1.2.3", forged, trusted=trusted_networks("")) == "10.1.2.3"
    assert address("10.1.2.3", ("Forwarded", "for=203.0.113.5"), trusted=()) == "10.1.2.3"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_name_another_address() -> None:
    assert address("198.51.100.7", ("X-Forwarded-For", "203.0.113.5")) == "198.51.100.7"
    assert address("198.51.100.7", ("Forwarded", "for=203.0.113.5")) == "198.51.100.7"


def test_a_trusted_proxy_names_its_client() -> None:
    assert address("10.1.2.3", ("X-Forwarded-For", "203.0.113.5")) == "203.0.113.5"
    assert address("192.0.2.1", ("Forwarded", "for=203.0.113.5")) == "203.0.113.5"


def test_no_header_from_a_trusted_proxy_means_the_proxy() -> None:
    assert address("10.1.2.3") == "10.1.2.3"


def test_no_client_at_all_is_empty() -> None:
    assert address(None, ("X-Forwarded-For", "203.0.113.5")) == ""


# ---------------------------------------------------------------- spoofing


def test_a_client_forging_x_forwarded_for_through_the_proxy_gets_its_own_address() -> None:
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    assert address("10.1.2.3", ("X-Forwarded-For", "1.2.3.4, 203.0.113.5")) == "203.0.113.5"


def test_a_client_forging_a_trusted_address_does_not_get_past_the_real_hop() -> None:
    header = ("X-Forwarded-For", "198.51.100.1, 10.9.9.9, 203.0.113.5")
    assert address("10.1.2.3", header) == "203.0.113.5"


def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() -> None:
    header = ("X-Forwarded-For", "1.2.3.4, 203.0.113.5, 10.0.0.2, 10.0.0.1")
    assert address("192.0.2.1", header) == "203.0.113.5"


def test_a_chain_of_only_trusted_proxies_gives_the_furthest() -> None:
    assert address("10.0.0.1", ("X-Forwarded-For", "10.0.0.3, 10.0.0.2")) == "10.0.0.3"


def test_several_header_lines_are_one_list_in_order() -> None:
    lines = (("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-For", "203.0.113.5"))
    assert address("10.1.2.3", *lines) == "203.0.113.5"


def test_a_forwarded_header_the_proxy_does_not_write_cannot_override_the_one_it_does() -> None:
    # nginx maintains X-Forwarded-For and passes the client's own Forwarded through:
    # when the two name different clients neither is believed.
    forged = ("Forwarded", "for=1.2.3.4")
    real = ("X-Forwarded-For", "203.0.113.5")
    assert address("10.1.2.3", forged, real) == "10.1.2.3"
    forged_xff = ("X-Forwarded-For", "1.2.3.4")
    assert address("10.1.2.3", ("Forwarded", "for=203.0.113.5"), forged_xff) == "10.1.2.3"


def test_both_headers_naming_the_same_client_are_believed() -> None:
    both = (("Forwarded", 'for="203.0.113.5:4711"'), ("X-Forwarded-For", "203.0.113.5"))
    assert address("10.1.2.3", *both) == "203.0.113.5"


# ---------------------------------------------------------------- RFC 7239 forms


@pytest.mark.parametrize(
    "value, expected",
    [
        ("for=203.0.113.5", "203.0.113.5"),
        ("For=203.0.113.5", "203.0.113.5"),  # parameter names are case-insensitive
        ('for="203.0.113.5:4711"', "203.0.113.5"),
        ('for="[2001:db8:cafe::17]"', "2001:db8:cafe::17"),
        ('for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe::17"),
        ('for="[2001:DB8:CAFE:0:0:0:0:17]"', "2001:db8:cafe::17"),
        ("for=203.0.113.5;proto=https;by=10.1.2.3", "203.0.113.5"),
        ("proto=https; for=203.0.113.5", "203.0.113.5"),
        ("for=1.2.3.4, for=203.0.113.5", "203.0.113.5"),
        ('for=1.2.3.4,for="[2001:db8:ffff::1]:80", for=203.0.113.5', "203.0.113.5"),
        ('for=203.0.113.5, for="[2001:db8:ffff::1]"', "203.0.113.5"),
        ('for="\\203.0.113.5"', "203.0.113.5"),  # quoted-pair
    ],
)
def test_forwarded_for_forms(value: str, expected: str) -> None:
    assert address("10.1.2.3", ("Forwarded", value)) == expected


def test_an_ipv6_peer_and_an_ipv6_client() -> None:
    header = ("X-Forwarded-For", "2001:db8:cafe::17")
    assert address("2001:db8:ffff::9", header) == "2001:db8:cafe::17"
    bracketed = ("X-Forwarded-For", "[2001:db8:cafe::17]:443")
    assert address("2001:db8:ffff::9", bracketed) == "2001:db8:cafe::17"


def test_x_forwarded_for_with_a_port() -> None:
    assert address("10.1.2.3", ("X-Forwarded-For", "203.0.113.5:61000")) == "203.0.113.5"


def test_an_ipv4_mapped_peer_counts_as_its_ipv4_address() -> None:
    assert address("::ffff:10.1.2.3", ("X-Forwarded-For", "203.0.113.5")) == "203.0.113.5"


# ---------------------------------------------------------------- unknown, obfuscated, garbage


@pytest.mark.parametrize("node", ["unknown", "_hidden", "_SEVKISEK", '"unknown"'])
def test_an_unidentified_client_is_the_proxy_that_reported_it(node: str) -> None:
    # Nothing to tell clients apart by: the last hop we trust is the best we know.
    assert address("10.1.2.3", ("Forwarded", f"for={node}")) == "10.1.2.3"
    chain = ("Forwarded", f"for={node}, for=10.0.0.7")
    assert address("10.1.2.3", chain) == "10.0.0.7"


def test_an_unknown_hop_left_of_the_client_does_not_matter() -> None:
    assert address("10.1.2.3", ("Forwarded", "for=unknown, for=203.0.113.5")) == "203.0.113.5"
    assert address("10.1.2.3", ("X-Forwarded-For", "unknown, 203.0.113.5")) == "203.0.113.5"


@pytest.mark.parametrize(
    "header",
    [
        ("Forwarded", "for="),
        ("Forwarded", "for"),
        ("Forwarded", 'for="203.0.113.5'),  # unterminated quote
        ("Forwarded", "for=203.0.113.5;by"),
        ("Forwarded", "for=[2001:db8::1]"),  # brackets must be quoted
        ("Forwarded", "for=203.0.113.5;for=1.2.3.4"),  # a parameter twice in one element
        ("Forwarded", "=203.0.113.5"),
        ("Forwarded", "for=203.0.113.5 x"),
        ("Forwarded", "for=ä"),
        ("Forwarded", "\x00"),
        ("X-Forwarded-For", "not-an-address"),
        ("X-Forwarded-For", "203.0.113.5, "),
        ("X-Forwarded-For", "999.1.1.1"),
        ("X-Forwarded-For", "[2001:db8::1"),
        ("X-Forwarded-For", "fe80::1%eth0"),
        ("X-Forwarded-For", "203.0.113.5:notaport"),
        ("X-Forwarded-For", ""),
        ("X-Forwarded-For", "a" * 5000),
    ],
)
def test_garbage_falls_back_to_the_peer(header: tuple[str, str]) -> None:
    assert address("10.1.2.3", header) == "10.1.2.3"


def test_garbage_left_of_the_client_does_not_matter_in_x_forwarded_for() -> None:
    # The client may put anything in the header nginx appends to.
    assert address("10.1.2.3", ("X-Forwarded-For", "no such, 203.0.113.5")) == "203.0.113.5"
    assert address("10.1.2.3", ("X-Forwarded-For", "1.2.3.4, , 203.0.113.5")) == "203.0.113.5"


def test_non_latin1_header_bytes_fall_back_to_the_peer() -> None:
    raw = {
        "type": "http",
        "client": ("10.1.2.3", 1),
        "headers": [(b"x-forwarded-for", b"203.0.113.5\xff\xfe")],
    }
    assert client_address(raw, PROXIES) == "10.1.2.3"


# ---------------------------------------------------------------- the setting


def test_the_setting_is_empty_by_default() -> None:
    assert load_settings({}).trusted_proxies == ()


def test_the_setting_takes_addresses_and_networks() -> None:
    settings = load_settings({"MOTCUA_TRUSTED_PROXIES": " 10.0.0.1 ,192.168.0.0/16,::1, fd00::/8"})
    assert settings.trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16", "::1/128", "fd00::/8")


@pytest.mark.parametrize(
    "raw", ["10.0.0.300", "nginx", "10.0.0.1/33", "10.0.0.1/24", "10.0.0.1,,10.0.0.2", "*"]
)
def test_an_unusable_setting_is_refused_by_name(raw: str) -> None:
    with pytest.raises(SettingsError, match="MOTCUA_TRUSTED_PROXIES"):
        load_settings({"MOTCUA_TRUSTED_PROXIES": raw})
