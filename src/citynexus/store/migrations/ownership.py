"""DDL steps that several revisions take: the owner organisation column of a table, with its index.

A revision that has run must emit the same DDL for ever, so these functions are frozen: never change
what an existing call emits (add a new function instead). They use only alembic's ``op`` and
SQLAlchemy types, never the application's models, like the revisions themselves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

#: ``citynexus.store.app.LOCAL_ORG`` as it was when the owner columns were added: rows made before
#: organisations existed belong to it.
LOCAL = "local"


def add_owner(table: str, *, before: Sequence[sa.Column] = (), after: Sequence[sa.Column] = ()) -> None:
    """Add ``owner_org`` (String(64), NOT NULL, existing rows owned by ``local``) and its index
    ``ix_<table>_owner_org`` to ``table`` in one batch, with the columns ``before`` added ahead of it
    and ``after`` behind it (the order the columns take in SQLite's rebuilt table)."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for col in before:
            batch_op.add_column(col)
        batch_op.add_column(sa.Column("owner_org", sa.String(length=64), nullable=False, server_default=LOCAL))
        for col in after:
            batch_op.add_column(col)
        batch_op.create_index(batch_op.f(f"ix_{table}_owner_org"), ["owner_org"], unique=False)


def drop_owner(table: str, *, before: Sequence[str] = (), after: Sequence[str] = ()) -> None:
    """Undo :func:`add_owner` with the same ``before``/``after`` columns (by name), in reverse order:
    the index, the ``after`` columns, ``owner_org``, then the ``before`` columns."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table}_owner_org"))
        for name in reversed(after):
            batch_op.drop_column(name)
        batch_op.drop_column("owner_org")
        for name in reversed(before):
            batch_op.drop_column(name)
