"""who asked for each ticket (the account that may see it) and who works on it

Revision ID: 0003_requesters
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_requesters"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as table:
        table.add_column(sa.Column("requester_account", sa.String(140)))
        table.add_column(sa.Column("assignee", sa.String(80)))
    op.create_index("ix_tickets_requester_account", "tickets", ["requester_account"])


def downgrade() -> None:
    op.drop_index("ix_tickets_requester_account", table_name="tickets")
    with op.batch_alter_table("tickets") as table:
        table.drop_column("assignee")
        table.drop_column("requester_account")
