"""Telegram through python-telegram-bot: webhook (or polling), inline keyboards, flood limits.

Inbound arrives at ``POST /telegram/webhook`` and is taken only with the secret token that
setWebhook gave Telegram, compared in constant time. (PTB's own check lives in its tornado
webhook server, which spoc does not run, and compares with ``!=``.) The turn runs before the
webhook is answered: Telegram redelivers an update until it gets a 2xx, so a crash mid-turn
ends in a redelivery, and the update_id as idempotency key makes that a duplicate to the
router. For development, PTB's Updater fetches the same updates by long polling.

Outbound comes from the outbox: ``sendMessage`` in HTML with an inline keyboard; a choice
whose action does not fit Telegram's 64-byte callback data is shown as numbered text. The
:class:`Pacer` keeps each chat within Telegram's flood limits, and Telegram's RetryAfter is
honoured; both become :class:`RetryLater`, so one busy chat never holds up another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import warnings
from dataclasses import dataclass, replace
from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    Bot,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MaybeInaccessibleMessage,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Updater
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot import tasks
from bot.adapters import choices
from bot.adapters.background import Background
from bot.adapters.labels import with_author
from bot.adapters.telegram_format import Pacer, buttons_fit, keyboard, pieces, to_html
from bot.config import Settings
from bot.delivery import RetryLater, Undeliverable
from bot.locks import KeyedLock
from bot.messages import ConversationRef, Inbound, Reply
from bot.router import Router
from bot.store.people import Identity, remember_person
from bot.web.security import same_secret

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
ALLOWED_UPDATES = ("message", "callback_query")
SHUTDOWN_SECONDS = 10.0
CHOSEN_MARK = "\u2714\ufe0e"
_TOKEN = re.compile(r"\d{5,}:[\w-]{20,}")
# Loggers that see Bot API URLs, which carry the token: httpx logs every request at INFO.
URL_LOGGERS = ("httpx", "telegram.Bot", "telegram.ext.Updater")


class HideToken(logging.Filter):
    """Bot tokens out of log records, before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg, record.args = _TOKEN.sub("<token>", message), None
        return True


_HIDE_TOKEN = HideToken()
_POLLING_ENDED = object()


def hide_tokens_in_logs() -> None:
    for name in URL_LOGGERS:
        logging.getLogger(name).addFilter(_HIDE_TOKEN)  # once: a logger keeps one of each


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update as spoc reads it: the message for the router, and who sent it."""

    inbound: Inbound
    identity: Identity | None


def locale_hint(language_code: str | None) -> str | None:
    if not language_code:
        return None
    return "sv" if language_code.lower().startswith("sv") else "en"


def read_update(update: Update) -> Arrival | None:
    """A message or a button press; ``None`` for what spoc does not answer (edits, channel
    posts, presses on messages too old to have a chat)."""
    key = f"telegram:{update.update_id}"
    user = update.effective_user
    identity = (
        Identity(CHANNEL, str(user.id), name=user.full_name, locale=user.language_code)
        if user and not user.is_bot
        else None
    )
    name, locale = (user.full_name, locale_hint(user.language_code)) if user else (None, None)
    sender = str(user.id) if user else None
    if (query := update.callback_query) is not None:
        if query.message is None or not query.data:
            return None
        ref = ConversationRef(CHANNEL, str(query.message.chat.id))
        inbound = Inbound(
            ref, key, action=query.data, locale=locale, user_name=name, sender=sender
        )
        return Arrival(inbound, identity)
    message = update.message
    if message is None or identity is None:
        return None
    ref = ConversationRef(CHANNEL, str(message.chat.id))
    text = message.text or message.caption or ""
    inbound = Inbound(ref, key, text, locale=locale, user_name=name, sender=sender)
    return Arrival(inbound, identity)


def _title_of(message: MaybeInaccessibleMessage | None, data: str | None) -> str:
    """The title of the pressed button, from the keyboard of the message it sat on."""
    markup = message.reply_markup if isinstance(message, Message) else None
    rows = markup.inline_keyboard if markup else ()
    return next((b.text for row in rows for b in row if b.callback_data == data), "")


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int today, a timedelta from PTB 23 on
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        after = error.retry_after
    return after.total_seconds() if isinstance(after, timedelta) else float(after)


class TelegramChannel:
    """spoc in Telegram: the bot, its webhook endpoint or polling, and the outbox sender."""

    def __init__(
        self, settings: Settings, *, router: Router, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("Telegram needs SPOC_TELEGRAM_BOT_TOKEN")
        # PTB's documented opt-in to durations as timedelta (the coming default); without it
        # every RetryAfter warns about the change.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        hide_tokens_in_logs()
        self._router = router
        self._sessions = sessions
        self._secret = settings.telegram_secret_token
        self._polling = settings.telegram_polling
        self._public_url = settings.public_base_url.rstrip("/")
        self.bot = Bot(
            settings.telegram_bot_token,
            base_url=settings.telegram_api_url,
            request=HTTPXRequest(connection_pool_size=16, pool_timeout=5.0),
            get_updates_request=HTTPXRequest(connection_pool_size=1),
        )
        self._pacer = Pacer()
        self._background = Background("telegram")
        self._order = KeyedLock()
        self._updater: Updater | None = None
        self._consumer: asyncio.Task[None] | None = None
        self.is_on = False

    async def start(self) -> None:
        """Check the token and start receiving; on a refusal Telegram is off, said in one line."""
        if not self._polling and not self._secret:
            log.error(
                "Telegram is off: SPOC_TELEGRAM_SECRET_TOKEN is not set, so the webhook cannot "
                "tell Telegram from anyone else (or set SPOC_TELEGRAM_POLLING=true to develop)"
            )
            return
        try:
            await self.bot.initialize()
        except InvalidToken:
            log.error("Telegram is off: Telegram refused SPOC_TELEGRAM_BOT_TOKEN")
            return
        except TelegramError as error:  # network: on, and the outbox retries
            log.warning(
                "Telegram: the token check failed (%s); Telegram stays on", type(error).__name__
            )
        else:
            log.info("Telegram is on as @%s", self.bot.username)
        self.is_on = True
        await (self._start_polling() if self._polling else self._point_webhook())

    async def _point_webhook(self) -> None:
        url = f"{self._public_url}{WEBHOOK_PATH}"
        if not url.startswith("https://"):
            log.info("Telegram: webhook not set (it needs https); point it at %s yourself", url)
            return
        try:
            await self.bot.set_webhook(
                url, secret_token=self._secret, allowed_updates=list(ALLOWED_UPDATES)
            )
        except TelegramError as error:
            log.error("Telegram: setWebhook to %s failed (%s)", url, type(error).__name__)
        else:
            log.info("Telegram: webhook set to %s", url)

    async def _start_polling(self) -> None:
        queue: asyncio.Queue[object] = asyncio.Queue()
        self._updater = Updater(self.bot, queue)
        await self._updater.initialize()
        try:
            await self._updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
        except TelegramError as error:
            log.error("Telegram is off: polling could not start (%s)", type(error).__name__)
            self.is_on = False
            return
        self._consumer = asyncio.create_task(self._consume(queue), name="telegram-polling")
        log.info("Telegram: polling for updates (development)")

    async def _consume(self, queue: asyncio.Queue[object]) -> None:
        """Updates in the order polling fetched them, until the end-of-polling marker."""
        while (update := await queue.get()) is not _POLLING_ENDED:
            if isinstance(update, Update):
                try:
                    await self.process(update)
                except Exception:  # one bad update must not stop polling
                    log.exception("Telegram: update %s failed", update.update_id)

    async def stop(self) -> None:
        if self._updater is not None:
            with contextlib.suppress(TelegramError, RuntimeError):
                await self._updater.stop()
            await self._updater.shutdown()
            # Fetched updates are confirmed to Telegram already: finish them, then stop.
            await self._updater.update_queue.put(_POLLING_ENDED)
        if self._consumer is not None:
            if await tasks.finish([self._consumer], SHUTDOWN_SECONDS):
                log.warning("Telegram: polled updates left unfinished at shutdown")
            else:
                self._consumer.result()  # an error that ended it is raised, as before
        await self._background.wait(SHUTDOWN_SECONDS)
        await self.bot.shutdown()

    async def settled(self) -> None:
        """Until the work started after answering Telegram is done (tests)."""
        await self._background.join()

    # -- inbound -------------------------------------------------------------------------

    def is_from_telegram(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER)
        if not self._secret or given is None:
            return False
        return same_secret(self._secret, given)

    async def handle_http(self, request: Request) -> Response:
        """``POST /telegram/webhook``: 403 without the secret; 200 once the turn is stored."""
        if not self.is_on or self._polling:
            return Response(status_code=503)
        if not self.is_from_telegram(request):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), self.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return Response(status_code=400)
        await self.process(update)
        return Response(status_code=200)

    async def process(self, update: Update) -> None:
        arrival = read_update(update)
        if arrival is None:
            return
        inbound = arrival.inbound
        async with self._order.hold(inbound.ref):
            if inbound.text and not inbound.action:
                async with self._sessions() as session:
                    action = await choices.chosen_action(
                        session, ref=inbound.ref, text=inbound.text, fits=buttons_fit
                    )
                if action:
                    inbound = replace(inbound, text="", action=action)
            result = await self._router.handle(inbound)
        if arrival.identity is not None and not result.duplicate:
            await self._remember(arrival.identity, result.conversation_id)
        if update.callback_query is not None:
            self._background.spawn(self._settle_press(update, result.duplicate), "press")

    async def _settle_press(self, update: Update, duplicate: bool) -> None:
        """Stop the button's spinner with what was chosen, and take the keyboard away so the
        same question is not answered twice. Cosmetic: failures are only logged."""
        query = update.callback_query
        if query is None:
            return
        title = _title_of(query.message, query.data)
        try:
            await self.bot.answer_callback_query(
                query.id, text=f"{CHOSEN_MARK} {title}" if title else None
            )
            if not duplicate and query.message is not None:
                await self.bot.edit_message_reply_markup(
                    chat_id=query.message.chat.id, message_id=query.message.message_id
                )
        except TelegramError as error:
            log.info("Telegram: could not settle a button press (%s)", type(error).__name__)

    async def _remember(self, identity: Identity, conversation_id: int) -> None:
        try:
            async with self._sessions() as session, session.begin():
                await remember_person(session, identity=identity, conversation_id=conversation_id)
        except SQLAlchemyError as error:
            log.warning("Telegram: could not store who wrote (%s)", type(error).__name__)

    # -- outbound ------------------------------------------------------------------------

    async def send(self, ref: ConversationRef, _conversation_id: int, reply: Reply) -> None:
        """The outbox's sender for Telegram."""
        if not self.is_on:
            raise RetryLater(60, "Telegram is off")
        chat_id = int(ref.key)
        if (wait := self._pacer.delay(chat_id)) > 0:
            raise RetryLater(wait, "Telegram pacing")
        reply = with_author(reply)
        markup = keyboard(reply.buttons)
        text = (
            reply.text
            if markup or not reply.buttons
            else choices.numbered(reply.text, reply.buttons)
        )
        *first, last = pieces(text)
        try:
            for piece in first:
                await self._send_text(chat_id, piece)
            await self._send_text(chat_id, last, markup)
        except RetryAfter as error:
            self._pacer.block(chat_id, _seconds(error))
            raise RetryLater(_seconds(error), "Telegram flood control") from error
        except (Forbidden, BadRequest, ChatMigrated) as error:  # blocked, gone, or refused
            raise Undeliverable(f"Telegram: {type(error).__name__}") from error

    async def _send_text(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        await self.bot.send_message(
            chat_id=chat_id,
            text=to_html(text),
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
