"""Owner organisations of the SME service centres' tables: ``owner_org`` on centres, requests,
service records and talent records. Rows written before belong to the organisation ``local``
(as in revision 0002), which owns everything the command line wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:27:54.181412
"""

from __future__ import annotations

from citynexus.store.migrations.ownership import add_owner, drop_owner

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("centres_centre", "centres_record", "centres_request", "centres_talent_record")


def upgrade() -> None:
    for table in TABLES:
        add_owner(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        drop_owner(table)
