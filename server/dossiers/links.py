"""The address a message about a dossier links to: the dossier in the app
(#/ho-so/<id>), by a plain path the server redirects (GET /ho-so/<id>), so mail
clients that drop a URL's fragment still land there. On a device where its owner
is signed in the app shows the dossier; elsewhere the app asks them to sign in, and
offers the public status lookup for the same dossier."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import get
from litestar.params import PathParameter
from litestar.response import Redirect


def dossier_link(base_url: str, dossier_id: uuid.UUID | str) -> str:
    return f"{base_url}/ho-so/{dossier_id}"


@get("/ho-so/{dossier_id:uuid}", include_in_schema=False)
async def dossier_in_app(dossier_id: Annotated[uuid.UUID, PathParameter()]) -> Redirect:
    return Redirect(path=f"/#/ho-so/{dossier_id}")
