"""The agent API's request and response bodies, and how stored rows become them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel, Field

from bot.agents.auth import spoc_of
from bot.agents.takeover import ConversationView, Takeover
from bot.messages import Reply
from bot.store.agents import QueueRow, owner_username


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
    reason: str = Field(
        description="asked, misunderstood, frustrated, p1, security or not_in_catalog"
    )
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
