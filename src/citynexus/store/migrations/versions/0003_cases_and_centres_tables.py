"""Tables of the case library (``cases``) and the SME service centres (``centres_*``),
added by those areas; new tables only, no data moved.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("owner_org", sa.String(length=64), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=200), nullable=False),
        sa.Column("city_zh", sa.String(length=200), nullable=True),
        sa.Column("country_zh", sa.String(length=200), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("title_en", sa.String(length=1000), nullable=False),
        sa.Column("title_zh", sa.String(length=1000), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("sdg_goals", sa.JSON(), nullable=False),
        sa.Column("sdg_targets", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=True),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("licence", sa.String(length=200), nullable=True),
        sa.Column("summarised_from", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_origin"), ["origin"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_owner_org"), ["owner_org"], unique=False)

    op.create_table(
        "centres_centre",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=16), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("description_zh", sa.Text(), nullable=True),
        sa.Column("capacity", sa.Float(), nullable=True),
        sa.Column("affiliates", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("centres_centre", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_centres_centre_city"), ["city"], unique=False)

    op.create_table(
        "centres_request",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sme", sa.String(length=64), nullable=False),
        sa.Column("city", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("centres_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_centres_request_sme"), ["sme"], unique=False)

    op.create_table(
        "centres_talent_record",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id"),
    )
    op.create_table(
        "centres_record",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("sme", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("referred_from", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.String(length=40), nullable=False),
        sa.Column("accepted_at", sa.String(length=40), nullable=True),
        sa.Column("delivered_at", sa.String(length=40), nullable=True),
        sa.Column("confirmed_at", sa.String(length=40), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("delivery_entry", sa.BigInteger(), nullable=True),
        sa.Column("confirmation_entry", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["centres_centre.id"],
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["centres_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("centres_record", schema=None) as batch_op:
        batch_op.create_index("ix_centres_record_centre_period", ["centre_id", "period"], unique=False)
        batch_op.create_index(batch_op.f("ix_centres_record_sme"), ["sme"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("centres_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_record_sme"))
        batch_op.drop_index("ix_centres_record_centre_period")

    op.drop_table("centres_record")
    op.drop_table("centres_talent_record")
    with op.batch_alter_table("centres_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_request_sme"))

    op.drop_table("centres_request")
    with op.batch_alter_table("centres_centre", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_centre_city"))

    op.drop_table("centres_centre")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_owner_org"))
        batch_op.drop_index(batch_op.f("ix_cases_origin"))
        batch_op.drop_index(batch_op.f("ix_cases_country"))
        batch_op.drop_index(batch_op.f("ix_cases_city"))

    op.drop_table("cases")
