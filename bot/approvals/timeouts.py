"""Approvals nobody answers: one reminder to the approver, then expiry to the service desk.

After ``SPOC_APPROVAL_REMINDER_HOURS`` without a decision the approver is asked once more, by
the route the question took: in their chat with the same approve/deny buttons, or in a new
e-mail with freshly signed links (the first mail's links keep working). After
``SPOC_APPROVAL_EXPIRY_HOURS`` the approval ends as ``expired``: the ticket goes to the
service desk to follow up, and the requester is told in the conversation where they asked.
0 turns either off.

Any number of processes may run the job at once. Each approval is handled in a transaction
of its own that begins with a compare-and-set on its row (``reminded_at`` still empty, or
``state`` still pending) and goes on only if this transaction changed it. What it sends (an
outbox row, a queued e-mail) commits together with that change, so exactly one reminder
leaves and nothing needs a lease here: delivery is the outbox's and the mailer's, which claim
their rows themselves. A decision in the same moment meets the same compare-and-set on
``state`` as the expiry, so exactly one of them counts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.agents.hours import phone_hours
from bot.approvals import store
from bot.approvals.chats import kept_conversation, post
from bot.approvals.desk import Approvals
from bot.approvals.store import EXPIRED, VIA_CHAT, VIA_EMAIL, Approval
from bot.store import repo
from bot.store.models import Ticket, TicketEvent
from bot.store.unit import joined

log = logging.getLogger(__name__)

REMINDED = "approval_reminded"
EXPIRED_EVENT = "approval_expired"
# The ticket's state after expiry: in the service desk's queue, to follow up.
FOLLOW_UP = "approval_expired"
ACTOR = "bot"
FIRST_SWEEP_SECONDS = 30.0
SWEEP_SECONDS = 300.0
BATCH = 100


@dataclass(frozen=True, slots=True)
class Swept:
    reminded: int = 0
    expired: int = 0


class ApprovalTimeouts:
    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], approvals: Approvals
    ) -> None:
        self._sessions = sessions
        self.approvals = approvals

    @property
    def remind_after(self) -> timedelta | None:
        hours = self.approvals.services.settings.approval_reminder_hours
        return timedelta(hours=hours) if hours else None

    @property
    def expire_after(self) -> timedelta | None:
        hours = self.approvals.services.settings.approval_expiry_hours
        return timedelta(hours=hours) if hours else None

    @property
    def is_on(self) -> bool:
        return bool(self.remind_after or self.expire_after)

    async def sweep(self) -> Swept:
        """Expire what is overdue, then remind what is due, as of the app's clock; returns
        how many this call reminded and expired (another process may have done the rest)."""
        now = self.approvals.services.now()
        expired = reminded = 0
        if self.expire_after is not None:
            for approval_id in await self._due(now - self.expire_after, unreminded=False):
                expired += await self._expire(approval_id, now)
        if self.remind_after is not None:
            for approval_id in await self._due(now - self.remind_after, unreminded=True):
                reminded += await self._remind(approval_id, now)
        return Swept(reminded, expired)

    async def run(
        self, first_seconds: float = FIRST_SWEEP_SECONDS, every_seconds: float = SWEEP_SECONDS
    ) -> None:
        """Sweep forever: shortly after start, then every ``every_seconds``."""
        await asyncio.sleep(first_seconds)
        while True:
            try:
                await self.sweep()
            except Exception:  # a failed round is retried at the next
                log.exception("approvals: reminding or expiring failed")
            await asyncio.sleep(every_seconds)

    async def _due(self, asked_before: datetime, *, unreminded: bool) -> list[int]:
        async with self._sessions() as session:
            ids = await store.pending_ids(
                session, asked_before=asked_before, unreminded=unreminded, limit=BATCH
            )
        return list(ids)

    # -- reminding -----------------------------------------------------------------------

    async def _remind(self, approval_id: int, now: datetime) -> bool:
        async with self._sessions() as session, session.begin():
            if not await store.mark_reminded(session, approval_id=approval_id, at=now):
                return False  # decided meanwhile, or another process reminded
            approval, ticket = await _approval_and_ticket(session, approval_id)
            chat = await kept_conversation(session, approval.approver_conversation_id)
            with joined(session):  # the mailer writes in this transaction
                await self.approvals.put_question(
                    session, approval, ticket, chat, reminder=True, left=self._left(approval, now)
                )
            via = VIA_CHAT if chat is not None else VIA_EMAIL
            detail: dict[str, object] = {
                "approver": approval.approver_email,
                "rule": approval.rule,
                "via": via,
            }
            await _record(session, ticket, REMINDED, detail, now)
        log.info("approvals: %s reminded by %s", ticket.number, via)
        return True

    def _left(self, approval: Approval, now: datetime) -> str | None:
        """How long until the question expires, in words of the approver's language: whole
        days from two days on, else hours."""
        if self.expire_after is None:
            return None
        left = approval.created_at + self.expire_after - now
        hours = max(1, round(left.total_seconds() / 3600))
        if hours >= 48:
            hours = round(hours / 24) * 24
        return self.approvals.services.replies.text(approval.locale, "hours", hours=hours)

    # -- expiring ------------------------------------------------------------------------

    async def _expire(self, approval_id: int, now: datetime) -> bool:
        settings = self.approvals.services.settings
        async with self._sessions() as session, session.begin():
            if not await store.decide(
                session, approval_id=approval_id, state=EXPIRED, actor=ACTOR, via="expiry"
            ):
                return False  # decided meanwhile, or another process expired it
            approval, ticket = await _approval_and_ticket(session, approval_id)
            detail = {
                "approver": approval.approver_email,
                "rule": approval.rule,
                "hours": settings.approval_expiry_hours,
                "from_group": ticket.owner_group,
            }
            ticket.state, ticket.updated_at = FOLLOW_UP, now
            ticket.owner_group = settings.agent_default_group
            await _record(session, ticket, EXPIRED_EVENT, detail, now)
            await self._tell_requester(session, ticket)
        log.info("approvals: %s expired to %s", ticket.number, ticket.owner_group)
        return True

    async def _tell_requester(self, session: AsyncSession, ticket: Ticket) -> None:
        conversation = await kept_conversation(session, ticket.conversation_id)
        if conversation is None:
            return
        services, locale = self.approvals.services, conversation.locale
        hours = services.settings.approval_expiry_hours
        reply = services.replies.render(
            locale,
            "request_approval_expired",
            number=ticket.number,
            item=self.approvals.item_name(ticket, locale),
            waited=services.replies.text(locale, "hours", hours=hours),
            phone=services.settings.service_desk_phone,
            hours=phone_hours(services.settings, locale),
        )
        await post(self.approvals.outbox, session, conversation, reply)


async def _approval_and_ticket(session: AsyncSession, approval_id: int) -> tuple[Approval, Ticket]:
    approval = await store.get_approval(session, approval_id=approval_id)
    ticket = await session.get(Ticket, approval.ticket_id) if approval else None
    if approval is None or ticket is None:  # the row was just changed: both are there
        raise LookupError(f"approval {approval_id} or its ticket is missing")
    return approval, ticket


async def _record(
    session: AsyncSession, ticket: Ticket, kind: str, detail: dict[str, object], now: datetime
) -> None:
    """The ticket's event for the desk, and the conversation's event for the figures."""
    session.add(
        TicketEvent(ticket_id=ticket.id, kind=kind, actor=ACTOR, detail=detail, created_at=now)
    )
    await repo.record_events(
        session,
        conversation_id=ticket.conversation_id,
        events=[(kind, {key: detail[key] for key in ("rule", "via", "hours") if key in detail})],
    )
