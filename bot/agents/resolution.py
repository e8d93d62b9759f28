"""Closing a taken-over conversation resolves its ticket: the one the bot opened (or that
the escalation names), else a new, resolved one, so that every contact is on record."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.base import Services
from bot.store import ownership, repo
from bot.store.agents import Escalation
from bot.store.models import Conversation, Ticket, TicketEvent, utcnow
from bot.ticket_news import mail_news


async def resolve_ticket(
    session: AsyncSession,
    services: Services,
    conversation: Conversation,
    escalation: Escalation,
    *,
    actor: str,
    resolution: str,
) -> str:
    """Mark the escalation's ticket resolved (opening one when there is none); returns its
    number. The caller owns the transaction."""
    now = utcnow()
    number = escalation.ticket_number
    ticket = await repo.get_ticket(session, number=number) if number else None
    if ticket is None:
        ticket = await _resolved_ticket(session, services, conversation, escalation, actor)
    ticket.state, ticket.updated_at = "resolved", now
    ticket.details = {**(ticket.details or {}), "resolution": resolution}
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="resolved",
            actor=actor,
            detail={"resolution": resolution},
            created_at=now,
        )
    )
    await mail_news(services, session, ticket)  # a citizen who left an e-mail address
    return ticket.number


async def _resolved_ticket(
    session: AsyncSession,
    services: Services,
    conversation: Conversation,
    escalation: Escalation,
    actor: str,
) -> Ticket:
    summary = escalation.summary or {}
    now = utcnow()
    impact, urgency = int(summary.get("impact") or 3), int(summary.get("urgency") or 3)
    priority = services.sla.priority(impact, urgency)
    targets = services.sla.targets(priority, now)
    problem = str(summary.get("problem") or "") or services.replies.label(
        escalation.locale, "ticket_title_contact"
    )
    ticket = Ticket(
        number=await repo.next_number(session, prefix="INC"),
        kind="INC",
        conversation_id=conversation.id,
        title=problem[:120],
        description=problem,
        service_id=summary.get("service_id"),
        owner_group=escalation.group_name,
        impact=impact,
        urgency=urgency,
        priority=priority,
        state="resolved",
        locale=escalation.locale,
        requester=conversation.user_name,
        requester_account=await ownership.account_of_conversation(session, conversation.id),
        details={"escalation": escalation.reason},
        response_due_at=targets.response_due_at,
        resolve_due_at=targets.resolve_due_at,
        created_at=now,
        updated_at=now,
    )
    return await repo.add_ticket(session, ticket=ticket, actor=actor)
