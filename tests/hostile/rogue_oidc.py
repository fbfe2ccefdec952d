"""A misbehaving OpenID provider for the hostile tests: a stdlib HTTP server on
127.0.0.1 serving a discovery document, keys, a token endpoint and userinfo, each of
which a test may replace with whatever a broken or compromised provider could send.

No authorization page: a test reads `state` and `nonce` from the authorization URL the
app hands out and calls the app's callback itself, as the provider's redirect would."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jws
from joserfc.jwk import RSAKey

# Whatever an endpoint answers: (status, content type, body).
Answer = tuple[int, str, bytes]

# 001090004821: province 001, a man born in 1990 (a valid number the forms accept).
GOOD_CLAIMS: dict[str, Any] = {
    "personal_id_number": "001090004821",
    "name": "Nguyễn Văn An",
    "birthdate": "1990-03-14",
    "gender": "male",
    "address": {"formatted": "Số 12 phố Hào Nam, Hà Nội"},
}


def json_answer(value: Any, status: int = 200) -> Answer:
    # ensure_ascii: a lone surrogate in a claim travels as the JSON escape "\ud800".
    return status, "application/json", json.dumps(value, ensure_ascii=True).encode()


class RogueProvider:
    """`token` and `userinfo`: callables given the attempt's nonce, returning an Answer;
    `discovery` and `jwks` override what is served."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "rogue-1"})
        self.nonce = ""
        self.subject = "rogue-subject-1"
        self.claims: dict[str, Any] = dict(GOOD_CLAIMS)
        self.discovery_overrides: dict[str, Any] = {}
        self.jwks: Answer | None = None
        self.token: Callable[[str], Answer] = self.good_token
        self.userinfo: Callable[[str], Answer] = lambda _nonce: json_answer(
            {"sub": self.subject, **self.claims}
        )
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/auth",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "id_token_signing_alg_values_supported": ["RS256"],
            **self.discovery_overrides,
        }

    def id_token_claims(self, nonce: str) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": "motcua",
            "sub": self.subject,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
        }

    def sign(
        self, claims: dict[str, Any], header: dict[str, Any] | None = None, key: Any = None
    ) -> str:
        protected = {"alg": "RS256", "kid": "rogue-1", **(header or {})}
        payload = json.dumps(claims, ensure_ascii=True).encode()
        return jws.serialize_compact(
            protected, payload, key or self.key, algorithms=[protected["alg"]]
        )

    def token_response(self, id_token: str) -> Answer:
        return json_answer(
            {"access_token": "rogue-access", "token_type": "Bearer", "id_token": id_token}
        )

    def good_token(self, nonce: str) -> Answer:
        return self.token_response(self.sign(self.id_token_claims(nonce)))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rogue = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _send(self, answer: Answer) -> None:
                status, content_type, body = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                rogue.requests.append(f"GET {self.path}")
                if self.path == "/.well-known/openid-configuration":
                    self._send(json_answer(rogue.discovery()))
                elif self.path == "/jwks":
                    self._send(
                        rogue.jwks or json_answer({"keys": [rogue.key.as_dict(private=False)]})
                    )
                elif self.path == "/userinfo":
                    self._send(rogue.userinfo(rogue.nonce))
                else:
                    self._send((404, "text/plain", b"no"))

            def do_POST(self) -> None:
                rogue.requests.append(f"POST {self.path}")
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/token":
                    self._send(rogue.token(rogue.nonce))
                else:
                    self._send((404, "text/plain", b"no"))

        return Handler

    def __enter__(self) -> RogueProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
