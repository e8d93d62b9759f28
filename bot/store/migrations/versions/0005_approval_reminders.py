"""approvals remember when their approver was reminded; pending ones are found by age

``reminded_at`` is set by compare-and-set in the transaction that queues the reminder, so two
workers never both remind. The index serves the background job's question: which pending
approvals are older than the reminder or expiry hours.

Revision ID: 0005_approval_reminders
Revises: 0004_number_sequences
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_approval_reminders"
down_revision = "0004_number_sequences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("approvals", sa.Column("reminded_at", sa.DateTime(timezone=True)))
    op.create_index("ix_approvals_state_created", "approvals", ["state", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_approvals_state_created", table_name="approvals")
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("reminded_at")
