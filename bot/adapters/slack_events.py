"""What Slack sends, read: where a message belongs, and who wrote it.

Keys: a direct message channel is one conversation (``team:channel``); a mention in a
channel starts one in the mention's thread (``team:channel:thread_ts``).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.store.people import Identity

log = logging.getLogger(__name__)

CHANNEL = "slack"
ANSWERED_SUBTYPES = (None, "file_share", "thread_broadcast")
NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


def conversation_key(team: str, channel: str, thread_ts: str | None = None) -> str:
    return f"{team}:{channel}:{thread_ts}" if thread_ts else f"{team}:{channel}"


def place_of(key: str) -> tuple[str, str | None]:
    """(channel, thread_ts) of a conversation key."""
    _team, channel, *thread = key.split(":", 2)
    return channel, (thread[0] if thread else None)


def locale_hint(slack_locale: str | None) -> str | None:
    if not slack_locale:
        return None
    return "sv" if slack_locale.lower().startswith("sv") else "en"


def identity_of(user: Mapping[str, Any]) -> Identity:
    """A person from ``users.info``'s user object."""
    profile = user.get("profile") or {}
    name = (
        profile.get("real_name")
        or user.get("real_name")
        or profile.get("display_name")
        or user.get("name")
    )
    return Identity(
        channel=CHANNEL,
        external_id=str(user["id"]),
        email=profile.get("email"),
        name=name,
        locale=user.get("locale"),
        time_zone=user.get("tz"),
    )


def message_key(
    event: Mapping[str, Any], team: str, *, bot_user_id: str | None
) -> tuple[str, bool] | None:
    """(conversation key, whether it is a channel thread) for a message event spoc may
    answer, or ``None``: channel chatter, bots, edits, and mentions (those arrive as
    ``app_mention`` as well and are answered from there). In a thread, spoc answers only
    people who already take part in its conversation there."""
    if event.get("subtype") not in ANSWERED_SUBTYPES or event.get("bot_id"):
        return None
    if not event.get("user"):
        return None
    channel = str(event["channel"])
    if event.get("channel_type") == "im":
        return conversation_key(team, channel), False
    thread_ts = event.get("thread_ts")
    if not thread_ts or (bot_user_id and f"<@{bot_user_id}>" in event.get("text", "")):
        return None
    return conversation_key(team, channel, str(thread_ts)), True


def mention_key(event: Mapping[str, Any], team: str) -> str:
    thread_ts = str(event.get("thread_ts") or event["ts"])
    return conversation_key(team, str(event["channel"]), thread_ts)


class Directory:
    """Who a Slack user is, from ``users.info`` (e-mail needs ``users:read.email``); cached."""

    def __init__(self, client: AsyncWebClient, *, ttl: float = 3600.0, size: int = 10_000):
        self._client = client
        self._ttl = ttl
        self._size = size
        self._known: OrderedDict[str, tuple[float, Identity]] = OrderedDict()

    async def lookup(self, user_id: str) -> Identity | None:
        now = time.monotonic()
        if (known := self._known.get(user_id)) and known[0] > now:
            return known[1]
        try:
            response = await self._client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, *NETWORK_ERRORS) as error:
            log.warning("Slack users.info failed (%s); answering without a name", why(error))
            return None
        identity = identity_of(response["user"])
        self._known[user_id] = (now + self._ttl, identity)
        self._known.move_to_end(user_id)
        while len(self._known) > self._size:
            self._known.popitem(last=False)
        return identity


def status_of(error: SlackApiError) -> int | None:
    response = error.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if status is not None else None


def error_code(error: SlackApiError) -> str | None:
    """Slack's ``error`` field, when the answer was JSON at all."""
    data = getattr(error.response, "data", None)
    return str(data.get("error")) if isinstance(data, dict) and data.get("error") else None


def why(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return " ".join(str(part) for part in (status_of(error), error_code(error)) if part)
    return type(error).__name__
