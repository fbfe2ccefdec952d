import json
from enum import StrEnum
from importlib.resources import files


class Role(StrEnum):
    citizen = "citizen"
    outreach = "outreach"
    desk = "desk"
    agency_admin = "agency_admin"
    admin = "admin"


# Officials belong to one commune and must sign in with a passkey.
OFFICIAL_ROLES = frozenset({Role.outreach, Role.desk, Role.agency_admin})


# What each role is called on screen, {"vi": …, "en": …}: one table with the app's
# (sync/roles.json, read by pwa/src/roleNames.ts).
ROLE_NAMES: dict[str, dict[str, str]] = json.loads(
    files("sync").joinpath("roles.json").read_text("utf-8")
)["names"]
