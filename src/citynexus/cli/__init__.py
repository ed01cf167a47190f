"""The ``citynexus`` command line (typer); one module per command group."""
