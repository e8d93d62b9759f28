"""The one shared vocabulary between channels and the dialog engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Author = Literal["user", "bot", "agent", "system"]


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Where a conversation lives: a channel and that channel's own key for it."""

    channel: str
    key: str


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    action: str


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a person, as every adapter hands it to the router.

    ``idempotency_key`` is the channel's own id for this delivery (web chat client id, Slack
    event_id, Telegram update_id); the same key is processed at most once.
    """

    ref: ConversationRef
    idempotency_key: str
    text: str = ""
    action: str | None = None
    locale: str | None = None
    user_name: str | None = None
    # The channel's id of the account that wrote (Slack user id, Telegram user id); None where
    # the conversation itself is the account (a web chat session, the terminal).
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class Outbound:
    text: str
    buttons: tuple[Button, ...] = ()
    author: Author = "bot"


@dataclass(frozen=True, slots=True)
class Reply:
    """A stored transcript message, as shown to the person (ids grow in order)."""

    id: int
    author: Author
    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
