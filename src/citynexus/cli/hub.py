"""``citynexus hub``: import, export, search, match and portraits of the cooperation hub."""

from __future__ import annotations

from pathlib import Path

import typer

from citynexus.cli._options import DbOpt, JsonOpt, command_group, print_json
from citynexus.cli.common import console, err_console

app = command_group(
    "Cooperation hub (合作平台): organizations, offers and needs; bilingual matching; portraits.", database=True
)

CONFIG_HELP = "TOML file with matching options (see docs/hub.md); defaults are used for options it leaves out."


def _config(path: Path | None):
    from citynexus.hub.config import MatchConfig

    return MatchConfig.from_toml(path) if path else MatchConfig()


def _matcher(db: str | None, config: Path | None):
    from citynexus.hub import Hub

    hub = Hub(db)
    with err_console.status("loading the sentence encoder and indexing the hub ..."):
        return hub, hub.matcher(config=_config(config)).build()


@app.command("import")
def import_(
    file: str = typer.Argument(
        ..., help="JSON Lines (.jsonl) or Excel (.xlsx) file; the word 'demo' imports the bundled synthetic demo hub."
    ),
    db: DbOpt = None,
    no_vectors: bool = typer.Option(
        False, "--no-vectors", help="Do not compute sentence vectors now (they are computed at the first match)."
    ),
) -> None:
    """Import organizations, offers and needs. All-or-nothing: if any line is wrong, nothing is
    stored and every problem is listed with its line and field. Existing ids are updated."""
    from citynexus.hub import Hub, demo_path

    path = str(demo_path()) if file == "demo" else file
    hub = Hub(db)
    report = hub.import_file(path)
    console.print(report.summary(), highlight=False)
    if not no_vectors:
        with err_console.status("computing sentence vectors of new or changed texts ..."):
            hub.ensure_vectors()
    counts = hub.counts()
    console.print(
        f"hub now holds {counts['organizations']} organizations, {counts['offers']} offers, {counts['needs']} needs"
    )


@app.command("export")
def export(
    file: Path = typer.Argument(..., help="File to write: .jsonl (JSON Lines) or .xlsx (Excel, one sheet per type)."),
    db: DbOpt = None,
    force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
) -> None:
    """Export every record of the hub; the file imports back unchanged."""
    from citynexus.hub import Hub

    if file.exists() and not force:
        raise typer.BadParameter(f"{file} exists; pass --force to overwrite", param_hint="FILE")
    n = Hub(db).export(file)
    console.print(f"wrote {n} records to {file}")


@app.command("search")
def search(
    text: str = typer.Argument(..., help="What to look for, in Chinese or English (either finds both)."),
    lang: str | None = typer.Option(None, "--lang", help="Show only listings written in this language: zh or en."),
    needs: bool = typer.Option(False, "--needs", help="Search needs instead of offers."),
    top: int = typer.Option(10, "--top", "-k", min=1, help="How many results."),
    as_json: JsonOpt = False,
    db: DbOpt = None,
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Free-text hybrid search of offers (or needs) across Chinese and English."""
    _hub, m = _matcher(db, config)
    target = "need" if needs else "offer"
    res = m.search(text, top=top, target=target, lang=lang)
    if as_json:
        print_json([r.to_json() for r in res])
        return
    _print_matches(m, res, target, f"{target}s for: {text}")


@app.command("match")
def match(
    item_id: str = typer.Argument(..., help="Id of a need (ranks offers) or, with --offer, of an offer (ranks needs)."),
    top: int = typer.Option(10, "--top", "-k", min=1, help="How many matches."),
    offer: bool = typer.Option(False, "--offer", help="ITEM_ID is an offer: find the needs it can serve."),
    mode: str = typer.Option("hybrid", "--mode", help="Retrieval: hybrid (default), bm25 or dense."),
    as_json: bool = typer.Option(
        False, "--json", help='Print JSON: a list of {"offer": id, "score": x, "reasons": {...}}.'
    ),
    db: DbOpt = None,
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Rank offers for a need (or needs for an offer) with scores and the reasons behind them."""
    _hub, m = _matcher(db, config)
    res = m.match_offer(item_id, top=top, mode=mode) if offer else m.match_need(item_id, top=top, mode=mode)
    if as_json:
        print_json([r.to_json() for r in res])
        return
    src = m.offers[item_id] if offer else m.needs[item_id]
    _print_matches(m, res, "need" if offer else "offer", f"matches for {item_id}: {src.title}")


@app.command("partners")
def partners(
    org_id: str = typer.Argument(..., help="Organization id."),
    top: int = typer.Option(10, "--top", "-k", min=1, help="How many partners."),
    as_json: JsonOpt = False,
    db: DbOpt = None,
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Suggest partner organizations: owners of the best offers for its needs and of the needs its offers serve."""
    from rich.table import Table

    _hub, m = _matcher(db, config)
    res = m.partners(org_id, top=top)
    if as_json:
        print_json([p.to_json() for p in res])
        return
    t = Table(title=f"partners for {org_id}", header_style="bold", title_justify="left")
    for c in ("org", "name", "city", "score", "linking pairs"):
        t.add_column(c, justify="right" if c == "score" else "left", overflow="fold")
    for p in res:
        o = m.orgs[p.org]
        pairs = ", ".join(
            f"{d['need']}<-{d['offer']}" if d["via"] == "need" else f"{d['offer']}->{d['need']}" for d in p.pairs[:3]
        )
        t.add_row(p.org, o.name_zh or o.name, o.city, f"{p.score:.3f}", pairs)
    console.print(t)


@app.command("portrait")
def portrait(
    org_id: str = typer.Argument(..., help="Organization id."),
    as_json: bool = typer.Option(False, "--json", help="Print the portrait as JSON."),
    db: DbOpt = None,
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Digital portrait of an organization: profile, offers and needs, keywords, network position, partners."""
    from citynexus.hub.portrait import portrait as make_portrait
    from citynexus.hub.portrait import render_text

    _hub, m = _matcher(db, config)
    with err_console.status("computing the match network ..."):
        p = make_portrait(m, org_id)
    if as_json:
        print_json(p)
    else:
        print(render_text(p))


def _print_matches(m, res, item_type: str, title: str) -> None:
    from rich.table import Table

    if not res:
        console.print(f"{title}: no match (every candidate was filtered out or nothing is indexed)")
        return
    t = Table(title=title, header_style="bold", title_justify="left", show_lines=True)
    for c in (item_type, "org / city", "score", "title", "why"):
        t.add_column(c, justify="right" if c == "score" else "left", overflow="fold")
    items = m.offers if item_type == "offer" else m.needs
    for r in res:
        org = m.orgs.get(r.org)
        where = f"{r.org} {org.city}" if org else r.org
        t.add_row(r.item_id, where, f"{r.score:.3f}", items[r.item_id].title, r.reasons.get("summary", ""))
    console.print(t)
