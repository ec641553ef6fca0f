"""members' saved districts, call outcomes (hashed members) and a small meta table (the generated salt)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "member_districts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=4), nullable=False),
        sa.Column("chamber", sa.String(length=12), nullable=False),
        sa.Column("district", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_districts")),
    )
    op.create_table(
        "call_outcomes",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("prompt", sa.String(length=60), nullable=False),
        sa.Column("legislator_id", sa.String(length=80), nullable=False),
        sa.Column("member_hash", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "prompt", "legislator_id", "member_hash", name=op.f("pk_call_outcomes")),
    )


def downgrade() -> None:
    op.drop_table("call_outcomes")
    op.drop_table("member_districts")
    op.drop_table("meta")
