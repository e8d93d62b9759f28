"""builtin staff directory with demo people, reset links, reset failures and the mail outbox

Revision ID: 0003_directory
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003_directory"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

# Demo people of the builtin directory. None has a password: the first one is set through
# the bot's password reset, so no known password ships with spoc. Their private addresses
# are on example.com, which never receives mail.
DEMO_PEOPLE = [
    ("karin.karlsson", "Karin Karlsson", "karin.privat@example.com", "+46701000001", None, False),
    (
        "anna.andersson",
        "Anna Andersson",
        "anna.privat@example.com",
        "+46701000002",
        "karin.karlsson",
        False,
    ),
    ("berit.berg", "Berit Berg", "berit.privat@example.com", None, "karin.karlsson", True),
    ("david.dahl", "David Dahl", None, "+46701000004", "karin.karlsson", False),
]


def upgrade() -> None:
    people = op.create_table(
        "directory_people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), unique=True),
        sa.Column("private_email", sa.String(254)),
        sa.Column("mobile", sa.String(40)),
        sa.Column("manager", sa.String(100)),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("locked_at", TS),
        sa.Column("password_changed_at", TS),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "reset_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
    )
    op.create_table(
        "reset_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_reset_failures_username", "reset_failures", ["username", "created_at"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.String(200)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
    )
    op.create_index("ix_mail_outbox_pending", "mail_outbox", ["status", "next_attempt_at"])
    now = datetime.now(UTC)
    op.bulk_insert(
        people,
        [
            {
                "username": username,
                "display_name": name,
                "email": f"{username}@exempelby.se",
                "private_email": private_email,
                "mobile": mobile,
                "manager": manager,
                "password_hash": None,
                "locked_at": now if locked else None,
                "created_at": now,
            }
            for username, name, private_email, mobile, manager, locked in DEMO_PEOPLE
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_mail_outbox_pending", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index("ix_reset_failures_username", table_name="reset_failures")
    op.drop_table("reset_failures")
    op.drop_table("reset_links")
    op.drop_table("directory_people")
