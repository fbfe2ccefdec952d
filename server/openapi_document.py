"""The server's OpenAPI document as the code makes it, with default settings: what
pwa/src/api/schema.d.ts is generated from (`npm run api-types` in pwa/), and what
tests/unit/test_api_schema_types.py compares it with. Settings come from a fixed
environment, not the caller's, so every machine makes the same document.

    python -m server.openapi_document > openapi.json"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from server.app import create_app
from server.settings import load_settings


def document() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="motcua-openapi-") as scratch:
        # The app is only built, never started: nothing is written here.
        settings = load_settings(
            {
                "MOTCUA_DATA_DIR": scratch,
                "MOTCUA_DATABASE_URL": f"sqlite:///{Path(scratch) / 'unused.db'}",
            }
        )
        made = create_app(settings).openapi_schema.to_schema()
    # Paths in a fixed order: the order routes register in may differ by what the
    # process imported first (one handler serves two paths), and the app's generated
    # types follow the document's order.
    paths = made["paths"]
    assert isinstance(paths, dict)
    made["paths"] = dict(sorted(paths.items()))
    return made


if __name__ == "__main__":
    json.dump(document(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
