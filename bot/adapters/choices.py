"""Buttons a channel cannot show become numbered choices, answered by number.

The same idea as the terminal: a reply is shown as its text and then ``1) …``, ``2) …``. When
the person then writes just a number, the adapter turns it back into the action of the last
reply whose buttons were shown that way. Which replies those are is read from the transcript
(the replies since the person last wrote), so it holds across restarts and worker processes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Button, ConversationRef
from bot.store.models import Conversation, Message
from bot.store.repo import to_reply

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[).]?\s*$")
# Replies since the person last wrote that are looked at for choices.
_RECENT = 20

Fits = Callable[[Sequence[Button]], bool]


def numbered(text: str, buttons: Sequence[Button]) -> str:
    """``text`` followed by the buttons as a numbered list."""
    if not buttons:
        return text
    lines = [f"{number}) {button.title}" for number, button in enumerate(buttons, 1)]
    return "\n".join([text, "", *lines]) if text else "\n".join(lines)


def number_in(text: str) -> int | None:
    """The number when the whole message is one ("2", "2)", " 2. "), else ``None``."""
    match = _NUMBER.match(text)
    return int(match.group(1)) if match else None


def action_for(number: int, buttons: Sequence[Button]) -> str | None:
    return buttons[number - 1].action if 1 <= number <= len(buttons) else None


async def shown_buttons(session: AsyncSession, *, ref: ConversationRef) -> tuple[Button, ...]:
    """Buttons of the newest reply that offered any since the person last wrote."""
    conversation_id = (
        await session.execute(
            select(Conversation.id).where(
                Conversation.channel == ref.channel, Conversation.channel_key == ref.key
            )
        )
    ).scalar_one_or_none()
    if conversation_id is None:
        return ()
    statement = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(_RECENT)
    )
    for message in (await session.execute(statement)).scalars():
        if message.author == "user":
            return ()
        if message.buttons:
            return to_reply(message).buttons
    return ()


async def chosen_action(
    session: AsyncSession, *, ref: ConversationRef, text: str, fits: Fits
) -> str | None:
    """The action a typed number stands for, when the channel showed the last buttons as
    numbered text (``fits`` says whether it could show them as buttons)."""
    number = number_in(text)
    if number is None:
        return None
    buttons = await shown_buttons(session, ref=ref)
    if not buttons or fits(buttons):
        return None
    return action_for(number, buttons)
