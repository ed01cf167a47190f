"""Tables of the agreements (``agree_*``) and of risk early warning (``watch_alerts``),
added by those areas; new tables only, no data moved.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agree_agreements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("title_zh", sa.String(length=500), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=80), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agree_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agree_agreements_owner"), ["owner"], unique=False)

    op.create_table(
        "agree_report_batches",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=80), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.Column("submitter", sa.String(length=140), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("metric", sa.String(length=200), nullable=True),
        sa.Column("period", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("watch_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watch_alerts_fingerprint"), ["fingerprint"], unique=True)
        batch_op.create_index(batch_op.f("ix_watch_alerts_party"), ["party"], unique=False)
        batch_op.create_index(batch_op.f("ix_watch_alerts_status"), ["status"], unique=False)

    op.create_table(
        "agree_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=False),
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agree_agreements.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["batch_id"], ["agree_report_batches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "party", "metric", "period", name="uq_agree_report"),
    )
    with op.batch_alter_table("agree_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agree_reports_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agree_reports_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "agree_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("results_digest", sa.String(length=80), nullable=False),
        sa.Column("reports_digest", sa.String(length=80), nullable=False),
        sa.Column("rule_digests", sa.JSON(), nullable=False),
        sa.Column("batches", sa.JSON(), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agree_agreements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agree_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agree_runs_agreement_id"), ["agreement_id"], unique=False)

    op.create_table(
        "agree_terms",
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("term_id", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("every", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("rule_digest", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("depends_on", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agree_agreements.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agreement_id", "term_id"),
    )
    with op.batch_alter_table("agree_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agree_terms_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_agree_terms_party"), ["party"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agree_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agree_terms_party"))
        batch_op.drop_index(batch_op.f("ix_agree_terms_category"))

    op.drop_table("agree_terms")
    with op.batch_alter_table("agree_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agree_runs_agreement_id"))

    op.drop_table("agree_runs")
    with op.batch_alter_table("agree_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agree_reports_batch_id"))
        batch_op.drop_index(batch_op.f("ix_agree_reports_agreement_id"))

    op.drop_table("agree_reports")
    with op.batch_alter_table("watch_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watch_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_watch_alerts_party"))
        batch_op.drop_index(batch_op.f("ix_watch_alerts_fingerprint"))

    op.drop_table("watch_alerts")
    op.drop_table("agree_report_batches")
    with op.batch_alter_table("agree_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agree_agreements_owner"))

    op.drop_table("agree_agreements")
