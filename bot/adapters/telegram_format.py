"""Telegram's side of the text: HTML out, inline keyboards within their limits, and pacing."""

from __future__ import annotations

import html
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Button

MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_BUTTONS = 100
MAX_TEXT = 4096

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"(?m)^#{1,6}\s+(.+)$")


def to_html(text: str) -> str:
    """Plain reply text (with the knowledge base's light Markdown) as Telegram HTML. Everything
    is escaped first, so only the tags made here can reach Telegram."""
    text = html.escape(text, quote=False)
    text = _LINK.sub(lambda m: f'<a href="{_attribute(m.group(2))}">{m.group(1)}</a>', text)
    text = _HEADING.sub(r"<b>\1</b>", text)
    return _BOLD.sub(r"<b>\1</b>", text)


def _attribute(escaped: str) -> str:
    """An already escaped URL, made safe inside a double-quoted attribute."""
    return escaped.replace('"', "&quot;")


def buttons_fit(buttons: Sequence[Button]) -> bool:
    """Whether Telegram can show these as an inline keyboard (else numbered text)."""
    return len(buttons) <= MAX_BUTTONS and all(
        b.title and 0 < len(b.action.encode()) <= MAX_CALLBACK_BYTES for b in buttons
    )


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """One button a row: choice titles are phrases, too long to sit side by side."""
    if not buttons or not buttons_fit(buttons):
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=b.action)] for b in buttons]
    )


def pieces(text: str, limit: int = MAX_TEXT - 96) -> list[str]:
    """A long text cut into messages Telegram accepts, at line breaks where it can."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*parts, text]


@dataclass(slots=True)
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    at: float
    blocked_until: float = 0.0

    def wait(self, now: float) -> float:
        """Seconds until a message may go (0: now); takes nothing."""
        if now < self.blocked_until:
            return self.blocked_until - now
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second

    def take(self) -> None:
        self.tokens -= 1


class Pacer:
    """Telegram's flood limits, kept without waiting: about one message a second in a chat
    (a short burst allowed), twenty a minute in a group, thirty a second in all. ``delay``
    books a slot and returns 0, or says how long this chat must wait; other chats go on."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, chats: int = 10_000):
        self._clock = clock
        self._size = chats
        self._all = _Bucket(30, 30, 30, clock())
        self._chats: OrderedDict[int, _Bucket] = OrderedDict()

    def _chat(self, chat_id: int, now: float) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            # Negative ids are groups and channels.
            bucket = _Bucket(20, 20 / 60, 20, now) if chat_id < 0 else _Bucket(3, 1, 3, now)
            self._chats[chat_id] = bucket
            if len(self._chats) > self._size:
                self._chats.popitem(last=False)
        self._chats.move_to_end(chat_id)
        return bucket

    def delay(self, chat_id: int) -> float:
        now = self._clock()
        chat = self._chat(chat_id, now)
        wait = max(chat.wait(now), self._all.wait(now))
        if wait == 0:
            chat.take()
            self._all.take()
        return wait

    def block(self, chat_id: int, seconds: float) -> None:
        """Telegram said RetryAfter: nothing more to this chat until then."""
        now = self._clock()
        self._chat(chat_id, now).blocked_until = now + seconds
