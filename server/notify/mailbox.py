"""The development mailbox: in demo mode with no SMTP host configured, each message
is written as an .eml file under <data dir>/mailbox, and listed at /dev/mail."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import msgspec

log = logging.getLogger("motcua.notify")
_announced = False
# <outbox id>.eml (the Message-ID's left part): the same name every time one
# message is delivered, so a re-delivery replaces it instead of adding a copy.
NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.eml$")
_LINK = re.compile(r"https?://[^\s<>\"]+")


def mailbox_dir(data_dir: Path) -> Path:
    return data_dir / "mailbox"


def announce(directory: Path, base_url: str) -> None:
    """Say once per process where mail goes, since nothing leaves the machine."""
    global _announced
    if not _announced:
        _announced = True
        log.warning(
            "no SMTP host (MOTCUA_SMTP_HOST): mail is written to %s and listed at %s/dev/mail",
            directory,
            base_url,
        )


def file_name(message: EmailMessage) -> str:
    outbox_id = uuid.UUID(str(message["Message-ID"]).strip().strip("<>").partition("@")[0])
    return f"{outbox_id}.eml"


class MailboxTransport:
    def __init__(self, directory: Path, base_url: str) -> None:
        self._directory = directory
        announce(directory, base_url)

    async def send(self, message: EmailMessage, recipient: str) -> None:
        path = self._directory / file_name(message)
        await asyncio.to_thread(write_atomically, path, bytes(message))


def write_atomically(path: Path, data: bytes) -> None:
    # A reader never sees half a message: write aside, flush, then rename over.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class MailboxEntry(msgspec.Struct, frozen=True):
    name: str
    date: str
    recipient: str
    subject: str
    text: str
    links: list[str]


def read_entry(path: Path) -> MailboxEntry:
    with path.open("rb") as f:
        message = BytesParser(policy=policy.default).parse(f)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return MailboxEntry(
        name=path.name,
        date=str(message.get("Date", "")),
        recipient=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        text=text,
        links=list(dict.fromkeys(_LINK.findall(text))),
    )


def newest_files(directory: Path, name: re.Pattern[str], limit: int) -> list[Path]:
    """The newest `limit` files of `directory` whose names match, newest first
    (the dev mailbox and the dev SMS sink both list themselves this way)."""
    if not directory.is_dir():
        return []
    stamped = []
    for path in directory.iterdir():
        if name.match(path.name):
            try:
                stamped.append((path.stat().st_mtime_ns, path))
            except FileNotFoundError:  # removed meanwhile
                continue
    stamped.sort(reverse=True)
    return [path for _, path in stamped[:limit]]


def list_entries(directory: Path, limit: int = 200) -> list[MailboxEntry]:
    """The newest `limit` messages, newest first."""
    return [read_entry(path) for path in newest_files(directory, NAME, limit)]


def find_entry(directory: Path, name: str) -> MailboxEntry | None:
    # Only names this module writes: no path tricks reach the file system.
    if not NAME.match(name) or not (directory / name).is_file():
        return None
    return read_entry(directory / name)
