"""Approvals of request tickets: ask the approver, take the decision once, tell the requester.

The approver is the requester's manager (from the directory, when spoc has one) or the
item's owner. When spoc knows a chat account of the approver (a Slack or Telegram direct
conversation of someone with that e-mail in the people table), the question goes there with
approve/deny buttons, through the outbox like any reply. Otherwise it goes by e-mail with
signed single-use links (:mod:`bot.approvals.links`), through the mailer, which sends it
after the turn commits and retries.

Everything a decision changes is one transaction: the approval (compare-and-set), the
ticket's state and events, and the message to the requester in the conversation where they
asked. After commit, the outbox wakes and delivers it. A question nobody answers is repeated
once and then expires to the service desk (:mod:`bot.approvals.timeouts`).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.approvals import store
from bot.approvals.chats import direct_conversation, kept_conversation, post, requester_of
from bot.approvals.links import ApprovalLinks, LinkClaim
from bot.approvals.port import (
    ApprovalAsked,
    Approver,
    Decision,
    Mailer,
    ManagerLookup,
)
from bot.approvals.store import APPROVED, DENIED, PENDING, VIA_CHAT, VIA_EMAIL, Approval
from bot.flows.approval import APPROVE, DENY
from bot.flows.base import Services
from bot.outbox import Outbox
from bot.request_items import RequestItem
from bot.store import repo
from bot.store.models import Conversation, Ticket, TicketEvent, utcnow

log = logging.getLogger(__name__)

AWAITING = "awaiting_approval"
CHANNEL_NAMES = {"slack": "Slack", "telegram": "Telegram"}


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
        state = approval_state(approve)
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
        await self._tell_requester(session, ticket, approval, approve=approve, via=via)
        return self._decision(ticket, state, state)

    async def decide_by_link(self, claim: LinkClaim) -> Decision:
        async with self._sessions() as session, session.begin():
            approval = await store.get_approval(session, approval_id=claim.approval_id)
            if approval is None or not secrets.compare_digest(approval.nonce, claim.nonce):
                return Decision("unknown")
            return await self.decide(session, approval, approve=claim.approve, via=VIA_EMAIL)

    async def look_up(self, claim: LinkClaim) -> LinkView | None:
        """What a link is about, for its page; None when it is about nothing spoc has."""
        async with self._sessions() as session:
            approval = await store.get_approval(session, approval_id=claim.approval_id)
            if approval is None or not secrets.compare_digest(approval.nonce, claim.nonce):
                return None
            ticket = await session.get(Ticket, approval.ticket_id)
            if ticket is None:
                return None
        outcome = "already_decided" if approval.state != PENDING else "pending"
        answers = [(str(label), str(value)) for label, value in _answers(ticket)]
        return LinkView(self._decision(ticket, outcome, approval.state), answers)

    def item_name(self, ticket: Ticket, locale: str) -> str:
        """The requested item as the catalog names it in ``locale`` (else the ticket's title)."""
        item = self.services.catalog.requests.get((ticket.details or {}).get("item_id"))
        return item.name(locale) if item else ticket.title

    def _decision(self, ticket: Ticket, outcome: Any, state: str | None) -> Decision:
        return Decision(
            outcome,
            ticket_number=ticket.number,
            item=self.item_name(ticket, ticket.locale),
            requester=ticket.requester,
            state=state,
        )

    async def _tell_requester(
        self,
        session: AsyncSession,
        ticket: Ticket,
        approval: Approval,
        *,
        approve: bool,
        via: str,
    ) -> None:
        conversation = await kept_conversation(session, ticket.conversation_id)
        if conversation is None:
            return
        locale = conversation.locale
        sla = self.services.sla
        targets = sla.targets(ticket.priority, self.services.now())
        reply = self.services.replies.render(
            locale,
            "request_approved" if approve else "request_denied",
            number=ticket.number,
            item=self.item_name(ticket, locale),
            approver=approval.approver_name or approval.approver_email,
            is_manager=approval.rule == "manager",
            group=ticket.owner_group,
            response=self.services.replies.text(locale, "duration", target=targets.response),
        )
        await post(self.outbox, session, conversation, reply)
        await repo.record_events(
            session,
            conversation_id=conversation.id,
            events=[("request_decided", {"outcome": approval_state(approve), "via": via})],
        )

    # -- asking --------------------------------------------------------------------------

    async def approver_for(
        self, session: AsyncSession, item: RequestItem, conversation: Conversation
    ) -> Approver:
        requester = await requester_of(session, conversation)
        if item.approval == "manager" and self.managers is not None:
            manager = await self.managers.manager_of(requester)
            if manager is not None and not _same_person(manager.email, requester.email):
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
    ) -> ApprovalAsked:
        """Ask the approver about the ticket: the question shows the answers it holds."""
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
        # The mailer joins this turn's transaction: the mail leaves only if the turn commits.
        await self.put_question(session, approval, ticket, chat)
        if chat is not None:
            return ApprovalAsked(approver, "chat", CHANNEL_NAMES.get(chat.channel))
        return ApprovalAsked(approver, "email")

    async def put_question(
        self,
        session: AsyncSession,
        approval: Approval,
        ticket: Ticket,
        chat: Conversation | None,
        *,
        reminder: bool = False,
        left: str | None = None,
    ) -> None:
        """The question to the approver: in their chat with approve/deny buttons, else by
        e-mail with freshly signed links. ``reminder`` asks again; ``left`` says how long
        until the question expires (None when it never does)."""
        if chat is not None:
            await self._ask_in_chat(session, chat, approval, ticket, reminder, left)
            return
        subject, body = self._mail_of(approval, ticket, reminder, left)
        await self.mailer.send(approval.approver_email, subject, body)

    def _about(
        self, approval: Approval, ticket: Ticket, locale: str, reminder: bool, left: str | None
    ) -> dict[str, Any]:
        """What the question (and its reminder) shows: who asked for what, and their answers."""
        return {
            "requester": ticket.requester,
            "number": ticket.number,
            "item": self.item_name(ticket, locale),
            "answers": [tuple(pair) for pair in _answers(ticket)],
            "is_manager": approval.rule == "manager",
            "reminder": reminder,
            "left": left,
        }

    async def _ask_in_chat(
        self,
        session: AsyncSession,
        chat: Conversation,
        approval: Approval,
        ticket: Ticket,
        reminder: bool,
        left: str | None,
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
            **self._about(approval, ticket, locale, reminder, left),
        )
        await post(self.outbox, session, chat, reply)

    # -- e-mail --------------------------------------------------------------------------

    def _mail_of(
        self, approval: Approval, ticket: Ticket, reminder: bool, left: str | None
    ) -> tuple[str, str]:
        locale = approval.locale
        base = self.services.settings.public_base_url.rstrip("/")

        def link(approve: bool) -> str:
            token = self.links.token(
                approval_id=approval.id, nonce=approval.nonce, approve=approve, locale=locale
            )
            return f"{base}/approvals/{token}"

        context = {
            **self._about(approval, ticket, locale, reminder, left),
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

    async def ask_approval(self, *, ticket_number: str, item: RequestItem) -> ApprovalAsked:
        return await self._approvals.ask(
            self._session, self._conversation, ticket_number=ticket_number, item=item
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


@dataclass(frozen=True, slots=True)
class LinkView:
    decision: Decision
    answers: list[tuple[str, str]]


def _answers(ticket: Ticket) -> list[Any]:
    return list((ticket.details or {}).get("answers", []))


def _same_person(email: str, other: str | None) -> bool:
    """Nobody approves their own request: a manager who is the requester gives way."""
    return bool(other) and email.strip().lower() == str(other).strip().lower()


def approval_state(approve: bool) -> str:
    return APPROVED if approve else DENIED
