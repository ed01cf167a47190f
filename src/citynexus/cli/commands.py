"""Single commands of the top level: ``template`` and ``demo``."""

from __future__ import annotations

from pathlib import Path

import typer

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

    @app.command("demo")
    def demo() -> None:
        """Run the main job on the bundled, synthetic GBA dataset: validate it and print a
        summary table."""
        from citynexus.cli.data import print_summary
        from citynexus.data import load

        ds = load("gba")
        print_summary(ds)
