"""Table definitions (SQLAlchemy Core); the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("channel_id", sa.BigInteger, nullable=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("jurisdiction", sa.String(16), nullable=False),
    sa.Column("criterion", sa.String(40), nullable=True),
    sa.Column("note", sa.String(1000), nullable=False, server_default=""),
    sa.Column("kb_version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Column("resolved_by", sa.BigInteger, nullable=True),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resolution", sa.String(1000), nullable=True),
    sa.Index("ix_reports_status", "status", "created_at"),
)
