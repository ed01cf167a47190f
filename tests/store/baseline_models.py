"""The table definitions of citynexus as they were before migrations (commit dc5e21b, the
schema of revision 0001), frozen as SQLAlchemy Core tables so a test can create a database
"the old way" — ``old_metadata.create_all`` — however the models evolve."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)

old_metadata = MetaData()


def _listing(name: str, extra: Column) -> Table:
    return Table(
        name,
        old_metadata,
        extra,
        Column("id", String(64), primary_key=True),
        Column(
            "org_id", String(64), ForeignKey("hub_organizations.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        Column("kind", String(32), nullable=False),
        Column("title", String(500), nullable=False),
        Column("text", Text, nullable=False),
        Column("industries", JSON, nullable=False),
        Column("lang", String(8), nullable=False),
        Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
        Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    )


Table(
    "api_keys",
    old_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(16), nullable=False, index=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False),
)
Table(
    "datasets",
    old_metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("digest", String(64), nullable=False, index=True),
    Column("n_units", Integer, nullable=False),
    Column("n_indicators", Integer, nullable=False),
    Column("periods", JSON, nullable=False),
    Column("tables", JSON, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)
Table(
    "results",
    old_metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("input_digest", String(64), nullable=False, index=True),
    Column("dataset", String(200), nullable=False),
    Column("params", JSON, nullable=False),
    Column("body", JSON, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)
Table(
    "jobs",
    old_metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("progress", Float, nullable=False),
    Column("message", Text, nullable=False),
    Column("input_digest", String(64), nullable=False, index=True),
    Column("result_id", Integer, nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)
Table(
    "hub_organizations",
    old_metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("name_zh", String(300), nullable=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("city", String(16), nullable=False, index=True),
    Column("industries", JSON, nullable=False),
    Column("size", String(16), nullable=True),
    Column("certifications", JSON, nullable=False),
    Column("description", Text, nullable=True),
    Column("description_zh", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)
_listing("hub_offers", Column("attributes", JSON, nullable=False))
_listing("hub_needs", Column("constraints", JSON, nullable=False))
Table(
    "hub_vectors",
    old_metadata,
    Column("item_type", String(8), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Column("model", String(64), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("dim", Integer, nullable=False),
    Column("vector", LargeBinary, nullable=False),
)
Table(
    "ledger_head",
    old_metadata,
    Column("id", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("origin", String(200), nullable=False),
    Column("created", String(40), nullable=False),
    Column("version", BigInteger, nullable=False),
)
Table(
    "ledger_entry",
    old_metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(100), nullable=False, index=True),
    Column("submitter", String(200), nullable=False),
    Column("time", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
Table(
    "ledger_node",
    old_metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)
_cp = Table(
    "ledger_checkpoint",
    old_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("time", String(40), nullable=False),
    Column("key_name", String(200), nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("note", Text, nullable=False),
)
Index("ix_ledger_checkpoint_size", _cp.c.size)
Table(
    "ledger_key",
    old_metadata,
    Column("vkey", String(300), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("added", String(40), nullable=False),
    Column("retired", String(40), nullable=True),
)
Table(
    "ledger_trace",
    old_metadata,
    Column("item", String(200), primary_key=True),
    Column("entry_idx", BigInteger, primary_key=True, autoincrement=False),
)
Table(
    "ledger_published",
    old_metadata,
    Column("digest", String(80), primary_key=True),
    Column("entry_idx", BigInteger, primary_key=True, autoincrement=False),
)
