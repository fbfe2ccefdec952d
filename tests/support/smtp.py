"""A real SMTP server for tests (aiosmtpd, in its own thread) that records what it
accepts, and can be told to refuse for a while."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)


@dataclass
class RecordingHandler:
    """Accepts everything, except: `refuse_data` more DATA commands are answered
    451 (a temporary failure), and RCPT to an address in `unknown` gets 550."""

    received: list[Received] = field(default_factory=list)
    refuse_data: int = 0
    refused: int = 0
    unknown: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse_data > 0:
                self.refuse_data -= 1
                self.refused += 1
                return "451 4.3.0 Temporarily unable to accept, try later"
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        return [str(r.message["Message-ID"]) for r in self.received]


class SmtpServer:
    """A started aiosmtpd server on 127.0.0.1 (not the default ::1, which may be off)."""

    def __init__(self, handler: RecordingHandler, port: int | None = None) -> None:
        self.handler = handler
        self.port = port or free_port()
        self._controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
