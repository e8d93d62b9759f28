"""conversations, transcript, outbox, tickets and events

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("channel_key", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("locale_fixed", sa.Boolean, nullable=False),
        sa.Column("flow", sa.String(40), nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("owner", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64)),
        sa.Column("user_name", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_activity_at", TS, nullable=False),
        sa.UniqueConstraint("channel", "channel_key", name="uq_conversation_channel"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False
        ),
        sa.Column("author", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("buttons", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(200), unique=True),
        sa.Column("reply_to", sa.Integer),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_messages_conversation", "messages", ["conversation_id", "id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column(
            "conversation_id", sa.Integer, sa.ForeignKey("conversations.id"), nullable=False
        ),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.String(500)),
        sa.Column("sent_at", TS),
    )
    op.create_index("ix_outbox_pending", "outbox", ["status", "next_attempt_at"])
    sequences = op.create_table(
        "number_sequences",
        sa.Column("prefix", sa.String(3), primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
    )
    op.bulk_insert(sequences, [{"prefix": p, "last_value": 0} for p in ("INC", "REQ", "PRB")])
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.String(10), nullable=False, unique=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id")),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("service_id", sa.String(60)),
        sa.Column("owner_group", sa.String(80), nullable=False),
        sa.Column("impact", sa.Integer, nullable=False),
        sa.Column("urgency", sa.Integer, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("requester", sa.String(200)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("response_due_at", TS, nullable=False),
        sa.Column("resolve_due_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id")),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_events_kind_time", "events", ["kind", "created_at"])


def downgrade() -> None:
    for index, table in (
        ("ix_events_kind_time", "events"),
        ("ix_ticket_events_ticket_id", "ticket_events"),
        ("ix_outbox_pending", "outbox"),
        ("ix_messages_conversation", "messages"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "events",
        "ticket_events",
        "tickets",
        "number_sequences",
        "outbox",
        "messages",
        "conversations",
    ):
        op.drop_table(table)
