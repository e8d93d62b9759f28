"""The agent console's JSON API under ``/api/agent/`` (in the OpenAPI schema).

Sign in with ``POST /api/agent/session``; the answer sets the session cookie and holds the
CSRF token that every POST must send as ``X-CSRF-Token``. Live updates are Server-Sent
Events: ``GET /api/agent/events`` (the queue) and ``GET /api/agent/conversations/{id}/events``
(a conversation's transcript, notes and state).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from bot.agents.accounts import sign_in
from bot.agents.auth import (
    SignedInAgent,
    clear_session_cookie,
    require_agent,
    set_session_cookie,
    spoc_of,
    throttle_sign_in,
)
from bot.agents.takeover import ConversationView, Takeover
from bot.messages import Reply
from bot.store import agents as store
from bot.store.agents import QueueRow, owner_username
from bot.web.hub import QUEUE, Hub

KEEPALIVE_SECONDS = 15
# Streams re-read this often even without a wake-up (a NOTIFY lost with its connection).
POLL_SECONDS = 5.0

Agent = Annotated[SignedInAgent, Depends(require_agent)]


class SignInIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class AgentOut(BaseModel):
    username: str
    display_name: str
    groups: list[str]


class SessionOut(BaseModel):
    agent: AgentOut
    csrf_token: str = Field(description="Send as X-CSRF-Token with every POST.")


class SummaryOut(BaseModel):
    problem: str = ""
    service: str | None = None
    impact: str | None = None
    urgency: str | None = None
    since: str | None = None
    articles_tried: list[str] = Field(default_factory=list)
    ticket: str | None = None


class QueueItemOut(BaseModel):
    conversation_id: int
    state: str = Field(description="waiting, agent, closed, bot (handed back), left, ticket")
    agent: str | None = Field(description="Username of the agent who has it.")
    agent_name: str | None = Field(description="That agent's display name.")
    reason: str = Field(description="asked, misunderstood, frustrated or p1")
    group: str
    channel: str
    locale: str
    person: str | None
    waiting_since: datetime
    claimed_at: datetime | None
    summary: SummaryOut


class QueueOut(BaseModel):
    conversations: list[QueueItemOut]


class MessageOut(BaseModel):
    id: int
    author: Literal["user", "bot", "agent", "system"]
    name: str | None = None
    text: str


class NoteOut(BaseModel):
    id: int
    agent: str
    text: str
    created_at: datetime


class ConversationOut(BaseModel):
    conversation: QueueItemOut
    owner: str = Field(description="bot, waiting, or agent:<username>")
    resolution: str | None
    messages: list[MessageOut]
    notes: list[NoteOut]


class TextIn(BaseModel):
    text: str = Field(max_length=20_000)


class TransferIn(BaseModel):
    agent: str | None = Field(default=None, max_length=64)
    group: str | None = Field(default=None, max_length=80)


class CloseIn(BaseModel):
    resolution: str = Field(max_length=20_000)


class ClosedOut(BaseModel):
    ticket: str


class DoneOut(BaseModel):
    ok: bool = True


def takeover_of(request: Request) -> Takeover:
    takeover: Takeover = request.app.state.takeover
    return takeover


def summary_out(request: Request, summary: dict[str, Any], locale: str) -> SummaryOut:
    knowledge = spoc_of(request).knowledge
    titles = []
    for article_id in summary.get("articles_tried") or []:
        article = knowledge.get(str(article_id), locale) or knowledge.get(str(article_id))
        titles.append(article.title if article else str(article_id))
    return SummaryOut(
        problem=str(summary.get("problem") or ""),
        service=summary.get("service"),
        impact=summary.get("impact_label"),
        urgency=summary.get("urgency_label"),
        since=summary.get("since"),
        articles_tried=titles,
        ticket=summary.get("ticket"),
    )


def item_out(request: Request, row: QueueRow) -> QueueItemOut:
    escalation, conversation = row.escalation, row.conversation
    summary = summary_out(request, escalation.summary or {}, escalation.locale)
    if escalation.ticket_number and not summary.ticket:
        summary.ticket = escalation.ticket_number
    return QueueItemOut(
        conversation_id=conversation.id,
        state=escalation.state,
        agent=owner_username(conversation.owner) if escalation.state == "agent" else None,
        agent_name=row.agent_name if escalation.state == "agent" else None,
        reason=escalation.reason,
        group=escalation.group_name,
        channel=conversation.channel,
        locale=conversation.locale,
        person=conversation.user_name,
        waiting_since=escalation.created_at,
        claimed_at=escalation.claimed_at,
        summary=summary,
    )


def message_out(reply: Reply) -> MessageOut:
    return MessageOut(id=reply.id, author=reply.author, name=reply.author_name, text=reply.text)


def conversation_out(request: Request, view: ConversationView) -> ConversationOut:
    return ConversationOut(
        conversation=item_out(request, view.row),
        owner=view.conversation.owner,
        resolution=view.escalation.resolution,
        messages=[message_out(m) for m in view.messages],
        notes=[
            NoteOut(id=n.id, agent=n.agent, text=n.text, created_at=n.created_at)
            for n in view.notes
        ],
    )


def create_router() -> APIRouter:
    router = APIRouter(prefix="/api/agent", tags=["agent console"])

    @router.post("/session", response_model=SessionOut)
    async def start_session(request: Request, body: SignInIn) -> JSONResponse:
        """Sign in. Repeated failures lock the account for a while (429 with Retry-After)."""
        spoc = spoc_of(request)
        throttle_sign_in(request)
        done = await sign_in(
            spoc.sessions, spoc.settings, username=body.username, password=body.password
        )
        agent = AgentOut(
            username=done.agent.username,
            display_name=done.agent.display_name,
            groups=done.agent.groups,
        )
        out = SessionOut(agent=agent, csrf_token=done.csrf_token)
        response = JSONResponse(out.model_dump())
        set_session_cookie(request, response, done.token)
        return response

    @router.post("/session/end", response_model=DoneOut)
    async def end_session(request: Request, me: Agent) -> JSONResponse:
        """Sign out: the session ends on the server too."""
        async with spoc_of(request).sessions() as session, session.begin():
            await store.end_session(session, token_hash=me.token_hash)
        response = JSONResponse(DoneOut().model_dump())
        clear_session_cookie(response)
        return response

    @router.get("/me", response_model=SessionOut)
    async def whoami(me: Agent) -> SessionOut:
        agent = me.agent
        out = AgentOut(
            username=agent.username, display_name=agent.display_name, groups=agent.groups
        )
        return SessionOut(agent=out, csrf_token=me.csrf_token)

    @router.get("/agents", response_model=list[AgentOut])
    async def agents(request: Request, _me: Agent) -> list[AgentOut]:
        """Agents to transfer a conversation to."""
        async with spoc_of(request).reads() as session:
            found = await store.list_agents(session)
        return [
            AgentOut(username=a.username, display_name=a.display_name, groups=a.groups)
            for a in found
        ]

    @router.get("/conversations", response_model=QueueOut)
    async def conversations(
        request: Request,
        me: Agent,
        state: Annotated[Literal["active", "waiting", "agent", "closed"], Query()] = "active",
    ) -> QueueOut:
        """Escalated conversations in the agent's groups, oldest first."""
        rows = await takeover_of(request).queue(me.agent, state=state)
        return QueueOut(conversations=[item_out(request, row) for row in rows])

    @router.get("/conversations/{conversation_id}", response_model=ConversationOut)
    async def conversation(request: Request, conversation_id: int, me: Agent) -> ConversationOut:
        """One conversation: what the bot gathered, the transcript and the internal notes."""
        view = await takeover_of(request).view(me.agent, conversation_id)
        return conversation_out(request, view)

    @router.post("/conversations/{conversation_id}/claim", response_model=DoneOut)
    async def claim(request: Request, conversation_id: int, me: Agent) -> DoneOut:
        """Take a waiting conversation; 409 when another agent was first."""
        await takeover_of(request).claim(me.agent, conversation_id)
        return DoneOut()

    @router.post("/conversations/{conversation_id}/messages", response_model=MessageOut)
    async def send(request: Request, conversation_id: int, body: TextIn, me: Agent) -> MessageOut:
        """A message to the person, delivered in their own channel."""
        reply = await takeover_of(request).send(me.agent, conversation_id, body.text)
        return message_out(reply)

    @router.post("/conversations/{conversation_id}/notes", response_model=DoneOut)
    async def note(request: Request, conversation_id: int, body: TextIn, me: Agent) -> DoneOut:
        """An internal note: agents see it, the person never does."""
        await takeover_of(request).note(me.agent, conversation_id, body.text)
        return DoneOut()

    @router.post("/conversations/{conversation_id}/transfer", response_model=DoneOut)
    async def transfer(
        request: Request, conversation_id: int, body: TransferIn, me: Agent
    ) -> DoneOut:
        """To another agent (``agent``) or back into a group's queue (``group``)."""
        takeover = takeover_of(request)
        async with spoc_of(request).reads() as session:
            groups = takeover.groups(await store.list_agents(session))
        await takeover.transfer(
            me.agent,
            conversation_id,
            to_agent=body.agent,
            to_group=body.group,
            known_groups=groups,
        )
        return DoneOut()

    @router.post("/conversations/{conversation_id}/handback", response_model=DoneOut)
    async def hand_back(request: Request, conversation_id: int, me: Agent) -> DoneOut:
        """Give the conversation back to the bot."""
        await takeover_of(request).hand_back(me.agent, conversation_id)
        return DoneOut()

    @router.post("/conversations/{conversation_id}/close", response_model=ClosedOut)
    async def close(request: Request, conversation_id: int, body: CloseIn, me: Agent) -> ClosedOut:
        """Close with a resolution; the escalation's ticket (or a new one) is resolved."""
        number = await takeover_of(request).close(me.agent, conversation_id, body.resolution)
        return ClosedOut(ticket=number)

    @router.get("/events")
    async def queue_events(request: Request, me: Agent) -> EventSourceResponse:
        """Server-Sent Events: a ``queue`` event with the whole active queue whenever it
        changes (and once at the start)."""
        hub: Hub = request.app.state.hub
        return EventSourceResponse(
            _queue_stream(request, hub, me),
            ping=KEEPALIVE_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.get("/conversations/{conversation_id}/events")
    async def conversation_events(
        request: Request,
        conversation_id: int,
        me: Agent,
        after: Annotated[int, Query(ge=0)] = 0,
    ) -> EventSourceResponse:
        """Server-Sent Events of one conversation: ``message`` (transcript, id = message id),
        ``note`` and ``state`` (owner and escalation state) events."""
        takeover = takeover_of(request)
        await takeover.ensure_visible(me.agent, conversation_id)  # 404 before streaming
        hub: Hub = request.app.state.hub
        last = _event_id(request.headers.get("last-event-id"))
        return EventSourceResponse(
            _conversation_stream(request, hub, me, conversation_id, max(after, last)),
            ping=KEEPALIVE_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router


def _event_id(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


async def _wait(wake: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(POLL_SECONDS):
            await wake.wait()


async def _queue_stream(
    request: Request, hub: Hub, me: SignedInAgent
) -> AsyncIterator[ServerSentEvent]:
    takeover = takeover_of(request)
    sent = ""
    with hub.subscribe(QUEUE) as wake:
        while True:
            wake.clear()
            rows = await takeover.queue(me.agent)
            snapshot = QueueOut(conversations=[item_out(request, r) for r in rows])
            data = snapshot.model_dump_json()
            if data != sent:
                sent = data
                yield ServerSentEvent(data=data, event="queue")
            await _wait(wake)


async def _conversation_stream(
    request: Request, hub: Hub, me: SignedInAgent, conversation_id: int, after: int
) -> AsyncIterator[ServerSentEvent]:
    takeover = takeover_of(request)
    last_note, state = 0, ""
    with hub.subscribe(conversation_id, QUEUE) as wake:
        while True:
            wake.clear()
            view = await takeover.view(me.agent, conversation_id, after=after)
            for reply in view.messages:
                after = reply.id
                yield ServerSentEvent(
                    data=message_out(reply).model_dump_json(), id=str(reply.id), event="message"
                )
            for note in view.notes:
                if note.id > last_note:
                    last_note = note.id
                    out = NoteOut(
                        id=note.id, agent=note.agent, text=note.text, created_at=note.created_at
                    )
                    yield ServerSentEvent(data=out.model_dump_json(), event="note")
            now = json.dumps({"owner": view.conversation.owner, "state": view.escalation.state})
            if now != state:
                state = now
                yield ServerSentEvent(data=now, event="state")
            await _wait(wake)
