"""The agent console's JSON API under ``/api/agent/`` (in the OpenAPI schema).

Sign in with ``POST /api/agent/session``; the answer sets the session cookie and holds the
CSRF token that every POST must send as ``X-CSRF-Token``. Live updates are Server-Sent
Events: ``GET /api/agent/events`` (the queue) and ``GET /api/agent/conversations/{id}/events``
(a conversation's transcript, notes and state).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sse_starlette.sse import EventSourceResponse

from bot.agents.accounts import sign_in
from bot.agents.auth import (
    SignedInAgent,
    clear_session_cookie,
    require_agent,
    set_session_cookie,
    spoc_of,
    throttle_sign_in,
)
from bot.agents.schemas import (
    AgentOut,
    ClosedOut,
    CloseIn,
    ConversationOut,
    DoneOut,
    MessageOut,
    QueueOut,
    SessionOut,
    SignInIn,
    TextIn,
    TransferIn,
    conversation_out,
    item_out,
    message_out,
    takeover_of,
)
from bot.agents.streams import (
    KEEPALIVE_SECONDS,
    conversation_stream,
    queue_stream,
)
from bot.store import agents as store
from bot.web.hub import Hub
from bot.web.params import After, RowId, last_event_id

Agent = Annotated[SignedInAgent, Depends(require_agent)]


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
    async def conversation(request: Request, conversation_id: RowId, me: Agent) -> ConversationOut:
        """One conversation: what the bot gathered, the transcript and the internal notes."""
        view = await takeover_of(request).view(me.agent, conversation_id)
        return conversation_out(request, view)

    @router.post("/conversations/{conversation_id}/claim", response_model=DoneOut)
    async def claim(request: Request, conversation_id: RowId, me: Agent) -> DoneOut:
        """Take a waiting conversation; 409 when another agent was first."""
        await takeover_of(request).claim(me.agent, conversation_id)
        return DoneOut()

    @router.post("/conversations/{conversation_id}/messages", response_model=MessageOut)
    async def send(
        request: Request, conversation_id: RowId, body: TextIn, me: Agent
    ) -> MessageOut:
        """A message to the person, delivered in their own channel."""
        reply = await takeover_of(request).send(me.agent, conversation_id, body.text)
        return message_out(reply)

    @router.post("/conversations/{conversation_id}/notes", response_model=DoneOut)
    async def note(request: Request, conversation_id: RowId, body: TextIn, me: Agent) -> DoneOut:
        """An internal note: agents see it, the person never does."""
        await takeover_of(request).note(me.agent, conversation_id, body.text)
        return DoneOut()

    @router.post("/conversations/{conversation_id}/transfer", response_model=DoneOut)
    async def transfer(
        request: Request, conversation_id: RowId, body: TransferIn, me: Agent
    ) -> DoneOut:
        """To another agent (``agent``) or back into a group's queue (``group``)."""
        await takeover_of(request).transfer(
            me.agent, conversation_id, to_agent=body.agent, to_group=body.group
        )
        return DoneOut()

    @router.post("/conversations/{conversation_id}/handback", response_model=DoneOut)
    async def hand_back(request: Request, conversation_id: RowId, me: Agent) -> DoneOut:
        """Give the conversation back to the bot."""
        await takeover_of(request).hand_back(me.agent, conversation_id)
        return DoneOut()

    @router.post("/conversations/{conversation_id}/close", response_model=ClosedOut)
    async def close(
        request: Request, conversation_id: RowId, body: CloseIn, me: Agent
    ) -> ClosedOut:
        """Close with a resolution; the escalation's ticket (or a new one) is resolved."""
        number = await takeover_of(request).close(me.agent, conversation_id, body.resolution)
        return ClosedOut(ticket=number)

    @router.get("/events")
    async def queue_events(request: Request, me: Agent) -> EventSourceResponse:
        """Server-Sent Events: a ``queue`` event with the whole active queue whenever it
        changes (and once at the start)."""
        hub: Hub = request.app.state.hub
        return EventSourceResponse(
            queue_stream(request, hub, me),
            ping=KEEPALIVE_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.get("/conversations/{conversation_id}/events")
    async def conversation_events(
        request: Request,
        conversation_id: RowId,
        me: Agent,
        after: After = 0,
    ) -> EventSourceResponse:
        """Server-Sent Events of one conversation: ``message`` (transcript, id = message id),
        ``note`` and ``state`` (owner and escalation state) events."""
        takeover = takeover_of(request)
        await takeover.ensure_visible(me.agent, conversation_id)  # 404 before streaming
        hub: Hub = request.app.state.hub
        last = last_event_id(request.headers.get("last-event-id"))
        return EventSourceResponse(
            conversation_stream(request, hub, me, conversation_id, max(after, last)),
            ping=KEEPALIVE_SECONDS,
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return router
