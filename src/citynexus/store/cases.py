"""Tables of the case library: user cases (the seed cases ship with the package and are not stored).

Each case names its owner organisation (``owner_org``; ``local`` for the command line); only the
owner may update it (checked in :meth:`citynexus.cases.library.CaseLibrary.import_cases`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from citynexus.store import Base
from citynexus.store.app import LOCAL_ORG


class CaseRow(Base):
    """One imported city practice; lists and evidence are JSON columns."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin: Mapped[str] = mapped_column(String(8), default="user", index=True)
    owner_org: Mapped[str] = mapped_column(String(64), default=LOCAL_ORG, index=True)
    city: Mapped[str] = mapped_column(String(200), index=True)
    country: Mapped[str] = mapped_column(String(200), index=True)
    city_zh: Mapped[str | None] = mapped_column(String(200), nullable=True)
    country_zh: Mapped[str | None] = mapped_column(String(200), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title_en: Mapped[str] = mapped_column(String(1000))
    title_zh: Mapped[str] = mapped_column(String(1000))
    description_en: Mapped[str] = mapped_column(Text)
    description_zh: Mapped[str] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    sdg_goals: Mapped[list] = mapped_column(JSON, default=list)
    sdg_targets: Mapped[list] = mapped_column(JSON, default=list)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    contact: Mapped[str | None] = mapped_column(String(500), nullable=True)
    source_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    licence: Mapped[str | None] = mapped_column(String(200), nullable=True)
    summarised_from: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
