"""Slack through slack-bolt: direct messages, mentions answered in their thread, buttons.

Inbound arrives at ``POST /slack/events`` (or over Socket Mode when an app-level token is
set). Bolt verifies every HTTP request itself: the signature, and a timestamp no older than
five minutes. A listener only acknowledges and hands the turn to a background task, so Slack
has its answer well within its three seconds. Slack redelivers what it thinks timed out; the
event_id is the idempotency key, so to the router a redelivery is the duplicate it is.

A direct message channel is one conversation (``team:channel``). A mention in a channel starts
one in the mention's thread (``team:channel:thread_ts``): spoc answers there, and the person
can go on in the thread without mentioning spoc again. Everything else said in a channel is
none of spoc's business.

Outbound comes from the outbox: ``chat.postMessage`` with the reply's id in the message
metadata, so after a crash :meth:`SlackChannel.was_delivered` can tell whether a claimed reply
arrived instead of posting it twice. A 429 becomes :class:`RetryLater` with Slack's
Retry-After; errors that will never pass (the channel is gone) become :class:`Undeliverable`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters import choices
from bot.adapters.background import Background
from bot.adapters.labels import with_author
from bot.adapters.slack_events import CHANNEL as CHANNEL  # the channel's name, for the outbox
from bot.adapters.slack_events import (
    NETWORK_ERRORS,
    Directory,
    conversation_key,
    error_code,
    locale_hint,
    mention_key,
    message_key,
    place_of,
    status_of,
    why,
)
from bot.adapters.slack_format import (
    ACTION_PATTERN,
    answered_blocks,
    buttons_fit,
    from_slack,
    message_of,
)
from bot.config import Settings
from bot.delivery import RetryLater, Undeliverable
from bot.locks import KeyedLock
from bot.messages import ConversationRef, Inbound, Reply
from bot.router import Router
from bot.store.people import Identity, remember_person, takes_part

log = logging.getLogger(__name__)

METADATA_EVENT = "spoc_reply"
AUTH_ERRORS = ("invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired")
GONE_ERRORS = ("channel_not_found", "is_archived", "not_in_channel", "user_not_found")
SHUTDOWN_SECONDS = 10.0


class SlackChannel:
    """spoc in Slack: the bolt app, its HTTP endpoint or Socket Mode, and the outbox sender."""

    def __init__(
        self, settings: Settings, *, router: Router, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        if not settings.slack_bot_token:
            raise ValueError("Slack needs SPOC_SLACK_BOT_TOKEN")
        self._router = router
        self._sessions = sessions
        self._signing_secret = settings.slack_signing_secret
        self._app_token = settings.slack_app_token
        base_url = settings.slack_api_url.rstrip("/") + "/"
        # No retries inside the client: the outbox retries, and knows about rate limits.
        self.client = AsyncWebClient(
            token=settings.slack_bot_token, base_url=base_url, timeout=20, retry_handlers=[]
        )
        self._directory = Directory(self.client)
        self._background = Background("slack")
        self._order = KeyedLock()
        self.is_on = False
        self.app = AsyncApp(
            client=self.client,
            signing_secret=self._signing_secret or "",
            process_before_response=True,  # the listeners only ack; the turn runs after
            logger=logging.getLogger("slack_bolt"),
            name="spoc",
        )
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_mention)
        self.app.action(ACTION_PATTERN)(self._on_action)
        self._http = AsyncSlackRequestHandler(self.app)
        self._socket: AsyncSocketModeHandler | None = None

    @property
    def uses_socket_mode(self) -> bool:
        return bool(self._app_token)

    async def start(self) -> None:
        """Check the token; on a refusal Slack is off, said in one line."""
        if not self.uses_socket_mode and not self._signing_secret:
            log.error(
                "Slack is off: SPOC_SLACK_SIGNING_SECRET is not set, so requests from Slack "
                "cannot be verified (or set SPOC_SLACK_APP_TOKEN for Socket Mode)"
            )
            return
        try:
            auth = await self.client.auth_test()
        except SlackApiError as error:
            if error_code(error) in AUTH_ERRORS:
                log.error("Slack is off: Slack refused SPOC_SLACK_BOT_TOKEN (%s)", why(error))
                return
            log.warning("Slack: the token check failed (%s); Slack stays on", why(error))
        except NETWORK_ERRORS as error:
            log.warning(
                "Slack: %s could not be reached to check the token (%s); Slack stays on",
                self.client.base_url,
                type(error).__name__,
            )
        else:
            log.info("Slack is on as @%s in %s", auth.get("user"), auth.get("team"))
        self.is_on = True
        if self.uses_socket_mode:
            await self._connect_socket_mode()

    async def _connect_socket_mode(self) -> None:
        self._socket = AsyncSocketModeHandler(self.app, self._app_token)
        try:
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        except (SlackApiError, *NETWORK_ERRORS) as error:
            log.error("Slack is off: Socket Mode could not connect (%s)", why(error))
            self.is_on = False
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        else:
            log.info("Slack: connected over Socket Mode")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await self._background.wait(SHUTDOWN_SECONDS)

    async def settled(self) -> None:
        """Until every acknowledged event has had its turn (tests, and a clean shutdown)."""
        await self._background.join()

    async def handle_http(self, request: Request) -> Response:
        """``POST /slack/events``: Events API and interactivity, verified by bolt."""
        if not self.is_on or self.uses_socket_mode:
            return Response(status_code=503)
        return await self._http.handle(request)

    # -- inbound -------------------------------------------------------------------------

    async def _on_message(
        self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        team = str(body.get("team_id") or context.team_id)
        found = message_key(event, team, bot_user_id=context.bot_user_id)
        if found is None:
            return
        key, in_thread = found
        self._spawn_turn(body, event, context, key=key, only_participants=in_thread)

    async def _on_mention(
        self, ack: AsyncAck, body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        if event.get("bot_id") or not event.get("user"):
            return
        team = str(body.get("team_id") or context.team_id)
        key = mention_key(event, team)
        self._spawn_turn(body, event, context, key=key, only_participants=False)

    def _spawn_turn(
        self,
        body: Mapping[str, Any],
        event: Mapping[str, Any],
        context: AsyncBoltContext,
        *,
        key: str,
        only_participants: bool,
    ) -> None:
        text = from_slack(str(event.get("text") or ""), bot_user_id=context.bot_user_id)
        work = self._answer(
            ConversationRef(CHANNEL, key),
            idempotency_key=f"slack:{body['event_id']}",
            user=str(event["user"]),
            text=text,
            only_participants=only_participants,
        )
        self._background.spawn(work, "message")

    async def _on_action(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        key = conversation_key(str(body["team"]["id"]), str(channel), message.get("thread_ts"))
        work = self._choose(
            ConversationRef(CHANNEL, key),
            idempotency_key=f"slack:action:{body.get('trigger_id') or action['action_ts']}",
            user=str(body["user"]["id"]),
            action=action,
            message=message,
        )
        self._background.spawn(work, "action")

    async def _answer(
        self,
        ref: ConversationRef,
        *,
        idempotency_key: str,
        user: str,
        text: str,
        only_participants: bool,
    ) -> None:
        # Held per conversation from before the first await: turns start in arrival order.
        async with self._order.hold(ref):
            async with self._sessions() as session:
                if only_participants and not await self._takes_part(session, ref, user):
                    return
                action = await choices.chosen_action(session, ref=ref, text=text, fits=buttons_fit)
            await self._turn(
                ref,
                idempotency_key=idempotency_key,
                user=user,
                text="" if action else text,
                action=action,
            )

    async def _choose(
        self,
        ref: ConversationRef,
        *,
        idempotency_key: str,
        user: str,
        action: Mapping[str, Any],
        message: Mapping[str, Any],
    ) -> None:
        async with self._order.hold(ref):
            if place_of(ref.key)[1] is not None:  # a channel thread: anyone can see the buttons
                async with self._sessions() as session:
                    if not await self._takes_part(session, ref, user):
                        return
            duplicate = await self._turn(
                ref,
                idempotency_key=idempotency_key,
                user=user,
                text="",
                action=str(action["value"]),
            )
        if duplicate or not message.get("ts"):
            return
        channel, _ = place_of(ref.key)
        title = str((action.get("text") or {}).get("text") or "")
        try:
            await self.client.chat_update(
                channel=channel,
                ts=str(message["ts"]),
                text=str(message.get("text") or ""),
                blocks=answered_blocks(message.get("blocks") or [], title),
            )
        except (SlackApiError, *NETWORK_ERRORS) as error:  # cosmetic: the answer counted
            log.warning("Slack: could not mark the chosen button (%s)", why(error))

    @staticmethod
    async def _takes_part(session: AsyncSession, ref: ConversationRef, user: str) -> bool:
        return await takes_part(
            session, channel=CHANNEL, external_id=user, conversation_key=ref.key
        )

    async def _turn(
        self,
        ref: ConversationRef,
        *,
        idempotency_key: str,
        user: str,
        text: str,
        action: str | None,
    ) -> bool:
        """Run one turn; returns whether it was a duplicate delivery."""
        identity = await self._directory.lookup(user)
        inbound = Inbound(
            ref=ref,
            idempotency_key=idempotency_key,
            text=text,
            action=action,
            locale=locale_hint(identity.locale) if identity else None,
            user_name=identity.name if identity else None,
            sender=user,
        )
        result = await self._router.handle(inbound)
        if identity is not None and not result.duplicate:
            await self._remember(identity, result.conversation_id)
        return result.duplicate

    async def _remember(self, identity: Identity, conversation_id: int) -> None:
        try:
            async with self._sessions() as session, session.begin():
                await remember_person(session, identity=identity, conversation_id=conversation_id)
        except SQLAlchemyError as error:  # the turn is done; the link can wait a message
            log.warning("Slack: could not store who wrote (%s)", type(error).__name__)

    # -- outbound ------------------------------------------------------------------------

    async def send(self, ref: ConversationRef, _conversation_id: int, reply: Reply) -> None:
        """The outbox's sender for Slack."""
        if not self.is_on:
            raise RetryLater(60, "Slack is off")
        channel, thread_ts = place_of(ref.key)
        try:
            await self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"reply_id": reply.id}},
                unfurl_links=False,
                unfurl_media=False,
                **message_of(with_author(reply)),
            )
        except SlackApiError as error:
            raise _outbox_error(error) from error

    async def was_delivered(self, ref: ConversationRef, reply: Reply) -> bool:
        """Whether a reply is in its channel or thread already (looked up by its metadata)."""
        channel, thread_ts = place_of(ref.key)
        if thread_ts:
            response = await self.client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200
            )
        else:
            response = await self.client.conversations_history(
                channel=channel, include_all_metadata=True, limit=100
            )
        return any(_is_reply(message, reply.id) for message in response.get("messages") or [])


def _is_reply(message: Mapping[str, Any], reply_id: int) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == METADATA_EVENT and payload.get("reply_id") == reply_id


def _outbox_error(error: SlackApiError) -> Exception:
    if status_of(error) == 429:
        headers = getattr(error.response, "headers", None) or {}
        return RetryLater(float(headers.get("Retry-After") or 1), "Slack rate limit")
    if error_code(error) in GONE_ERRORS:
        return Undeliverable(f"Slack: {error_code(error)}")
    return error
