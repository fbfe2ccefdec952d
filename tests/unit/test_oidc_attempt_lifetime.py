"""The app takes an e-ID return only within an open attempt's lifetime
(pwa/src/oidc.ts ATTEMPT_MS); the server keeps an attempt open ATTEMPT_MINUTES. The
copy in TypeScript follows the server's."""

from __future__ import annotations

import re
from pathlib import Path

from server.identity.oidc.attempts import ATTEMPT_MINUTES

APP = Path(__file__).resolve().parents[2] / "pwa" / "src" / "oidc.ts"


def test_the_apps_attempt_lifetime_is_the_servers() -> None:
    found = re.search(r"const ATTEMPT_MS = (\d+) \* 60_000;", APP.read_text())
    assert found, "pwa/src/oidc.ts defines no ATTEMPT_MS"
    assert int(found.group(1)) == ATTEMPT_MINUTES
