"""What the request flow and the web pages know of approvals: plain data and two ports.

The flow never touches the store: the router hands it a :class:`RequestDesk` bound to the
turn's transaction, so the ticket, the question to the approver and the replies commit
together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.request_items import RequestItem

Outcome = Literal["pending", "approved", "denied", "already_decided", "not_yours", "unknown"]


@dataclass(frozen=True, slots=True)
class Approver:
    email: str
    name: str | None
    rule: Literal["manager", "owner"]

    @property
    def shown(self) -> str:
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class ApprovalAsked:
    approver: Approver
    via: Literal["chat", "email"]
    channel: str | None = None  # the chat tool the approver was asked in


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    ticket_number: str | None = None
    item: str | None = None
    requester: str | None = None
    state: str | None = None  # the decision already taken, for ``already_decided``

    @property
    def is_new(self) -> bool:
        return self.outcome in ("approved", "denied")


class RequestDesk(Protocol):
    """Approvals as one turn of a conversation may use them."""

    async def ask_approval(self, *, ticket_number: str, item: RequestItem) -> ApprovalAsked:
        """Ask the approver; the question shows the answers the ticket holds."""
        ...

    async def mark_pre_approved(self, *, ticket_number: str) -> None: ...

    async def decide(self, *, approval_id: int, approve: bool) -> Decision: ...


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asked, as far as spoc knows: the chat tool's name and e-mail."""

    name: str | None
    email: str | None


class ManagerLookup(Protocol):
    """The requester's manager from the directory, or ``None`` when it does not say."""

    async def manager_of(self, requester: Requester) -> Approver | None: ...

    async def owner_named(self, who: str, name: str | None) -> Approver | None:
        """An owner given by username (not e-mail) in the catalog."""
        ...
