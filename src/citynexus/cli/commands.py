"""Single commands of the top level: ``template``, ``serve``, ``report`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import typer

from citynexus.cli._options import DbOpt, LangOpt
from citynexus.cli.common import console


def register(app: typer.Typer) -> None:
    """Attach the top-level commands to ``app``."""

    @app.command("template")
    def template(
        out: Path = typer.Argument(Path("citynexus-template.xlsx"), help="Workbook to write (.xlsx)."),
        force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
    ) -> None:
        """Write an Excel workbook to fill in: sheets units, indicators and values with one
        example row each, plus a 'guide' sheet describing every column (中文/English)."""
        from citynexus.data.template import write_template

        if out.exists() and not force:
            raise typer.BadParameter(f"{out} exists; pass --force to overwrite", param_hint="OUT")
        write_template(out)
        console.print(f"wrote {out}: fill in the three sheets, then run [bold]citynexus data check {out}[/]")

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8000, "--port", help="Port to listen on."),
        db: DbOpt = None,
        workers: int = typer.Option(
            1, "--workers", min=1, max=64, help="Worker processes (use PostgreSQL for more than one writer)."
        ),
        job_workers: int = typer.Option(
            None,
            "--job-workers",
            min=0,
            max=16,
            help="Processes per server process for heavy jobs (imports, uploads, analyses); 0 runs them in a "
            "thread of the server. Default: $CITYNEXUS_JOB_WORKERS or 2.",
        ),
        job_timeout: float = typer.Option(
            None,
            "--job-timeout",
            min=1,
            help="Seconds a heavy job may run before it is stopped (nothing stored; the client gets 413). "
            "Default: $CITYNEXUS_JOB_TIMEOUT or 300.",
        ),
    ) -> None:
        """Start the dashboard and REST API (OpenAPI docs at /docs; health at /healthz, readiness at
        /readyz). With --workers N, N processes share the database; their caches are keyed by the
        stored content, so every worker answers the same. Hub imports, large dataset uploads and
        robustness analyses run in separate job processes (--job-workers), so the server keeps
        answering while they work."""
        import os

        import uvicorn

        from citynexus.api import create_app

        if job_workers is not None:  # read by every server process (citynexus.services.workers)
            os.environ["CITYNEXUS_JOB_WORKERS"] = str(job_workers)
        if job_timeout is not None:
            os.environ["CITYNEXUS_JOB_TIMEOUT"] = str(job_timeout)
        os.environ.setdefault("CITYNEXUS_JOB_WARM", "1")  # job processes start with the server
        if workers == 1:
            app = create_app(db)  # a database that cannot be opened stops here, before the banner
            console.print(f"citynexus dashboard on http://{host}:{port}/  (API docs: /docs; 1 worker(s))")
            uvicorn.run(app, host=host, port=port, log_level="warning")
            return
        if db:
            from citynexus.store import normalise_url

            os.environ["CITYNEXUS_DB"] = normalise_url(db)
        create_app()  # fail here, once, on a database that cannot be opened
        console.print(f"citynexus dashboard on http://{host}:{port}/  (API docs: /docs; {workers} worker(s))")
        uvicorn.run(
            "citynexus.api.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="warning"
        )

    @app.command("report")
    def report(
        data: str = typer.Option(
            ..., "--data", "-d", help="Your dataset: a folder of CSV files, an .xlsx workbook, or a bundled name (gba)."
        ),
        spec: Path = typer.Option(
            None, "--spec", "-s", help="Index spec TOML (default: the dataset's bundled spec, else the generic one)."
        ),
        out: Path = typer.Option(
            Path("report"), "--out", "-o", help="Folder for the HTML report(s), results.xlsx, csv/."
        ),
        lang: str = typer.Option(
            None, "--lang", help="Report language(s): en, zh, zh-Hant or a list such as en,zh (default: all three)."
        ),
    ) -> None:
        """The full report for your own dataset: the index and ranking with rank intervals,
        coupling coordination of the top index's subsystems (pillars), disparity, spatial
        autocorrelation where coordinates exist (left out with a note where they do not), the
        gravity network where GDP and coordinates exist, obstacle degrees, the methods used and
        provenance. Writes report.html, report_zh.html and report_zh-Hant.html (readable
        offline), results.xlsx and csv/."""
        from citynexus.cli.report import parse_langs, run_report

        langs = parse_langs(lang)
        paths = run_report(data, out, langs, spec_path=spec, print_lang="zh" if langs == ["zh"] else "en")
        for path in paths:
            console.print(f"wrote {path}")

    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("report"), "--out", "-o", help="Folder for the report, results.xlsx and CSVs."),
        lang: LangOpt = "en",
    ) -> None:
        """`citynexus report --data gba`: the main job on the bundled **synthetic** GBA dataset:
        the GBA coordinated development index, its uncertainty analysis (500 replications of the
        spec's uncertain choices) and each city's rank range under any subsystem weights, the
        panel scores 2015–2024, coupling coordination of the two subsystems, disparity between
        core and other cities, spatial autocorrelation, the gravity network and obstacle degrees;
        print a summary table and write a report folder (report.html, report_zh.html and
        report_zh-Hant.html, readable offline; results.xlsx; csv/)."""
        from citynexus.cli.report import REPORT_LANGS, ReportUsageError, check_out, run_report

        if lang not in ("en", "zh"):
            raise ReportUsageError(f"--lang {lang!r}: the printed table is in en or zh")
        check_out(out)
        from citynexus.services.agree import demo_summary

        agreements = demo_summary()  # loaded before the report, whose agreements section shows them
        for path in run_report("gba", out, list(REPORT_LANGS), print_lang=lang):
            console.print(f"wrote {path}")
        console.print(agreements, highlight=False, soft_wrap=True)
        from citynexus.services.centres import funding_summary

        console.print(funding_summary(), highlight=False, soft_wrap=True)
        from citynexus.cli.watch import risk_summary

        console.print(risk_summary(lang), highlight=False, soft_wrap=True)
        from citynexus.services.cases import library_summary

        console.print(library_summary(lang=lang), highlight=False, soft_wrap=True)
