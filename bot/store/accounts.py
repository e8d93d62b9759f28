"""Tables behind self-service accounts: the builtin directory, reset links, lockouts and
outgoing mail. Migration ``0003_directory`` mirrors these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, Deliverable, utcnow


class DirectoryEntry(Base):
    """A staff account in spoc's own directory (``SPOC_DIRECTORY=builtin``)."""

    __tablename__ = "directory_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    private_email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(40))
    manager: Mapped[str | None] = mapped_column(String(100))
    # argon2 hash; None until a password has been set (the seeded demo people).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    locked_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResetLink(Base):
    """A single-use link to the page where a verified person sets a new password. Only the
    token's SHA-256 is stored."""

    __tablename__ = "reset_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(8))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class ResetFailure(Base):
    """A wrong one-time code for an account. Three within the lockout window, from any
    conversation, and no new codes go to that account for a while."""

    __tablename__ = "reset_failures"
    __table_args__ = (Index("ix_reset_failures_username", "username", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailItem(Deliverable, Base):
    """An e-mail or text message to send after commit (or, in development without a mail
    server, to keep in the development outbox: status ``dev``)."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_pending", "status", "next_attempt_at"),)

    kind: Mapped[str] = mapped_column(String(10))  # email | sms
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
