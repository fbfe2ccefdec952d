"""A real OpenID provider on this machine, standing in for VNeID (docs/oidc-provider.md).

`OidcProvider` runs harness/oidc_provider/provider.mjs (the certified npm package
`oidc-provider`) under Node as a child process on 127.0.0.1: it writes the config and a
fresh RSA signing key to a temporary directory, waits for the `ready` line, and stops,
kills or restarts it (with a new key, to rotate). `complete_login` plays the person at
the provider's login page; `obtain_tokens` does a whole code + PKCE flow for a client.

This module is used by the tests and by `motcua serve` in demo mode, so it needs only
the app's own dependencies (httpx, cryptography) and imports nothing from `server`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

APP_DIR = Path(__file__).resolve().parent / "oidc_provider"
SCRIPT = APP_DIR / "provider.mjs"
INSTALLED = APP_DIR / "node_modules" / ".installed"
DEMO_IDENTITIES = APP_DIR / "identities.json"
ALL_SCOPES = "openid profile email address identity"


class OidcProviderError(RuntimeError):
    """The provider could not be started (Node or its packages missing, or it failed)."""


@dataclass(frozen=True)
class OidcClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    # Or "client_secret_post": oidc-provider accepts only the registered method.
    token_endpoint_auth_method: str = "client_secret_basic"


@dataclass
class TokenTTL:
    """Lifetimes in seconds; None keeps oidc-provider's default."""

    id_token: int | None = None
    access_token: int | None = None
    authorization_code: int | None = None


def provider_problem(node: str = "node") -> str | None:
    """Why the provider cannot run here, or None: Node missing, or `npm ci` not run."""
    if shutil.which(node) is None:
        return f"Node.js ({node}) is not installed: the local OpenID provider runs on it"
    if not INSTALLED.exists():
        return (
            "the local OpenID provider's packages are not installed: run "
            "`make harness/oidc_provider/node_modules/.installed` (npm ci in harness/oidc_provider)"
        )
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def demo_identities() -> list[dict[str, Any]]:
    return json.loads(DEMO_IDENTITIES.read_text(encoding="utf-8"))


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def new_signing_key(kid: str | None = None) -> dict[str, str]:
    """A private RSA JWK for RS256 with its own `kid`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_numbers()
    public = private.public_numbers
    return {
        "kty": "RSA",
        "kid": kid or secrets.token_hex(8),
        "alg": "RS256",
        "use": "sig",
        "n": _b64(public.n),
        "e": _b64(public.e),
        "d": _b64(private.d),
        "p": _b64(private.p),
        "q": _b64(private.q),
        "dp": _b64(private.dmp1),
        "dq": _b64(private.dmq1),
        "qi": _b64(private.iqmp),
    }


@dataclass
class OidcProvider:
    """One provider process. Use as a context manager, or call start() and stop()."""

    clients: list[OidcClient]
    identities: list[dict[str, Any]] = field(default_factory=demo_identities)
    port: int = 0  # 0: a free port, chosen once and kept across restarts
    host: str = "127.0.0.1"
    ttl: TokenTTL = field(default_factory=TokenTTL)
    node: str = "node"
    ready_timeout: float = 30.0
    # Where the config, keys and logs go; None: a temporary directory removed on stop().
    workdir: Path | None = None
    keys: list[dict[str, str]] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _own_workdir: bool = field(default=False, init=False)
    _starts: int = field(default=0, init=False)

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def kid(self) -> str:
        """The key id of the key that signs now."""
        return self.keys[0]["kid"]

    def client(self, client_id: str) -> OidcClient:
        return next(c for c in self.clients if c.client_id == client_id)

    def identity(self, login: str) -> dict[str, Any]:
        return next(i for i in self.identities if i["login"] == login)

    @property
    def log_path(self) -> Path:
        assert self.workdir is not None
        return self.workdir / f"provider-{self._starts}.log"

    def log_text(self) -> str:
        if self.workdir is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-20000:]

    def start(self) -> OidcProvider:
        problem = provider_problem(self.node)
        if problem:
            raise OidcProviderError(problem)
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="motcua-oidc-"))
            self._own_workdir = True
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port(self.host)
        if not self.keys:
            self.keys = [new_signing_key()]
        self._launch()
        return self

    def _write_config(self) -> Path:
        assert self.workdir is not None
        keys_file = self.workdir / "keys.json"
        keys_file.write_text(json.dumps({"keys": self.keys}))
        keys_file.chmod(0o600)
        ttl = {k: v for k, v in asdict(self.ttl).items() if v is not None}
        config = {
            "issuer": self.issuer,
            "host": self.host,
            "port": self.port,
            "clients": [asdict(c) for c in self.clients],
            "identities": self.identities,
            "keys_file": str(keys_file),
            "exit_with_stdin": True,
            **({"ttl": ttl} if ttl else {}),
        }
        path = self.workdir / "config.json"
        path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    def _launch(self) -> None:
        config = self._write_config()
        self._starts += 1
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [self.node, str(SCRIPT), str(config)],
                cwd=APP_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Never written: the provider exits when it closes, when we are gone.
                stdin=subprocess.PIPE,
            )
        deadline = time.monotonic() + self.ready_timeout
        ready = f"ready {self.issuer}"
        while time.monotonic() < deadline:
            if ready in self.log_text().splitlines():
                return
            if self.process.poll() is not None:
                self._end(graceful=False)
                raise OidcProviderError(
                    f"the local OpenID provider exited with {self.process.returncode} "
                    f"before it was ready:\n{self.log_text()}"
                )
            time.sleep(0.02)
        self.kill()
        raise OidcProviderError(
            f"the local OpenID provider printed no `{ready}` within "
            f"{self.ready_timeout:g} s:\n{self.log_text()}"
        )

    def _end(self, graceful: bool) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            if graceful:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
            else:
                process.kill()
            process.wait(timeout=10)
        if process.stdin is not None:
            process.stdin.close()

    def kill(self) -> None:
        """The provider goes down at once (SIGKILL): for "provider unreachable" tests."""
        self._end(graceful=False)

    def restart(self, rotate_keys: bool = False) -> None:
        """Stop and start again on the same port and issuer. Its state (sessions, codes)
        is in memory, so it is lost. `rotate_keys`: sign with a new key (a new `kid`)."""
        self._end(graceful=True)
        if rotate_keys:
            self.keys = [new_signing_key()]
        self._launch()

    def stop(self) -> None:
        self._end(graceful=True)
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
            self._own_workdir = False

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def discovery(self) -> dict[str, Any]:
        response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10)
        response.raise_for_status()
        return response.json()


# --- playing the person and the client, for tests ------------------------------------

_FORM_ACTION = re.compile(r'action="(/interaction/[A-Za-z0-9_-]+/(?:login|abort))"')


def _drive(
    authorization_url: str, action: str, data: dict[str, str], http: httpx.Client | None
) -> str:
    """Follow the provider's redirects from the authorization URL, submit the form whose
    action ends with `action`, and return the first URL that leaves the provider (the
    relying party's redirect URI), without requesting it."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorization_url))
    submitted = False
    with contextlib.nullcontext(http) if http else httpx.Client(timeout=10) as http:
        response = http.get(authorization_url, follow_redirects=False)
        for _ in range(10):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if not location.startswith(origin + "/"):
                    return location
                response = http.get(location, follow_redirects=False)
                continue
            if response.status_code != 200 or submitted:
                raise AssertionError(
                    f"the provider answered {response.status_code} at {response.url}:\n"
                    f"{response.text[:2000]}"
                )
            target = next(
                (a for a in _FORM_ACTION.findall(response.text) if a.endswith("/" + action)),
                None,
            )
            if target is None:
                raise AssertionError(f"no {action} form at {response.url}:\n{response.text[:2000]}")
            response = http.post(origin + target, data=data, follow_redirects=False)
            submitted = True
    raise AssertionError("the provider kept redirecting")


def complete_login(authorization_url: str, login: str, http: httpx.Client | None = None) -> str:
    """Sign in at the provider as the identity `login` (its login name or personal ID
    number); returns the redirect to the relying party, with `code` and `state`.
    `http`: a client whose cookies to keep (one browser); by default a fresh one."""
    return _drive(authorization_url, "login", {"login": login}, http)


def cancel_login(authorization_url: str, http: httpx.Client | None = None) -> str:
    """Press "Huỷ" at the provider; returns the redirect with `error=access_denied`."""
    return _drive(authorization_url, "abort", {}, http)


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    provider: OidcProvider,
    client: OidcClient,
    *,
    code_challenge: str | None,
    state: str,
    nonce: str,
    scope: str = ALL_SCOPES,
) -> str:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": client.redirect_uris[0],
        "scope": scope,
        "state": state,
        "nonce": nonce,
    }
    if code_challenge is not None:
        params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    return f"{provider.issuer}/auth?{urlencode(params)}"


def exchange_code(
    provider: OidcProvider, client: OidcClient, code: str, verifier: str
) -> httpx.Response:
    """The token request a relying party makes, with the client's registered auth method."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uris[0],
        "code_verifier": verifier,
    }
    auth = None
    if client.token_endpoint_auth_method == "client_secret_post":
        form |= {"client_id": client.client_id, "client_secret": client.client_secret}
    else:
        auth = (client.client_id, client.client_secret)
    return httpx.post(f"{provider.issuer}/token", data=form, auth=auth, timeout=10)


def obtain_tokens(
    provider: OidcProvider,
    client: OidcClient | str,
    login: str = "an",
    *,
    scope: str = ALL_SCOPES,
    nonce: str | None = None,
) -> dict[str, Any]:
    """A whole code + PKCE flow for `client` as `login`: the token response (id_token,
    access_token...), plus the `nonce` sent, for tests that want a raw ID token."""
    if isinstance(client, str):
        client = provider.client(client)
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), nonce or secrets.token_urlsafe(16)
    url = authorization_url(
        provider, client, code_challenge=challenge, state=state, nonce=nonce, scope=scope
    )
    query = parse_qs(urlsplit(complete_login(url, login)).query)
    if query.get("state") != [state] or "code" not in query:
        raise AssertionError(f"no code for {client.client_id}: {query}")
    response = exchange_code(provider, client, query["code"][0], verifier)
    response.raise_for_status()
    return {**response.json(), "nonce": nonce}
