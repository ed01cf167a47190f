"""Owner organisations of the SME service centres' tables: ``owner_org`` on centres, requests,
service records and talent records. Rows written before belong to the organisation ``local``
(as in revision 0002), which owns everything the command line wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:27:54.181412
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LOCAL = "local"  # citynexus.store.app.LOCAL_ORG, as it was when this revision was written


def upgrade() -> None:
    with op.batch_alter_table("centres_centre", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org", sa.String(length=64), nullable=False, server_default=LOCAL))
        batch_op.create_index(batch_op.f("ix_centres_centre_owner_org"), ["owner_org"], unique=False)

    with op.batch_alter_table("centres_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org", sa.String(length=64), nullable=False, server_default=LOCAL))
        batch_op.create_index(batch_op.f("ix_centres_record_owner_org"), ["owner_org"], unique=False)

    with op.batch_alter_table("centres_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org", sa.String(length=64), nullable=False, server_default=LOCAL))
        batch_op.create_index(batch_op.f("ix_centres_request_owner_org"), ["owner_org"], unique=False)

    with op.batch_alter_table("centres_talent_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_org", sa.String(length=64), nullable=False, server_default=LOCAL))
        batch_op.create_index(batch_op.f("ix_centres_talent_record_owner_org"), ["owner_org"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("centres_talent_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_talent_record_owner_org"))
        batch_op.drop_column("owner_org")

    with op.batch_alter_table("centres_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_request_owner_org"))
        batch_op.drop_column("owner_org")

    with op.batch_alter_table("centres_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_record_owner_org"))
        batch_op.drop_column("owner_org")

    with op.batch_alter_table("centres_centre", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_centres_centre_owner_org"))
        batch_op.drop_column("owner_org")
