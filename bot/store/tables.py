"""Table definitions (SQLAlchemy Core); the same schema on SQLite and PostgreSQL.

Changing a table means adding an Alembic revision under bot/store/migrations/versions/.
"""

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
When = sa.DateTime(timezone=True)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", When, nullable=False),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("channel_id", sa.BigInteger, nullable=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("jurisdiction", sa.String(16), nullable=False),
    sa.Column("criterion", sa.String(40), nullable=True),
    sa.Column("note", sa.String(1000), nullable=False, server_default=""),
    sa.Column("kb_version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="open"),
    sa.Column("resolved_by", sa.BigInteger, nullable=True),
    sa.Column("resolved_at", When, nullable=True),
    sa.Column("resolution", sa.String(1000), nullable=True),
    sa.Index("ix_reports_status", "status", "created_at"),
)

kb_changes = sa.Table(
    "kb_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", When, nullable=False),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("jurisdiction", sa.String(16), nullable=False),
    sa.Column("criterion", sa.String(40), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # edit | revert
    sa.Column("before", sa.Text, nullable=True),  # JSON of the verdict entry, null when it did not exist
    sa.Column("after", sa.Text, nullable=True),
    sa.Column("file_sha_before", sa.String(64), nullable=False),
    sa.Column("file_sha_after", sa.String(64), nullable=False),
    sa.Column("reverts_id", sa.Integer, nullable=True),
    sa.Index("ix_kb_changes_jurisdiction", "jurisdiction", "id"),
)

guild_settings = sa.Table(
    "guild_settings",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("locale", sa.String(16), nullable=True),
    sa.Column("ping_role_id", sa.BigInteger, nullable=True),
    sa.Column("updated_at", When, nullable=False),
)

action_prompts = sa.Table(
    "action_prompts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("guild_id", sa.BigInteger, nullable=False),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # JSON: title, text, links, jurisdiction, event_time
    sa.Column("created_by", sa.BigInteger, nullable=False),
    sa.Column("created_at", When, nullable=False),
    sa.UniqueConstraint("guild_id", "name", name="uq_action_prompts_guild_name"),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("guild_id", sa.BigInteger, nullable=False),
    sa.Column("channel_id", sa.BigInteger, nullable=False),
    sa.Column("prompt", sa.String(60), nullable=False),
    sa.Column("jurisdiction", sa.String(16), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("local_time", sa.String(32), nullable=False),  # ISO local date-time of the first run
    sa.Column("repeat", sa.String(8), nullable=False),  # once | daily | weekly
    sa.Column("next_run_at", When, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),  # active | paused | done | cancelled
    sa.Column("status_note", sa.String(300), nullable=True),
    sa.Column("created_by", sa.BigInteger, nullable=False),
    sa.Column("created_at", When, nullable=False),
    sa.Column("claimed_until", When, nullable=True),
    sa.Index("ix_schedules_due", "status", "next_run_at"),
)

schedule_runs = sa.Table(
    "schedule_runs",
    metadata,
    sa.Column("schedule_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("run_at", When, primary_key=True),  # the scheduled time: one row per run, ever
    sa.Column("posted_at", When, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),  # posted | late | skipped | failed
    sa.Column("message_id", sa.BigInteger, nullable=True),
    sa.Column("worker", sa.String(64), nullable=True),
    sa.Column("lease_until", When, nullable=True),  # a claimed run whose lease passed may be claimed again
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("jurisdiction", sa.String(16), nullable=False),
    sa.Column("target_kind", sa.String(8), nullable=False),  # user | channel
    sa.Column("target_id", sa.BigInteger, nullable=False),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("created_by", sa.BigInteger, nullable=False),
    sa.Column("created_at", When, nullable=False),
    sa.UniqueConstraint("jurisdiction", "target_kind", "target_id", name="uq_subscriptions_target"),
)

notices = sa.Table(
    "notices",
    metadata,
    # One row per (knowledge-base version, jurisdiction, subscriber): the idempotency key of a notice. Rows are
    # claimed in batches (a lease per batch); a claim whose lease passed is claimed again by another process.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kb_version", sa.String(32), nullable=False),
    sa.Column("jurisdiction", sa.String(16), nullable=False),
    sa.Column("target_kind", sa.String(8), nullable=False),  # user | channel
    sa.Column("target_id", sa.BigInteger, nullable=False),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("status", sa.String(8), nullable=False, server_default="pending"),  # pending | sent | failed
    sa.Column("worker", sa.String(64), nullable=True),
    sa.Column("lease_until", When, nullable=True),
    sa.Column("sent_at", When, nullable=True),
    sa.UniqueConstraint("kb_version", "jurisdiction", "target_kind", "target_id", name="uq_notices_key"),
    sa.Index("ix_notices_pending", "status", "id"),
)

notice_texts = sa.Table(
    "notice_texts",
    metadata,
    # The text of one change's notice, once per (version, jurisdiction, language), read by whoever sends it.
    sa.Column("kb_version", sa.String(32), primary_key=True),
    sa.Column("jurisdiction", sa.String(16), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)

dm_channels = sa.Table(
    "dm_channels",
    metadata,
    # A subscriber's DM channel, kept once created so a notice is one call; deleted with their last subscription.
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("channel_id", sa.BigInteger, nullable=False),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

# A member's saved district (opt-in, /me district): the seat they want to reach, never an address.
member_districts = sa.Table(
    "member_districts",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("state", sa.String(4), nullable=False),
    sa.Column("chamber", sa.String(12), nullable=False),  # upper | lower | legislature
    sa.Column("district", sa.String(80), nullable=False),
)

# What members did after a call-to-action button: one row per (prompt, legislator, member). The member is a
# keyed hash (HMAC with a secret salt, per prompt), so rows of one member cannot be joined across prompts.
call_outcomes = sa.Table(
    "call_outcomes",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("prompt", sa.String(60), primary_key=True),
    sa.Column("legislator_id", sa.String(80), primary_key=True),
    sa.Column("member_hash", sa.String(64), primary_key=True),
    sa.Column("outcome", sa.String(12), nullable=False),  # called | voicemail | emailed | skipped
    sa.Column("day", sa.Date, nullable=False),  # UTC day of the latest press
)
