"""Greeting and the main menu; the idle state decides what a new message is about."""

from __future__ import annotations

from collections.abc import Sequence

from bot import nlu, privacy
from bot.agents.hours import phone_hours
from bot.flows import password_reset
from bot.flows.base import IDLE, Context, Flow, State
from bot.flows.fallback import misunderstood
from bot.messages import Button

MENU_INCIDENT = "menu:incident"
MENU_HUMAN = "menu:human"
MENU_HELP = "menu:help"
MENU_STATUS = "menu:status"
MENU_REQUEST = "menu:request"
MENU_ACCOUNT = "menu:account"


def menu_buttons(ctx: Context) -> list[Button]:
    # The most common reason people contact a service desk gets its own button, where spoc
    # can do resets itself.
    account = [ctx.button("menu_account", MENU_ACCOUNT)] if password_reset.available(ctx) else []
    return [
        ctx.button("menu_incident", MENU_INCIDENT),
        *account,
        ctx.button("menu_request", MENU_REQUEST),
        ctx.button("menu_status", MENU_STATUS),
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
        hours=phone_hours(settings, ctx.locale),
    )
    return None


def about_me(ctx: Context, buttons: Sequence[Button] = ()) -> None:
    """What spoc is and what it can do, honestly: "vem är du?", "är du en robot?"."""
    settings = ctx.services.settings
    ctx.say(
        "about_me",
        buttons,
        organisation=settings.organisation_name,
        resets=password_reset.available(ctx),
        phone=settings.service_desk_phone,
        hours=phone_hours(settings, ctx.locale),
    )


async def _about(ctx: Context) -> str | None:
    about_me(ctx, menu_buttons(ctx))
    return None


async def _idle_prompt(ctx: Context) -> str | None:
    return None


async def decide(ctx: Context) -> str:
    """What a message outside any question is about."""
    if ctx.action == MENU_INCIDENT:
        return "incident.describe"
    if ctx.action == MENU_ACCOUNT:
        return "password_reset.choose"
    if ctx.action == MENU_HUMAN:
        return "handoff.escalate"
    if ctx.action == MENU_REQUEST:
        ctx.data.pop("request", None)
        return "request.choose"
    if ctx.action == MENU_HELP:
        return "greeting.menu"
    if ctx.action == MENU_STATUS:
        return "status.show"
    text = ctx.text
    if (following := await _about_a_ticket(ctx)) is not None:
        return following
    if nlu.is_greeting(text) or nlu.only_asks_for_help(text):  # "jag vill ha hjälp"
        return "greeting.menu"
    if account_help := password_reset.intent(text):  # before problems: "glömt", "låst"
        return account_help
    if nlu.is_thanks(text):
        ctx.say("you_are_welcome")
        return "feedback.rate"
    if nlu.is_dissatisfied(text) and not nlu.describes_problem(text):
        # "jag är inte nöjd med svaret": a person, or another try in other words.
        ctx.say(
            "sorry_dissatisfied",
            [ctx.button("menu_human", MENU_HUMAN), ctx.button("menu_incident", MENU_INCIDENT)],
        )
        return IDLE
    if nlu.asks_about_a_case(text):  # before the status of spoc's own tickets
        return _about_a_case(ctx)
    if nlu.asks_status(text):
        return "status.show"
    if nlu.wants_request(text) or (nlu.expresses_need(text) and _names_an_item(ctx, text)):
        return "request.start"
    named = ctx.services.catalog.match(text)
    if named or nlu.describes_problem(text):
        if not named and _for_someone_else(ctx, text):  # "värmen funkar inte på kontoret"
            return _out_of_scope(ctx, "other", "not_it")
        return "incident.start"
    if nlu.asks_how(text) and _has_a_guide(ctx, text):  # "hur slår jag på autosvar?"
        return "incident.start"
    if nlu.wishes_for_something(text):  # "jag behöver visio": not in the catalogue
        return "request.unlisted"
    return await misunderstood(ctx)


def _about_a_case(ctx: Context) -> str:
    """A case the organisation handles (an application, a permit): spoc cannot see it, so it
    says so and who can, and offers to help if it is the e-service that does not work."""
    return _out_of_scope(ctx, "case", "case_question")


def _for_someone_else(ctx: Context, text: str) -> bool:
    """A problem that names no IT service and that another part of the organisation looks
    after (the heating, a streetlight, a payslip): it names such a thing, and no guide
    answers it."""
    knowledge = ctx.services.knowledge
    return bool(knowledge.other_domain(text, lang=ctx.locale)) and not knowledge.search(
        text, lang=ctx.locale
    )


def _out_of_scope(ctx: Context, topic: str, template: str) -> str:
    """Not something the IT service desk can do: say who can, and offer help in case it is
    an IT problem after all. No ticket is made that would only wait to be sent on."""
    settings = ctx.services.settings
    ctx.record("out_of_scope", topic=topic)
    ctx.say(
        template,
        [ctx.button("menu_incident", MENU_INCIDENT)],
        organisation=settings.organisation_name,
        phone=settings.organisation_phone,
    )
    return IDLE


async def _about_a_ticket(ctx: Context) -> str | None:
    """An answer the service desk asked for, or word that a solved problem is back."""
    text = ctx.text
    if not text or ctx.action or nlu.is_greeting(text) or nlu.is_thanks(text):
        return None
    # The address is asked for once, right after the ticket: a later message that names an
    # address ("mejlen till anna@… studsar") is about something else.
    number = ctx.data.pop("contact_for", None)
    email = nlu.email_in(text)
    if number and email and await ctx.tickets.set_contact(number, email):
        ctx.record("contact_added", number=number)
        ctx.say("contact_saved", number=number, email=email)
        return "feedback.rate"
    if number := ctx.data.get("awaiting_ticket"):
        ticket = await ctx.tickets.add_reply(number, text, reopen=False)
        ctx.data.pop("awaiting_ticket")
        if ticket is not None:
            ctx.record("requester_replied", number=number)
            ctx.say("ticket_reply_added", ticket=ticket)
            return IDLE
    # Only the first message after the news counts; later ones are about something else.
    if (number := ctx.data.pop("solved_ticket", None)) and nlu.still_broken(text):
        ticket = await ctx.tickets.add_reply(number, text, reopen=True)
        if ticket is not None:
            ctx.record("ticket_reopened", number=number)
            ctx.say("ticket_reopened", ticket=ticket)
            return IDLE
    return None


async def _menu(ctx: Context) -> str | None:
    ctx.say("menu", menu_buttons(ctx))
    return None


FLOW = Flow(
    "greeting",
    {
        "start": State(_greet, decide),
        "menu": State(_menu, decide),
        "idle": State(_idle_prompt, decide),
        "about": State(_about, decide),
    },
)


def _has_a_guide(ctx: Context, text: str) -> bool:
    """Whether the knowledge base has a guide it would suggest for the question."""
    query = privacy.without_masked(text)
    return bool(ctx.services.knowledge.search(query, lang=ctx.locale, limit=1))


def _names_an_item(ctx: Context, text: str) -> bool:
    """Whether the text clearly names something in the request catalogue."""
    matches = ctx.services.catalog.requests.ranked(text)
    return bool(matches) and matches[0].is_sure
