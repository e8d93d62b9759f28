"""Ticket status: "mina ärenden", "status INC0000123", "how is my ticket?".

Only the person's own tickets are shown. Someone else's ticket number gets exactly the answer
a number that does not exist gets, so the chat never tells whether a ticket exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import nlu, otp
from bot.flows.base import IDLE, NEW_TOPIC, Context, Flow, State, TicketView

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


def _can_prove_by_email(ctx: Context) -> bool:
    """A web chat citizen has no account: the e-mail they gave, and a code, prove it."""
    return ctx.channel == "webchat" and ctx.services.mailer is not None


async def _show(ctx: Context) -> str | None:
    numbers = nlu.ticket_numbers(ctx.text)
    if numbers:
        unknown = None
        for number in numbers[:3]:
            ticket = await ctx.tickets.find(number) or await _proven(ctx, number)
            if ticket is None:
                unknown = number
                ctx.record("status_not_found")
                ctx.say(
                    "status_unknown",
                    number=number,
                    phone=ctx.services.settings.service_desk_phone,
                    offer_email=_can_prove_by_email(ctx),
                )
            else:
                ctx.record("status_shown", number=ticket.number)
                ctx.say("status_detail", **_facts(ctx, ticket))
        if unknown is not None and _can_prove_by_email(ctx):
            ctx.data["status"] = {"number": unknown}
            return "status.email"
        return IDLE
    tickets = await ctx.tickets.mine()
    ctx.record("status_listed", count=len(tickets))
    if not tickets:
        ctx.say("status_none", phone=ctx.services.settings.service_desk_phone)
    else:
        shown = [_facts(ctx, ticket) for ticket in tickets[:LIST_LIMIT]]
        ctx.say("status_list", tickets=shown, more=len(tickets) > LIST_LIMIT)
    return IDLE


async def _proven(ctx: Context, number: str) -> TicketView | None:
    """A ticket this conversation has proven to be the person's with an e-mailed code."""
    email = ctx.data.get("proven_tickets", {}).get(number.upper())
    return await ctx.tickets.by_contact(number, email) if email else None


def _case(ctx: Context) -> dict[str, Any]:
    return ctx.flow_data("status")


async def _email(ctx: Context) -> str:
    """The address the person gave with the ticket: a code goes there only if it is the one
    the ticket holds, and the answer is the same either way."""
    case = _case(ctx)
    email = nlu.email_in(ctx.text)
    if "number" not in case or email is None:
        ctx.data.pop("status", None)
        return NEW_TOPIC
    code, code_hash = await otp.new_code()
    minutes = ctx.services.settings.reset_code_minutes
    ticket = await ctx.tickets.by_contact(case["number"], email)
    mailer = ctx.services.mailer
    if ticket is not None and mailer is not None:
        context = {"number": ticket.number, "code": code, "minutes": minutes}
        await mailer.send(
            email,
            ctx.services.replies.text(ctx.locale, "status_code_subject", **context),
            ctx.services.replies.text(ctx.locale, "status_code_mail", **context),
        )
    ctx.record("status_code_requested")
    case.update(
        email=email,
        code_hash=code_hash,
        expires_at=(ctx.services.now() + timedelta(minutes=minutes)).isoformat(),
        attempts=0,
    )
    ctx.say("status_code_sent", minutes=minutes)
    return "status.code"


async def _code(ctx: Context) -> str:
    case = _case(ctx)
    code = otp.code_of(ctx.text)
    if "code_hash" not in case:
        return NEW_TOPIC
    if code is None:
        ctx.understood = False
        ctx.say("reset_code_format")
        return "status.code"
    expired = ctx.services.now() > datetime.fromisoformat(case["expires_at"])
    ticket = await ctx.tickets.by_contact(case["number"], case["email"])
    if not expired and ticket is not None and await otp.matches(case["code_hash"], code):
        ctx.data.pop("status", None)
        ctx.data.setdefault("proven_tickets", {})[ticket.number] = case["email"]
        ctx.record("status_proven", number=ticket.number)
        ctx.record("status_shown", number=ticket.number)
        ctx.say("status_detail", **_facts(ctx, ticket))
        return IDLE
    case["attempts"] = attempts = int(case.get("attempts", 0)) + 1
    ctx.record("status_code_wrong", attempt=attempts)
    if expired or attempts >= otp.MAX_ATTEMPTS:
        ctx.data.pop("status", None)
        ctx.say("status_code_stop", phone=ctx.services.settings.service_desk_phone)
        return IDLE
    ctx.say("reset_code_wrong", left=otp.MAX_ATTEMPTS - attempts)
    return "status.code"


async def _never(ctx: Context) -> str:  # pragma: no cover - the state never waits
    return IDLE


FLOW = Flow(
    "status",
    {
        "show": State(_show, _never),
        "email": State(None, _email),
        "code": State(None, _code),
    },
)
