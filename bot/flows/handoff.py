"""Escalation to a person: into the agents' queue while the service desk is open, else a
ticket and an honest word on when to expect an answer.

Entered when the person asks for a human, after two misunderstandings in a row, on clear
frustration, when a P1 ticket has just been opened, and when one was for an account someone
else may have got into. While the conversation waits for an
agent (or an agent has it) no flow runs: the router stores the person's messages for the
agent. The one thing the person can still do with the bot is leave the queue.
"""

from __future__ import annotations

from bot.agents.hours import phone_hours
from bot.flows.base import IDLE, NEW_TOPIC, Context, Flow, State

CREATE_TICKET = "handoff:ticket"
BACK = "handoff:back"
LEAVE_QUEUE = "handoff:leave"
# Why a conversation was escalated (events, the console's queue).
ASKED, MISUNDERSTOOD, FRUSTRATED, P1 = "asked", "misunderstood", "frustrated", "p1"
SECURITY = "security"  # someone else may be in a work account: its ticket is this turn's
NOT_IN_CATALOG = "not_in_catalog"  # a wish the request catalogue has no item for


async def _escalate(ctx: Context) -> str | None:
    reason = ctx.data.pop("escalation_reason", ASKED)
    ctx.record("escalated", reason=reason)
    ctx.data["misses"] = 0
    settings = ctx.services.settings
    if ctx.escalate is None:  # no queue to go to: say how to reach the desk
        ctx.say(
            "escalated",
            [ctx.button("create_ticket", CREATE_TICKET), ctx.button("back_to_menu", BACK)],
            phone=settings.service_desk_phone,
            hours=phone_hours(settings, ctx.locale),
        )
        return None
    placed = await ctx.escalate(reason=reason)
    if placed.queued:
        ctx.say(
            "queued",
            [ctx.button("leave_queue", LEAVE_QUEUE)],
            reason=reason,
            position=placed.position,
            hours=placed.hours or phone_hours(settings, ctx.locale),
        )
        return "handoff.waiting"
    offer = (
        []
        if placed.ticket_number
        else [ctx.button("create_ticket", CREATE_TICKET), ctx.button("back_to_menu", BACK)]
    )
    ctx.say(
        "desk_closed",
        offer,
        reason=reason,
        number=placed.ticket_number,
        hours=placed.hours or phone_hours(settings, ctx.locale),
        next_opening=placed.next_opening,
        answer_by=placed.answer_by,
        answered_while_closed=placed.answered_while_closed,
        phone=settings.service_desk_phone,
    )
    return IDLE if placed.ticket_number else None  # without a ticket: wait for the choice


async def _after(ctx: Context) -> str:
    if ctx.action == CREATE_TICKET:
        return "incident.describe"
    if ctx.action == BACK:
        return "greeting.menu"
    return NEW_TOPIC


async def _back_with_the_bot(ctx: Context) -> str:
    """The first message after an agent handed the conversation back (or the person left
    the queue): a new topic for the bot."""
    return NEW_TOPIC


FLOW = Flow(
    "handoff",
    {
        "escalate": State(_escalate, _after),
        "waiting": State(None, _back_with_the_bot),
    },
)
