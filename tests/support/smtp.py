"""A real SMTP server (aiosmtpd) on an ephemeral loopback port, keeping what it receives.

It runs on the test's own event loop; spoc's mailer connects to it like to any mail server.
Tests wait for a message with a timeout (``await smtp.message_to(address)``), never sleep.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypeVar

from aiosmtpd.smtp import SMTP, Envelope, Session

CODE = re.compile(r"\b(\d{6})\b")
WAIT_SECONDS = 10.0
T = TypeVar("T")


@dataclass
class MailCatcher:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.content or b"", policy=policy.default)
        assert isinstance(message, EmailMessage)
        async with self._arrived:
            self.messages.append(([str(to) for to in envelope.rcpt_tos], message))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.messages if address in rcpt]

    async def message_to(self, address: str, *, count: int = 1) -> EmailMessage:
        """The ``count``-th message to ``address``, waiting for it to arrive (10 s at most)."""
        return (await self._wait(lambda: self.to(address), count))[count - 1]

    async def code_for(self, address: str, *, count: int = 1) -> str:
        """The code in the ``count``-th message to ``address`` that holds one."""

        def with_codes() -> list[str]:
            found = (CODE.search(body_of(message)) for message in self.to(address))
            return [match.group(1) for match in found if match]

        return (await self._wait(with_codes, count))[count - 1]

    async def _wait(self, found: Callable[[], list[T]], count: int) -> list[T]:
        async with asyncio.timeout(WAIT_SECONDS), self._arrived:
            await self._arrived.wait_for(lambda: len(found()) >= count)
        return found()


def body_of(message: EmailMessage) -> str:
    part: Any = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


@asynccontextmanager
async def smtp_server() -> AsyncIterator[MailCatcher]:
    catcher = MailCatcher()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(catcher, hostname="mail.test", enable_SMTPUTF8=True), "127.0.0.1", 0
    )
    catcher.port = server.sockets[0].getsockname()[1]
    try:
        yield catcher
    finally:
        server.close()
        await server.wait_closed()
