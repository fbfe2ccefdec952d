"""Every request to an OpenID provider, bounded: an answer is read up to
MAX_ANSWER_BYTES and no further, it must not come compressed (a few kilobytes of gzip
can inflate to gigabytes), and the whole request, from connecting to the answer's last
byte, must end within the provider's timeout.

httpx's own timeout bounds each phase (each read) only, so a provider sending a byte
every few seconds could hold a person's sign-in, and the server's memory, for as long
as it liked. A transport wraps the one httpx would use, so the same bounds hold for
our own requests and for Authlib's (its client takes a `transport`)."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

# The largest answer read from a provider: a configuration, a JWKS, a token response
# or a userinfo answer is a few kilobytes.
MAX_ANSWER_BYTES = 512 * 1024


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered something unusable."""


class AnswerRefused(httpx.HTTPError):
    """An answer past the limit, or compressed when it was asked for plain: a transport error
    to httpx and Authlib alike, so each caller's `except httpx.HTTPError` takes it."""


class _BoundedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, url: httpx.URL) -> None:
        self._inner = inner
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        read = 0
        async for chunk in self._inner:
            read += len(chunk)
            if read > MAX_ANSWER_BYTES:
                raise AnswerRefused(f"{self._url}: answer larger than {MAX_ANSWER_BYTES} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


# What an answer may come encoded with that would inflate past what was read.
_COMPRESSIONS = frozenset({"gzip", "x-gzip", "deflate", "br", "zstd", "compress", "x-compress"})


class BoundedTransport(httpx.AsyncBaseTransport):
    """httpx's own transport, asking for uncompressed answers and reading at most
    MAX_ANSWER_BYTES of one. The environment's proxies (`HTTPS_PROXY`, `ALL_PROXY`,
    `NO_PROXY`) are used as httpx uses them for a client with no transport of its own:
    a deployment that reaches the provider through one keeps doing so."""

    def __init__(self) -> None:
        self._proxies = urllib.request.getproxies()
        self._direct = httpx.AsyncHTTPTransport()
        self._via: dict[str, httpx.AsyncHTTPTransport] = {}

    def _route(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or urllib.request.proxy_bypass(url.host):
            return self._direct
        if proxy not in self._via:
            self._via[proxy] = httpx.AsyncHTTPTransport(proxy=proxy)
        return self._via[proxy]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = "identity"
        response = await self._route(request.url).handle_async_request(request)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in _COMPRESSIONS:
            await response.aclose()
            raise AnswerRefused(f"{request.url}: answer encoded ({encoding}), none was asked for")
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
            await response.aclose()
            raise AnswerRefused(f"{request.url}: answer larger than {MAX_ANSWER_BYTES} bytes")
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_BoundedStream(response.stream, request.url),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for transport in (self._direct, *self._via.values()):
            await transport.aclose()


def provider_client(seconds: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=seconds, follow_redirects=False, transport=BoundedTransport())


@asynccontextmanager
async def deadline(what: str, seconds: float) -> AsyncIterator[None]:
    """The whole of one request to a provider within `seconds`, else ProviderUnavailable."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise ProviderUnavailable(f"{what}: no whole answer within {seconds:g} s") from None


def failure(what: str, exc: httpx.HTTPError) -> str:
    """What went wrong talking to a provider, for the log: the refusal in full (it names
    the limit), else the kind of error (its text may echo what the provider sent)."""
    return str(exc) if isinstance(exc, AnswerRefused) else f"{what}: {type(exc).__name__}"
