"""What agents do with escalated conversations: claim, talk, note, transfer, hand back, close.

Each action is one transaction with the conversation row locked, and each that changes who
owns the conversation does it by compare-and-set on ``conversations.owner``: of two agents
claiming at once exactly one wins, and the other gets :class:`Conflict`. Messages for the
person are stored in the transcript and queued on the outbox in the same transaction, so they
reach the person's own channel (web chat stream, Slack, Telegram, terminal) like the bot's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from bot.agents.resolution import resolve_ticket
from bot.errors import BadInput, Conflict, NotFound
from bot.flows.base import Services
from bot.messages import Outbound, Reply
from bot.outbox import Outbox
from bot.router import clean_text
from bot.store import agents as store
from bot.store import repo
from bot.store.agents import BOT, WAITING, Agent, AgentNote, Escalation, agent_owner
from bot.store.models import Conversation, utcnow
from bot.web.hub import QUEUE, payload_of

MAX_NOTE_CHARS = 4000
MAX_RESOLUTION_CHARS = 2000
SEEN_STATES = {
    "waiting": ("waiting",),
    "agent": ("agent",),
    "active": ("waiting", "agent"),
    "closed": ("closed", "bot", "left", "ticket"),
}


@dataclass
class Change:
    """What one action did, for after commit."""

    conversation: Conversation
    messages: list[int] = field(default_factory=list)
    queue_changed: bool = False


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    escalation: Escalation
    messages: list[Reply]
    notes: list[AgentNote]
    agent_name: str | None = None

    @property
    def row(self) -> store.QueueRow:
        return store.QueueRow(self.escalation, self.conversation, self.agent_name)


class Takeover:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        reads: async_sessionmaker[AsyncSession],
        services: Services,
        outbox: Outbox,
        wake: Callable[[Hashable], None],
    ) -> None:
        self._sessions = sessions
        self._reads = reads
        self.services = services
        self._outbox = outbox
        self._wake = wake
        self._live = store.live_channel(services.settings.database_schema)

    # -- reading -------------------------------------------------------------------------

    async def queue(self, agent: Agent, *, state: str = "active") -> list[store.QueueRow]:
        if state not in SEEN_STATES:
            raise BadInput(f"state must be one of {', '.join(SEEN_STATES)}")
        async with self._reads() as session:
            rows = await store.list_escalations(session, states=SEEN_STATES[state])
        mine = agent_owner(agent.username)
        rows = [
            r
            for r in rows
            if agent.may_see(r.escalation.group_name) or r.conversation.owner == mine
        ]
        return rows[-100:] if state == "closed" else rows

    async def view(
        self, agent: Agent, conversation_id: int, *, after: int = 0
    ) -> ConversationView:
        async with self._reads() as session:
            found = await session.get(Conversation, conversation_id)
            conversation, escalation = await self._visible(session, agent, found)
            messages = await repo.messages_after(
                session, conversation_id=conversation_id, after=after, limit=500
            )
            notes = await store.notes_of(session, conversation_id=conversation_id)
            username = escalation.agent
            named = await store.find_agent(session, username=username) if username else None
        name = named.display_name if named else None
        return ConversationView(conversation, escalation, messages, notes, name)

    async def ensure_visible(self, agent: Agent, conversation_id: int) -> None:
        async with self._reads() as session:
            conversation = await session.get(Conversation, conversation_id)
            await self._visible(session, agent, conversation)

    async def _visible(
        self, session: AsyncSession, agent: Agent, conversation: Conversation | None
    ) -> tuple[Conversation, Escalation]:
        """The conversation's latest escalation, when this agent may see it."""
        escalation = (
            await store.latest_escalation(session, conversation_id=conversation.id)
            if conversation is not None
            else None
        )
        if (
            conversation is None
            or escalation is None
            or not (
                agent.may_see(escalation.group_name)
                or conversation.owner == agent_owner(agent.username)
            )
        ):
            # One answer for "no such conversation" and "not in your groups".
            raise NotFound("No escalated conversation with that id in your queues.")
        return conversation, escalation

    # -- acting --------------------------------------------------------------------------

    @asynccontextmanager
    async def _acting(
        self, agent: Agent, conversation_id: int
    ) -> AsyncIterator[tuple[AsyncSession, Conversation, Escalation, Change]]:
        async with self._sessions() as session, session.begin():
            found = await session.get(
                Conversation, conversation_id, with_for_update=True, populate_existing=True
            )
            conversation, escalation = await self._visible(session, agent, found)
            change = Change(conversation)
            yield session, conversation, escalation, change
            topics: list[Hashable] = [conversation.id]
            if change.queue_changed:
                topics.append(QUEUE)
            await store.notify(session, channel=self._live, topics=[payload_of(t) for t in topics])
        if change.messages:
            self._outbox.committed(conversation.channel, conversation.id)
        for topic in topics:
            self._wake(topic)

    async def _say(
        self,
        session: AsyncSession,
        change: Change,
        outbound: Outbound,
        event: tuple[str, dict[str, Any]] | None = None,
    ) -> int:
        conversation = change.conversation
        ids = await repo.add_messages(
            session, conversation_id=conversation.id, author=outbound.author, outbound=[outbound]
        )
        if self._outbox.queues(conversation.channel):
            await repo.queue_outbox(
                session,
                conversation_id=conversation.id,
                channel=conversation.channel,
                message_ids=ids,
            )
        if event is not None:
            await repo.record_events(session, conversation_id=conversation.id, events=[event])
        change.messages.extend(ids)
        return ids[0]

    def _notice(self, conversation: Conversation, template: str, **context: Any) -> Outbound:
        text = self.services.replies.text(conversation.locale, template, **context)
        return Outbound(text, author="system")

    async def _set_owner(
        self, session: AsyncSession, conversation: Conversation, *, expected: str, new: str
    ) -> bool:
        changed = await store.change_owner(
            session, conversation_id=conversation.id, expected=expected, new=new
        )
        if changed:
            set_committed_value(conversation, "owner", new)
        return changed

    async def claim(self, agent: Agent, conversation_id: int) -> None:
        async with self._acting(agent, conversation_id) as (session, conversation, esc, change):
            if not await self._set_owner(
                session, conversation, expected=WAITING, new=agent_owner(agent.username)
            ):
                raise Conflict(await self._taken_message(session, conversation.owner, agent))
            now = utcnow()
            esc.state, esc.agent, esc.claimed_at = "agent", agent.username, now
            change.queue_changed = True
            notice = self._notice(conversation, "agent_joined", agent=agent.display_name)
            await self._say(session, change, notice, ("agent_claimed", {"reason": esc.reason}))

    async def _taken_message(self, session: AsyncSession, owner: str, agent: Agent) -> str:
        username = store.owner_username(owner)
        if username == agent.username:
            return "You have this conversation already."
        if username is None:
            return "This conversation is no longer waiting for an agent."
        other = await store.find_agent(session, username=username)
        return f"{other.display_name if other else username} has already taken this conversation."

    def _must_own(self, conversation: Conversation, agent: Agent) -> None:
        if conversation.owner != agent_owner(agent.username):
            raise Conflict("You do not have this conversation: claim it first.")

    async def send(self, agent: Agent, conversation_id: int, text: str) -> Reply:
        cleaned = _checked(text, self.services.settings.max_message_chars, "message")
        async with self._acting(agent, conversation_id) as (session, conversation, _esc, change):
            self._must_own(conversation, agent)
            outbound = Outbound(cleaned, author="agent", author_name=agent.display_name)
            message_id = await self._say(session, change, outbound)
            conversation.last_activity_at = utcnow()
        return Reply(message_id, "agent", cleaned, (), agent.display_name)

    async def note(self, agent: Agent, conversation_id: int, text: str) -> int:
        cleaned = _checked(text, MAX_NOTE_CHARS, "note")
        async with self._acting(agent, conversation_id) as (session, conversation, _esc, _c):
            return await store.add_note(
                session, conversation_id=conversation.id, agent=agent.username, text=cleaned
            )

    def groups(self, agents: list[Agent]) -> set[str]:
        """Every agent group: the catalog's owner groups, the agents' own and the default."""
        catalog = {service.owner_group for service in self.services.catalog.services}
        mine = {group for agent in agents for group in agent.groups}
        return catalog | mine | {self.services.settings.agent_default_group}

    async def transfer(
        self,
        agent: Agent,
        conversation_id: int,
        *,
        to_agent: str | None = None,
        to_group: str | None = None,
    ) -> None:
        if bool(to_agent) == bool(to_group):
            raise BadInput("Transfer to either an agent or a group.")
        async with self._acting(agent, conversation_id) as (session, conversation, esc, change):
            self._must_own(conversation, agent)
            change.queue_changed = True
            if to_agent:
                target = await store.find_agent(session, username=to_agent)
                if target is None or target.username == agent.username:
                    raise BadInput(f"No other agent named {to_agent!r}.")
                await self._set_owner(
                    session,
                    conversation,
                    expected=agent_owner(agent.username),
                    new=agent_owner(target.username),
                )
                esc.agent, esc.claimed_at = target.username, utcnow()
                notice = self._notice(
                    conversation, "transferred", agent=target.display_name, group="", position=0
                )
                await self._say(session, change, notice, ("transferred", {"to": "agent"}))
                return
            group = str(to_group).strip()
            if group not in self.groups(await store.list_agents(session)):
                raise BadInput(f"No agent group named {group!r}.")
            await self._set_owner(
                session, conversation, expected=agent_owner(agent.username), new=WAITING
            )
            esc.state, esc.agent, esc.group_name, esc.claimed_at = WAITING, None, group, None
            await session.flush()
            position = await store.queue_position(session, escalation=esc)
            notice = self._notice(
                conversation, "transferred", agent="", group=group, position=position
            )
            await self._say(session, change, notice, ("transferred", {"to": "group"}))

    async def hand_back(self, agent: Agent, conversation_id: int) -> None:
        async with self._acting(agent, conversation_id) as (session, conversation, esc, change):
            self._must_own(conversation, agent)
            await self._back_to_bot(session, conversation, agent)
            esc.state, esc.ended_at = "bot", utcnow()
            change.queue_changed = True
            notice = self._notice(conversation, "handed_back")
            await self._say(session, change, notice, ("handed_back", {"reason": esc.reason}))

    async def close(self, agent: Agent, conversation_id: int, resolution: str) -> str:
        """Close with a resolution; returns the number of the ticket it resolved."""
        cleaned = _checked(resolution, MAX_RESOLUTION_CHARS, "resolution")
        async with self._acting(agent, conversation_id) as (session, conversation, esc, change):
            self._must_own(conversation, agent)
            await self._back_to_bot(session, conversation, agent)
            number = await resolve_ticket(
                session,
                self.services,
                conversation,
                esc,
                actor=agent_owner(agent.username),
                resolution=cleaned,
            )
            now = utcnow()
            esc.state, esc.ended_at, esc.resolution, esc.ticket_number = (
                "closed",
                now,
                cleaned,
                number,
            )
            change.queue_changed = True
            notice = self._notice(
                conversation, "agent_closed", agent=agent.display_name, number=number
            )
            await self._say(session, change, notice, ("agent_closed", {"ticket": number}))
        return number

    async def _back_to_bot(
        self, session: AsyncSession, conversation: Conversation, agent: Agent
    ) -> None:
        if not await self._set_owner(
            session, conversation, expected=agent_owner(agent.username), new=BOT
        ):
            raise Conflict("You do not have this conversation any more.")
        # The person's next message is a new topic for the bot.
        conversation.flow, conversation.step = "handoff", "waiting"
        conversation.data = {**(conversation.data or {}), "offered": [], "misses": 0}


def _checked(text: str, limit: int, what: str) -> str:
    cleaned = clean_text(text or "")
    if not cleaned:
        raise BadInput(f"The {what} is empty.")
    if len(cleaned) > limit:
        raise BadInput(f"The {what} is longer than {limit} characters.")
    return cleaned
