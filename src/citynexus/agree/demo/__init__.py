"""SYNTHETIC demo agreements and reports between organizations of the demo hub (see README.md).

:func:`load_demo` stores them (agreements, then the reports as one ledger-anchored batch) and
evaluates them; :func:`demo_agreements` / :func:`demo_reports_path` give the files."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

from citynexus.agree.model import Agreement, agreement_from_dict

#: the as-of date the demo is meant to be seen at (after 2026Q3 has ended)
DEMO_AS_OF = dt.date(2026, 10, 15)


def demo_folder() -> Path:
    return Path(str(resources.files("citynexus.agree") / "demo"))


def demo_agreements() -> list[Agreement]:
    docs = json.loads((demo_folder() / "agreements.json").read_text(encoding="utf-8"))
    return [agreement_from_dict(d, source=f"demo/{d['id']}") for d in docs]


def demo_reports_path() -> Path:
    return demo_folder() / "reports.csv"


def load_demo(
    registry,
    as_of: dt.date | None = DEMO_AS_OF,
    check_hub: bool = False,
    owner: str | None = None,
    submitter: str = "agree",
) -> dict[str, Any]:
    """Store the demo agreements and reports in ``registry`` (an
    :class:`~citynexus.agree.registry.AgreementRegistry`) and evaluate them at ``as_of``.
    Agreements already stored are left as they are; reports are imported only once. ``owner``
    is recorded on new agreements; ``submitter`` names the ledger entries."""
    stored = {a.id for a in registry.list()}
    ags = [a for a in demo_agreements() if a.id not in stored]
    for a in ags:
        registry.save(a, check_hub=check_hub, owner=owner)
    imported = 0
    if ags:
        import pandas as pd

        raw = pd.read_csv(demo_reports_path(), dtype=str, keep_default_na=False)
        raw = raw[raw["agreement"].isin({a.id for a in ags})]
        imported = registry.import_reports(raw, source="demo/reports.csv", submitter=submitter).rows
    evs = registry.run([a.id for a in demo_agreements()], as_of, submitter=submitter) if as_of else []
    return {"agreements": len(ags), "reports": imported, "evaluated": len(evs)}
