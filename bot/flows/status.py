"""Ticket status: "mina ärenden", "status INC0000123", "how is my ticket?".

Only the person's own tickets are shown. Someone else's ticket number gets exactly the answer
a number that does not exist gets, so the chat never tells whether a ticket exists.
"""

from __future__ import annotations

from datetime import datetime

from bot import nlu
from bot.flows.base import IDLE, Context, Flow, State, TicketView

LIST_LIMIT = 5


def moment(ctx: Context, at: datetime) -> str:
    """A due time in words, in the service desk's time zone ("tisdag 1 december kl. 14.00")."""
    local = at.astimezone(ctx.services.sla.opening_hours.zone)
    return ctx.services.replies.text(ctx.locale, "moment", at=local)


def _facts(ctx: Context, ticket: TicketView) -> dict[str, object]:
    now = ctx.services.now()
    return {
        "ticket": ticket,
        "state": ctx.label(f"state_{ticket.state}"),
        "response_due": moment(ctx, ticket.response_due_at),
        "resolve_due": moment(ctx, ticket.resolve_due_at),
        "response_late": ticket.state == "new" and ticket.response_due_at < now,
        "resolve_late": ticket.state in ("new", "assigned") and ticket.resolve_due_at < now,
    }


async def _show(ctx: Context) -> str | None:
    numbers = nlu.ticket_numbers(ctx.text)
    if numbers:
        for number in numbers[:3]:
            ticket = await ctx.tickets.find(number)
            if ticket is None:
                ctx.record("status_not_found")
                ctx.say(
                    "status_unknown", number=number, phone=ctx.services.settings.service_desk_phone
                )
            else:
                ctx.record("status_shown", number=ticket.number)
                ctx.say("status_detail", **_facts(ctx, ticket))
        return IDLE
    tickets = await ctx.tickets.mine()
    ctx.record("status_listed", count=len(tickets))
    if not tickets:
        ctx.say("status_none", phone=ctx.services.settings.service_desk_phone)
    else:
        shown = [_facts(ctx, ticket) for ticket in tickets[:LIST_LIMIT]]
        ctx.say("status_list", tickets=shown, more=len(tickets) > LIST_LIMIT)
    return IDLE


async def _never(ctx: Context) -> str:  # pragma: no cover - the state never waits
    return IDLE


FLOW = Flow("status", {"show": State(_show, _never)})
