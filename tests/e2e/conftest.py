"""Real-browser end-to-end tests: a real `motcua serve` process on a free port,
driven by Debian's Chromium through Playwright's async API.

Fixtures:

- `live_server` (per test, on each engine of `engine_kind`): a `LiveServer` whose
  database was made by `motcua migrate` + `motcua seed`, serving on
  http://localhost:<free port>, demo mode on, mail in the dev mailbox (/dev/mail,
  kept in the database). `live_server.motcua(...)` runs the command against the same database.
- `browser`: a headless Chromium (`/usr/bin/chromium`). Missing, it skips the test
  with the reason, and fails it under CI (`CI=true`).
- `new_page`: `await new_page()` opens a page in a fresh browser context whose
  base URL is the live server's (cookies and storage of its own);
  `await new_page(link.url)` reaches it through `link`.
- `link`: a `HoldingLink` (harness/holding_link.py) in front of the live server:
  `link.hold("/api/sync/pull", "GET")` keeps such requests on their way until
  `.release()`, whatever path they took inside Chromium.
- `artifacts`: `await artifacts.screenshot(page, "label")` saves a PNG under
  `tests/e2e/artifacts/<test>/`, beside the pages' console log and the server's log.
  A test that fails also gets a screenshot of every page still open at its end.
- `virtual_authenticator`: `await virtual_authenticator(page)` gives the page a
  CDP virtual authenticator (CTAP2, internal, resident keys, user verified).

Screenshots of earlier runs of the same test are replaced, not accumulated.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest

from harness.holding_link import HoldingLink
from tests.support import databases as dbs
from tests.support.smtp import free_port
from tests.support.waiting import wait_until_sync

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = Path(os.environ.get("MOTCUA_TEST_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps calling home, which on a
# closed network is a flood of failing connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MOTCUA = Path(sys.executable).parent / "motcua"  # the virtualenv's entry point
STARTUP_SECONDS = 30
ENROLL_LINK = re.compile(r"http://\S+/enroll\?token=[A-Za-z0-9_-]+")
MAIL_NAME = re.compile(r'href="/dev/mail/([0-9a-f-]{36}\.eml)"')


# -- the server ---------------------------------------------------------------


@dataclass
class LiveServer:
    engine: str
    port: int
    data_dir: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def motcua(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Runs `motcua ARGS` against this server's database; fails the test on a non-zero exit."""
        done = subprocess.run(
            [str(MOTCUA), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            pytest.fail(
                f"motcua {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def create_admin(self, email: str, name: str) -> str:
        """`motcua create-admin`; returns the enrollment link it prints."""
        out = self.motcua("create-admin", "--email", email, "--name", name).stdout
        match = ENROLL_LINK.search(out)
        assert match, out
        return match.group(0)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def mail_to(self, address: str, count: int = 1, timeout: float = 10) -> list[EmailMessage]:
        """Messages to `address` in the dev mailbox, waiting for at least `count`."""

        def delivered() -> tuple[list[EmailMessage]] | None:
            # The server's own page lists the messages, newest first; each one's source
            # is the message as sent.
            found: list[EmailMessage] = []
            listing = httpx.get(self.url("/dev/mail"), timeout=10).text
            for name in reversed(list(dict.fromkeys(MAIL_NAME.findall(listing)))):
                raw = httpx.get(self.url(f"/dev/mail/{name}/source"), timeout=10)
                raw.raise_for_status()
                message = BytesParser(policy=policy.default).parsebytes(raw.content)
                if (
                    isinstance(message, EmailMessage)
                    and address.lower() in str(message["To"]).lower()
                ):
                    found.append(message)
            # In a tuple, so that enough messages count as done even when enough is none.
            return (found,) if len(found) >= count else None

        [found] = wait_until_sync(
            delivered,
            seconds=timeout,
            interval=0.1,
            message=f"fewer than {count} messages to {address}",
        )
        return found

    def start(self) -> None:
        # The port was free when picked; if something took it since, pick another.
        for _ in range(3):
            if self._start():
                return
            self.port = free_port()
            self.env.update(MOTCUA_PORT=str(self.port), MOTCUA_BASE_URL=self.base_url)
        pytest.fail(f"motcua serve found no free port:\n{self.log()}")

    def _start(self) -> bool:
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [str(MOTCUA), "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        deadline = time.monotonic() + STARTUP_SECONDS
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "address already in use" in self.log():
                    return False
                pytest.fail(
                    f"motcua serve exited {self.process.returncode} at start-up:\n{self.log()}"
                )
            try:
                r = httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
                if r.status_code == 200 and r.json().get("status") == "ok":
                    return True
                last = f"{r.status_code} {r.text}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"motcua serve not healthy after {STARTUP_SECONDS} s ({last}):\n{self.log()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _server_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(
        {
            "MOTCUA_DATABASE_URL": database_url,
            "MOTCUA_DATA_DIR": str(data_dir),
            "MOTCUA_HOST": "127.0.0.1",
            "MOTCUA_PORT": str(port),
            "MOTCUA_BASE_URL": f"http://localhost:{port}",
            "MOTCUA_SMTP_HOST": "",  # mail goes to the dev mailbox (/dev/mail)
            "MOTCUA_DEMO": "1",
            "MOTCUA_DEMO_OIDC": "0",  # no local VNeID provider per server (server/demo_oidc.py)
            "PYTHONUNBUFFERED": "1",
            **dbs.CHEAP_PASSWORD_HASHING,
        }
    )
    return env


@pytest.fixture
def live_server(
    engine_kind: str, request: pytest.FixtureRequest, tmp_path: Path, artifacts: Artifacts
) -> Iterator[LiveServer]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if engine_kind == "sqlite":
        database_url = f"sqlite:///{data_dir / 'motcua.db'}"  # an empty file: the commands build it
    else:
        # A clone of the session's migrated, seeded template: the commands below
        # then find nothing to do, as on an upgrade with no new migration.
        database_url = dbs.pg_url(request.getfixturevalue("postgres_database"))
    port = free_port()
    server = LiveServer(
        engine=engine_kind,
        port=port,
        data_dir=data_dir,
        env=_server_env(database_url, data_dir, port),
        log_path=tmp_path / "server.log",
    )
    server.motcua("migrate")
    server.motcua("seed")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        artifacts.keep_file("server.log", server.log())
        if _failed(request):
            print(f"--- motcua serve log ({engine_kind}, port {server.port}) ---\n{server.log()}")


# -- failure reports and artifacts --------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


_REPORTS = pytest.StashKey[dict]()


def _failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


# A constructed style sheet, not a <style> element: the app's Content-Security-Policy
# refuses inline styles (and would report the screenshot as a violation).
SHOW_ALL_SECTIONS = """(show) => {
  const sheets = document.adoptedStyleSheets.filter((s) => !s.artifactsShowAll);
  if (show) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('* { content-visibility: visible !important; }');
    sheet.artifactsShowAll = true;
    sheets.push(sheet);
  }
  document.adoptedStyleSheets = sheets;
}"""


@dataclass
class Artifacts:
    """Files a test leaves for people to look at, in tests/e2e/artifacts/<test>/."""

    directory: Path
    count: int = 0
    pages: list = field(default_factory=list)

    async def screenshot(self, page, label: str) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:02d}-{_slug(label)}.png"
        # A full-page capture takes what lies below the fold without scrolling to it, and
        # the app's form sections skip rendering until they come near the viewport
        # (content-visibility: auto): render everything for the picture.
        await page.evaluate(SHOW_ALL_SECTIONS, True)
        try:
            await page.screenshot(path=str(path), full_page=True)
        finally:
            await page.evaluate(SHOW_ALL_SECTIONS, False)
        return path

    def keep_file(self, name: str, text: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / name
        path.write_text(text)
        return path


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120] or "x"


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Iterator[Artifacts]:
    directory = ARTIFACTS / _slug(f"{request.node.path.stem}-{request.node.name}")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    yield Artifacts(directory)


# -- the browser --------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    """Debian's Chromium (`make test` installs it). Missing: a skip locally, a failure under CI."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} not found (apt-get install chromium, or `make chromium`)"
    elif not os.access(CHROMIUM, os.X_OK):
        problem = f"{CHROMIUM} is not executable"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[test]')"
    if problem:
        if IN_CI:
            pytest.fail(f"Chromium is required under CI: {problem}")
        pytest.skip(problem)
    return CHROMIUM


@pytest.fixture
async def browser(chromium_executable: Path) -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=str(chromium_executable), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def new_page(
    browser, live_server: LiveServer, artifacts: Artifacts, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[..., Awaitable]]:
    contexts = []
    console: list[str] = []

    async def open_page(base_url: str | None = None):
        """A page in a context of its own; `base_url` reaches the server another way
        (a proxy in front of it)."""
        context = await browser.new_context(
            base_url=base_url or live_server.base_url, locale="vi-VN"
        )
        contexts.append(context)
        page = await context.new_page()
        n = len(contexts)
        page.on("console", lambda m: console.append(f"[page {n}] {m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"[page {n}] pageerror: {e}"))
        artifacts.pages.append(page)
        return page

    try:
        yield open_page
    finally:
        for i, page in enumerate(artifacts.pages if _failed(request) else [], 1):
            if not page.is_closed():
                try:
                    await artifacts.screenshot(page, f"end-page{i}")
                except Exception as exc:  # a screenshot is a courtesy, not a result
                    console.append(f"[page {i}] no final screenshot: {exc}")
        artifacts.keep_file("console.log", "\n".join(console) + "\n")
        for context in contexts:
            await context.close()


@pytest.fixture
async def link(live_server: LiveServer) -> AsyncIterator[HoldingLink]:
    """The server reached through a link whose requests a test can hold on their way
    (`new_page(link.url)`): see harness/holding_link.py for why not Playwright's routing."""
    async with HoldingLink(live_server.port) as held_link:
        yield held_link


# -- passkeys -----------------------------------------------------------------


@dataclass
class VirtualAuthenticator:
    """Chromium's virtual WebAuthn authenticator, attached to one page over CDP."""

    cdp: object
    authenticator_id: str

    async def credentials(self) -> list[dict]:
        r = await self.cdp.send(
            "WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id}
        )
        return r["credentials"]

    async def add_credential(self, credential: dict) -> None:
        await self.cdp.send(
            "WebAuthn.addCredential",
            {"authenticatorId": self.authenticator_id, "credential": credential},
        )


@pytest.fixture
def virtual_authenticator() -> Callable[..., Awaitable[VirtualAuthenticator]]:
    async def attach(page, **options) -> VirtualAuthenticator:
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("WebAuthn.enable", {"enableUI": False})
        r = await cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                    **options,
                }
            },
        )
        return VirtualAuthenticator(cdp, r["authenticatorId"])

    return attach
