"""The one way in for every channel: dedupe, lock, run the flow, commit, then deliver.

A turn is one database transaction: the person's message, the new conversation state, any
ticket, the events and the replies to send are committed together or not at all.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import nlu, privacy
from bot.agents import escalation, hours
from bot.errors import NotFound, SpocError
from bot.flows import FIRST_CONTACT, START, enter, run_turn, status
from bot.flows.base import Context, EscalationPlaced, Services, TicketOpened, TicketView
from bot.locks import KeyedLock
from bot.messages import ConversationRef, Inbound, Outbound, Reply
from bot.outbox import Outbox
from bot.store import agents, ownership, repo
from bot.store.models import Conversation, Ticket, utcnow
from bot.store.unit import joined
from bot.text import printable
from bot.ticket_news import mail_news
from bot.web.hub import QUEUE, payload_of
from bot.web.security import same_secret

if TYPE_CHECKING:
    from bot.approvals.desk import Approvals

log = logging.getLogger(__name__)


# Changes the person hears about where they reported the problem.
NOTIFIED_STATES = ("assigned", "waiting", "resolved")


@dataclass(frozen=True, slots=True)
class TicketChange:
    number: str
    state: str
    actor: str
    assignee: str | None = None
    # Shown to the person: what the agent needs to know (waiting) or what was done (resolved).
    note: str | None = None


@dataclass(frozen=True, slots=True)
class TicketUpdated:
    number: str
    state: str
    notified: bool


# Decides, inside the turn's transaction and before anything is stored, whether this message
# may enter its conversation (None: there is no such conversation); raises a SpocError to
# refuse. The web chat checks its session token and expiry this way: one read fewer per turn.
Admit = Callable[[Conversation | None], object]


class _Refused(Exception):  # carries the admit check's own error out of the turn
    def __init__(self, error: SpocError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True, slots=True)
class TurnResult:
    conversation_id: int
    replies: tuple[Reply, ...] = field(default_factory=tuple)
    duplicate: bool = False
    # Live streams to wake after commit: the conversation's, and the queue's on a hand-over.
    topics: tuple[Hashable, ...] = ()


def clean_text(text: str) -> str:
    """Text as stored: control characters out, whitespace trimmed, personal data masked."""
    return privacy.mask(printable(text).strip())


class Router:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        services: Services,
        outbox: Outbox,
        approvals: Approvals | None = None,
    ) -> None:
        self._sessions = sessions
        self.services = services
        self.outbox = outbox
        self.approvals = approvals
        self._locks = KeyedLock()
        # Wakes this process's live streams after commit (the web app sets its hub's).
        self.wake: Callable[[Hashable], None] = lambda _topic: None
        self._live_channel = agents.live_channel(services.settings.database_schema)
        hours.desk_of(services.settings)  # a mistake in SPOC_DESK_OPEN_HOURS stops the start

    async def start_conversation(
        self,
        ref: ConversationRef,
        *,
        locale: str | None,
        token_hash: str | None = None,
        user_name: str | None = None,
    ) -> TurnResult:
        """Create a conversation and greet (the web chat opens a session this way)."""
        async with self._sessions() as session, session.begin():
            conversation = await repo.create_conversation(
                session,
                channel=ref.channel,
                key=ref.key,
                locale=locale or self.services.settings.default_locale,
                token_hash=token_hash,
                user_name=user_name,
            )
            conversation.locale_fixed = locale is not None
            ctx = self._context(session, conversation, text="", action=None, sender=None)
            ctx.record("conversation_started", channel=ref.channel)
            await enter(ctx, START)
            replies = await self._save(session, conversation, ctx, reply_to=None)
        self.outbox.committed(ref.channel, conversation.id)
        return TurnResult(conversation.id, replies)

    async def post(self, ref: ConversationRef, outbound: Outbound) -> Reply:
        """Add a message that nobody's turn produced (an agent's reply, a notification) to a
        conversation and deliver it on the conversation's channel."""
        async with self._locks.hold(ref), self._sessions() as session, session.begin():
            conversation = await repo.lock_conversation(session, channel=ref.channel, key=ref.key)
            if conversation is None:
                raise NotFound("no such conversation")
            if outbound.buttons:
                data = dict(conversation.data or {})
                offered = [*data.get("offered", []), *(b.action for b in outbound.buttons)]
                conversation.data = {**data, "offered": offered}
            ids = await repo.add_messages(
                session,
                conversation_id=conversation.id,
                author=outbound.author,
                outbound=[outbound],
            )
            await self._queue(session, conversation, ids)
        self.outbox.committed(ref.channel, conversation.id)
        return Reply(ids[0], outbound.author, outbound.text, outbound.buttons)

    async def update_ticket(self, change: TicketChange) -> TicketUpdated:
        """Change a ticket's state and tell the person where they reported it: the new state,
        the ticket event and the message are committed together. Repeating a change that is
        already in place changes and sends nothing."""
        async with self._sessions() as session:
            ticket = await repo.get_ticket(session, number=change.number)
            conversation = (
                await session.get(Conversation, ticket.conversation_id)
                if ticket is not None and ticket.conversation_id is not None
                else None
            )
        if ticket is None:
            raise NotFound("no such ticket")
        if change.state not in ownership.STATES:
            raise ValueError(f"unknown state {change.state!r}")
        if conversation is None:
            return await self._change_ticket(None, change)
        ref = ConversationRef(conversation.channel, conversation.channel_key)
        async with self._locks.hold(ref):
            result = await self._change_ticket(ref, change)
        if result.notified:
            self.outbox.committed(ref.channel, conversation.id)
        return result

    async def _change_ticket(
        self, ref: ConversationRef | None, change: TicketChange
    ) -> TicketUpdated:
        async with self._sessions() as session, session.begin():
            conversation = (
                await repo.lock_conversation(session, channel=ref.channel, key=ref.key)
                if ref is not None
                else None
            )
            ticket = await repo.lock_ticket(session, number=change.number)
            if ticket is None:
                raise NotFound("no such ticket")
            before = ticket.state
            if before == change.state and change.assignee in (None, ticket.assignee):
                return TicketUpdated(ticket.number, before, notified=False)
            ticket.state = change.state
            ticket.assignee = change.assignee or ticket.assignee
            ticket.updated_at = self.services.now()
            note = privacy.mask(change.note.strip()) if change.note else None
            await repo.add_ticket_event(
                session,
                ticket_id=ticket.id,
                kind="state_changed",
                actor=change.actor,
                detail={"from": before, "to": change.state, "assignee": ticket.assignee},
            )
            if change.state in NOTIFIED_STATES:
                await mail_news(self.services, session, ticket)
            # While a person at the desk has the conversation (or it waits for one), the bot
            # stays silent: the agent sees the ticket and says it in their own words.
            if (
                conversation is None
                or conversation.owner != agents.BOT
                or change.state not in NOTIFIED_STATES
            ):
                return TicketUpdated(ticket.number, change.state, notified=False)
            ctx = self._context(session, conversation, text="", action=None, sender=None)
            ctx.say(
                f"ticket_{change.state}",
                ticket=_view(ticket),
                note=note,
                resolve_due=status.moment(ctx, ticket.resolve_due_at),
            )
            ctx.record("ticket_update_sent", number=ticket.number, state=change.state)
            if change.state == "waiting":
                ctx.data["awaiting_ticket"] = ticket.number
            elif ctx.data.get("awaiting_ticket") == ticket.number:
                ctx.data.pop("awaiting_ticket")
            if change.state == "resolved":
                ctx.data["solved_ticket"] = ticket.number
                if conversation.flow in ("greeting", "feedback"):
                    ctx.data["rated_ticket"] = ticket.number
                    await enter(ctx, "feedback.rate")  # CSAT: was the help good?
            await self._save(session, conversation, ctx, reply_to=None)
        return TicketUpdated(ticket.number, change.state, notified=True)

    async def handle(self, inbound: Inbound, *, admit: Admit | None = None) -> TurnResult:
        """Process one inbound message at most once; returns the replies it produced.

        ``admit`` may refuse the message (its error is raised and nothing is stored); without
        it a message for an unknown conversation starts one."""
        async with self._locks.hold(inbound.ref):
            try:
                result = await self._turn(inbound, admit)
            except _Refused as refused:
                raise refused.error from None
            except Exception:
                log.exception("turn failed in %s conversation", inbound.ref.channel)
                result = await self._apologise(inbound)
        if result.replies and not result.duplicate:
            self.outbox.committed(inbound.ref.channel, result.conversation_id)
        for topic in result.topics:
            self.wake(topic)
        return result

    async def _turn(self, inbound: Inbound, admit: Admit | None) -> TurnResult:
        text, truncated = self._prepare(inbound.text)
        async with self._sessions() as session, session.begin():
            conversation = await self._conversation(session, inbound, admit)
            message_id = await repo.add_person_message(
                session,
                conversation_id=conversation.id,
                text=text or (f"[{inbound.action}]" if inbound.action else ""),
                key=inbound.idempotency_key,
            )
            if message_id is None:  # a repeated delivery: the first answer, nothing new
                return await self._repeat(session, conversation, inbound)
            if conversation.owner != agents.BOT:
                conversation.last_activity_at = utcnow()
                return await self._relay(session, conversation, inbound, message_id)
            # The first words decide the language, unless the person or the page chose it.
            detect = not conversation.locale_fixed and bool(text)
            ctx = self._context(
                session,
                conversation,
                text=text,
                action=inbound.action,
                sender=inbound.sender,
                locale=(nlu.detect_language(text) or conversation.locale) if detect else None,
            )
            if truncated:
                ctx.say("message_truncated", limit=self.services.settings.max_message_chars)
            if not text and not inbound.action:
                ctx.say("empty_message")
            else:
                with joined(session, conversation_id=conversation.id):  # steps write with it
                    await run_turn(ctx)
            # The bot's replies are stored only while the conversation is still the bot's,
            # or this very turn handed it to the queue. The row lock keeps everyone else out,
            # so only this turn's own hand-over can have changed the owner: that is read back.
            expected = agents.WAITING if ctx.data.pop("_escalated", False) else agents.BOT
            if (
                expected != agents.BOT
                and await agents.owner_of(session, conversation_id=conversation.id) != expected
            ):
                raise RuntimeError("ownership changed during a turn despite the row lock")
            replies = await self._save(
                session, conversation, ctx, reply_to=message_id, active=True, fix_locale=detect
            )
            topics = (conversation.id, QUEUE) if expected == agents.WAITING else (conversation.id,)
            await agents.notify(
                session, channel=self._live_channel, topics=[payload_of(t) for t in topics]
            )
        return TurnResult(conversation.id, replies, topics=topics)

    async def _relay(
        self, session: AsyncSession, conversation: Conversation, inbound: Inbound, message_id: int
    ) -> TurnResult:
        """An agent has the conversation, or it waits for one: no flow runs."""
        outbound, topics = await escalation.relay(
            session, conversation, action=inbound.action, services=self.services
        )
        ids = await repo.add_messages(
            session,
            conversation_id=conversation.id,
            author="bot",
            outbound=outbound,
            reply_to=message_id,
        )
        await self._queue(session, conversation, ids)
        await agents.notify(
            session, channel=self._live_channel, topics=[payload_of(t) for t in topics]
        )
        replies = tuple(
            Reply(id_, "bot", reply.text, reply.buttons)
            for id_, reply in zip(ids, outbound, strict=True)
        )
        return TurnResult(conversation.id, replies, topics=tuple(topics))

    def _prepare(self, raw: str) -> tuple[str, bool]:
        limit = self.services.settings.max_message_chars
        text = clean_text(raw[: limit * 4])
        if len(text) > limit:
            return text[:limit].rstrip(), True
        return text, False

    async def _conversation(
        self, session: AsyncSession, inbound: Inbound, admit: Admit | None = None
    ) -> Conversation:
        ref = inbound.ref
        conversation = await repo.lock_conversation(session, channel=ref.channel, key=ref.key)
        if admit is not None:
            try:
                admit(conversation)
            except SpocError as error:
                raise _Refused(error) from error
        if conversation is not None:
            return conversation
        # First message in a channel without a session step (Slack, Telegram, terminal).
        try:
            async with session.begin_nested():
                conversation = await repo.create_conversation(
                    session,
                    channel=ref.channel,
                    key=ref.key,
                    locale=inbound.locale or self.services.settings.default_locale,
                    user_name=inbound.user_name,
                )
        except IntegrityError:
            # Another process opened it at the same moment (on PostgreSQL this insert waited
            # for that one's commit): this message joins the conversation it opened.
            opened = await repo.lock_conversation(session, channel=ref.channel, key=ref.key)
            if opened is None:
                raise
            return opened
        conversation.flow, conversation.step = FIRST_CONTACT.split(".")
        await repo.record_events(
            session,
            conversation_id=conversation.id,
            events=[("conversation_started", {"channel": ref.channel})],
        )
        return conversation

    def _context(
        self,
        session: AsyncSession,
        conversation: Conversation,
        *,
        text: str,
        action: str | None,
        sender: str | None,
        locale: str | None = None,
    ) -> Context:
        account = ownership.account_of(conversation.channel, sender, conversation.id)

        async def open_ticket(**fields: Any) -> TicketOpened:
            return await self._open_ticket(
                session, conversation, ctx.locale, requester_account=account, **fields
            )

        async def escalate(*, reason: str) -> EscalationPlaced:
            placed = await escalation.escalate(session, conversation, ctx, reason=reason)
            ctx.data["_escalated"] = placed.queued
            return placed

        ctx = Context(
            services=self.services,
            locale=locale or conversation.locale,
            data=copy.deepcopy(conversation.data or {}),  # never alias the loaded state
            open_ticket=open_ticket,
            tickets=_Desk(session, account),
            channel=conversation.channel,
            text=text,
            action=action,
            state=f"{conversation.flow}.{conversation.step}",
            approvals=self.approvals.bound(session, conversation) if self.approvals else None,
            escalate=escalate,
        )
        return ctx

    async def _save(
        self,
        session: AsyncSession,
        conversation: Conversation,
        ctx: Context,
        *,
        reply_to: int | None,
        active: bool = False,
        fix_locale: bool = False,
    ) -> tuple[Reply, ...]:
        flow, step = ctx.state.split(".", 1)
        changes: dict[str, Any] = {"flow": flow, "step": step, "data": ctx.data}
        if fix_locale or ctx.locale != conversation.locale:
            changes |= {"locale": ctx.locale, "locale_fixed": True}
        if active:  # the person wrote: the session's idle clock starts again
            changes["last_activity_at"] = utcnow()
        await repo.save_conversation(session, conversation, changes)
        ids = await repo.add_messages(
            session,
            conversation_id=conversation.id,
            author="bot",
            outbound=ctx.replies,
            reply_to=reply_to,
        )
        await self._queue(session, conversation, ids)
        await repo.record_events(session, conversation_id=conversation.id, events=ctx.events)
        return tuple(
            Reply(id_, reply.author, reply.text, reply.buttons)
            for id_, reply in zip(ids, ctx.replies, strict=True)
        )

    async def _queue(
        self, session: AsyncSession, conversation: Conversation, message_ids: list[int]
    ) -> None:
        """Replies to deliver after commit, in the same transaction as the transcript."""
        if self.outbox.queues(conversation.channel):
            await repo.queue_outbox(
                session,
                conversation_id=conversation.id,
                channel=conversation.channel,
                message_ids=message_ids,
            )

    async def _open_ticket(
        self,
        session: AsyncSession,
        conversation: Conversation,
        locale: str,
        **fields: Any,
    ) -> TicketOpened:
        now = self.services.now()
        sla = self.services.sla
        priority = sla.priority(fields["impact"], fields["urgency"])
        if (at_least := fields.pop("priority_at_least", None)) is not None:
            priority = min(priority, at_least)  # a case the matrix would rank too low
        targets = sla.targets(priority, now)
        ticket = Ticket(
            number=await repo.next_number(session, prefix=fields["kind"]),
            conversation_id=conversation.id,
            state="new",
            locale=locale,
            requester=conversation.user_name,
            priority=priority,
            response_due_at=targets.response_due_at,
            resolve_due_at=targets.resolve_due_at,
            created_at=now,
            updated_at=now,
            **fields,
        )
        await repo.add_ticket(session, ticket=ticket, actor="bot")
        words = self.services.replies.text
        return TicketOpened(
            number=ticket.number,
            priority=priority,
            response_words=words(locale, "duration", target=targets.response),
            resolve_words=words(locale, "duration", target=targets.resolve),
            owner_group=ticket.owner_group,
            response_due_at=targets.response_due_at,
        )

    async def _repeat(
        self, session: AsyncSession, conversation: Conversation, inbound: Inbound
    ) -> TurnResult:
        replies = await repo.replies_to_delivery(
            session, conversation_id=conversation.id, key=inbound.idempotency_key
        )
        return TurnResult(conversation.id, tuple(replies), duplicate=True)

    async def _apologise(self, inbound: Inbound) -> TurnResult:
        """Keep the person's words and say sorry; the conversation stays where it was."""
        text, _ = self._prepare(inbound.text)
        async with self._sessions() as session, session.begin():
            conversation = await self._conversation(session, inbound)
            message_id = await repo.add_person_message(
                session, conversation_id=conversation.id, text=text, key=inbound.idempotency_key
            )
            if message_id is None:
                return await self._repeat(session, conversation, inbound)
            if conversation.owner != agents.BOT:  # an agent answers, never the bot
                return TurnResult(conversation.id, topics=(conversation.id,))
            apology = self.services.replies.render(conversation.locale, "apology")
            ids = await repo.add_messages(
                session,
                conversation_id=conversation.id,
                author="bot",
                outbound=[apology],
                reply_to=message_id,
            )
            await self._queue(session, conversation, ids)
            await repo.record_events(
                session, conversation_id=conversation.id, events=[("error", {})]
            )
        return TurnResult(conversation.id, (Reply(ids[0], "bot", apology.text),))


class _Desk:
    """The tickets of the account that is writing, read in the turn's own transaction."""

    def __init__(self, session: AsyncSession, account: str) -> None:
        self._session = session
        self._account = account

    async def mine(self) -> list[TicketView]:
        return [_view(t) for t in await ownership.tickets_of(self._session, self._account)]

    async def find(self, number: str) -> TicketView | None:
        ticket = await ownership.ticket_of(self._session, self._account, number)
        return _view(ticket) if ticket is not None else None

    async def add_reply(self, number: str, text: str, *, reopen: bool) -> TicketView | None:
        ticket = await ownership.ticket_of(self._session, self._account, number)
        if ticket is None or (reopen and ticket.state not in ("resolved", "closed")):
            return None
        before = ticket.state
        ticket.state = "assigned" if ticket.assignee else "new"
        ticket.updated_at = utcnow()
        await repo.add_ticket_event(
            self._session,
            ticket_id=ticket.id,
            kind="reopened" if reopen else "requester_replied",
            actor="requester",
            detail={"from": before, "to": ticket.state, "text": text},
        )
        return _view(ticket)

    async def by_contact(self, number: str, email: str) -> TicketView | None:
        ticket = await repo.get_ticket(self._session, number=number)
        given = (ticket.details or {}).get("contact_email") if ticket is not None else None
        if ticket is None or not given or not same_secret(given, email.lower()):
            return None
        return _view(ticket)

    async def set_contact(self, number: str, email: str) -> bool:
        ticket = await ownership.ticket_of(self._session, self._account, number)
        if ticket is None:
            return False
        ticket.details = {**(ticket.details or {}), "contact_email": email}
        await repo.add_ticket_event(
            self._session, ticket_id=ticket.id, kind="contact_added", actor="requester", detail={}
        )
        return True


def _view(ticket: Ticket) -> TicketView:
    return TicketView(
        number=ticket.number,
        kind=ticket.kind,
        title=ticket.title,
        state=ticket.state,
        priority=ticket.priority,
        owner_group=ticket.owner_group,
        assignee=ticket.assignee,
        response_due_at=ticket.response_due_at,
        resolve_due_at=ticket.resolve_due_at,
    )
