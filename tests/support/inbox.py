"""A real SMTP server (aiosmtpd) on an ephemeral loopback port, collecting what arrives."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Inbox:
    host: str = "127.0.0.1"
    port: int = 0
    mails: list[EmailMessage] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        async with self._arrived:
            self.mails.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[EmailMessage]:
        """Until ``count`` mails have arrived (or fail after ``seconds``)."""
        async with asyncio.timeout(seconds), self._arrived:
            await self._arrived.wait_for(lambda: len(self.mails) >= count)
        return self.mails

    @staticmethod
    def body(message: EmailMessage) -> str:
        part: Any = message.get_body(preferencelist=("plain",))
        return str(part.get_content())


@asynccontextmanager
async def smtp_inbox() -> AsyncIterator[Inbox]:
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, hostname="spoc-test-smtp"), inbox.host, 0
    )
    inbox.port = server.sockets[0].getsockname()[1]
    try:
        yield inbox
    finally:
        server.close()
        await server.wait_closed()
