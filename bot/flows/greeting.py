"""Greeting and the main menu; the idle state decides what a new message is about."""

from __future__ import annotations

from bot import nlu
from bot.flows import password_reset
from bot.flows.base import Context, Flow, State
from bot.flows.fallback import misunderstood
from bot.messages import Button

MENU_INCIDENT = "menu:incident"
MENU_HUMAN = "menu:human"
MENU_HELP = "menu:help"
MENU_REQUEST = "menu:request"


def menu_buttons(ctx: Context) -> list[Button]:
    return [
        ctx.button("menu_incident", MENU_INCIDENT),
        ctx.button("menu_request", MENU_REQUEST),
        ctx.button("menu_human", MENU_HUMAN),
        ctx.button("switch_language", "lang:en" if ctx.locale == "sv" else "lang:sv"),
    ]


async def _greet(ctx: Context) -> str | None:
    settings = ctx.services.settings
    ctx.say(
        "greeting",
        menu_buttons(ctx),
        organisation=settings.organisation_name,
        phone=settings.service_desk_phone,
        hours=settings.service_desk_hours,
    )
    return None


async def _idle_prompt(ctx: Context) -> str | None:
    return None


async def decide(ctx: Context) -> str:
    """What a message outside any question is about."""
    if ctx.action == MENU_INCIDENT:
        return "incident.describe"
    if ctx.action == MENU_HUMAN:
        return "handoff.escalate"
    if ctx.action == MENU_REQUEST:
        ctx.data.pop("request", None)
        return "request.choose"
    if ctx.action == MENU_HELP:
        return "greeting.menu"
    text = ctx.text
    if nlu.is_greeting(text):
        return "greeting.menu"
    if account_help := password_reset.intent(text):  # before problems: "glömt", "låst"
        return account_help
    if nlu.is_thanks(text):
        ctx.say("you_are_welcome")
        return "feedback.rate"
    if nlu.wants_request(text):
        return "request.start"
    if nlu.describes_problem(text) or ctx.services.catalog.match(text):
        return "incident.start"
    return await misunderstood(ctx)


async def _menu(ctx: Context) -> str | None:
    ctx.say("menu", menu_buttons(ctx))
    return None


FLOW = Flow(
    "greeting",
    {
        "start": State(_greet, decide),
        "menu": State(_menu, decide),
        "idle": State(_idle_prompt, decide),
    },
)
