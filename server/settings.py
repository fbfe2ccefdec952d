"""Settings, read once from the environment (MOTCUA_*)."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlparse

import msgspec

from server.client_address import parse_trusted_proxies
from server.identity.oidc.config import OidcConfigError, ProviderConfig, load_providers

DEFAULT_BASE_URL = "http://localhost:8000"
# The smallest MOTCUA_UPLOAD_CHUNK_SIZE: a tus PATCH this size or larger is a normal
# chunk under any setting (uploads.py bounds the count of smaller ones).
MIN_UPLOAD_CHUNK_SIZE = 16 * 1024


# More worker processes than this on one host is a typo, not a plan.
MAX_PROCESSES = 64


class SettingsError(ValueError):
    """A setting has a value the server cannot use."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    data_dir: Path
    base_url: str = DEFAULT_BASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # The load balancers and reverse proxies whose X-Forwarded-For / Forwarded headers
    # name the client (server/client_address.py): addresses and networks, canonical.
    # Empty: the client is whoever connects, whatever the headers say.
    trusted_proxies: tuple[str, ...] = ()
    # `motcua serve` worker processes on this host, sharing its port, database and data
    # dir (on SQLite, one file: server/sqlite_kept.py takes their writers in turn).
    processes: int = 1
    # PostgreSQL pool bounds per server process.
    db_pool_min: int = 1
    db_pool_max: int = 10
    # Seconds a SQLite writer waits for the lock before giving up.
    sqlite_busy_timeout: float = 30.0
    # Where the built PWA lives; served at "/".
    pwa_dist: Path = Path(__file__).resolve().parent.parent / "pwa" / "dist"
    # The procedure data files loaded by `motcua seed`.
    catalog_dir: Path = Path(__file__).resolve().parent / "catalog" / "data"
    # Outgoing mail. No host: in demo mode messages are kept in the database, listed at
    # /dev/mail; otherwise none is delivered (it waits in the outbox).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    # "none", "starttls" or "tls" (implicit TLS, usually port 465).
    smtp_security: str = "none"
    mail_from: str = "motcua <no-reply@localhost>"
    # Tries per message before it is marked failed (retries back off up to 1 h apart).
    mail_max_attempts: int = 20
    # Outgoing SMS: POST {to, text} to this gateway with the token as a bearer. No URL:
    # in demo mode messages are kept in the database and listed at /dev/sms;
    # otherwise none is delivered (they wait in the outbox).
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    # Vietnamese without diacritics, in GSM-7 (one message of at most 160 characters)
    # rather than UCS-2 (70 a message): what most Vietnamese SMS brandname routes expect.
    sms_unaccented: bool = True
    sms_max_attempts: int = 10
    # Level-4 fees paid online: the gateway that confirms payment references (contract in
    # server/payments/gateway.py), the provider name the desk records them under, the
    # key and HMAC secret it knows us by, and seconds to wait for its answer. No URL:
    # only payments at the desk (and, in demo mode, the `dev` stand-in at /dev/payments).
    payment_gateway_url: str = ""
    payment_provider_name: str = "gateway"
    payment_api_key: str = ""
    payment_api_secret: str = ""
    payment_timeout: float = 10.0
    # Demo officials may sign in with a password while this is on. Never in production.
    demo_mode: bool = False
    # Sessions end after this much inactivity, and in any case after the absolute limit.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # argon2id cost for new password hashes: RFC 9106's low-memory profile (argon2-cffi's
    # defaults, about 64 MiB and a few hundred ms each). Lower values weaken every
    # password stored with them; the test suite lowers them to run quickly. A hash keeps
    # the parameters it was made with, so changing these never breaks a sign-in.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 4
    # Attachments (server/attachments): where blobs live, and the upload limits.
    blob_backend: str = "local"  # "local": <data dir>/blobs; "s3": an S3-compatible bucket
    upload_chunk_size: int = 256 * 1024  # the largest tus PATCH body accepted
    max_file_bytes: int = 10 * 1024 * 1024
    max_dossier_bytes: int = 50 * 1024 * 1024
    upload_expiry_hours: int = 24  # an unfinished upload idle this long is abandoned
    blob_retention_days: int = 30  # `motcua gc` keeps unreferenced blobs this long
    # Uploaded files one process checks (decodes) at once: each may take ~100 MiB.
    attachment_checks: int = 2
    s3_bucket: str = ""
    s3_endpoint: str = ""  # empty: AWS; else e.g. http://127.0.0.1:9000
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""
    # Operations (server/observability): the peers allowed to read /metrics, as CIDRs
    # (none: /metrics answers 403 to everyone), and the log format: "json" (one object
    # a line), "text", or "auto" (json unless stderr is a terminal).
    metrics_allow: tuple[str, ...] = ()
    log_format: str = "auto"
    # Sign-in with OpenID providers (server/identity/oidc): those trusted, from the JSON
    # file named by MOTCUA_OIDC_PROVIDERS_FILE (none: no such sign-in).
    oidc_providers: tuple[ProviderConfig, ...] = ()
    # "any": officials sign in as citizens may; "strong": only with a passkey or an
    # OpenID provider (the e-ID), never a password.
    official_sign_in: str = "any"

    @property
    def engine(self) -> str:
        return database_engine(self.database_url)

    @property
    def sqlite_path(self) -> Path:
        return sqlite_path(self.database_url)


def database_engine(url: str) -> str:
    scheme = urlparse(url).scheme
    if scheme in ("postgresql", "postgres"):
        return "postgres"
    if scheme == "sqlite":
        return "sqlite"
    raise SettingsError(
        f"MOTCUA_DATABASE_URL: unsupported scheme {scheme!r}; "
        "use sqlite:///path/to/file.db or postgresql://user@host:port/db"
    )


def sqlite_path(url: str) -> Path:
    # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy spells them.
    rest = url[len("sqlite://") :]
    if not rest.startswith("/") or rest == "/":
        raise SettingsError(f"MOTCUA_DATABASE_URL: no file path in {url!r}")
    return Path(rest[1:])


def check_processes(processes: int, database_url: str, name: str) -> None:
    """Refuses a worker count the database cannot serve; `name` is where it was set
    (the variable, or `serve --processes`)."""
    if not 1 <= processes <= MAX_PROCESSES:
        raise SettingsError(f"{name}: expected 1 to {MAX_PROCESSES}, got {processes}")
    if processes > 1 and database_engine(database_url) == "sqlite":
        from server.sqlite_kept import has_own_file

        if not has_own_file(str(sqlite_path(database_url))):
            raise SettingsError(
                f"{name}: several processes share a SQLite database only in a "
                f"file of its own, not {database_url!r}"
            )


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected an integer, got {raw!r}") from None


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}: expected true or false, got {raw!r}")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("MOTCUA_DATA_DIR") or "var").resolve()
    database_url = env.get("MOTCUA_DATABASE_URL") or f"sqlite:///{data_dir / 'motcua.db'}"
    database_engine(database_url)  # refuse an unknown scheme early
    base_url = (env.get("MOTCUA_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    if urlparse(base_url).scheme not in ("http", "https"):
        raise SettingsError(f"MOTCUA_BASE_URL: expected an http(s) URL, got {base_url!r}")
    port = _int(env, "MOTCUA_PORT", 8000)
    if not 0 < port < 65536:
        raise SettingsError(f"MOTCUA_PORT: {port} is not a TCP port")
    processes = _int(env, "MOTCUA_PROCESSES", 1)
    check_processes(processes, database_url, "MOTCUA_PROCESSES")
    kwargs: _PathSettings = {}
    if env.get("MOTCUA_PWA_DIST"):
        kwargs["pwa_dist"] = Path(env["MOTCUA_PWA_DIST"]).resolve()
    if env.get("MOTCUA_CATALOG_DIR"):
        kwargs["catalog_dir"] = Path(env["MOTCUA_CATALOG_DIR"]).resolve()
    smtp_security = (env.get("MOTCUA_SMTP_SECURITY") or "none").lower()
    if smtp_security not in ("none", "starttls", "tls"):
        raise SettingsError(
            f"MOTCUA_SMTP_SECURITY: expected none, starttls or tls, got {smtp_security!r}"
        )
    time_cost, memory_kib, parallelism = _argon2_cost(env)
    try:
        trusted_proxies = parse_trusted_proxies(env.get("MOTCUA_TRUSTED_PROXIES", ""))
    except ValueError as exc:
        raise SettingsError(f"MOTCUA_TRUSTED_PROXIES: {exc}") from None
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        base_url=base_url,
        host=env.get("MOTCUA_HOST") or "127.0.0.1",
        port=port,
        trusted_proxies=trusted_proxies,
        processes=processes,
        db_pool_min=_int(env, "MOTCUA_DB_POOL_MIN", 1),
        db_pool_max=_int(env, "MOTCUA_DB_POOL_MAX", 10),
        smtp_host=env.get("MOTCUA_SMTP_HOST", ""),
        smtp_port=_int(env, "MOTCUA_SMTP_PORT", 465 if smtp_security == "tls" else 25),
        smtp_username=env.get("MOTCUA_SMTP_USERNAME", ""),
        smtp_password=env.get("MOTCUA_SMTP_PASSWORD", ""),
        smtp_security=smtp_security,
        mail_from=env.get("MOTCUA_MAIL_FROM") or "motcua <no-reply@localhost>",
        mail_max_attempts=max(1, _int(env, "MOTCUA_MAIL_MAX_ATTEMPTS", 20)),
        demo_mode=_bool(env, "MOTCUA_DEMO", False),
        session_idle_minutes=_int(env, "MOTCUA_SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_int(env, "MOTCUA_SESSION_ABSOLUTE_HOURS", 12),
        argon2_time_cost=time_cost,
        argon2_memory_kib=memory_kib,
        argon2_parallelism=parallelism,
        **_sms_settings(env),
        **_payment_settings(env),
        **_attachment_settings(env),
        **_operations_settings(env),
        **_identity_settings(env),
        **kwargs,
    )


# The groups of settings below are passed to Settings as keywords; typed as TypedDicts so
# that each value is checked against its Settings field.
class _PathSettings(TypedDict, total=False):
    pwa_dist: Path
    catalog_dir: Path


class _AttachmentSettings(TypedDict):
    blob_backend: str
    upload_chunk_size: int
    max_file_bytes: int
    max_dossier_bytes: int
    upload_expiry_hours: int
    blob_retention_days: int
    attachment_checks: int
    s3_bucket: str
    s3_endpoint: str
    s3_region: str
    s3_access_key_id: str
    s3_secret_access_key: str
    s3_prefix: str


class _SmsSettings(TypedDict):
    sms_gateway_url: str
    sms_gateway_token: str
    sms_unaccented: bool
    sms_max_attempts: int


class _PaymentSettings(TypedDict):
    payment_gateway_url: str
    payment_provider_name: str
    payment_api_key: str
    payment_api_secret: str
    payment_timeout: float


def _attachment_settings(env: dict[str, str]) -> _AttachmentSettings:
    backend = (env.get("MOTCUA_BLOB_BACKEND") or "local").strip().lower()
    if backend not in ("local", "s3"):
        raise SettingsError(f"MOTCUA_BLOB_BACKEND: expected local or s3, got {backend!r}")
    chunk = _int(env, "MOTCUA_UPLOAD_CHUNK_SIZE", 256 * 1024)
    if not MIN_UPLOAD_CHUNK_SIZE <= chunk <= 64 * 1024 * 1024:
        raise SettingsError(f"MOTCUA_UPLOAD_CHUNK_SIZE: {chunk} is outside 16 KiB to 64 MiB")
    max_file = _int(env, "MOTCUA_MAX_FILE_BYTES", 10 * 1024 * 1024)
    max_dossier = _int(env, "MOTCUA_MAX_DOSSIER_BYTES", 50 * 1024 * 1024)
    if max_file < 1024 or max_dossier < max_file:
        raise SettingsError(
            "MOTCUA_MAX_FILE_BYTES / MOTCUA_MAX_DOSSIER_BYTES: a file may hold at least 1024 bytes "
            f"and a dossier at least one file (got {max_file} and {max_dossier})"
        )
    bucket = env.get("MOTCUA_S3_BUCKET", "")
    if backend == "s3" and not bucket:
        raise SettingsError("MOTCUA_S3_BUCKET: required when MOTCUA_BLOB_BACKEND=s3")
    endpoint = env.get("MOTCUA_S3_ENDPOINT", "").rstrip("/")
    if endpoint and urlparse(endpoint).scheme not in ("http", "https"):
        raise SettingsError(f"MOTCUA_S3_ENDPOINT: expected an http(s) URL, got {endpoint!r}")
    return {
        "blob_backend": backend,
        "upload_chunk_size": chunk,
        "max_file_bytes": max_file,
        "max_dossier_bytes": max_dossier,
        "upload_expiry_hours": max(1, _int(env, "MOTCUA_UPLOAD_EXPIRY_HOURS", 24)),
        "blob_retention_days": max(1, _int(env, "MOTCUA_BLOB_RETENTION_DAYS", 30)),
        "attachment_checks": max(1, _int(env, "MOTCUA_ATTACHMENT_CHECKS", 2)),
        "s3_bucket": bucket,
        "s3_endpoint": endpoint,
        "s3_region": env.get("MOTCUA_S3_REGION") or "us-east-1",
        "s3_access_key_id": env.get("MOTCUA_S3_ACCESS_KEY_ID", ""),
        "s3_secret_access_key": env.get("MOTCUA_S3_SECRET_ACCESS_KEY", ""),
        "s3_prefix": env.get("MOTCUA_S3_PREFIX", "").strip("/"),
    }


class _OperationsSettings(TypedDict):
    metrics_allow: tuple[str, ...]
    log_format: str


def _operations_settings(env: dict[str, str]) -> _OperationsSettings:
    networks = []
    for raw in (env.get("MOTCUA_METRICS_ALLOW") or "").split(","):
        if raw.strip():
            try:
                networks.append(str(ipaddress.ip_network(raw.strip(), strict=False)))
            except ValueError:
                raise SettingsError(
                    f"MOTCUA_METRICS_ALLOW: {raw.strip()!r} is not an IP address or CIDR "
                    "(e.g. 10.0.5.7/32,127.0.0.1)"
                ) from None
    log_format = (env.get("MOTCUA_LOG_FORMAT") or "auto").strip().lower()
    if log_format not in ("auto", "json", "text"):
        raise SettingsError(f"MOTCUA_LOG_FORMAT: expected auto, json or text, got {log_format!r}")
    return {"metrics_allow": tuple(networks), "log_format": log_format}


class _IdentitySettings(TypedDict):
    oidc_providers: tuple[ProviderConfig, ...]
    official_sign_in: str


def _identity_settings(env: dict[str, str]) -> _IdentitySettings:
    try:
        providers = load_providers((env.get("MOTCUA_OIDC_PROVIDERS_FILE") or "").strip())
    except OidcConfigError as exc:
        raise SettingsError(str(exc)) from None
    official = (env.get("MOTCUA_OFFICIAL_SIGN_IN") or "any").strip().lower()
    if official not in ("any", "strong"):
        raise SettingsError(f"MOTCUA_OFFICIAL_SIGN_IN: expected any or strong, got {official!r}")
    return {"oidc_providers": providers, "official_sign_in": official}


def _argon2_cost(env: dict[str, str]) -> tuple[int, int, int]:
    time_cost = _int(env, "MOTCUA_ARGON2_TIME_COST", 3)
    parallelism = _int(env, "MOTCUA_ARGON2_PARALLELISM", 4)
    memory_kib = _int(env, "MOTCUA_ARGON2_MEMORY_KIB", 64 * 1024)
    if time_cost < 1 or parallelism < 1:
        raise SettingsError(
            "MOTCUA_ARGON2_TIME_COST / MOTCUA_ARGON2_PARALLELISM: at least 1 "
            f"(got {time_cost} and {parallelism})"
        )
    if memory_kib < 8 * parallelism:
        raise SettingsError(
            f"MOTCUA_ARGON2_MEMORY_KIB: argon2 needs at least 8 KiB per lane, {8 * parallelism} "
            f"for {parallelism}; got {memory_kib}"
        )
    return time_cost, memory_kib, parallelism


def _sms_settings(env: dict[str, str]) -> _SmsSettings:
    url = (env.get("MOTCUA_SMS_GATEWAY_URL") or "").strip()
    if url and urlparse(url).scheme not in ("http", "https"):
        raise SettingsError(f"MOTCUA_SMS_GATEWAY_URL: expected an http(s) URL, got {url!r}")
    return {
        "sms_gateway_url": url,
        "sms_gateway_token": env.get("MOTCUA_SMS_GATEWAY_TOKEN", ""),
        "sms_unaccented": _bool(env, "MOTCUA_SMS_UNACCENTED", True),
        "sms_max_attempts": max(1, _int(env, "MOTCUA_SMS_MAX_ATTEMPTS", 10)),
    }


def _payment_settings(env: dict[str, str]) -> _PaymentSettings:
    url = (env.get("MOTCUA_PAYMENT_GATEWAY_URL") or "").strip()
    if url and urlparse(url).scheme not in ("http", "https"):
        raise SettingsError(f"MOTCUA_PAYMENT_GATEWAY_URL: expected an http(s) URL, got {url!r}")
    secret = env.get("MOTCUA_PAYMENT_API_SECRET", "")
    if url and not secret:
        raise SettingsError(
            "MOTCUA_PAYMENT_API_SECRET: required with MOTCUA_PAYMENT_GATEWAY_URL (requests are signed)"
        )
    name = (env.get("MOTCUA_PAYMENT_PROVIDER") or "gateway").strip().lower()
    if not re.fullmatch(r"[a-z0-9_-]{1,32}", name) or name in ("desk", "dev"):
        raise SettingsError(
            f"MOTCUA_PAYMENT_PROVIDER: 1 to 32 of a-z, 0-9, _ and -, not desk or dev; got {name!r}"
        )
    raw_timeout = env.get("MOTCUA_PAYMENT_TIMEOUT") or "10"
    try:
        timeout = float(raw_timeout)
    except ValueError:
        raise SettingsError(
            f"MOTCUA_PAYMENT_TIMEOUT: expected seconds, got {raw_timeout!r}"
        ) from None
    if not 0 < timeout <= 120:
        raise SettingsError(f"MOTCUA_PAYMENT_TIMEOUT: {timeout:g} s is outside (0, 120]")
    return {
        "payment_gateway_url": url,
        "payment_provider_name": name,
        "payment_api_key": env.get("MOTCUA_PAYMENT_API_KEY", ""),
        "payment_api_secret": secret,
        "payment_timeout": timeout,
    }
