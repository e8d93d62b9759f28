"""The unit of work a piece of code should write in.

A flow step runs inside its turn's transaction; whatever it writes (a mail to send, a reset
link, an unlocked account in the builtin directory) must commit or roll back with that turn.
On SQLite the turn also holds the only writer connection, so opening a second transaction
from a step would wait for itself. The router marks the turn's session with :func:`joined`;
:func:`unit` hands out that session inside a turn and a fresh transaction outside one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

_current: ContextVar[AsyncSession | None] = ContextVar("spoc_turn_session", default=None)


@contextmanager
def joined(session: AsyncSession) -> Iterator[AsyncSession]:
    """Within this block, :func:`unit` joins ``session`` (whose caller owns the commit)."""
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)


def current() -> AsyncSession | None:
    return _current.get()


@asynccontextmanager
async def unit(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """The running turn's session, or a new transaction committed when the block ends."""
    session = _current.get()
    if session is not None:
        yield session
        return
    async with sessions() as session, session.begin():
        yield session
