"""All flows, and the engine that runs one turn of a conversation through them."""

from __future__ import annotations

from bot import nlu
from bot.flows import (
    approval,
    fallback,
    feedback,
    greeting,
    handoff,
    incident,
    password_reset,
    request,
    status,
)
from bot.flows.base import IDLE, NEW_TOPIC, Context, State
from bot.messages import Outbound

STATES: dict[str, State] = {
    name: state
    for flow in (
        greeting.FLOW,
        incident.FLOW,
        feedback.FLOW,
        fallback.FLOW,
        handoff.FLOW,
        status.FLOW,
        password_reset.FLOW,
        request.FLOW,
    )
    for name, state in flow.qualified().items()
}
START = "greeting.start"
# A chat tool's first message (Slack, Telegram, terminal) comes with no greeting step before
# it: the conversation starts here, and the first answer also says that this is a bot.
FIRST_CONTACT = "greeting.first"
ABOUT = "greeting.about"
LANGUAGE = "lang:"
_MAX_HOPS = 12  # states entered in one turn; more means a wiring mistake, not a conversation


async def enter(ctx: Context, name: str) -> None:
    """Enter ``name`` and keep going while states have nothing to ask."""
    for _ in range(_MAX_HOPS):
        if name == NEW_TOPIC:
            name = await STATES[IDLE].handle(ctx)
            continue
        ctx.state = name
        ask = STATES[name].ask
        following = await ask(ctx) if ask else None
        if following is None:
            return
        name = following
    raise RuntimeError(f"flow did not settle after {_MAX_HOPS} states, last {name}")


async def run_turn(ctx: Context) -> None:
    """One message of the person, handled in the conversation's current state."""
    if ctx.state != FIRST_CONTACT:
        return await _run_turn(ctx)
    ctx.state = IDLE
    if not ctx.action and nlu.is_greeting(ctx.text):
        return await enter(ctx, START)  # the full greeting says it
    if not ctx.action and _asks_about_the_bot(ctx):
        return await _about_the_bot(ctx)  # the answer says it
    await _run_turn(ctx)
    organisation = ctx.services.settings.organisation_name
    intro = ctx.services.replies.render(ctx.locale, "bot_intro", organisation=organisation)
    if ctx.replies:
        first = ctx.replies[0]
        ctx.replies[0] = Outbound(f"{intro.text}\n\n{first.text}", first.buttons, first.author)
    else:
        ctx.replies.append(intro)


async def _run_turn(ctx: Context) -> None:
    if ctx.action and ctx.action.startswith(LANGUAGE):
        return await _switch_language(ctx, ctx.action.removeprefix(LANGUAGE))
    if approval.is_answer(ctx.action):
        # An approver's button: valid whatever was asked since (the desk checks who may).
        return await approval.answer(ctx)
    if ctx.action and ctx.action not in ctx.data.get("offered", []):
        ctx.understood = False
        ctx.say("unknown_action")
        return await enter(ctx, ctx.state)
    ctx.data["offered"] = []
    if not ctx.action:
        if (language := nlu.requested_language(ctx.text)) is not None:
            return await _switch_language(ctx, language)
        if _asks_about_the_bot(ctx):  # before a person: "är du en människa?"
            return await _about_the_bot(ctx)
        if nlu.wants_human(ctx.text):
            feedback.keep_comment(ctx)  # "bra, men jag vill prata med en person" is one too
            return await enter(ctx, "handoff.escalate")
        if nlu.is_frustrated(ctx.text) and ctx.state != feedback.COMMENT:  # its own answer
            ctx.data["escalation_reason"] = handoff.FRUSTRATED
            return await enter(ctx, "handoff.escalate")
        if nlu.is_cancel(ctx.text) and ctx.state != IDLE:
            for flow in ("incident", "feedback", "password_reset", "request"):
                ctx.data.pop(flow, None)
            ctx.say("cancelled")
            return await enter(ctx, "greeting.menu")
    following = await STATES[ctx.state].handle(ctx)
    await enter(ctx, following)
    if ctx.understood:
        ctx.data["misses"] = 0


def _asks_about_the_bot(ctx: Context) -> bool:
    # "vad kan du om vpn?" is about the VPN
    return nlu.asks_about_bot(ctx.text) and not ctx.services.catalog.match(ctx.text)


async def _about_the_bot(ctx: Context) -> None:
    """Says what spoc is; a question that was open is asked again, so the person can go on."""
    ctx.record("asked_about_bot")
    if ctx.state.startswith("greeting.") or STATES[ctx.state].ask is None:
        return await enter(ctx, ABOUT)
    greeting.about_me(ctx)
    await enter(ctx, ctx.state)


async def _switch_language(ctx: Context, language: str) -> None:
    ctx.locale = language if language in ("sv", "en") else ctx.locale
    ctx.record("language_switched", locale=ctx.locale)
    ctx.data["offered"] = [a for a in ctx.data.get("offered", []) if not a.startswith(LANGUAGE)]
    ctx.say("language_switched")
    # Repeat the open question in the new language so the person can go on.
    if STATES[ctx.state].ask is not None and ctx.state not in (IDLE, START):
        await enter(ctx, ctx.state)
