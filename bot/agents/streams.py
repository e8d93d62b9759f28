"""The console's Server-Sent Events: the queue, and one conversation (transcript, notes,
state). Each stream re-reads the database when its hub wakes it, and also every
:data:`POLL_SECONDS` in case a wake-up was lost with a LISTEN connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from fastapi import Request
from sse_starlette import ServerSentEvent

from bot.agents.auth import SignedInAgent
from bot.agents.schemas import NoteOut, QueueOut, item_out, message_out, takeover_of
from bot.web.hub import QUEUE, Hub

KEEPALIVE_SECONDS = 15
POLL_SECONDS = 5.0


async def _wait(wake: asyncio.Event) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(POLL_SECONDS):
            await wake.wait()


async def queue_stream(
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


async def conversation_stream(
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
