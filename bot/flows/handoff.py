"""Escalation to a person. Records it and says honestly what happens next.

Live agent takeover is its own piece of work; until then spoc tells the person how to reach
the service desk and offers to open a ticket so that nothing is lost.
"""

from __future__ import annotations

from bot.flows.base import NEW_TOPIC, Context, Flow, State

CREATE_TICKET = "handoff:ticket"
BACK = "handoff:back"


async def _escalate(ctx: Context) -> str | None:
    ctx.record("escalated", reason=ctx.data.pop("escalation_reason", "asked"))
    ctx.data["misses"] = 0
    settings = ctx.services.settings
    ctx.say(
        "escalated",
        [ctx.button("create_ticket", CREATE_TICKET), ctx.button("back_to_menu", BACK)],
        phone=settings.service_desk_phone,
        hours=settings.service_desk_hours,
    )
    return None


async def _after(ctx: Context) -> str:
    if ctx.action == CREATE_TICKET:
        return "incident.describe"
    if ctx.action == BACK:
        return "greeting.menu"
    return NEW_TOPIC


FLOW = Flow("handoff", {"escalate": State(_escalate, _after)})
