"""Demo mode's own VNeID (server/demo_oidc.py): `motcua serve` starts the local OpenID
provider beside itself, the app's settings trust it as `vneid`, and it stops with serve."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

import harness.oidc_provider as harness_provider
from harness.oidc_provider import complete_login, free_port, pkce_pair
from harness.server_process import ServerProcess, server_env
from server import demo_oidc
from server.settings import Settings, SettingsError, load_settings
from tests.support import databases as dbs


def _demo_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"MOTCUA_DATA_DIR": str(tmp_path), "MOTCUA_DEMO": "1", **extra}


def _authorization_url(issuer: str, redirect_uri: str) -> str:
    _, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": demo_oidc.CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": "openid profile identity",
        "state": "st",
        "nonce": "no",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{issuer}/auth?{urlencode(query)}"


def test_demo_mode_starts_the_provider_and_the_settings_trust_it_as_vneid(
    oidc_provider_installed: None, tmp_path: Path
) -> None:
    env = _demo_env(tmp_path, MOTCUA_DEMO_OIDC_PORT=str(free_port()))
    settings = load_settings(env)
    said: list[str] = []
    with demo_oidc.demo_provider(settings, env, said.append) as issuer:
        assert issuer == f"http://127.0.0.1:{env['MOTCUA_DEMO_OIDC_PORT']}"
        [provider] = load_settings(env).oidc_providers
        assert provider.name == "vneid"
        assert provider.label.vi == "VNeID (thử nghiệm)"
        assert provider.issuer == issuer
        assert provider.client_id == "motcua" and len(provider.secret()) >= 32
        discovery = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
        assert discovery["issuer"] == issuer
        # The client is registered with this server's callback.
        callback = f"{settings.base_url}/api/auth/oidc/vneid/callback"
        back = complete_login(_authorization_url(issuer, callback), "an")
        assert back.startswith(callback + "?") and "code" in parse_qs(urlsplit(back).query)
    assert [line for line in said if issuer in line and "an, hoa, mai" in line], said
    assert "MOTCUA_OIDC_PROVIDERS_FILE" not in env
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{issuer}/.well-known/openid-configuration")


@pytest.mark.parametrize(
    "extra",
    [{"MOTCUA_DEMO": "0"}, {"MOTCUA_DEMO_OIDC": "0"}],
    ids=["not-demo", "turned-off"],
)
def test_no_provider_outside_demo_mode_or_when_turned_off(
    tmp_path: Path, extra: dict[str, str]
) -> None:
    env = _demo_env(tmp_path, **extra)
    said: list[str] = []
    with demo_oidc.demo_provider(load_settings(env), env, said.append) as issuer:
        assert issuer is None
    assert said == [] and "MOTCUA_OIDC_PROVIDERS_FILE" not in env


def test_no_demo_provider_when_providers_are_configured(
    tmp_path: Path, settings_with_a_provider: Settings
) -> None:
    env = _demo_env(tmp_path)
    with demo_oidc.demo_provider(settings_with_a_provider, env, print) as issuer:
        assert issuer is None


@pytest.fixture
def settings_with_a_provider(tmp_path: Path) -> Settings:
    providers = tmp_path / "providers.json"
    providers.write_text(
        '{"providers": [{"name": "vneid", "label": {"vi": "VNeID", "en": "VNeID"},'
        ' "issuer": "https://sso.example.vn", "client_id": "x", "client_secret": "y"}]}'
    )
    return load_settings(_demo_env(tmp_path, MOTCUA_OIDC_PROVIDERS_FILE=str(providers)))


def test_a_bad_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    env = _demo_env(tmp_path, MOTCUA_DEMO_OIDC_PORT="eighty")
    with pytest.raises(SettingsError, match="MOTCUA_DEMO_OIDC_PORT"):
        demo_oidc.demo_provider(load_settings(env), env, print)


def test_without_the_providers_packages_serve_says_so_in_one_line_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a checkout where `npm ci` has not run in harness/oidc_provider.
    monkeypatch.setattr(harness_provider, "INSTALLED", tmp_path / "node_modules" / ".installed")
    env = _demo_env(tmp_path)
    said: list[str] = []
    with demo_oidc.demo_provider(load_settings(env), env, said.append) as issuer:
        assert issuer is None
    [line] = said
    assert "no VNeID test provider" in line and "make run" in line and "\n" not in line
    assert "MOTCUA_OIDC_PROVIDERS_FILE" not in env


def test_a_busy_port_is_one_line_and_serve_goes_on(
    oidc_provider_installed: None, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _demo_env(tmp_path, MOTCUA_DEMO_OIDC_PORT=str(port))
        said: list[str] = []
        with demo_oidc.demo_provider(load_settings(env), env, said.append) as issuer:
            assert issuer is None
    [line] = said
    assert f"port {port}" in line and "EADDRINUSE" in line, line
    assert "MOTCUA_OIDC_PROVIDERS_FILE" not in env


def test_serve_refuses_a_bad_demo_provider_port_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        env={
            **server_env(dbs.settings_for(f"sqlite:///{tmp_path / 'm.db'}", tmp_path)),
            "MOTCUA_DEMO_OIDC": "1",
            "MOTCUA_DEMO_OIDC_PORT": "eighty",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "MOTCUA_DEMO_OIDC_PORT" in result.stderr


@pytest.mark.slow  # a real `motcua serve` with its child provider
async def test_serve_in_demo_mode_runs_the_provider_and_stops_it_on_exit(
    oidc_provider_installed: None, sqlite_template: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    database = dbs.copy_sqlite(sqlite_template, data_dir)
    provider_port = free_port()
    temp = tmp_path / "tmp"  # where the provider's config, keys and secret are written
    temp.mkdir()
    env = server_env(
        dbs.settings_for(f"sqlite:///{database}", data_dir),
        MOTCUA_DEMO_OIDC="1",
        MOTCUA_DEMO_OIDC_PORT=str(provider_port),
        TMPDIR=str(temp),
    )
    server = ServerProcess(env, tmp_path, "serve").start()
    try:
        await server.wait_ready()
        [workdir] = temp.iterdir()
        assert workdir.name.startswith("motcua-oidc-")
        said = re.search(r"local test provider at (http://\S+)", server.log_text())
        assert said, server.log_text()
        issuer = said.group(1)
        assert issuer == f"http://127.0.0.1:{provider_port}"
        async with httpx.AsyncClient(timeout=10) as http:
            discovery = await http.get(f"{issuer}/.well-known/openid-configuration")
            assert discovery.json()["issuer"] == issuer
            listed = await http.get(f"{server.url}/api/auth/providers")
            if listed.status_code != 404:  # the relying party's list, where it exists
                assert "vneid" in listed.text, listed.text
    finally:
        server.stop()  # SIGTERM, as a service manager stops it
    assert server.process is not None and server.process.returncode == -signal.SIGTERM
    # The provider was stopped before serve ended, and its keys and secret removed.
    async with httpx.AsyncClient(timeout=5) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"{issuer}/.well-known/openid-configuration")
    assert list(temp.iterdir()) == []
