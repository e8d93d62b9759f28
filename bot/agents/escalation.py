"""The bot's side of a hand-over, run inside the router's turn (same transaction, the
conversation row locked): putting a conversation in the queue, and what a person's message
does while the conversation waits for or belongs to an agent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot import nlu
from bot.agents.hours import DeskHours, desk_of
from bot.errors import Conflict
from bot.flows.base import Context, EscalationPlaced, Services
from bot.flows.handoff import LEAVE_QUEUE, MISUNDERSTOOD, NOT_IN_CATALOG, P1, SECURITY
from bot.messages import Outbound
from bot.sla import IMPACT_ONE, URGENCY_HINDERED
from bot.store import agents as store
from bot.store import repo
from bot.store.agents import BOT, WAITING, Escalation
from bot.store.models import Conversation, Message
from bot.text import shorten
from bot.web.hub import QUEUE, Topic

IMPACT_KEYS = ("impact_1", "impact_2", "impact_3")
URGENCY_KEYS = ("urgency_1", "urgency_2", "urgency_3")
RECENT_MESSAGES = 4


async def _recent_words(session: AsyncSession, conversation_id: int) -> list[str]:
    statement = (
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.author == "user")
        .order_by(Message.id.desc())
        .limit(RECENT_MESSAGES)
    )
    texts = [t for t in (await session.execute(statement)).scalars() if not t.startswith("[")]
    return list(reversed(texts))


async def gather(
    session: AsyncSession, conversation: Conversation, ctx: Context
) -> dict[str, Any]:
    """What the bot learnt, for the agent who takes over (and for a ticket)."""
    case = ctx.data.get("incident") or {}
    service = ctx.services.catalog.get(case.get("service_id"))
    described = " ".join(case.get("description", []))
    # What the person wrote, without the words that say nothing ("hej", "är du en robot?"):
    # with nothing left, there is nothing to open a ticket about.
    said = [
        text for text in await _recent_words(session, conversation.id) if not nlu.is_chatter(text)
    ]
    problem = nlu.without_greeting(described or " / ".join(said))
    impact, urgency = case.get("impact"), case.get("urgency")
    return {
        "problem": shorten(problem, 600),
        "service": service.name(ctx.locale) if service else None,
        "service_id": service.id if service else None,
        "group": service.owner_group if service else ctx.services.settings.agent_default_group,
        "impact": int(impact) if impact else None,
        "impact_label": ctx.label(IMPACT_KEYS[int(impact) - 1]) if impact else None,
        "urgency": int(urgency) if urgency else None,
        "urgency_label": ctx.label(URGENCY_KEYS[int(urgency) - 1]) if urgency else None,
        "since": case.get("since"),
        "articles_tried": list(case.get("articles_tried", [])),
        "ticket": ctx.data.get("last_ticket"),
    }


async def escalate(
    session: AsyncSession, conversation: Conversation, ctx: Context, *, reason: str
) -> EscalationPlaced:
    """Into the queue while the desk is open (owner bot -> waiting, compare-and-set); when it
    is closed, a ticket (unless the bot only failed to understand) and no queue."""
    services = ctx.services
    now = services.now()
    desk = desk_of(services.settings)
    summary = await gather(session, conversation, ctx)
    group = str(summary.pop("group"))
    escalation = Escalation(
        conversation_id=conversation.id,
        reason=reason,
        group_name=group,
        channel=conversation.channel,
        locale=ctx.locale,
        summary=summary,
        ticket_number=summary["ticket"],
        created_at=now,
    )
    if not desk.is_open(now):
        return await _ticket_instead(session, ctx, escalation, desk, reason=reason)
    if not await store.change_owner(
        session, conversation_id=conversation.id, expected=BOT, new=WAITING
    ):
        raise Conflict("the conversation is not the bot's to hand over")
    set_committed_value(conversation, "owner", WAITING)
    escalation.state = WAITING
    await store.add_escalation(session, escalation=escalation)
    ctx.data.pop("incident", None)
    return EscalationPlaced(
        queued=True,
        hours=desk.summary(ctx.locale),
        position=await store.queue_position(session, escalation=escalation),
    )


async def _ticket_instead(
    session: AsyncSession, ctx: Context, escalation: Escalation, desk: DeskHours, *, reason: str
) -> EscalationPlaced:
    now = ctx.services.now()
    summary = escalation.summary
    number, due = summary.get("ticket") if reason in (P1, SECURITY) else None, None
    if number is not None:  # the ticket this turn opened: its own response target
        ticket = await repo.get_ticket(session, number=number)
        due = ticket.response_due_at if ticket is not None else None
    if number is None and reason != MISUNDERSTOOD and summary["problem"]:
        # A wish the catalogue has no item for is a request (ITIL), not a fault.
        wish = reason == NOT_IN_CATALOG
        title_prefix = (
            ctx.label("ticket_title_request")
            if wish
            else summary["service"] or ctx.label("ticket_title_contact")
        )
        opened = await ctx.open_ticket(
            kind="REQ" if wish else "INC",
            title=shorten(f"{title_prefix}: {summary['problem']}", 120),
            description=summary["problem"],
            service_id=summary["service_id"],
            owner_group=escalation.group_name,
            impact=summary["impact"] or IMPACT_ONE,
            urgency=summary["urgency"] or URGENCY_HINDERED,
            details={
                "since": summary["since"],
                "articles_tried": summary["articles_tried"],
                "escalation": reason,
            },
        )
        number, due = opened.number, opened.response_due_at
        ctx.data["last_ticket"] = number
        ctx.record("ticket_opened", number=number, priority=opened.priority)
    ctx.data.pop("incident", None)
    escalation.state, escalation.ticket_number, escalation.ended_at = "ticket", number, now
    await store.add_escalation(session, escalation=escalation)
    locale = ctx.locale
    opening = desk.next_opening(now)
    return EscalationPlaced(
        queued=False,
        hours=desk.summary(locale),
        ticket_number=number,
        next_opening=desk.describe(opening, locale),
        answer_by=desk.describe(due, locale) if due else None,
        answered_while_closed=due is not None and due < opening,
    )


async def relay(
    session: AsyncSession, conversation: Conversation, *, action: str | None, services: Services
) -> tuple[list[Outbound], list[Topic]]:
    """A person's message while an agent has (or is about to have) the conversation: no flow
    runs; the message is already stored for the agent. Leaving the queue is the one thing
    the bot still answers."""
    topics: list[Topic] = [conversation.id]
    if conversation.owner != WAITING or action != LEAVE_QUEUE:
        return [], topics
    if not await store.change_owner(
        session, conversation_id=conversation.id, expected=WAITING, new=BOT
    ):
        return [], topics
    set_committed_value(conversation, "owner", BOT)
    escalation = await store.active_escalation(session, conversation_id=conversation.id)
    if escalation is not None:
        escalation.state, escalation.ended_at = "left", services.now()
    conversation.flow, conversation.step = "handoff", "waiting"
    conversation.data = {**(conversation.data or {}), "offered": [], "misses": 0}
    reply = services.replies.render(conversation.locale, "left_queue")
    return [reply], [*topics, QUEUE]
