"""The argon2 cost of new password hashes is a setting: production defaults, and a
change never locks out a password hashed before it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, extract_parameters

from server.identity import passwords
from server.settings import SettingsError, load_settings


@pytest.fixture
def restore_cost() -> Iterator[None]:
    before = passwords._hasher
    yield
    passwords._hasher = before
    passwords._stand_in_hash.cache_clear()


def test_the_defaults_are_argon2_cffis_rfc_9106_profile() -> None:
    s = load_settings({})
    default = PasswordHasher()
    assert (s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism) == (
        default.time_cost,
        default.memory_cost,
        default.parallelism,
    )


def test_the_cost_is_read_from_the_environment() -> None:
    s = load_settings(
        {
            "MOTCUA_ARGON2_TIME_COST": "2",
            "MOTCUA_ARGON2_MEMORY_KIB": "19456",
            "MOTCUA_ARGON2_PARALLELISM": "1",
        }
    )
    assert (s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism) == (2, 19456, 1)


@pytest.mark.parametrize(
    "env, name",
    [
        ({"MOTCUA_ARGON2_TIME_COST": "0"}, "MOTCUA_ARGON2_TIME_COST"),
        ({"MOTCUA_ARGON2_PARALLELISM": "0"}, "MOTCUA_ARGON2_PARALLELISM"),
        ({"MOTCUA_ARGON2_MEMORY_KIB": "16"}, "MOTCUA_ARGON2_MEMORY_KIB"),
        ({"MOTCUA_ARGON2_MEMORY_KIB": "lots"}, "MOTCUA_ARGON2_MEMORY_KIB"),
    ],
)
def test_an_unusable_cost_names_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env)


def test_new_hashes_take_the_configured_cost_and_old_ones_still_verify(
    restore_cost: None,
) -> None:
    passwords.use_settings(
        load_settings({"MOTCUA_ARGON2_TIME_COST": "1", "MOTCUA_ARGON2_MEMORY_KIB": "64"})
    )
    cheap = passwords.hash_password("mật khẩu cũ")
    passwords.use_settings(
        load_settings({"MOTCUA_ARGON2_TIME_COST": "2", "MOTCUA_ARGON2_MEMORY_KIB": "128"})
    )
    costly = passwords.hash_password("mật khẩu mới")
    assert (extract_parameters(cheap).time_cost, extract_parameters(cheap).memory_cost) == (1, 64)
    assert (extract_parameters(costly).time_cost, extract_parameters(costly).memory_cost) == (
        2,
        128,
    )
    assert passwords.verify_password(cheap, "mật khẩu cũ")
    assert passwords.verify_password(costly, "mật khẩu mới")
    assert not passwords.verify_password(cheap, "mật khẩu mới")
    # Unknown addresses are checked against a stand-in made at the current cost.
    assert extract_parameters(passwords._stand_in_hash()).time_cost == 2
