"""Demo mode's own VNeID: `motcua serve` starts the local OpenID provider
(harness/oidc_provider, docs/oidc-provider.md) beside itself and trusts it as `vneid`,
so a tester can try "Đăng nhập bằng VNeID" end to end with no real e-ID.

Only in demo mode, only when no provider is configured (MOTCUA_OIDC_PROVIDERS_FILE), and
not with MOTCUA_DEMO_OIDC=0. The provider listens on 127.0.0.1, port
MOTCUA_DEMO_OIDC_PORT (8001); the app learns of it through a providers file written
for this run, named in the environment the app's settings are read from.
"""

from __future__ import annotations

import json
import secrets
import signal
import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import FrameType

from server.settings import Settings, SettingsError

NAME = "vneid"
LABEL = {"vi": "VNeID (thử nghiệm)", "en": "VNeID (test)"}
CLIENT_ID = "motcua"
DEFAULT_PORT = 8001


def wanted(settings: Settings, env: MutableMapping[str, str]) -> bool:
    return (
        settings.demo_mode
        and not settings.oidc_providers
        and (env.get("MOTCUA_DEMO_OIDC") or "1").strip() != "0"
    )


def port(env: MutableMapping[str, str]) -> int:
    raw = (env.get("MOTCUA_DEMO_OIDC_PORT") or str(DEFAULT_PORT)).strip()
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SettingsError(f"MOTCUA_DEMO_OIDC_PORT: expected a port number, got {raw!r}")
    return int(raw)


def callback_url(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}/api/auth/oidc/{NAME}/callback"


def demo_provider(
    settings: Settings, env: MutableMapping[str, str], say: Callable[[str], object]
) -> AbstractContextManager[str | None]:
    """Runs the provider while the block runs, and points `env` at it: the block gets its
    issuer, or None (with a one-line notice through `say`) when it cannot run here.
    A bad MOTCUA_DEMO_OIDC_PORT raises SettingsError now, before anything starts."""
    if not wanted(settings, env):
        return nullcontext(None)
    return _running(settings, env, say, port(env))


@contextmanager
def _running(
    settings: Settings,
    env: MutableMapping[str, str],
    say: Callable[[str], object],
    listen_port: int,
) -> Iterator[str | None]:
    # The harness is beside the package in a source checkout (make run's editable
    # install); an installed wheel has no Node app to run.
    try:
        from harness.oidc_provider import (
            OidcClient,
            OidcProvider,
            OidcProviderError,
            provider_problem,
        )
    except ImportError:
        say("motcua: demo mode: no VNeID test provider (harness/ is not beside the package)")
        yield None
        return
    problem = provider_problem()
    if problem:
        say(f"motcua: demo mode: no VNeID test provider: {problem} (make run installs it)")
        yield None
        return
    secret = secrets.token_urlsafe(32)
    provider = OidcProvider(
        clients=[OidcClient(CLIENT_ID, secret, [callback_url(settings)])], port=listen_port
    )
    try:
        provider.start()
    except OidcProviderError as exc:
        # One line: Node's own error (such as EADDRINUSE) where it gave one.
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        cause = next((line for line in lines if line.startswith("Error")), lines[0])
        say(
            f"motcua: demo mode: no VNeID test provider on port {listen_port} ({cause}); "
            f"set MOTCUA_DEMO_OIDC_PORT, or MOTCUA_DEMO_OIDC=0"
        )
        provider.stop()
        yield None
        return
    try:
        assert provider.workdir is not None
        providers_file = provider.workdir / "providers.json"
        _write_providers_file(providers_file, provider.issuer, secret)
        env["MOTCUA_OIDC_PROVIDERS_FILE"] = str(providers_file)
        say(
            f"motcua: demo mode: “Đăng nhập bằng VNeID” uses the local test provider at "
            f"{provider.issuer} (sample identities: "
            f"{', '.join(i['login'] for i in provider.identities)}; docs/oidc-provider.md)"
        )
        with _stopped_on_sigterm(provider.stop):
            yield provider.issuer
    finally:
        env.pop("MOTCUA_OIDC_PROVIDERS_FILE", None)
        provider.stop()


@contextmanager
def _stopped_on_sigterm(stop: Callable[[], None]) -> Iterator[None]:
    """uvicorn ends on SIGTERM by raising it again once shut down, which kills the process
    before any `finally` runs: stop the provider (and remove its keys) first, then let the
    signal do what it did before. (Were even that skipped, as by SIGKILL, the provider
    still exits when its stdin pipe from us closes.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stop()
        signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _write_providers_file(path: Path, issuer: str, secret: str) -> None:
    document = {
        "providers": [
            {
                "name": NAME,
                "label": LABEL,
                "issuer": issuer,
                "client_id": CLIENT_ID,
                "client_secret": secret,
            }
        ]
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    path.chmod(0o600)  # it holds this run's client secret
