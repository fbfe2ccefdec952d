from pathlib import Path

import pytest

from server.i18n import negotiate_language
from server.settings import SettingsError, load_settings


def test_defaults_are_an_sqlite_file_under_var(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings({})
    assert s.engine == "sqlite"
    assert s.sqlite_path == tmp_path / "var" / "motcua.db"
    assert s.base_url == "http://localhost:8000"
    assert (s.host, s.port) == ("127.0.0.1", 8000)


def test_postgres_url_selects_postgres() -> None:
    s = load_settings({"MOTCUA_DATABASE_URL": "postgresql://u:p@db:5432/motcua"})
    assert s.engine == "postgres"


@pytest.mark.parametrize(
    "env, name",
    [
        ({"MOTCUA_DATABASE_URL": "mysql://x"}, "MOTCUA_DATABASE_URL"),
        ({"MOTCUA_PORT": "eighty"}, "MOTCUA_PORT"),
        ({"MOTCUA_PORT": "70000"}, "MOTCUA_PORT"),
        ({"MOTCUA_BASE_URL": "localhost:8000"}, "MOTCUA_BASE_URL"),
        ({"MOTCUA_PROCESSES": "0"}, "MOTCUA_PROCESSES"),
        ({"MOTCUA_PROCESSES": "65"}, "MOTCUA_PROCESSES"),
        ({"MOTCUA_PROCESSES": "two"}, "MOTCUA_PROCESSES"),
        # Each worker would have an empty database of its own.
        (
            {"MOTCUA_PROCESSES": "2", "MOTCUA_DATABASE_URL": "sqlite:///:memory:"},
            "MOTCUA_PROCESSES",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict, name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env)


@pytest.mark.parametrize(
    "header, lang",
    [
        (None, "vi"),
        ("", "vi"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,en;q=0.5,vi;q=0.8", "vi"),
        ("fr", "vi"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("en;q=0", "vi"),
    ],
)
def test_language_negotiation(header: str | None, lang: str) -> None:
    assert negotiate_language(header) == lang


def test_several_processes_on_a_sqlite_file_or_on_postgres(tmp_path: Path) -> None:
    on_file = {"MOTCUA_PROCESSES": "2", "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
    assert load_settings(on_file).processes == 2
    on_postgres = {"MOTCUA_PROCESSES": "4", "MOTCUA_DATABASE_URL": "postgresql://u@db/motcua"}
    assert load_settings(on_postgres).processes == 4
    assert load_settings({}).processes == 1
