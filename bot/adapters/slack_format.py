"""Slack's side of the text: mrkdwn out, plain text in, Block Kit buttons within their limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.adapters.choices import numbered
from bot.messages import Button, Reply

ACTION_PREFIX = "spoc-choice-"
ACTION_PATTERN = re.compile(rf"^{ACTION_PREFIX}\d+$")
# Block Kit limits: elements in an actions block, button text, button value, section text.
MAX_BUTTONS = 25
MAX_TITLE = 75
MAX_VALUE = 2000
MAX_SECTION = 3000
CHOSEN_MARK = "\u2714\ufe0e"  # a heavy check mark, shown as text

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"(?m)^#{1,6}\s+(.+)$")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")
_SPACES = re.compile(r"[ \t]+")


def escape(text: str) -> str:
    """Slack's three control characters, escaped as its docs ask."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str) -> str:
    """Plain reply text (with the knowledge base's light Markdown) as Slack mrkdwn."""
    text = escape(text)
    text = _LINK.sub(r"<\2|\1>", text)
    text = _HEADING.sub(r"*\1*", text)
    return _BOLD.sub(r"*\1*", text)


def from_slack(text: str, *, bot_user_id: str | None) -> str:
    """What the person wrote, as plain text: the bot's own mention out, links readable."""
    if bot_user_id:
        text = text.replace(f"<@{bot_user_id}>", " ")
    text = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:"), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _SPACES.sub(" ", text).strip()


def buttons_fit(buttons: Sequence[Button]) -> bool:
    """Whether Slack can show these as buttons (else they become numbered text)."""
    return len(buttons) <= MAX_BUTTONS and all(
        0 < len(b.title) <= MAX_TITLE and 0 < len(b.action) <= MAX_VALUE for b in buttons
    )


def _sections(mrkdwn: str) -> list[dict[str, Any]]:
    chunks: list[str] = []
    rest = mrkdwn
    while rest:
        cut = len(rest) if len(rest) <= MAX_SECTION else rest.rfind("\n", 0, MAX_SECTION)
        cut = cut if cut > 0 else MAX_SECTION
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in chunks
        if chunk.strip()
    ]


def message_of(reply: Reply) -> dict[str, Any]:
    """``chat.postMessage`` arguments for a reply: mrkdwn text, and buttons as Block Kit when
    they fit, else numbered in the text."""
    if not reply.buttons:
        return {"text": to_mrkdwn(reply.text)}
    if not buttons_fit(reply.buttons):
        return {"text": to_mrkdwn(numbered(reply.text, reply.buttons))}
    elements = [
        {
            "type": "button",
            "action_id": f"{ACTION_PREFIX}{index}",
            "text": {"type": "plain_text", "text": button.title, "emoji": True},
            "value": button.action,
        }
        for index, button in enumerate(reply.buttons)
    ]
    actions = {"type": "actions", "block_id": f"spoc-reply-{reply.id}", "elements": elements}
    text = to_mrkdwn(reply.text)
    # ``text`` is what notifications and screen readers get: the choices belong in it too.
    return {
        "text": to_mrkdwn(numbered(reply.text, reply.buttons)),
        "blocks": [*_sections(text), actions],
    }


def answered_blocks(blocks: Sequence[dict[str, Any]], title: str) -> list[dict[str, Any]]:
    """A message's blocks after a choice: the buttons replaced by what was chosen, so the
    same question cannot be answered twice by accident."""
    kept = [block for block in blocks if block.get("type") != "actions"]
    chosen = {"type": "mrkdwn", "text": f"{CHOSEN_MARK} *{escape(title)}*"}
    return [*kept, {"type": "context", "elements": [chosen]}]
