"""Sending approval e-mails: a port with one ``send``, and two ways to fill it.

:class:`SmtpMailer` hands mail to an SMTP server (a relay); :class:`DevMailbox` keeps mail in
memory for development when no server is configured. Neither logs a body: approval mails
hold signed links.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class SmtpMailer:
    def __init__(self, host: str, port: int, *, sender: str, timeout: float = 20.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    async def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


@dataclass
class DevMailbox:
    """Development: mail is kept here instead of being sent."""

    mails: list[Mail] = field(default_factory=list)

    async def send(self, to: str, subject: str, body: str) -> None:
        self.mails.append(Mail(to, subject, body))
        log.info("development mailbox: kept a mail (no SMTP server is configured)")
