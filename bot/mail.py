"""Outgoing e-mail and text messages, delivered after commit like chat replies.

One call for everyone::

    await spoc.mailer.send("karin.karlsson@exempelby.se", "Godkännande behövs", body)

Inside a conversation turn the message joins the turn's transaction (it is sent only if the
turn commits); elsewhere it is committed at once. A worker (:meth:`Mailer.run`) delivers it
through SMTP (``SPOC_SMTP_*``) or, for text messages, the HTTP gateway
(``SPOC_SMS_GATEWAY_URL``), retrying with back-off. Without a mail server in development
nothing is sent: the message is kept as ``dev`` and shown at ``/dev/outbox``. The body of a
delivered message is blanked, so one-time codes do not stay in the database.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import partial

import aiosmtplib
import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.delivery import LeasedQueue, Outcome, Undeliverable
from bot.store.accounts import MailItem, ResetFailure, ResetLink
from bot.store.models import utcnow
from bot.store.unit import current, unit

log = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
DEV = "dev"  # kept for the development outbox, never sent
CLAIM_LEASE = timedelta(seconds=120)
LONGEST_BACKOFF = timedelta(seconds=600)
SEND_TIMEOUT = 30.0
BATCH = 50


class Mailer:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._delivery = LeasedQueue(
            sessions,
            MailItem,
            name="mail",
            log=log,
            lease=CLAIM_LEASE,
            longest_backoff=LONGEST_BACKOFF,
            erase_when_sent=("body",),  # one-time codes do not stay in the database
            # The recipient and the body are personal data: the id and the error type only.
            tracebacks=False,
        )

    # -- queueing ---------------------------------------------------------------------------

    @property
    def sends_email(self) -> bool:
        return bool(self.settings.smtp_host)

    @property
    def sends_sms(self) -> bool:
        return bool(self.settings.sms_gateway_url)

    def can_text(self) -> bool:
        """Whether a text message reaches anyone: a gateway, or the development outbox."""
        return self.sends_sms or not self.settings.is_production

    async def send(self, to: str, subject: str, body: str) -> None:
        """Queue an e-mail (see the module docstring for when it leaves)."""
        await self._queue(EMAIL, to, subject, body)

    async def send_sms(self, to: str, body: str) -> None:
        """Queue a text message through the SMS gateway."""
        await self._queue(SMS, to, "", body)

    async def _queue(self, kind: str, to: str, subject: str, body: str) -> None:
        configured = self.sends_email if kind == EMAIL else self.sends_sms
        status = "pending" if configured else DEV
        if not configured and self.settings.is_production:
            log.error("%s cannot be sent: no %s is configured", kind, _transport(kind))
            status = "failed"
        joined = current()
        async with unit(self.sessions) as session:
            session.add(
                MailItem(
                    kind=kind,
                    recipient=to,
                    subject=subject[:300],
                    body=body,
                    status=status,
                    attempts=0,
                    next_attempt_at=utcnow(),
                    created_at=utcnow(),
                )
            )
            await session.flush()
            if joined is not None:
                self._delivery.wake_after_commit(session)
        if joined is None:
            self.wake()

    def wake(self) -> None:
        self._delivery.wake()

    # -- delivery ---------------------------------------------------------------------------

    async def deliver(self) -> int:
        """Send every due message once; returns how many were sent."""
        if not (self.sends_email or self.sends_sms):
            return 0  # nothing is ever pending: kept for /dev/outbox, or failed at once
        now = utcnow()
        async with self.sessions() as session:
            due = list(
                (
                    await session.execute(
                        select(MailItem)
                        # "sending" past its lease: a worker died while sending.
                        .where(
                            MailItem.status.in_(("pending", "sending")),
                            MailItem.next_attempt_at <= now,
                        )
                        .order_by(MailItem.id)
                        .limit(BATCH)
                    )
                ).scalars()
            )
        sent = 0
        for item in due:
            # A "sending" claim past its lease is taken back as it stands: sent again.
            if await self._delivery.claim(item.id, item.status):
                send = partial(self._transmit, item)
                if (
                    await self._delivery.attempt(item, send, f"{item.kind} {item.id}")
                    is Outcome.SENT
                ):
                    sent += 1
        return sent

    async def _transmit(self, item: MailItem) -> None:
        if item.kind == SMS:
            await self._text(item)
        else:
            await self._mail(item)

    async def _mail(self, item: MailItem) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"] = s.smtp_sender
        message["To"] = item.recipient
        message["Subject"] = item.subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = make_msgid(domain=s.smtp_sender.rpartition("@")[2] or None)
        message.set_content(item.body)
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user or None,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            timeout=SEND_TIMEOUT,
        )

    async def _text(self, item: MailItem) -> None:
        s = self.settings
        token = s.sms_gateway_token.get_secret_value() if s.sms_gateway_token else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT) as http:
            response = await http.post(
                str(s.sms_gateway_url),
                json={"to": item.recipient, "message": item.body},
                headers=headers,
            )
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise Undeliverable(f"gateway answered {response.status_code}")
        response.raise_for_status()

    async def run(self, poll_seconds: float = 10.0) -> None:
        """Deliver forever: on every wake-up (a commit that queued mail) and every
        ``poll_seconds`` for retries and for claims a crashed worker left behind."""
        await self._delivery.run(self.deliver, poll_seconds)


async def forget(sessions: async_sessionmaker[AsyncSession], *, older_than: datetime) -> int:
    """Delete messages, reset links and wrong-code records created before ``older_than``
    (they hold addresses and names); returns how many messages went."""
    async with sessions() as session, session.begin():
        result = await session.execute(delete(MailItem).where(MailItem.created_at < older_than))
        await session.execute(delete(ResetLink).where(ResetLink.created_at < older_than))
        await session.execute(delete(ResetFailure).where(ResetFailure.created_at < older_than))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _transport(kind: str) -> str:
    return "SMTP host (SPOC_SMTP_HOST)" if kind == EMAIL else "SMS gateway (SPOC_SMS_GATEWAY_URL)"


async def development_outbox(
    sessions: async_sessionmaker[AsyncSession], *, limit: int = 100
) -> list[MailItem]:
    """Messages kept instead of sent (no mail server in development), newest first."""
    async with sessions() as session:
        statement = select(MailItem).where(MailItem.status == DEV)
        statement = statement.order_by(MailItem.id.desc()).limit(limit)
        return list((await session.execute(statement)).scalars())
