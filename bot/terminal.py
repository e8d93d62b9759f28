"""``spoc chat``: the same engine in a terminal; buttons become numbered choices."""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
import uuid

from bot import tasks as background
from bot.app import Spoc
from bot.config import Settings
from bot.delivery import RetryLater
from bot.messages import ConversationRef, Inbound, Reply

CHANNEL = "terminal"


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def render(reply: Reply, *, styled: bool = False) -> str:
    """Buttons as numbered choices; the guides' **bold** bold on a terminal, else plain."""
    text = _BOLD.sub("\033[1m\\1\033[0m" if styled else r"\1", reply.text)
    named = reply.author == "agent" and reply.author_name
    lines = [f"{reply.author_name}: {text}" if named else text]
    lines += [f"  {number}) {button.title}" for number, button in enumerate(reply.buttons, 1)]
    return "\n".join(lines)


def choice(text: str, shown: Reply | None) -> str | None:
    """The action behind a typed number, when the last reply had buttons."""
    stripped = text.strip()
    if shown and stripped.isdigit() and 1 <= int(stripped) <= len(shown.buttons):
        return shown.buttons[int(stripped) - 1].action
    return None


async def run_terminal_chat(settings: Settings, *, locale: str | None) -> int:
    spoc = Spoc.build(settings)
    last_with_buttons: Reply | None = None

    async def show(to: ConversationRef, _conversation_id: int, reply: Reply) -> None:
        nonlocal last_with_buttons
        if to != ref:  # another terminal's conversation: its own process shows it
            raise RetryLater(1, "another terminal")
        if reply.buttons:
            last_with_buttons = reply
        sys.stdout.write(f"\nspoc> {render(reply, styled=sys.stdout.isatty())}\n")
        sys.stdout.flush()

    ref = ConversationRef(CHANNEL, f"{getpass.getuser()}-{uuid.uuid4().hex[:8]}")
    spoc.outbox.register(CHANNEL, show)
    await spoc.start()
    # An agent's messages (written in the console of `spoc serve`) arrive between turns too.
    delivery = asyncio.create_task(spoc.outbox.run(poll_seconds=1.0), name="terminal-outbox")
    try:
        await spoc.router.start_conversation(ref, locale=locale)
        await spoc.outbox.drain()
        while True:
            prompt = "\ndu> " if (locale or settings.default_locale) == "sv" else "\nyou> "
            sys.stdout.write(prompt)
            sys.stdout.flush()
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return 0
            action = choice(line, last_with_buttons)
            await spoc.router.handle(
                Inbound(
                    ref=ref,
                    idempotency_key=f"{CHANNEL}:{ref.key}:{uuid.uuid4().hex}",
                    text="" if action else line,
                    action=action,
                )
            )
            await spoc.outbox.drain()
            await spoc.mailer.deliver()  # one-time codes, when a mail server is configured
    finally:
        await background.stop([delivery])
        await spoc.close()
