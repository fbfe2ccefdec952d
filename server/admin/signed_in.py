"""The administrator the gate let through, as it rides on the request's ASGI scope.

The gate (gate.py) puts it there; the audit hooks (hooks.py) read it back. It sits
apart from both so that neither imports the other."""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.requests import Request

SCOPE_KEY = "motcua.admin"


def admin_scope(account_id: uuid.UUID, ip: str) -> dict[str, object]:
    """What the gate puts on the scope under SCOPE_KEY."""
    return {"account_id": account_id, "ip": ip}


def actor(request: Request) -> tuple[uuid.UUID, str]:
    """The signed-in administrator's account id and address."""
    found = request.scope.get(SCOPE_KEY)
    if not found:  # only the gate mounts the admin; never expected
        raise HTTPException(status_code=401, detail="not signed in")
    return found["account_id"], found["ip"]
