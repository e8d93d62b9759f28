"""Single-use reset links, and wrong codes per account, of the self-service reset.

A link's token is shown to the person once; only its SHA-256 is stored. Using a link is a
compare-and-set on ``used_at``, so two tabs submitting at once change the password once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.accounts import ResetFailure, ResetLink
from bot.store.models import utcnow
from bot.store.unit import current_conversation, unit

# After three wrong codes for an account within this long, from any conversation, no new
# codes are sent for it until the window has passed.
LOCKOUT = timedelta(minutes=30)
MAX_FAILURES = 3
_TOKEN_SHAPE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_token_shaped(token: str) -> bool:
    return 20 <= len(token) <= 100 and set(token) <= _TOKEN_SHAPE


class ResetLinks:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, minutes: int) -> None:
        self._sessions = sessions
        self.lifetime = timedelta(minutes=minutes)

    async def issue(self, *, username: str, locale: str) -> str:
        """A new link token for ``username`` (in the running turn's transaction, if any)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        async with unit(self._sessions) as session:
            session.add(
                ResetLink(
                    token_hash=token_hash(token),
                    username=username,
                    locale=locale,
                    conversation_id=current_conversation(),
                    created_at=now,
                    expires_at=now + self.lifetime,
                )
            )
            await session.flush()
        return token

    async def lookup(self, token: str) -> ResetLink | None:
        """The link with this token, used or expired or not."""
        if not is_token_shaped(token):
            return None
        async with self._sessions() as session:
            statement = select(ResetLink).where(ResetLink.token_hash == token_hash(token))
            return (await session.execute(statement)).scalar_one_or_none()

    async def valid(self, token: str) -> ResetLink | None:
        """The link, when it exists, is unused and has not expired."""
        link = await self.lookup(token)
        if link is None or link.used_at is not None or link.expires_at <= utcnow():
            return None
        return link

    async def use(self, session: AsyncSession, link: ResetLink) -> bool:
        """Mark the link used, unless someone else did first or it has expired."""
        now = utcnow()
        result = await session.execute(
            update(ResetLink)
            .where(ResetLink.id == link.id, ResetLink.used_at.is_(None))
            .where(ResetLink.expires_at > now)
            .values(used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_failure(self, username: str) -> None:
        async with unit(self._sessions) as session:
            session.add(ResetFailure(username=username, created_at=utcnow()))
            await session.flush()

    async def is_locked_out(self, username: str) -> bool:
        async with unit(self._sessions) as session:
            count = await session.scalar(
                select(func.count())
                .select_from(ResetFailure)
                .where(
                    ResetFailure.username == username,
                    ResetFailure.created_at > utcnow() - LOCKOUT,
                )
            )
        return (count or 0) >= MAX_FAILURES
