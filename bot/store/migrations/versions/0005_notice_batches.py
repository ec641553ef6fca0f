"""notices claimed in batches with a lease; their texts stored once per change; subscribers' DM channel ids

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    notices = op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kb_version", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=8), server_default="pending", nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("kb_version", "jurisdiction", "target_kind", "target_id", name="uq_notices_key"),
    )
    op.create_index("ix_notices_pending", "notices", ["status", "id"])
    op.create_table(
        "notice_texts",
        sa.Column("kb_version", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kb_version", "jurisdiction", "language", name=op.f("pk_notice_texts")),
    )
    op.create_table(
        "dm_channels",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dm_channels")),
    )
    old = sa.table(
        "notices_sent",
        *(sa.column(c) for c in ("kb_version", "jurisdiction", "target_kind", "target_id", "sent_at")),
    )
    cols = ["kb_version", "jurisdiction", "target_kind", "target_id", "sent_at"]
    op.execute(
        notices.insert().from_select(
            [*cols, "status"], sa.select(*(old.c[c] for c in cols), sa.literal("sent")).where(sa.true())
        )
    )
    op.drop_table("notices_sent")


def downgrade() -> None:
    op.create_table(
        "notices_sent",
        sa.Column("kb_version", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction", sa.String(length=16), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kb_version", "jurisdiction", "target_kind", "target_id", name=op.f("pk_notices_sent")),
    )
    op.drop_table("dm_channels")
    op.drop_table("notice_texts")
    op.drop_index("ix_notices_pending", table_name="notices")
    op.drop_table("notices")
