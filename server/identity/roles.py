from enum import StrEnum


class Role(StrEnum):
    citizen = "citizen"
    outreach = "outreach"
    desk = "desk"
    agency_admin = "agency_admin"
    admin = "admin"


# Officials belong to one commune and must sign in with a passkey.
OFFICIAL_ROLES = frozenset({Role.outreach, Role.desk, Role.agency_admin})
