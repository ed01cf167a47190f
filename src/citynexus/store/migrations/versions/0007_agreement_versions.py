"""Agreement versions (``agree_versions``): every version of an agreement's terms and rules is kept,
and an evaluation run records the newest version it used (``agree_runs.version``). Each stored
agreement becomes its own version 1, effective from its start; runs stored before keep no version.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:06:21.495862
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agree_versions",
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agree_agreements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agreement_id", "version"),
    )
    with op.batch_alter_table("agree_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
    # the agreements stored before: each one's current content is its version 1
    agreements = sa.table(
        "agree_agreements",
        sa.column("id", sa.String),
        sa.column("start", sa.Date),
        sa.column("doc", sa.JSON),
        sa.column("digest", sa.String),
    )
    versions = sa.table(
        "agree_versions",
        sa.column("agreement_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("effective", sa.Date),
        sa.column("doc", sa.JSON),
        sa.column("digest", sa.String),
    )
    op.execute(
        versions.insert().from_select(
            ["agreement_id", "version", "effective", "doc", "digest"],
            sa.select(agreements.c.id, sa.literal(1), agreements.c.start, agreements.c.doc, agreements.c.digest),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("agree_runs", schema=None) as batch_op:
        batch_op.drop_column("version")

    op.drop_table("agree_versions")
