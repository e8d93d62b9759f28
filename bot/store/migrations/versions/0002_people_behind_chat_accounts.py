"""people behind chat accounts, linked to their conversations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("name", sa.String(200)),
        sa.Column("locale", sa.String(16)),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "external_id", name="uq_people_account"),
    )
    op.create_index("ix_people_email", "people", ["email"])
    op.create_table(
        "conversation_people",
        sa.Column(
            "conversation_id",
            sa.Integer,
            sa.ForeignKey("conversations.id"),
            primary_key=True,
        ),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("conversation_people")
    op.drop_index("ix_people_email", table_name="people")
    op.drop_table("people")
