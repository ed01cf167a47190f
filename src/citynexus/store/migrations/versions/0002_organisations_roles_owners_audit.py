"""Organisations, roles, owners and the audit log (issue 15): the ``organisations`` and
``audit_events`` tables; every API key gets an organisation and a role, every stored record an
owner organisation, needs a visibility. Existing rows (made before organisations existed) belong
to the organisation ``local`` (created here) and existing keys keep full rights (``admin`` of
``local``), which is what the service assumed for them before.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

from citynexus.store.migrations.ownership import LOCAL, add_owner, drop_owner

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FK = "fk_api_keys_org_organisations"
NOW = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_name", sa.String(length=200), nullable=False),
        sa.Column("org", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=300), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_org"), ["org"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_time"), ["time"], unique=False)

    orgs = op.create_table(
        "organisations",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_zh", sa.String(length=300), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.bulk_insert(orgs, [{"code": LOCAL, "name": "Local organisation", "name_zh": "本机构", "created": NOW}])
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org", sa.String(length=64), nullable=False, server_default=LOCAL))
        batch_op.add_column(sa.Column("role", sa.String(length=16), nullable=False, server_default="admin"))
        batch_op.create_index(batch_op.f("ix_api_keys_org"), ["org"], unique=False)
        batch_op.create_foreign_key(FK, "organisations", ["org"], ["code"])

    add_owner("datasets")

    add_owner(
        "hub_needs", before=[sa.Column("visibility", sa.String(length=16), nullable=False, server_default="public")]
    )

    for table in ("hub_offers", "hub_organizations", "jobs", "results"):
        add_owner(table)


def downgrade() -> None:
    for table in ("results", "jobs", "hub_organizations", "hub_offers"):
        drop_owner(table)

    drop_owner("hub_needs", before=["visibility"])

    drop_owner("datasets")

    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_keys_org"))
        batch_op.drop_column("role")
        batch_op.drop_column("org")

    op.drop_table("organisations")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_time"))
        batch_op.drop_index(batch_op.f("ix_audit_events_org"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
