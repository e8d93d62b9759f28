"""The mailer: queued with the caller's transaction, delivered to a real SMTP server,
retried when the server is away, and the delivered body not kept."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.mail import Mailer, forget
from bot.store.accounts import MailItem
from bot.store.db import create_engine, migrate, session_factory
from bot.store.models import utcnow
from bot.store.unit import joined
from tests.support.smtp import MailCatcher, body_of


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'mail.db'}")
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


def mail_settings(port: int) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none"
    )


async def items(sessions: async_sessionmaker[AsyncSession]) -> list[MailItem]:
    async with sessions() as session:
        return list((await session.execute(select(MailItem).order_by(MailItem.id))).scalars())


async def test_a_mail_is_delivered_and_its_body_not_kept(
    sessions: async_sessionmaker[AsyncSession], smtp: MailCatcher
) -> None:
    mailer = Mailer(mail_settings(smtp.port), sessions)
    await mailer.send("karin.karlsson@exempelby.se", "Godkännande behövs", "Hej Karin!\nÅäö.")
    assert await mailer.deliver() == 1
    message = await smtp.message_to("karin.karlsson@exempelby.se")
    assert message["Subject"] == "Godkännande behövs"
    assert message["From"] == "servicedesk@exempelby.se"
    assert body_of(message).splitlines() == ["Hej Karin!", "Åäö."]
    (item,) = await items(sessions)
    assert (item.status, item.body) == ("sent", "")


async def test_a_mail_server_that_is_away_is_tried_again_later(
    sessions: async_sessionmaker[AsyncSession], smtp: MailCatcher
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    away = Mailer(mail_settings(closed_port), sessions)
    await away.send("anna.privat@example.com", "Kod", "123456")
    assert await away.deliver() == 0
    (item,) = await items(sessions)
    assert (item.status, item.attempts, item.last_error) == ("pending", 1, "SMTPConnectError")
    assert await away.deliver() == 0  # not due yet: backing off
    async with sessions() as session, session.begin():
        await session.execute(update(MailItem).values(next_attempt_at=utcnow()))
    assert await Mailer(mail_settings(smtp.port), sessions).deliver() == 1
    assert body_of(await smtp.message_to("anna.privat@example.com")).strip() == "123456"


async def test_a_mail_queued_in_a_turn_that_rolls_back_is_never_sent(
    sessions: async_sessionmaker[AsyncSession], smtp: MailCatcher
) -> None:
    mailer = Mailer(mail_settings(smtp.port), sessions)
    async with sessions() as session:
        transaction = await session.begin()
        with joined(session):
            await mailer.send("anna.privat@example.com", "Kod", "123456")
        await transaction.rollback()
    assert await items(sessions) == []
    async with sessions() as session, session.begin():
        with joined(session):
            await mailer.send("anna.privat@example.com", "Kod", "654321")
    assert await mailer.deliver() == 1
    assert len(smtp.messages) == 1


async def test_old_messages_are_forgotten_with_the_conversations(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    mailer = Mailer(Settings(_env_file=None), sessions)  # type: ignore[call-arg]
    await mailer.send("anna.privat@example.com", "Gammal", "kod 111111")
    async with sessions() as session, session.begin():
        await session.execute(update(MailItem).values(created_at=utcnow() - timedelta(days=91)))
    await mailer.send("anna.privat@example.com", "Ny", "kod 222222")
    assert await forget(sessions, older_than=utcnow() - timedelta(days=90)) == 1
    assert [item.subject for item in await items(sessions)] == ["Ny"]
