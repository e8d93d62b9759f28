"""Who wrote a message, where the channel cannot tell: in Slack and Telegram the bot's own
account posts an agent's words too, so they start with the agent's name in bold."""

from __future__ import annotations

from dataclasses import replace

from bot.messages import Reply


def with_author(reply: Reply) -> Reply:
    if reply.author != "agent" or not reply.author_name:
        return reply
    return replace(reply, text=f"**{reply.author_name}**: {reply.text}")
