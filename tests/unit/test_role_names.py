"""sync/roles.json names every role the server has, and no other, in both languages:
the app's screens and the server's pages read their role names from it."""

from server.identity.roles import ROLE_NAMES, Role


def test_every_role_has_a_name_in_both_languages_and_no_other_role_does() -> None:
    assert set(ROLE_NAMES) == {role.value for role in Role}
    for role, name in ROLE_NAMES.items():
        assert set(name) == {"vi", "en"}, role
        assert name["vi"].strip() and name["en"].strip(), role
        assert role not in name["vi"] and name["en"] != role, role
