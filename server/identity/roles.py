from enum import Enum


class Role(str, Enum):
    citizen = "citizen"
    outreach = "outreach"
    desk = "desk"
    agency_admin = "agency_admin"
    admin = "admin"


# Officials belong to one commune and must sign in with a passkey.
OFFICIAL_ROLES = frozenset({Role.outreach, Role.desk, Role.agency_admin})
