"""The dialog engine's vocabulary: a conversation is states, and a state is two small steps.

``ask`` runs when the conversation enters a state: it says something and returns ``None`` to
wait for the person's answer, or names the next state when there is nothing to ask (the
answer is already known). ``handle`` runs with the person's answer and names the next state.
State names are ``"flow.step"``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot import nlu
from bot.approvals.port import RequestDesk
from bot.catalog import Catalog
from bot.config import Settings
from bot.messages import Button, Outbound
from bot.replies import Replies
from bot.sla import SlaPolicy

if TYPE_CHECKING:
    from bot.directory import Directory
    from bot.directory.reset import ResetLinks
    from bot.mail import Mailer

IDLE = "greeting.idle"
# Returned by a handler when the message is not an answer but a new topic: the idle state
# decides what it is about.
NEW_TOPIC = "@new-topic"


class ArticleLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def service(self) -> str | None: ...


class HitLike(Protocol):
    @property
    def article(self) -> ArticleLike: ...
    @property
    def score(self) -> float: ...


class KnowledgeSearch(Protocol):
    def search(self, query: str, *, lang: str, limit: int = 3) -> Sequence[HitLike]: ...
    def suggestions(
        self, query: str, *, lang: str, limit: int = 3
    ) -> tuple[Sequence[HitLike], HitLike | None]: ...
    def get(self, article_id: str, lang: str | None = None) -> ArticleLike | None: ...
    def other_domain(self, text: str, *, lang: str) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class TicketOpened:
    number: str
    priority: int
    response_words: str
    resolve_words: str
    owner_group: str
    response_due_at: datetime | None = None


class TicketOpener(Protocol):
    async def __call__(self, **fields: Any) -> TicketOpened: ...


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as its requester may see it."""

    number: str
    kind: str
    title: str
    state: str
    priority: int
    owner_group: str
    assignee: str | None
    response_due_at: datetime
    resolve_due_at: datetime


class TicketDesk(Protocol):
    """The person's own tickets; someone else's ticket is not found, exactly like none."""

    async def mine(self) -> list[TicketView]: ...
    async def find(self, number: str) -> TicketView | None: ...
    async def add_reply(self, number: str, text: str, *, reopen: bool) -> TicketView | None:
        """Add the person's words to their ticket; it goes back to the service desk (and is
        opened again when ``reopen``). ``None`` when the ticket is not theirs."""
        ...

    async def by_contact(self, number: str, email: str) -> TicketView | None:
        """The ticket when ``email`` is the address its requester gave (proven separately)."""
        ...

    async def set_contact(self, number: str, email: str) -> bool:
        """Where to e-mail news of the person's ticket; False when the ticket is not theirs."""
        ...


@dataclass(frozen=True, slots=True)
class EscalationPlaced:
    """What became of a request for a person: in the queue (``queued``), or, with the desk
    closed, a ticket and when to expect an answer."""

    queued: bool
    hours: str = ""  # the desk's opening hours in words
    position: int = 0
    ticket_number: str | None = None
    next_opening: str | None = None
    answer_by: str | None = None
    # The ticket's response target falls before the desk opens: its SLA runs around the clock.
    answered_while_closed: bool = False


class Escalator(Protocol):
    async def __call__(self, *, reason: str) -> EscalationPlaced: ...


@dataclass(frozen=True, slots=True)
class Services:
    """What steps may use; injected, so a flow never imports the store or an adapter."""

    settings: Settings
    replies: Replies
    catalog: Catalog
    knowledge: KnowledgeSearch
    sla: SlaPolicy
    now: Callable[[], datetime]
    # Self-service accounts (password reset, unlock, approvals); None in a bare engine.
    directory: Directory | None = None
    mailer: Mailer | None = None
    resets: ResetLinks | None = None


@dataclass(slots=True)
class Context:
    services: Services
    locale: str
    data: dict[str, Any]
    open_ticket: TicketOpener
    tickets: TicketDesk
    channel: str = ""
    text: str = ""
    action: str | None = None
    replies: list[Outbound] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    understood: bool = True
    state: str = IDLE
    # Approvals of requests, bound to this turn's transaction (None: not configured).
    approvals: RequestDesk | None = None
    escalate: Escalator | None = None

    def say(self, name: str, buttons: Sequence[Button] = (), /, **context: Any) -> None:
        reply = self.services.replies.render(self.locale, name, tuple(buttons), **context)
        self.replies.append(reply)
        offered = self.data.setdefault("offered", [])
        offered.extend(button.action for button in reply.buttons)

    def button(self, key: str, action: str) -> Button:
        return self.services.replies.button(self.locale, key, action)

    def label(self, key: str) -> str:
        return self.services.replies.label(self.locale, key)

    def answer(self, yes: str, no: str) -> bool | None:
        """The person's answer to a question with a yes and a no button: the button pressed,
        else what the words say; None when it is neither."""
        if self.action in (yes, no):
            return self.action == yes
        return nlu.yes_or_no(self.text)

    def record(self, kind: str, **data: Any) -> None:
        self.events.append((kind, data))

    def flow_data(self, flow: str) -> dict[str, Any]:
        section = self.data.get(flow)
        if not isinstance(section, dict):
            section = self.data[flow] = {}
        return section


Step = Callable[[Context], Awaitable[str | None]]
Handler = Callable[[Context], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class State:
    ask: Step | None
    handle: Handler


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    states: dict[str, State]

    def qualified(self) -> dict[str, State]:
        return {f"{self.name}.{step}": state for step, state in self.states.items()}
