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

_current: ContextVar[tuple[AsyncSession, int | None] | None] = ContextVar(
    "spoc_turn_session", default=None
)


@contextmanager
def joined(session: AsyncSession, *, conversation_id: int | None = None) -> Iterator[None]:
    """Within this block, :func:`unit` joins ``session`` (whose caller owns the commit);
    ``conversation_id`` is the conversation whose turn it is."""
    token = _current.set((session, conversation_id))
    try:
        yield
    finally:
        _current.reset(token)


def current() -> AsyncSession | None:
    joined_turn = _current.get()
    return joined_turn[0] if joined_turn else None


def current_conversation() -> int | None:
    """The conversation whose turn is running, if any (for audit records)."""
    joined_turn = _current.get()
    return joined_turn[1] if joined_turn else None


@asynccontextmanager
async def unit(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """The running turn's session, or a new transaction committed when the block ends."""
    joined_turn = _current.get()
    if joined_turn is not None:
        yield joined_turn[0]
        return
    async with sessions() as session, session.begin():
        yield session
