"""``citynexus cases``: the case library — import, list, show, SDG tagging, screening, similar cases."""

from __future__ import annotations

from pathlib import Path

import typer

from citynexus.cli._options import DbOpt, command_group, print_json
from citynexus.cli.common import console, err_console

app = command_group(
    "Case library (案例库): city practices tagged against the SDGs and screened by jurors; the seed cases ship "
    "with the package.",
    database=True,
)

LANG_HELP = "Language of titles and labels: en or zh."


def _lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise typer.BadParameter(f"must be 'en' or 'zh', got {lang!r}", param_hint="--lang")
    return lang


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="Cases as JSON Lines (.jsonl) or Excel (.xlsx, sheets cases/evidence)."),
    db: DbOpt = None,
    as_json: bool = typer.Option(False, "--json", help="Print the import report as JSON."),
) -> None:
    """Import user cases. All-or-nothing: if any line is wrong, nothing is stored and every problem
    is listed with file, line and field. Existing ids are updated; ids 'seed-...' are reserved."""
    from citynexus.services.cases import import_cases

    rep = import_cases(file, db)
    if as_json:
        print_json(rep)
    else:
        console.print(rep["summary"], highlight=False)
        console.print(f"library: {rep['counts']['seed']} seed cases, {rep['counts']['user']} user cases")


@app.command("list")
def list_(
    db: DbOpt = None,
    goal: int | None = typer.Option(None, "--goal", help="Only cases tagged with this SDG (1..17)."),
    theme: str | None = typer.Option(None, "--theme", help="Only cases with this theme."),
    country: str | None = typer.Option(
        None, "--country", help="Only cases from this country (English or Chinese name, any case)."
    ),
    origin: str | None = typer.Option(None, "--origin", help="seed or user (default both)."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the cases as JSON (a list of records)."),
) -> None:
    """List the library: seed cases (shipped) and user cases."""
    from rich.table import Table

    from citynexus.i18n import t
    from citynexus.services.cases import list_cases

    lang = _lang(lang)
    rows = list_cases(db, origin=origin, goal=goal, theme=theme, country=country)
    if as_json:
        print_json(rows)
        return
    tab = Table(title=t("cases_library", lang), header_style="bold", title_justify="left")
    for key in ("cases_case", "cases_city", "cases_country", "cases_title", "cases_sdgs"):
        tab.add_column(t(key, lang), overflow="fold")
    tab.add_column("")
    for r in rows:
        title = r["title_en"] if lang == "en" else r["title_zh"]
        origin_label = t("cases_origin_seed" if r["seed"] else "cases_origin_user", lang)
        city, country = (
            (r["city"], r["country"]) if lang == "en" else (r["city_zh"] or r["city"], r["country_zh"] or r["country"])
        )
        tab.add_row(r["id"], city, country, title, " ".join(map(str, r["sdg_goals"])), origin_label)
    console.print(tab)


@app.command("show")
def show(
    case_id: str = typer.Argument(..., help="Case id (see `citynexus cases list`)."),
    db: DbOpt = None,
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
    hub: bool = typer.Option(False, "--hub", help="Also list hub organizations offering relevant services."),
    top: int = typer.Option(5, "--top", help="How many hub organizations with --hub."),
    as_json: bool = typer.Option(False, "--json", help="Print the case as JSON."),
) -> None:
    """Show one case: texts, SDG goals and targets (with their texts), evidence, source."""
    from citynexus.i18n import t
    from citynexus.services.cases import hub_links, show_case

    lang = _lang(lang)
    d = show_case(case_id, db)
    if hub:
        with err_console.status("searching the hub ..."):
            d["hub_organizations"] = hub_links(case_id, db, top=top)
    if as_json:
        print_json(d)
        return
    title = d["title_en"] if lang == "en" else d["title_zh"]
    desc = d["description_en"] if lang == "en" else d["description_zh"]
    console.print(f"[bold]{title}[/] ({d['id']}, {t('cases_origin_seed' if d['seed'] else 'cases_origin_user', lang)})")
    city, country = (
        (d["city"], d["country"]) if lang == "en" else (d["city_zh"] or d["city"], d["country_zh"] or d["country"])
    )
    console.print(f"{t('cases_city', lang)}: {city}, {country}" + (f" · {d['year']}" if d["year"] else ""))
    console.print(desc, highlight=False)
    console.print(f"{t('cases_themes', lang)}: {', '.join(d['themes'])}")
    for g, titles in d["sdg_goal_titles"].items():
        console.print(f"  SDG {g}: {titles[lang]}")
    for tid, texts in d["sdg_target_texts"].items():
        console.print(f"    {tid}: {texts[lang]}", highlight=False)
    console.print(f"{t('cases_evidence', lang)}:")
    if not d["evidence"]:
        console.print(f"  {t('cases_no_evidence', lang)}")
    for e in d["evidence"]:
        console.print(f"  {e['indicator']}: {e['before']} -> {e['after']} {e['unit']} ({e['source']})", highlight=False)
    for key, field in (("cases_source", "source_url"), ("cases_licence", "licence"), ("cases_contact", "contact"),
                       ("cases_summarised_from", "summarised_from")):  # fmt: skip
        if d.get(field):
            console.print(f"{t(key, lang)}: {d[field]}", highlight=False)
    for o in d.get("hub_organizations", []):
        name = o.get("name_zh") if lang == "zh" and o.get("name_zh") else o.get("name", o["org"])
        console.print(f"  hub: {name} ({o['org']}), score {o['score']:.3f}", highlight=False)


@app.command("tag")
def tag(
    text: str = typer.Argument(..., help="A description of a practice, in Chinese or English."),
    method: str = typer.Option("hybrid", "--method", help="hybrid, encoder or keywords."),
    top: int = typer.Option(5, "--top", help="How many goals to show (1..17)."),
    lang: str | None = typer.Option(None, "--lang", help="Language of goal titles (default: that of the text)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"goals": [{"goal": N, "score": x, ...}, ...], ...}.'),
) -> None:
    """Tag a text with SDG goals and targets: sentence encoder + keyword ontology, best first."""
    from citynexus.services.cases import tag_text

    if lang is not None:
        _lang(lang)
    with err_console.status("loading the sentence encoder ..."):
        res = tag_text(text, method=method, top=top, lang=lang)
    if as_json:
        print_json(res)
        return
    for g in res["goals"]:
        console.print(f"SDG {g['goal']:>2}  {g['score']:.3f}  {g['title']}", highlight=False)
        console.print(
            f"        encoder {g['encoder']:.3f} · keywords {g['keywords']:.3f}"
            + (f" · phrases: {', '.join(g['phrases'])}" if g["phrases"] else ""),
            highlight=False,
        )
        console.print("        targets: " + ", ".join(f"{x['target']} ({x['score']:.3f})" for x in g["targets"]))


@app.command("screen")
def screen(
    scores: str = typer.Argument(
        ..., help="Juror scores (.csv/.jsonl/.xlsx; long juror,case,criterion,score or wide), or 'demo'."
    ),
    db: DbOpt = None,
    weights: str | None = typer.Option(None, "--weights", help="e.g. innovation=0.3,impact=0.2,... (default equal)."),
    ahp: Path | None = typer.Option(None, "--ahp", help="TOML/JSON file with an AHP pairwise matrix of the criteria."),
    method: str = typer.Option("arithmetic", "--method", help="arithmetic or topsis."),
    scale: str = typer.Option("0,10", "--scale", help="Lowest and highest possible score, e.g. 1,5."),
    shortlist: int = typer.Option(3, "--shortlist", help="How many cases to shortlist."),
    tolerance: str = typer.Option(
        "0.5", "--tolerance", help="Rank intervals: weights may move by this share (0.5 = ±50%), or 'any'."
    ),
    report: Path | None = typer.Option(None, "--report", help="Write the shortlist report (HTML) to this file."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the screening as JSON."),
) -> None:
    """Screen cases: aggregate juror scores, Kendall's W, rank intervals, shortlist."""
    from citynexus.i18n import t
    from citynexus.services.cases import screen_cases

    lang = _lang(lang)
    try:
        lo, hi = (float(x) for x in scale.split(","))
    except ValueError:
        raise typer.BadParameter(f"write two numbers such as 0,10, got {scale!r}", param_hint="--scale") from None
    try:
        tol = None if tolerance.strip().lower() == "any" else float(tolerance)
    except ValueError:
        raise typer.BadParameter(
            f"a number such as 0.5 or 'any', got {tolerance!r}", param_hint="--tolerance"
        ) from None
    res, cases, synthetic = screen_cases(
        scores, db, weights=weights, ahp=ahp, method=method, scale=(lo, hi), shortlist=shortlist, tolerance=tol
    )
    if report is not None:
        from citynexus.report.cases import write_shortlist

        write_shortlist(res, report, cases, lang=lang, synthetic=synthetic)
    if as_json:
        print_json(res.to_json() | {"synthetic": synthetic, "report": str(report) if report else None})
        return
    if synthetic:
        console.print(f"[yellow]{t('cases_synthetic_scores', lang)}[/]")
    from rich.table import Table

    tab = Table(title=t("cases_shortlist_title", lang), header_style="bold", title_justify="left")
    for key in ("cases_rank", "cases_case", "cases_score", "cases_rank_interval", "cases_shortlisted", "cases_robust"):
        tab.add_column(t(key, lang))
    for r in res.table.to_dict(orient="records"):
        c = cases.get(r["case"])
        tab.add_row(
            str(r["rank"]),
            c.title(lang) if c else r["case"],
            f"{r['score']:.3f}",
            f"{r['best_rank']}–{r['worst_rank']}",
            t("cases_yes" if r["shortlisted"] else "cases_no", lang),
            t("cases_yes" if r["robust"] else "cases_no", lang),
        )
    console.print(tab)
    k = res.agreement
    console.print(f"{t('cases_agreement', lang)}: W = {k.w:.3f}, chi2 = {k.chi2:.2f} (df {k.df}), p = {k.p_value:.4f}")
    if report is not None:
        console.print(f"report: {report}")


@app.command("similar")
def similar(
    query: str = typer.Argument(..., help="A case id, or a problem / practice described in Chinese or English."),
    db: DbOpt = None,
    top: int = typer.Option(5, "--top", help="How many cases."),
    goal: int | None = typer.Option(None, "--goal", help="Only cases tagged with this SDG."),
    hub: bool = typer.Option(False, "--hub", help="With a case id: also the hub organizations offering services."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Cases like this, across languages (multilingual sentence encoder)."""
    from citynexus.services.cases import hub_links
    from citynexus.services.cases import similar as similar_service

    lang = _lang(lang)
    with err_console.status("loading the sentence encoder ..."):
        res = similar_service(query, db, top=top, goal=goal, lang=lang)
        if hub:
            res["hub_organizations"] = hub_links(res["query"], db, top=top)
    if as_json:
        print_json(res)
        return
    for r in res["results"]:
        console.print(
            f"{r['score']:.3f}  {r['case']}  {r['title']} ({r['city']}) SDG {r['sdg_goals']}", highlight=False
        )
    for o in res.get("hub_organizations", []):
        name = o.get("name_zh") if lang == "zh" and o.get("name_zh") else o.get("name", o["org"])
        console.print(f"hub: {o['score']:.3f}  {o['org']}  {name}", highlight=False)
