"""district names up to 80 characters (Massachusetts names a Senate seat "Berkshire, Hampden, Franklin and
Hampshire": 42)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("member_districts") as batch:
        batch.alter_column("district", existing_type=sa.String(length=40), type_=sa.String(length=80))


def downgrade() -> None:
    with op.batch_alter_table("member_districts") as batch:
        batch.alter_column("district", existing_type=sa.String(length=80), type_=sa.String(length=40))
