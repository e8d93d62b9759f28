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

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib
import httpx
from sqlalchemy import delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.store.accounts import MailItem, ResetFailure, ResetLink
from bot.store.models import utcnow
from bot.store.unit import current, unit

log = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
DEV = "dev"  # kept for the development outbox, never sent
MAX_ATTEMPTS = 8
CLAIM_LEASE = timedelta(seconds=120)
SEND_TIMEOUT = 30.0
BATCH = 50


class Undeliverable(Exception):
    """The far side refused the message for good (a 4xx from the SMS gateway)."""


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 2 ** max(0, attempts - 1)))


class Mailer:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.sessions = sessions
        self._wake = asyncio.Event()

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
                event.listen(session.sync_session, "after_commit", self._after_commit, once=True)
        if joined is None:
            self.wake()

    def _after_commit(self, _session: Session) -> None:
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    # -- delivery ---------------------------------------------------------------------------

    async def deliver(self) -> int:
        """Send every due message once; returns how many were sent."""
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
            if not await self._claim(item):
                continue
            try:
                await self._transmit(item)
            except Undeliverable as error:
                await self._failed(item, error, give_up=True)
            except Exception as error:  # any transport failure: retry later
                await self._failed(item, error)
            else:
                sent += 1
                await self._finish(item.id)
        return sent

    async def _claim(self, item: MailItem) -> bool:
        now = utcnow()
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(MailItem)
                .where(
                    MailItem.id == item.id,
                    MailItem.status == item.status,
                    MailItem.next_attempt_at <= now,
                )
                .values(status="sending", next_attempt_at=now + CLAIM_LEASE)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

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

    async def _finish(self, item_id: int) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(MailItem)
                .where(MailItem.id == item_id)
                .values(status="sent", sent_at=utcnow(), body="")
            )

    async def _failed(self, item: MailItem, error: Exception, *, give_up: bool = False) -> None:
        attempts = item.attempts + 1
        gave_up = give_up or attempts >= MAX_ATTEMPTS
        # The recipient and the body are personal data: the id and the error type only.
        log.warning(
            "%s %s failed (attempt %s%s): %s",
            item.kind,
            item.id,
            attempts,
            ", giving up" if gave_up else "",
            type(error).__name__,
        )
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(MailItem)
                .where(MailItem.id == item.id)
                .values(
                    status="failed" if gave_up else "pending",
                    attempts=attempts,
                    next_attempt_at=utcnow() + backoff(attempts),
                    last_error=type(error).__name__[:200],
                )
            )

    async def run(self, poll_seconds: float = 2.0) -> None:
        """Deliver forever: on every wake-up and every ``poll_seconds`` for retries."""
        while True:
            try:
                await self.deliver()
            except Exception:  # the loop must survive a database hiccup
                log.exception("mail delivery pass failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await self._wake.wait()
            self._wake.clear()


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
