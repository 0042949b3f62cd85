"""Suppressions by topic: a row per (address, category), where the empty
category is the whole list (a hard bounce, a complaint, an operator's add)
and a named one is a topic the recipient left.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from interpreter.store.types import Instant

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    # A new table and a copy, the same on both databases (SQLite cannot change a
    # primary key in place). The old table keeps its key's name until dropped,
    # so the new key is named apart.
    op.rename_table("suppressions", "suppressions_before_topics")
    _create(
        sa.Column("category", sa.String(64), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("address", "category", name="suppressions_topic_pkey"),
    )
    op.execute(
        "INSERT INTO suppressions (address, category, reason, detail, created_at)"
        " SELECT address, '', reason, detail, created_at FROM suppressions_before_topics"
    )
    op.drop_table("suppressions_before_topics")


def downgrade() -> None:
    op.rename_table("suppressions", "suppressions_with_topics")
    _create(sa.PrimaryKeyConstraint("address", name="suppressions_pkey"))
    op.execute(
        "INSERT INTO suppressions (address, reason, detail, created_at)"
        " SELECT address, reason, detail, created_at FROM suppressions_with_topics"
        " WHERE category = ''"
    )
    op.drop_table("suppressions_with_topics")


def _create(*extra: sa.Column[str] | sa.PrimaryKeyConstraint) -> None:
    op.create_table(
        "suppressions",
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", Instant, nullable=False),
        *extra,
    )
