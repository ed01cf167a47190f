"""The agreements section of the HTML report (合作协议): one table per stored agreement with its terms,
their category, the status counts of the newest evaluation and the not-yet-due periods at risk.

Built from :mod:`citynexus.services.agree` (the same view the dashboard's agreement page shows) in the
report's base language (``en`` or ``zh``; a ``zh-Hant`` report converts the whole page afterwards).
Codes (agreement, term and party ids) are set as ``<code>``; synthetic demo agreements are labelled.
Imports neither the web stack nor FastAPI."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from citynexus.i18n import t

STATUSES = ("met", "breached", "no_data", "not_due")


def _database_exists(url: str) -> bool:
    """False for an SQLite file that does not exist (the report never creates a database)."""
    from sqlalchemy.engine import make_url

    from citynexus.store import normalise_url

    u = make_url(normalise_url(url))
    if not u.drivername.startswith("sqlite") or u.database in (None, "", ":memory:"):
        return True
    from pathlib import Path

    return Path(u.database).exists()


def agreement_tables(db: str | None = None, viewer: Any = None) -> list[dict[str, Any]]:
    """Per stored agreement ``viewer`` may see: its id, titles, parties, synthetic flag, newest run,
    and one row per term (text, category, status counts of the newest run, at-risk periods with
    their probability of breach and lead time).

    The default viewer is anonymous: a report is a document passed on, so it holds the public
    agreements only (private ones and drafts stay with their owner and parties, as on the
    dashboard); ``services.agree.ALL`` gives everything."""
    from citynexus.services import agree as svc

    out = []
    for item in svc.list_agreements(db, viewer):
        view = svc.agreement_view(item["id"], db, viewer)
        risks: dict[str, list[dict[str, Any]]] = {}
        for r in view["at_risk"]:
            risks.setdefault(r["term"], []).append(r)
        rows = []
        for tid, cells in view["cells"].items():
            term = view["terms"][tid]
            counts = dict.fromkeys(STATUSES, 0)
            for c in cells.values():
                counts[c["status"]] += 1
            rows.append({"term": term, "counts": counts, "at_risk": risks.get(tid, [])})
        if not rows:  # never evaluated: the terms without counts
            rows = [{"term": x, "counts": None, "at_risk": []} for x in view["agreement"]["terms"]]
        out.append({**item, "run": view["run"], "rows": rows})
    return out


def agreements_section(lang: str = "en", db: str | None = None, viewer: Any = None) -> str:
    """HTML of the section in ``lang`` (``en`` or ``zh``), or ``""`` when the database (default:
    ``$CITYNEXUS_DB``) holds no agreement ``viewer`` may see or cannot be read as a citynexus store
    (a report is still written then)."""
    from citynexus.errors import CityNexusError
    from citynexus.store import default_url

    url = db or default_url()
    if not _database_exists(url):
        return ""
    try:
        tables = agreement_tables(url, viewer)
    except CityNexusError:
        return ""
    if not tables:
        return ""
    env = Environment(loader=PackageLoader("citynexus.report", "templates"), autoescape=select_autoescape())
    return env.get_template("agreements_section.html").render(
        lang=lang,
        t=lambda k: t(k, lang),
        tables=tables,
        statuses=STATUSES,
        synthetic=any(a["synthetic"] for a in tables),
    )
