"""When the bot does not understand: say so kindly, and after two misses in a row hand the
conversation to a person (the agents' queue, or a ticket when the desk is closed)."""

from __future__ import annotations

from bot.flows.base import IDLE, NEW_TOPIC, Context, Flow, State

MISSES_BEFORE_OFFER = 2
OFFER_YES = "fallback:human"
OFFER_NO = "fallback:retry"


async def misunderstood(ctx: Context) -> str:
    ctx.understood = False
    misses = int(ctx.data.get("misses", 0)) + 1
    ctx.data["misses"] = misses
    ctx.record("misunderstood", misses=misses)
    if misses >= MISSES_BEFORE_OFFER:
        ctx.data["escalation_reason"] = "misunderstood"
        return "handoff.escalate"
    ctx.say(
        "misunderstood",
        [ctx.button("menu_incident", "menu:incident"), ctx.button("menu_human", "menu:human")],
        organisation=ctx.services.settings.organisation_name,
        phone=ctx.services.settings.organisation_phone,
    )
    return IDLE


# Conversations stored in this state before escalation went straight to the queue still
# get their answer; new ones no longer enter it.
async def _offer(ctx: Context) -> str | None:
    ctx.say("offer_human", [ctx.button("yes_human", OFFER_YES), ctx.button("no_retry", OFFER_NO)])
    return None


async def _answer(ctx: Context) -> str:
    wants = ctx.answer(OFFER_YES, OFFER_NO)
    if wants:
        return "handoff.escalate"
    ctx.data["misses"] = 0
    if wants is False:
        ctx.say("try_again")
        return IDLE
    # Neither yes nor no: the person probably tried again in their own words.
    return NEW_TOPIC


FLOW = Flow("fallback", {"offer": State(_offer, _answer)})
