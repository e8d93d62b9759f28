"""The approvals table and its repository functions (the caller owns the transaction).

One row is one question to one approver about one request ticket. ``state`` moves from
``pending`` to ``approved``, ``denied`` or (nobody answered in time) ``expired`` once, by
compare-and-set, so two clicks (a button and a link, two browser tabs, two processes), or a
click and the expiry, can never both decide. ``reminded_at`` is set the same way, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, utcnow

PENDING = "pending"
APPROVED = "approved"
DENIED = "denied"
EXPIRED = "expired"
VIA_CHAT = "chat"
VIA_EMAIL = "email"


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (Index("ix_approvals_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    rule: Mapped[str] = mapped_column(String(20))
    approver_email: Mapped[str] = mapped_column(String(254))
    approver_name: Mapped[str | None] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(10))
    approver_conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    nonce: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_via: Mapped[str | None] = mapped_column(String(10))
    decided_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


async def add_approval(session: AsyncSession, *, approval: Approval) -> Approval:
    session.add(approval)
    await session.flush()
    return approval


async def get_approval(session: AsyncSession, *, approval_id: int) -> Approval | None:
    statement = (
        select(Approval)
        .where(Approval.id == approval_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def decide(
    session: AsyncSession, *, approval_id: int, state: str, actor: str, via: str
) -> bool:
    """Set the decision if nobody has yet; returns whether this call decided."""
    result = await session.execute(
        update(Approval)
        .where(Approval.id == approval_id, Approval.state == PENDING)
        .values(state=state, decided_by=actor[:254], decided_via=via, decided_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pending_ids(
    session: AsyncSession, *, asked_before: datetime, unreminded: bool = False, limit: int = 100
) -> Sequence[int]:
    """Ids of undecided approvals asked before ``asked_before`` (only those not yet reminded
    when ``unreminded``), oldest first."""
    statement = select(Approval.id).where(
        Approval.state == PENDING, Approval.created_at <= asked_before
    )
    if unreminded:
        statement = statement.where(Approval.reminded_at.is_(None))
    statement = statement.order_by(Approval.created_at, Approval.id).limit(limit)
    return list((await session.execute(statement)).scalars())


async def mark_reminded(session: AsyncSession, *, approval_id: int, at: datetime) -> bool:
    """Claim the one reminder of a still undecided approval; returns whether this call did."""
    result = await session.execute(
        update(Approval)
        .where(
            Approval.id == approval_id,
            Approval.state == PENDING,
            Approval.reminded_at.is_(None),
        )
        .values(reminded_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
