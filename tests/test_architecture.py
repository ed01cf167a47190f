"""The layering of docs/architecture.md: what each package may load (the import contracts
themselves are checked by ``lint-imports`` in ``make test``)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {m.split(".")[0] for m in out.split()}


def test_report_builder_imports_without_the_web_stack():
    loaded = _loaded_after("citynexus.report.html")
    assert not loaded & {"fastapi", "starlette", "uvicorn"}


@pytest.mark.parametrize("module", ["citynexus.services", "citynexus.i18n"])
def test_lower_layers_load_no_face(module):
    loaded = _loaded_after(module)
    assert not loaded & {"fastapi", "typer", "jinja2"}


def test_services_load_no_face_module():
    """Importing every service module loads none of api, web, cli or report."""
    code = (
        "import importlib, pkgutil, sys, citynexus.services as s\n"
        "for m in pkgutil.iter_modules(s.__path__): importlib.import_module('citynexus.services.' + m.name)\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('citynexus.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "citynexus.services.index" in out
    assert not [m for m in out if m.split(".")[1] in ("api", "web", "cli", "report")]
