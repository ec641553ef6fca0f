"""notices sent to subscribers: one row per (knowledge-base version, jurisdiction, subscriber)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "notices_sent",
        sa.Column("kb_version", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kb_version", "jurisdiction", "target_kind", "target_id", name=op.f("pk_notices_sent")),
    )


def downgrade() -> None:
    op.drop_table("notices_sent")
