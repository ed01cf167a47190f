"""Risk early warning: stored scans (``watch_scans``) and the owner organisation and public flag of
an alert (existing alerts become ``local``'s, not public — what the command line wrote).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:27:19.823504
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from citynexus.store.migrations.ownership import add_owner, drop_owner

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_scans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_org", sa.String(length=64), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("n_parties", sa.Integer(), nullable=False),
        sa.Column("reports", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("watch_scans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_scans_owner_org"), ["owner_org"], unique=False)

    add_owner("watch_alerts", after=[sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False)])


def downgrade() -> None:
    drop_owner("watch_alerts", after=["public"])

    with op.batch_alter_table("watch_scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_scans_owner_org"))

    op.drop_table("watch_scans")
