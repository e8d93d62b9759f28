"""Rows sent after commit by a background worker, with retries: what the mailer
(:mod:`bot.mail`) and the chat outbox (:mod:`bot.outbox`) share, each over its own table.

A worker takes a due row by compare-and-set, moving it to ``sending`` with a lease (its
``next_attempt_at`` moved past the longest send), so two workers, in two processes too, never
send the same row. A send that fails is tried again with back-off and given up after
``max_attempts``; :class:`Undeliverable` gives up at once, and :class:`RetryLater` waits
without counting an attempt. Which rows are due, in what order, and what becomes of a claim
whose worker died stay with the owner of the table: they are where the two differ.

The worker wakes after every commit that queued a row, when a retry falls due, and every
``poll_seconds`` besides.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import timedelta

from sqlalchemy import event, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.store.models import Deliverable, utcnow

MAX_ATTEMPTS = 8
ERROR_LENGTH = 200  # the shorter of the tables' last_error columns


class RetryLater(Exception):
    """The far side asked to wait (a rate limit): try again after ``seconds``, without
    counting a failed attempt and without holding up other rows."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}, retry in {seconds:g} s")
        self.seconds = max(0.0, seconds)
        self.reason = reason


class Undeliverable(Exception):
    """The far side will never take this row (the person blocked the bot, the chat is gone,
    the SMS gateway refused the number): it is marked failed at once instead of retried."""


class Outcome(enum.Enum):
    """What became of one attempt."""

    SENT = "sent"
    REFUSED = "refused"  # Undeliverable: failed for good
    FAILED = "failed"  # retried after back-off, or given up after the last attempt
    WAITS = "waits"  # RetryLater: due again later, not an attempt


@dataclass(eq=False)
class LeasedQueue:
    """Claims, retries and wake-ups for the rows of ``table``; the owner picks the due rows
    and sends them. ``name`` and ``log`` are the owner's, for its log lines."""

    sessions: async_sessionmaker[AsyncSession]
    table: type[Deliverable]
    _: KW_ONLY
    name: str
    log: logging.Logger
    lease: timedelta
    longest_backoff: timedelta
    max_attempts: int = MAX_ATTEMPTS
    # Columns blanked once a row is sent: one-time codes must not stay in the database.
    erase_when_sent: tuple[str, ...] = ()
    # Off where an error's text may carry personal data (an SMTP refusal names the recipient).
    tracebacks: bool = True
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    # -- waking the worker ------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def wake_after_commit(self, session: AsyncSession) -> None:
        """Wake the worker once ``session``'s transaction commits (not if it rolls back)."""
        event.listen(session.sync_session, "after_commit", self._committed, once=True)

    def _committed(self, _session: Session) -> None:
        self.wake()

    def _wake_in(self, seconds: float) -> None:
        # Woken when it is due, not at the next poll: a short wait stays short.
        asyncio.get_running_loop().call_later(seconds, self.wake)

    def backoff(self, attempts: int) -> timedelta:
        seconds = min(self.longest_backoff.total_seconds(), 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds)

    # -- one row ----------------------------------------------------------------------------

    async def claim(self, row_id: int, status: str = "pending") -> bool:
        """Take a due row that is still ``status`` for one send, leased for ``lease``;
        False when another worker was first."""
        table, now = self.table, utcnow()
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                update(table)
                .where(table.id == row_id, table.status == status, table.next_attempt_at <= now)
                .values(status="sending", next_attempt_at=now + self.lease)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def attempt(
        self, row: Deliverable, send: Callable[[], Awaitable[None]], what: str
    ) -> Outcome:
        """Send a claimed row and write down how it went; ``what`` names it in the log (an
        id, never personal data)."""
        try:
            await send()
        except RetryLater as later:
            await self._postpone(row, later, what)
            return Outcome.WAITS
        except Undeliverable as error:
            await self._failed(row, error, what, give_up=True)
            return Outcome.REFUSED
        except Exception as error:  # any transport failure: retry later, never lose it
            await self._failed(row, error, what)
            return Outcome.FAILED
        await self._update(
            row.id, status="sent", sent_at=utcnow(), **dict.fromkeys(self.erase_when_sent, "")
        )
        return Outcome.SENT

    async def _postpone(self, row: Deliverable, later: RetryLater, what: str) -> None:
        self.log.info("%s waits %.1f s (%s)", what, later.seconds, later.reason)
        await self._update(
            row.id,
            status="pending",
            next_attempt_at=utcnow() + timedelta(seconds=later.seconds),
            last_error=f"RetryLater: {later.reason}"[:ERROR_LENGTH],
        )
        self._wake_in(later.seconds)

    async def _failed(
        self, row: Deliverable, error: Exception, what: str, *, give_up: bool = False
    ) -> None:
        attempts = row.attempts + 1
        gave_up = give_up or attempts >= self.max_attempts
        self.log.warning(
            "%s failed (attempt %s%s): %s",
            what,
            attempts,
            ", giving up" if gave_up else "",
            type(error).__name__,
            exc_info=error if self.tracebacks else None,
        )
        await self._update(
            row.id,
            status="failed" if gave_up else "pending",
            attempts=attempts,
            next_attempt_at=utcnow() + self.backoff(attempts),
            last_error=type(error).__name__[:ERROR_LENGTH],
        )
        if not gave_up:
            self._wake_in(self.backoff(attempts).total_seconds())

    async def _update(self, row_id: int, **values: object) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(self.table).where(self.table.id == row_id).values(**values)
            )

    # -- the worker -------------------------------------------------------------------------

    async def run(self, deliver: Callable[[], Awaitable[object]], poll_seconds: float) -> None:
        """Call ``deliver`` forever: on every wake-up, and every ``poll_seconds`` for retries
        and for claims a crashed worker left behind. Stopped by cancelling (bot.tasks)."""
        while True:
            try:
                await deliver()
            except Exception:  # the loop must survive a database hiccup
                self.log.exception("%s delivery pass failed", self.name)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await self._wake.wait()
            self._wake.clear()
