"""The web chat HTTP API (stable contract in ARCHITECTURE.md)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import update
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.app import Spoc
from bot.errors import Expired, NotFound, Unauthorized
from bot.messages import ConversationRef, Inbound, Reply
from bot.store import repo
from bot.store.models import Conversation, utcnow
from bot.web.hub import Hub
from bot.web.params import After, MaybeAfter
from bot.web.params import last_event_id as read_last_event_id
from bot.web.security import bearer_of

CHANNEL = "webchat"
STREAM_KEEPALIVE_SECONDS = 15
# Streams also re-read the transcript this often, so messages written by another worker
# process arrive without an in-process wake-up.
STREAM_POLL_SECONDS = 2.0


class ButtonOut(BaseModel):
    title: str
    action: str


class ReplyOut(BaseModel):
    id: int
    author: Literal["user", "bot", "agent", "system"]
    text: str
    buttons: list[ButtonOut] = Field(default_factory=list)

    @classmethod
    def of(cls, reply: Reply) -> ReplyOut:
        return cls(
            id=reply.id,
            author=reply.author,
            text=reply.text,
            buttons=[ButtonOut(title=b.title, action=b.action) for b in reply.buttons],
        )


class SessionIn(BaseModel):
    locale: Literal["sv", "en"] | None = None


class SessionOut(BaseModel):
    session_id: str
    token: str
    messages: list[ReplyOut]


class MessageIn(BaseModel):
    text: str | None = Field(default=None, max_length=100_000)
    action: str | None = Field(default=None, max_length=200)
    client_message_id: str | None = Field(
        default=None,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Set by the client to make a retried send safe: the same id is "
        "processed once and answered with the same replies.",
    )

    @model_validator(mode="after")
    def _text_or_action(self) -> MessageIn:
        if self.text is None and self.action is None:
            raise ValueError("send either text or action")
        return self


class MessagesOut(BaseModel):
    messages: list[ReplyOut]


class KeepaliveOut(BaseModel):
    expires_in: int = Field(description="Seconds until the session ends without activity.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _bearer(authorization: str | None, access_token: str | None = None) -> str:
    if (token := bearer_of(authorization)) is not None:
        return token
    if access_token:
        return access_token
    raise Unauthorized("Send the session token as 'Authorization: Bearer <token>'.")


async def _session(spoc: Spoc, session_id: str, token: str) -> Conversation:
    async with spoc.reads() as session:
        conversation = await repo.find_conversation(session, channel=CHANNEL, key=session_id)
    return _admitted(spoc, token)(conversation)


def _admitted(spoc: Spoc, token: str) -> Callable[[Conversation | None], Conversation]:
    """The session check: the conversation when the token is its own and it has not expired."""
    token_hash = _hash(token)
    ttl = timedelta(minutes=spoc.settings.session_ttl_minutes)

    def check(conversation: Conversation | None) -> Conversation:
        # One answer for "no such session" and "not your session": existence is not revealed.
        if conversation is None or not hmac.compare_digest(
            conversation.token_hash or "", token_hash
        ):
            raise NotFound("No chat session with that id and token.")
        if conversation.last_activity_at + ttl < utcnow():
            raise Expired(
                "This chat session has ended after a period of inactivity. Start a new one."
            )
        return conversation

    return check


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/chat", tags=["web chat"])

    def spoc_of(request: Request) -> Spoc:
        spoc: Spoc = request.app.state.spoc
        return spoc

    @router.post("/sessions", status_code=201, response_model=SessionOut)
    async def create_session(request: Request, body: SessionIn | None = None) -> SessionOut:
        """Start a conversation; the answer holds the greeting and the session's token."""
        spoc = spoc_of(request)
        session_id, token = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
        result = await spoc.router.start_conversation(
            ConversationRef(CHANNEL, session_id),
            locale=body.locale if body else None,
            token_hash=_hash(token),
        )
        return SessionOut(
            session_id=session_id, token=token, messages=[ReplyOut.of(r) for r in result.replies]
        )

    @router.post("/sessions/{session_id}/messages", response_model=MessagesOut)
    async def send_message(
        request: Request,
        session_id: str,
        body: MessageIn,
        authorization: Annotated[str | None, Header()] = None,
        idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
    ) -> MessagesOut:
        """Send text or a button action; the answer holds the bot's replies to it."""
        spoc = spoc_of(request)
        client_id = body.client_message_id or idempotency_key or uuid.uuid4().hex
        result = await spoc.router.handle(
            Inbound(
                ref=ConversationRef(CHANNEL, session_id),
                idempotency_key=f"{CHANNEL}:{session_id}:{client_id}",
                text=body.text or "",
                action=body.action,
            ),
            # Checked in the turn's own transaction, before anything is stored.
            admit=_admitted(spoc, _bearer(authorization)),
        )
        return MessagesOut(messages=[ReplyOut.of(r) for r in result.replies])

    @router.get("/sessions/{session_id}/messages", response_model=MessagesOut)
    async def history(
        request: Request,
        session_id: str,
        after: After = 0,
        authorization: Annotated[str | None, Header()] = None,
    ) -> MessagesOut:
        """The transcript after message ``after`` (0 for all), oldest first."""
        spoc = spoc_of(request)
        conversation = await _session(spoc, session_id, _bearer(authorization))
        async with spoc.reads() as session:
            replies = await repo.messages_after(
                session, conversation_id=conversation.id, after=after
            )
        return MessagesOut(messages=[ReplyOut.of(r) for r in replies])

    @router.post("/sessions/{session_id}/keepalive", response_model=KeepaliveOut)
    async def keepalive(
        request: Request,
        session_id: str,
        authorization: Annotated[str | None, Header()] = None,
    ) -> KeepaliveOut:
        """Mark the session as active without sending a message: the widget's answer when
        the person chooses to continue after a warning that the session is about to end."""
        spoc = spoc_of(request)
        conversation = await _session(spoc, session_id, _bearer(authorization))
        async with spoc.sessions() as session, session.begin():
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id)
                .values(last_activity_at=utcnow())
            )
        return KeepaliveOut(expires_in=spoc.settings.session_ttl_minutes * 60)

    @router.get("/sessions/{session_id}/events")
    async def events(
        request: Request,
        session_id: str,
        after: MaybeAfter = None,
        access_token: Annotated[str | None, Query(max_length=200)] = None,
        authorization: Annotated[str | None, Header()] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> EventSourceResponse:
        """Server-Sent Events: each new transcript message as a ``message`` event whose id is
        the message id. Reconnect with ``Last-Event-ID`` (or ``after``) to resume without
        loss or repeats. EventSource cannot send headers, so ``access_token`` is accepted."""
        spoc = spoc_of(request)
        conversation = await _session(spoc, session_id, _bearer(authorization, access_token))
        # A browser's automatic reconnect sends Last-Event-ID next to the URL's original
        # ``after``; the newer of the two is where the client really is.
        start = max(after or 0, read_last_event_id(last_event_id))
        hub: Hub = request.app.state.hub
        return EventSourceResponse(
            _stream(spoc, hub, conversation.id, start),
            ping=STREAM_KEEPALIVE_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router


# Reads a stream has started; held so a read outliving its stream is not garbage-collected.
_reads: set[asyncio.Task[list[Reply]]] = set()


async def _read_after(spoc: Spoc, conversation_id: int, after: int) -> list[Reply]:
    async with spoc.reads() as session:
        return await repo.messages_after(session, conversation_id=conversation_id, after=after)


async def _shielded(read: Coroutine[Any, Any, list[Reply]]) -> list[Reply]:
    """A stream is cancelled when its client goes away; cancelling a database read midway
    leaves the connection's cleanup orphaned (SQLAlchemy's aiosqlite adapter), so the read
    is let finish on its own."""
    task = asyncio.create_task(read)
    _reads.add(task)
    task.add_done_callback(_reads.discard)
    return await asyncio.shield(task)


async def _stream(
    spoc: Spoc, hub: Hub, conversation_id: int, after: int
) -> AsyncIterator[ServerSentEvent]:
    with hub.subscribe(conversation_id) as wake:
        while True:
            wake.clear()
            replies = await _shielded(_read_after(spoc, conversation_id, after))
            for reply in replies:
                after = reply.id
                yield ServerSentEvent(
                    data=ReplyOut.of(reply).model_dump_json(), id=str(reply.id), event="message"
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STREAM_POLL_SECONDS):
                    await wake.wait()
