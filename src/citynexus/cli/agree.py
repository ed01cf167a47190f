"""``citynexus agree``: agreements whose terms are KPI rules (CEL) checked on reported values."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from citynexus.cli.common import console

app = typer.Typer(
    help="Agreements (合作协议) with executable KPI terms: validate, check on reports, store, verify, graph.\n\n"
    "The database is --db URL (an SQLAlchemy URL or an SQLite file path), else $CITYNEXUS_DB.",
    no_args_is_help=True,
)

DB_HELP = "Database: SQLAlchemy URL (sqlite:///x.db, postgresql://...) or SQLite file path. Default: $CITYNEXUS_DB."
ASOF_HELP = "Evaluate as of this date (YYYY-MM-DD); periods ending later are not_due. Default: today."


def _one_line(fn):
    """Print an agreement error as exactly one line on stderr (no wrapping, no traceback)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from citynexus.agree.errors import AgreementError, RuleError, VerifyError

        try:
            return fn(*args, **kwargs)
        except (AgreementError, RuleError, VerifyError) as err:
            typer.echo("error: " + " ".join(str(err).split()), err=True)
            raise SystemExit(1) from None

    return wrapper


def _dump(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _as_of(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from citynexus.agree.errors import AgreeError

        raise AgreeError(f"--as-of {value!r} is not a date; write YYYY-MM-DD") from None


@app.command("validate")
@_one_line
def validate(
    files: list[Path] = typer.Argument(..., help="Agreement TOML files."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check agreement files: keys, dates, parties, frequencies and that every rule compiles.
    A bad agreement exits with status 1 and one line naming the file, the term and the fix."""
    from citynexus.agree import load_agreement

    out = []
    for f in files:
        ag = load_agreement(f)
        out.append({"file": str(f), "agreement": ag.id, "terms": len(ag.terms), "ok": True})
    if as_json:
        _dump(out)
        return
    for o in out:
        console.print(f"{o['file']}: agreement {o['agreement']} is valid ({o['terms']} terms)", highlight=False)


@app.command("check")
@_one_line
def check(
    agreement: Path = typer.Argument(..., help="Agreement TOML file."),
    reports: Path | None = typer.Option(
        None, "--reports", help="Reports: CSV, .xlsx or JSON rows agreement,party,metric,period,value."
    ),
    as_of: str | None = typer.Option(None, "--as-of", help=ASOF_HELP),
    as_json: bool = typer.Option(False, "--json", help='Print {"agreement": ID, "results": [...]} as JSON.'),
    lang: str = typer.Option("en", "--lang", help="Language of the table: en or zh."),
) -> None:
    """Evaluate every term and period of an agreement on a report file, from files alone (no
    database, no hub). Only rows whose agreement column is this agreement's id count."""
    from citynexus.agree import evaluate, load_agreement, read_reports
    from citynexus.agree.reports import empty_reports

    day = _as_of(as_of)
    ag = load_agreement(agreement)
    rows = read_reports(reports, [ag], only_known=True) if reports is not None else empty_reports()
    ev = evaluate(ag, rows, day)
    if as_json:
        _dump(ev.to_dict())
        return
    _print_results(ev, lang)


def _print_results(ev, lang: str) -> None:
    from rich.table import Table

    from citynexus.i18n import t

    zh = lang.startswith("zh")
    tab = Table(title=f"{ev.agreement} @ {ev.as_of.isoformat()}", header_style="bold", title_justify="left")
    for key in ("agree_col_term", "agree_col_period", "agree_col_status", "agree_col_explanation"):
        tab.add_column(t(key, lang))
    for r in ev.results:
        tab.add_row(r.term, r.period, t(f"agree_status_{r.status}", lang), r.explanation_zh if zh else r.explanation)
    console.print(tab)
    c = ev.counts()
    console.print(", ".join(f"{t(f'agree_status_{k}', lang)}: {v}" for k, v in c.items()), highlight=False)
