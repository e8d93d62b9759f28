"""CSAT at the end of a conversation: a 1-5 rating and an optional comment."""

from __future__ import annotations

from bot import nlu
from bot.flows.base import IDLE, NEW_TOPIC, Context, Flow, State
from bot.flows.greeting import MENU_HUMAN

RATE = "feedback:rate:"
SKIP = "feedback:skip"
COMMENT = "feedback.comment"


async def _ask_rating(ctx: Context) -> str | None:
    buttons = [ctx.button(f"rating_{value}", f"{RATE}{value}") for value in range(1, 6)]
    ctx.say("ask_rating", [*buttons, ctx.button("skip", SKIP)])
    return None


async def _rating(ctx: Context) -> str:
    if ctx.action == SKIP:
        ctx.say("feedback_skipped")
        return IDLE
    rating = (
        int(ctx.action.removeprefix(RATE))
        if ctx.action and ctx.action.startswith(RATE)
        else nlu.rating_of(ctx.text)
    )
    if rating is None:
        # Not a rating: the person has moved on, so treat it as a new message.
        return NEW_TOPIC
    ctx.flow_data("feedback")["rating"] = rating
    ctx.record("csat_given", rating=rating, ticket=ctx.data.pop("rated_ticket", None))
    ctx.say("ask_comment", [ctx.button("skip", SKIP)])
    return COMMENT


def keep_comment(ctx: Context) -> None:
    """The comment, when the person was asked for one: also when it asks for a person, so
    that what they said of the help they got is counted before they are handed over."""
    if ctx.state == COMMENT and ctx.action != SKIP and ctx.text:
        ctx.record("csat_comment", rating=ctx.flow_data("feedback").get("rating"), text=ctx.text)
        ctx.data.pop("feedback", None)


async def _comment(ctx: Context) -> str:
    keep_comment(ctx)
    ctx.data.pop("feedback", None)
    if nlu.is_frustrated(ctx.text) or nlu.is_dissatisfied(ctx.text):
        # "värdelöst", "inte nöjd med svaret": thanks alone would not listen. A person is
        # offered, not forced on them: the comment may be all they wanted to say.
        ctx.say("feedback_sorry", [ctx.button("menu_human", MENU_HUMAN)])
        return IDLE
    ctx.say("feedback_thanks")
    return IDLE


FLOW = Flow("feedback", {"rate": State(_ask_rating, _rating), "comment": State(None, _comment)})
