"""approvals of request tickets (request fulfilment)

Revision ID: 0003_requests
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_requests"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("approver_email", sa.String(254), nullable=False),
        sa.Column("approver_name", sa.String(200)),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("approver_conversation_id", sa.Integer, sa.ForeignKey("conversations.id")),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("decided_by", sa.String(254)),
        sa.Column("decided_via", sa.String(10)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_approvals_ticket_id", "approvals", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_approvals_ticket_id", table_name="approvals")
    op.drop_table("approvals")
