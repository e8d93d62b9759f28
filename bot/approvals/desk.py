"""Approvals of request tickets: ask the approver, take the decision once, tell the requester.

The approver is the requester's manager (from the directory, when spoc has one) or the
item's owner. When spoc knows a chat account of the approver (a Slack or Telegram direct
conversation of someone with that e-mail in the people table), the question goes there with
approve/deny buttons, through the outbox like any reply. Otherwise it goes by e-mail with
signed single-use links (:mod:`bot.approvals.links`), through the mailer, which sends it
after the turn commits and retries.

Everything a decision changes is one transaction: the approval (compare-and-set), the
ticket's state and events, and the message to the requester in the conversation where they
asked. After commit, the outbox wakes and delivers it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.approvals import store
from bot.approvals.links import ApprovalLinks, LinkClaim
from bot.approvals.port import (
    ApprovalAsked,
    Approver,
    Decision,
    Mailer,
    ManagerLookup,
    Requester,
)
from bot.approvals.store import APPROVED, DENIED, PENDING, VIA_CHAT, VIA_EMAIL, Approval
from bot.flows.approval import APPROVE, DENY
from bot.flows.base import Services
from bot.messages import Outbound
from bot.outbox import Outbox
from bot.request_items import RequestItem
from bot.store import repo
from bot.store.models import Conversation, Ticket, TicketEvent, utcnow
from bot.store.people import ConversationPerson, Person

log = logging.getLogger(__name__)

AWAITING = "awaiting_approval"
CHAT_TOOLS = ("slack", "telegram")
CHANNEL_NAMES = {"slack": "Slack", "telegram": "Telegram"}


def is_direct(channel: str, key: str, external_id: str) -> bool:
    """Whether a conversation is a one-to-one chat with the account: Slack direct message
    channels have ids starting with D (and no thread); a Telegram private chat's id is the
    user's id. Buttons in a shared channel could be pressed by anyone there."""
    if channel == "slack":
        parts = key.split(":")
        return len(parts) == 2 and parts[1].startswith("D")
    if channel == "telegram":
        return key == external_id
    return False


class Approvals:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        services: Services,
        outbox: Outbox,
        links: ApprovalLinks,
        mailer: Mailer,
        managers: ManagerLookup | None = None,
    ) -> None:
        self._sessions = sessions
        self.services = services
        self.outbox = outbox
        self.links = links
        self.mailer = mailer
        self.managers = managers

    def bound(self, session: AsyncSession, conversation: Conversation) -> BoundDesk:
        return BoundDesk(self, session, conversation)

    # -- deciding ------------------------------------------------------------------------

    async def decide(
        self, session: AsyncSession, approval: Approval, *, approve: bool, via: str
    ) -> Decision:
        ticket = await session.get(Ticket, approval.ticket_id)
        if ticket is None:
            return Decision("unknown")
        state = APPROVED if approve else DENIED
        actor = approval.approver_email
        if not await store.decide(
            session, approval_id=approval.id, state=state, actor=actor, via=via
        ):
            current = await store.get_approval(session, approval_id=approval.id)
            return self._decision(ticket, "already_decided", current.state if current else None)
        ticket.state, ticket.updated_at = state, utcnow()
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind=state,
                actor=actor,
                detail={"via": via, "rule": approval.rule},
                created_at=utcnow(),
            )
        )
        await self._tell_requester(session, ticket, approval, approve=approve)
        return self._decision(ticket, state, state)

    async def decide_by_link(self, claim: LinkClaim) -> Decision:
        async with self._sessions() as session, session.begin():
            approval = await store.get_approval(session, approval_id=claim.approval_id)
            if approval is None or not secrets.compare_digest(approval.nonce, claim.nonce):
                return Decision("unknown")
            return await self.decide(session, approval, approve=claim.approve, via=VIA_EMAIL)

    async def look_up(self, claim: LinkClaim) -> tuple[Approval, Decision] | None:
        """The approval a link is about, and what the page should say of it."""
        async with self._sessions() as session:
            approval = await store.get_approval(session, approval_id=claim.approval_id)
            if approval is None or not secrets.compare_digest(approval.nonce, claim.nonce):
                return None
            ticket = await session.get(Ticket, approval.ticket_id)
            if ticket is None:
                return None
            outcome = "already_decided" if approval.state != PENDING else "pending"
            return approval, self._decision(ticket, outcome, approval.state)

    async def answers_of(self, approval: Approval) -> list[tuple[str, str]]:
        async with self._sessions() as session:
            ticket = await session.get(Ticket, approval.ticket_id)
        answers = (ticket.details or {}).get("answers", []) if ticket else []
        return [(str(label), str(value)) for label, value in answers]

    def _decision(self, ticket: Ticket, outcome: Any, state: str | None) -> Decision:
        item = self.services.catalog.requests.get((ticket.details or {}).get("item_id"))
        return Decision(
            outcome,
            ticket_number=ticket.number,
            item=item.name(ticket.locale) if item else ticket.title,
            requester=ticket.requester,
            state=state,
        )

    async def _tell_requester(
        self, session: AsyncSession, ticket: Ticket, approval: Approval, *, approve: bool
    ) -> None:
        conversation = (
            await session.get(Conversation, ticket.conversation_id)
            if ticket.conversation_id
            else None
        )
        if conversation is None or conversation.status == "purged":
            return
        locale = conversation.locale
        sla = self.services.sla
        targets = sla.targets(ticket.priority, self.services.now())
        item = self.services.catalog.requests.get((ticket.details or {}).get("item_id"))
        reply = self.services.replies.render(
            locale,
            "request_approved" if approve else "request_denied",
            number=ticket.number,
            item=item.name(locale) if item else ticket.title,
            approver=approval.approver_name or approval.approver_email,
            is_manager=approval.rule == "manager",
            group=ticket.owner_group,
            response=self.services.replies.text(locale, "duration", target=targets.response),
        )
        await self.post(session, conversation, reply)

    # -- posting into conversations ------------------------------------------------------

    async def post(
        self, session: AsyncSession, conversation: Conversation, reply: Outbound
    ) -> None:
        """A message nobody's turn produced, in this transaction; delivered after commit."""
        ids = await repo.add_messages(
            session, conversation_id=conversation.id, author="bot", outbound=[reply]
        )
        if self.outbox.queues(conversation.channel):
            await repo.queue_outbox(
                session,
                conversation_id=conversation.id,
                channel=conversation.channel,
                message_ids=ids,
            )
        channel, conversation_id = conversation.channel, conversation.id

        def delivered_after_commit(_session: Any) -> None:
            self.outbox.committed(channel, conversation_id)

        event.listen(session.sync_session, "after_commit", delivered_after_commit, once=True)

    # -- asking --------------------------------------------------------------------------

    async def approver_for(
        self, session: AsyncSession, item: RequestItem, conversation: Conversation
    ) -> Approver:
        if item.approval == "manager" and self.managers is not None:
            requester = await requester_of(session, conversation)
            manager = await self.managers.manager_of(requester)
            if manager is not None:
                return manager
        if not item.owner:
            raise ValueError(f"request item {item.id} has no owner to approve it")
        if "@" not in item.owner and self.managers is not None:
            owner = await self.managers.owner_named(item.owner, item.owner_name)
            if owner is not None:
                return owner
        return Approver(item.owner, item.owner_name, "owner")

    async def ask(
        self,
        session: AsyncSession,
        conversation: Conversation,
        *,
        ticket_number: str,
        item: RequestItem,
        answers: Sequence[tuple[str, str]],
    ) -> ApprovalAsked:
        ticket = await repo.get_ticket(session, number=ticket_number)
        if ticket is None:
            raise ValueError(f"no ticket {ticket_number}")
        approver = await self.approver_for(session, item, conversation)
        chat = await direct_conversation(session, email=approver.email)
        approval = await store.add_approval(
            session,
            approval=Approval(
                ticket_id=ticket.id,
                rule=approver.rule,
                approver_email=approver.email,
                approver_name=approver.name,
                via=VIA_CHAT if chat else VIA_EMAIL,
                approver_conversation_id=chat.id if chat else None,
                nonce=secrets.token_urlsafe(16),
                locale=chat.locale if chat else self.services.settings.default_locale,
                state=PENDING,
                created_at=utcnow(),
            ),
        )
        ticket.state = AWAITING
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="approval_requested",
                actor="bot",
                detail={"approver": approver.email, "rule": approver.rule, "via": approval.via},
                created_at=utcnow(),
            )
        )
        if chat is not None:
            await self._ask_in_chat(session, chat, approval, ticket, item, answers)
            return ApprovalAsked(approver, "chat", CHANNEL_NAMES.get(chat.channel))
        # The mailer joins this turn's transaction: the mail leaves only if the turn commits.
        subject, body = self._mail_of(approval, ticket)
        await self.mailer.send(approval.approver_email, subject, body)
        return ApprovalAsked(approver, "email")

    async def _ask_in_chat(
        self,
        session: AsyncSession,
        chat: Conversation,
        approval: Approval,
        ticket: Ticket,
        item: RequestItem,
        answers: Sequence[tuple[str, str]],
    ) -> None:
        locale = chat.locale
        replies = self.services.replies
        reply = replies.render(
            locale,
            "approval_request",
            (
                replies.button(locale, "approve", f"{APPROVE}{approval.id}"),
                replies.button(locale, "deny", f"{DENY}{approval.id}"),
            ),
            requester=ticket.requester,
            number=ticket.number,
            item=item.name(locale),
            answers=answers,
            is_manager=approval.rule == "manager",
        )
        await self.post(session, chat, reply)

    # -- e-mail --------------------------------------------------------------------------

    def _mail_of(self, approval: Approval, ticket: Ticket) -> tuple[str, str]:
        locale = approval.locale
        base = self.services.settings.public_base_url.rstrip("/")

        def link(approve: bool) -> str:
            token = self.links.token(
                approval_id=approval.id, nonce=approval.nonce, approve=approve, locale=locale
            )
            return f"{base}/approvals/{token}"

        item = self.services.catalog.requests.get((ticket.details or {}).get("item_id"))
        context = {
            "requester": ticket.requester,
            "number": ticket.number,
            "item": item.name(locale) if item else ticket.title,
            "answers": [tuple(pair) for pair in (ticket.details or {}).get("answers", [])],
            "is_manager": approval.rule == "manager",
            "approve_url": link(True),
            "deny_url": link(False),
            "hours": self.links.max_age_seconds // 3600,
            "organisation": self.services.settings.organisation_name,
        }
        replies = self.services.replies
        subject = replies.text(locale, "approval_mail_subject", **context)
        return " ".join(subject.split()), replies.text(locale, "approval_mail", **context)


class BoundDesk:
    """:class:`Approvals` inside one turn: the turn's transaction and conversation."""

    def __init__(
        self, approvals: Approvals, session: AsyncSession, conversation: Conversation
    ) -> None:
        self._approvals, self._session, self._conversation = approvals, session, conversation

    async def ask_approval(
        self, *, ticket_number: str, item: RequestItem, answers: Sequence[tuple[str, str]]
    ) -> ApprovalAsked:
        return await self._approvals.ask(
            self._session,
            self._conversation,
            ticket_number=ticket_number,
            item=item,
            answers=answers,
        )

    async def mark_pre_approved(self, *, ticket_number: str) -> None:
        ticket = await repo.get_ticket(self._session, number=ticket_number)
        if ticket is not None:
            self._session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind="pre_approved",
                    actor="catalog",
                    detail={"item_id": (ticket.details or {}).get("item_id")},
                    created_at=utcnow(),
                )
            )

    async def decide(self, *, approval_id: int, approve: bool) -> Decision:
        approval = await store.get_approval(self._session, approval_id=approval_id)
        if approval is None:
            return Decision("unknown")
        if approval.approver_conversation_id != self._conversation.id:
            # Only the conversation the question was posted to may answer it.
            return Decision("not_yours")
        return await self._approvals.decide(self._session, approval, approve=approve, via=VIA_CHAT)


async def requester_of(session: AsyncSession, conversation: Conversation) -> Requester:
    statement = (
        select(Person.email)
        .join(ConversationPerson, ConversationPerson.person_id == Person.id)
        .where(ConversationPerson.conversation_id == conversation.id, Person.email.is_not(None))
        .limit(1)
    )
    email = (await session.execute(statement)).scalar_one_or_none()
    return Requester(conversation.user_name, email)


async def direct_conversation(session: AsyncSession, *, email: str) -> Conversation | None:
    """The newest one-to-one chat conversation of someone with this e-mail, if any."""
    statement = (
        select(Conversation, Person.external_id)
        .join(ConversationPerson, ConversationPerson.conversation_id == Conversation.id)
        .join(Person, Person.id == ConversationPerson.person_id)
        .where(
            func.lower(Person.email) == email.strip().lower(),
            Conversation.channel.in_(CHAT_TOOLS),
            Conversation.status != "purged",
        )
        .order_by(Conversation.last_activity_at.desc())
        .limit(20)
    )
    for conversation, external_id in (await session.execute(statement)).all():
        if is_direct(conversation.channel, conversation.channel_key, external_id):
            return conversation
    return None
