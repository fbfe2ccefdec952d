"""Who may read a dossier — one rule for every endpoint that names one (the receipt,
the files it holds, the desk, the change feed), as the README's role table says:

- its owner, the account that created it (a citizen, or the outreach official who
  registered it, from any of their devices), always, drafts included;
- the desk of its commune (`desk`, `agency_admin`) and administrators, once it is
  no longer a draft;
- nobody else: not another outreach official of the same commune, not a citizen.

Someone who may not read a dossier is answered as if it did not exist (404, the
same body), so that dossier ids cannot be probed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from server.identity.principal import Principal
from server.identity.roles import Role
from server.problems import ProblemError
from sync.states import State

# Roles that work a commune's dossiers at the one-stop desk.
DESK_ROLES = frozenset({Role.desk, Role.agency_admin})


def works_the_desk(role: Role) -> bool:
    """The desk's roles and administrators: who is shown the desk's flags (a possible
    duplicate names someone else's dossier)."""
    return role in DESK_ROLES or role is Role.admin


def may_process(principal: Principal, dossier: Mapping[str, Any]) -> bool:
    """The desk's right: a submitted dossier of the official's commune (any, for an
    administrator). `dossier` is a row with `commune_code` and `state`."""
    if int(dossier["state"]) == State.DRAFT:
        return False
    if principal.role is Role.admin:
        return True
    return principal.role in DESK_ROLES and dossier["commune_code"] == principal.commune_code


def may_read(principal: Principal, dossier: Mapping[str, Any]) -> bool:
    """The owner's right or the desk's. `dossier` also has `owner_id`."""
    return dossier["owner_id"] == principal.account_id or may_process(principal, dossier)


def readable_where(principal: Principal) -> tuple[str, list]:
    """`may_read` as an SQL condition on a table with `owner_id` and `commune_code`
    (the change feed), with its arguments. Drafts are left to the caller: the feed
    carries them, and server.dossiers.views hands a draft to its owner alone."""
    if principal.role is Role.admin:
        return "TRUE", []
    if principal.role in DESK_ROLES:
        return "(owner_id = {} OR commune_code = {})", [
            principal.account_id,
            principal.commune_code,
        ]
    return "owner_id = {}", [principal.account_id]


def not_found(dossier_id: uuid.UUID) -> ProblemError:
    """The one answer for a dossier that does not exist and one the caller may not see."""
    return ProblemError(404, "not_found", detail=str(dossier_id))
