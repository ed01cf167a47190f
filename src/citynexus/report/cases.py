"""The shortlist report of a case screening: one self-contained HTML file per language
(``<html lang>`` set; every label from :mod:`citynexus.i18n`, case titles in the report's
language). Imports neither the web stack nor FastAPI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from citynexus import __version__
from citynexus.i18n import t


def render_shortlist(result, cases: dict | None = None, lang: str = "en", synthetic: bool = False) -> str:
    """HTML of a :class:`~citynexus.cases.screening.ScreeningResult`; ``cases`` maps a case id to
    its :class:`~citynexus.cases.models.Case` (for title, city and SDGs; unknown ids show the id)."""
    from citynexus.cases.screening import w_strength

    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    cases = cases or {}
    rows = []
    for rec in result.table.to_dict(orient="records"):
        c = cases.get(rec["case"])
        rows.append(
            rec
            | {
                "title": c.title(lang) if c else rec["case"],
                "city": c.place(lang)[0] if c else "",
                "goals": c.sdg_goals if c else [],
            }
        )
    how = {"en": result.interval_method, "zh": _zh_interval(result.interval_method)}[lang]
    if result.tolerance is None:
        note = t("cases_interval_note_any", lang).format(how=how)
    else:
        note = t("cases_interval_note", lang).format(tol=f"±{result.tolerance:.0%}", how=how)
    agreement = [(t("cases_agreement_overall", lang), result.agreement, w_strength(result.agreement.w))]
    for c, k in result.agreement_by_criterion.items():
        agreement.append((t(f"cases_crit_{c}", lang), k, w_strength(k.w)))
    env = Environment(loader=PackageLoader("citynexus.report", "templates"), autoescape=select_autoescape(["html"]))
    tpl = env.get_template("cases_shortlist.html")
    return tpl.render(
        lang=lang,
        t=lambda key: t(key, lang),
        rows=rows,
        shortlist=result.shortlisted(),
        criteria=list(result.criteria),
        weights=result.weights,
        method=result.method,
        ahp_cr=result.ahp_cr,
        jurors=result.jurors,
        agreement=agreement,
        interval_note=note,
        synthetic=synthetic,
        version=__version__,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _zh_interval(how: str) -> str:
    if how.startswith("exact"):
        return "精确解（混合整数线性规划）"
    if how.startswith("MILP"):
        return "混合整数线性规划（限时，界已证明）"
    return "权重随机抽样（内近似）"


def write_shortlist(result, path: str | Path, cases: dict | None = None, lang: str = "en", synthetic: bool = False):
    """Write :func:`render_shortlist` to ``path`` (UTF-8); returns the path."""
    p = Path(path)
    p.write_text(render_shortlist(result, cases, lang, synthetic), encoding="utf-8")
    return p
