"""The `motcua` command."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sys
import warnings
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from server.settings import MAX_PROCESSES

if TYPE_CHECKING:
    from server.settings import Settings

T = TypeVar("T")


def _fail(message: str) -> NoReturn:
    click.echo(f"motcua: {message}", err=True)
    sys.exit(1)


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine, turning the errors a person can fix into one line."""
    from server.catalog.loader import CatalogDataError
    from server.database import DatabaseUnreachable
    from server.migrate import MigrationFailed
    from server.problems import ProblemError
    from server.recovery.manifest import BackupFailed, BackupRefused
    from server.settings import SettingsError

    try:
        return asyncio.run(make())
    except ProblemError as exc:
        details = "; ".join(f"{e.path}: {e.message}" for e in exc.errors or [])
        _fail(f"{exc.code}{': ' + details if details else ''}")
    except (BackupRefused, BackupFailed) as exc:
        _fail(str(exc))
    except (SettingsError, DatabaseUnreachable, CatalogDataError, MigrationFailed) as exc:
        _fail(str(exc).splitlines()[0] if not isinstance(exc, MigrationFailed) else str(exc))


def _settings() -> Settings:
    from server.identity.passwords import use_settings
    from server.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        _fail(str(exc))
        raise AssertionError("unreachable") from exc
    use_settings(settings)  # `motcua demo` and the like hash passwords too
    return settings


async def _with_engine(settings, work):
    from server.database import bound_engine

    async with bound_engine(settings) as engine:
        return await work(engine)


@click.group(help="motcua: civil-status e-services server.")
def main() -> None:
    # Piccolo warns on a failed connection before we report it in one line.
    warnings.filterwarnings("ignore", module=r"piccolo\..*")


@main.command(help="Check the settings and that the database answers.")
def check() -> None:
    from server.database import build_engine, describe_engine
    from server.notify.delivery import describe as describe_delivery

    settings = _settings()
    click.echo(f"database: {describe_engine(build_engine(settings))}")
    click.echo(f"data dir: {settings.data_dir}")
    click.echo(f"base url: {settings.base_url}")
    click.echo(f"listen:   {settings.host}:{settings.port}, {settings.processes} process(es)")
    proxies = ", ".join(settings.trusted_proxies)
    click.echo(
        f"proxies:  {proxies} (their X-Forwarded-For / Forwarded name the client)"
        if proxies
        else "proxies:  none (the client is whoever connects; forwarding headers are ignored)"
    )
    for channel, route in describe_delivery(settings).items():
        click.echo(f"{channel + ':':<9} {route}")

    async def ping(engine):
        return None

    _run(lambda: _with_engine(settings, ping))
    click.echo("ok: the database answers")


@main.command(help="Apply the database migrations not yet applied.")
def migrate() -> None:
    from server.migrate import migrate as run_migrations

    settings = _settings()
    report = _run(lambda: _with_engine(settings, run_migrations))
    click.echo(report.strip() or "ok")


@main.command(help="Load reference data: communes and the procedure catalog.")
def seed() -> None:
    from server.seed import seed_reference_data

    settings = _settings()
    report = _run(
        lambda: _with_engine(
            settings, lambda engine: seed_reference_data(engine, settings.catalog_dir)
        )
    )
    c, k = report.communes, report.catalog
    click.echo(
        f"communes: {c.provinces} provinces, {c.communes} communes "
        f"(+{c.added} ~{c.changed} -{c.removed})"
    )
    changed = ", ".join(k.new_versions) if len(k.new_versions) <= 5 else f"{len(k.new_versions)}"
    click.echo(f"catalog: {k.procedures} procedures, new versions: {changed or 'none'}")
    if k.withdrawn:
        click.echo(f"withdrawn: {', '.join(k.withdrawn)}")
    click.echo(
        f"fees: {report.fees.national} national fees (+{report.fees.added}); "
        "provincial fees are entered at /admin"
    )


@main.command(
    help="Create demo accounts for every role and a few dossiers (new passwords on every run)."
)
def demo() -> None:
    from server.demo import DEMO_COMMUNE, create_demo_accounts, save_demo_accounts
    from server.demo_dossiers import create_demo_dossiers

    settings = _settings()

    async def work(engine):
        accounts = await create_demo_accounts(engine)
        by_role = {a.role: a for a in accounts}
        dossiers = await create_demo_dossiers(
            engine, settings, by_role["citizen"].email, by_role["desk"].email, DEMO_COMMUNE
        )
        return accounts, dossiers

    accounts, dossiers = _run(lambda: _with_engine(settings, work))
    saved = save_demo_accounts(settings.data_dir, accounts)
    click.echo(f"Demo accounts (also in {saved}, shown at /demo in demo mode):")
    for a in accounts:
        where = f" commune {a.commune_code}" if a.commune_code else ""
        click.echo(f"  {a.role:<9} {a.email:<24} password {a.password}   {a.full_name}{where}")
    click.echo("Demo dossiers of the citizen: " + "; ".join(dossiers))
    if not settings.demo_mode:
        click.echo(
            "Officials sign in with these passwords only while MOTCUA_DEMO=1 (make run sets it)."
        )


@main.command(
    "create-admin", help="Create an administrator and print their one-time passkey enrollment link."
)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name")
def create_admin(email: str, full_name: str) -> None:
    from server.identity.enrollment import invite_official
    from server.identity.schemas import OfficialInvite

    settings = _settings()

    async def work(engine):
        invite = OfficialInvite(email=email, full_name=full_name, role="admin")
        return await invite_official(engine, settings, None, invite, "cli")

    account_id, link = _run(lambda: _with_engine(settings, work))
    click.echo(f"administrator {email.strip().lower()} created ({account_id}).")
    from server.notify.delivery import mail_route

    mailed = (
        "NOT emailed until MOTCUA_SMTP_HOST is set: no mail is delivered"
        if mail_route(settings) == "held"
        else "it is also emailed once the server runs"
    )
    click.echo(f"Open this link within 7 days to register their passkey ({mailed}):\n  {link}")


@main.command(
    help="Remove blobs no dossier has referenced for 30 days (MOTCUA_BLOB_RETENTION_DAYS) and abandoned uploads."
)
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def gc(dry_run: bool) -> None:
    from server.attachments.gc import collect
    from server.attachments.store import build_blob_store

    settings = _settings()

    async def work(engine):
        store = build_blob_store(settings)
        try:
            return await collect(engine, settings, store, dry_run=dry_run)
        finally:
            await store.close()

    r = _run(lambda: _with_engine(settings, work))
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"blobs: {verb} {r.blobs_removed} ({r.bytes_freed / 1048576:.1f} MB), "
        f"kept {r.blobs_kept_mentioned} still named in a dossier"
    )
    click.echo(
        f"uploads: {verb} {r.uploads_removed} expired, {r.partial_files_removed} stray partial files"
    )
    kept = (
        f", kept {r.unrecorded_kept} that phones may still put back after the restore"
        if r.unrecorded_kept
        else ""
    )
    click.echo(f"store: {verb} {r.stray_objects_removed} objects with no record{kept}")


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds") if moment else "unknown"


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f} MB"


@main.command(
    help="Copy the database (online: the servers keep serving) and the local blob store "
    "into PATH, a new directory, with a manifest written last."
)
@click.argument("path", type=click.Path(path_type=Path, resolve_path=True))
def backup(path: Path) -> None:
    from server.recovery.backup import take_backup

    settings = _settings()
    m = _run(lambda: take_backup(settings, path))
    blobs = (
        f"{m.blob_count} blob files ({_megabytes(m.blob_bytes)})"
        if m.blob_store == "local"
        else "blobs not copied (S3)"
    )
    click.echo(
        f"backup of {m.engine} taken at {_when(m.taken_at)} (generation {m.generation}, "
        f"schema {m.schema}): database {_megabytes(m.database_bytes)}, {blobs} -> {path}"
    )
    if m.note:
        click.echo(f"note: {m.note}")


@main.command(
    help="Restore the backup in PATH over the configured database and blob store. "
    "Stop every motcua server first, and start them again afterwards. Begins a new generation: "
    "phones put back what they hold."
)
@click.argument("path", type=click.Path(path_type=Path, resolve_path=True))
def restore(path: Path) -> None:
    from server.recovery.manifest import BackupRefused
    from server.recovery.restore import check_restorable, restore_backup

    settings = _settings()
    try:
        check_restorable(settings, path)  # before saying anything is being restored
    except BackupRefused as exc:
        _fail(str(exc))
    click.echo(f"restoring {path}: every motcua server must be stopped until this ends")
    r = _run(lambda: restore_backup(settings, path))
    if settings.blob_backend == "local":
        click.echo(f"blobs: {r.blobs_copied} files the store lacked copied back")
    if r.dropped:
        click.echo(f"dropped what the backup did not have: {', '.join(r.dropped)}")
    click.echo(
        f"restored: generation {r.generation} (backup taken at {_when(r.backup_taken_at)}, "
        f"restored at {_when(r.started_at)}); start the servers again"
    )


@main.command(
    help="After the database was restored some other way (point-in-time recovery, a disk "
    "snapshot): begin a new generation so that phones put back what it lost. Run it with "
    "the servers stopped, before starting them."
)
@click.option(
    "--backup-taken-at",
    "taken_at",
    default=None,
    help="The moment the restored database reflects (ISO 8601; UTC when no offset is given).",
)
def restored(taken_at: str | None) -> None:
    from server.recovery.restore import declare_restored

    moment = None
    if taken_at is not None:
        try:
            moment = dt.datetime.fromisoformat(taken_at)
        except ValueError:
            _fail(f"--backup-taken-at: expected an ISO 8601 time, got {taken_at!r}")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
    settings = _settings()
    r = _run(lambda: declare_restored(settings, moment))
    click.echo(
        f"declared a restore: generation {r.generation} began at {_when(r.started_at)} "
        f"(database as of {_when(r.backup_taken_at)}); phones put back what they hold"
    )


@main.command(help="Migrate, then serve the API and the app.")
@click.option("--host", default=None, help="Overrides MOTCUA_HOST.")
@click.option("--port", type=int, default=None, help="Overrides MOTCUA_PORT.")
@click.option(
    "--processes",
    type=click.IntRange(1, MAX_PROCESSES),
    default=None,
    help="Overrides MOTCUA_PROCESSES: worker processes sharing the port.",
)
def serve(host: str | None, port: int | None, processes: int | None) -> None:
    import uvicorn

    from server import demo_oidc
    from server.migrate import migrate as run_migrations
    from server.observability.logs import configure_logging
    from server.settings import SettingsError, check_processes

    settings = _settings()
    configure_logging(settings.log_format)
    if processes is not None:
        # The option is checked as the variable is: click has checked only its range.
        try:
            check_processes(processes, settings.database_url, "--processes")
        except SettingsError as exc:
            _fail(str(exc))
    try:
        # In demo mode with no OpenID provider configured, a local one stands in for
        # VNeID while this serves (server/demo_oidc.py); the app reads it from os.environ.
        vneid = demo_oidc.demo_provider(settings, os.environ, click.echo)
    except SettingsError as exc:
        _fail(str(exc))
        raise AssertionError("unreachable") from exc
    _run(lambda: _with_engine(settings, run_migrations))
    host = host or settings.host
    port = port or settings.port
    processes = processes or settings.processes
    if processes > 1:
        _share_metrics(settings.data_dir)
    click.echo(
        f"motcua: serving on http://{host}:{port} (open {settings.base_url}; API docs at /schema)"
    )
    if settings.demo_mode:
        # The last thing `make run` prints: where a tester finds the accounts to sign in with.
        click.echo(
            f"motcua: demo mode: the demo accounts and their passwords are at "
            f"{settings.base_url}/demo (the robot check shows its answer on request)"
        )
    with vneid:
        uvicorn.run(
            "server.app:create_app",
            factory=True,
            host=host,
            port=port,
            # The app reads X-Forwarded-For and Forwarded itself, from trusted proxies only
            # (MOTCUA_TRUSTED_PROXIES, server/client_address.py).
            proxy_headers=False,
            log_level="info",
            # Logging is configured above (MOTCUA_LOG_FORMAT); the access line is motcua's
            # own (server/observability/requests.py), with the request id and the route.
            log_config=None,
            access_log=False,
            # Several: uvicorn's supervisor starts them after the migration above, on
            # one listening socket, and starts again one that dies.
            workers=processes if processes > 1 else None,
        )


def _share_metrics(data_dir: Path) -> None:
    """Worker processes answer /metrics for all of them from one directory
    (PROMETHEUS_MULTIPROC_DIR): the operator's, else `<data dir>/metrics/<this pid>`, a
    new one for each start (files of an earlier run would add their counts to this
    one's). Those of servers no longer running are removed; a server still running
    on the same data dir keeps its own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    root = data_dir / "metrics"
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        if old.is_dir() and old.name.isdigit() and not _running(int(old.name)):
            shutil.rmtree(old, ignore_errors=True)
    shared = root / str(os.getpid())
    shutil.rmtree(shared, ignore_errors=True)  # a pid reused since a run long ago
    shared.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


if __name__ == "__main__":
    main()
