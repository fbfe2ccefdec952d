"""What a delivery channel must do, and how it says it could not."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class DeliveryError(Exception):
    """A message was not delivered.

    permanent: trying again cannot help (the recipient is refused for good).
    connection: the channel itself is unusable now, so the rest of the batch
    would fail the same way and is not tried in this pass."""

    def __init__(self, reason: str, *, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.connection = connection


class Transport(Protocol):
    async def send(self, message: EmailMessage, recipient: str) -> None:
        """Deliver `message` to `recipient`, or raise DeliveryError."""
        ...
