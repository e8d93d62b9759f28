"""spoc's own directory: staff accounts in the ``directory_people`` table, passwords as
argon2 hashes. For a small organisation without LDAP, and for the demo."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.directory.base import Person, UnknownAccount
from bot.store.accounts import DirectoryEntry
from bot.store.models import utcnow
from bot.store.unit import unit

_hasher = PasswordHasher()


def _person(entry: DirectoryEntry) -> Person:
    return Person(
        username=entry.username,
        display_name=entry.display_name,
        email=entry.email,
        private_email=entry.private_email,
        mobile=entry.mobile,
        manager=entry.manager,
        locked=entry.locked_at is not None,
    )


class BuiltinDirectory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def _entry(self, session: AsyncSession, who: str) -> DirectoryEntry | None:
        folded = who.strip().lower()
        statement = select(DirectoryEntry).where(
            or_(
                func.lower(DirectoryEntry.username) == folded,
                func.lower(DirectoryEntry.email) == folded,
            )
        )
        return (await session.execute(statement)).scalars().first()

    async def find(self, who: str) -> Person | None:
        async with unit(self._sessions) as session:
            entry = await self._entry(session, who)
            return _person(entry) if entry else None

    async def manager_of(self, username: str) -> Person | None:
        person = await self.find(username)
        if person is None or not person.manager:
            return None
        return await self.find(person.manager)

    async def set_password(self, username: str, new_password: str) -> None:
        hashed = await asyncio.to_thread(_hasher.hash, new_password)
        async with unit(self._sessions) as session:
            entry = await self._entry(session, username)
            if entry is None:
                raise UnknownAccount("no such account")
            entry.password_hash = hashed
            entry.password_changed_at = utcnow()

    async def unlock(self, username: str) -> None:
        async with unit(self._sessions) as session:
            entry = await self._entry(session, username)
            if entry is None:
                raise UnknownAccount("no such account")
            entry.locked_at = None

    async def check_password(self, username: str, password: str) -> bool:
        async with unit(self._sessions) as session:
            entry = await self._entry(session, username)
            stored = entry.password_hash if entry and entry.locked_at is None else None
        if stored is None:
            return False
        try:
            return await asyncio.to_thread(_hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return False
