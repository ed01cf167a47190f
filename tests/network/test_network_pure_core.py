"""The numerical core of city networks and region analytics is pure: importing it loads no
plotting library, and its modules do no file, database or terminal I/O (readers and writers
live in :mod:`citynexus.data.network_io` and :mod:`citynexus.data.boundaries`)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import citynexus

SRC = Path(citynexus.__file__).resolve().parent
CORE = sorted([*(SRC / "network").glob("*.py"), *(SRC / "region").glob("*.py")])
# I/O modules and calls that the pure core must not use
BANNED_MODULES = {"sqlite3", "tempfile", "shutil", "io", "csv", "rich", "typer", "click"}
BANNED_CALLS = {"open", "print", "input"}
BANNED_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink", "savefig"}


def _runs_in_a_fresh_interpreter(code: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC.parent)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr


def test_import_loads_no_plotting_library_nor_database_driver():
    code = (
        "import sys, citynexus.network, citynexus.region\n"
        "from citynexus.network import interlocking, plot_links\n"
        "from citynexus.region import coupling_coordination, spatial_weights, moran\n"
        "from citynexus.region import geo, plots\n"
        "bad = [m for m in ('matplotlib', 'plotly', 'sqlite3', 'sqlalchemy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    _runs_in_a_fresh_interpreter(code)


def test_plot_loads_matplotlib_on_demand():
    code = (
        "import sys, pandas as pd\n"
        "from citynexus.network import interlocking\n"
        "xy = pd.DataFrame({'lat': [22.5, 23.1], 'lon': [114.1, 113.3]}, index=['SZ', 'GZ'])\n"
        "res = interlocking(pd.DataFrame({'f': [1, 2]}, index=['SZ', 'GZ']), coords=xy)\n"
        "assert 'matplotlib' not in sys.modules\n"
        "res.plot()\n"
        "assert 'matplotlib' in sys.modules\n"
    )
    _runs_in_a_fresh_interpreter(code)


def _io_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in BANNED_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in BANNED_MODULES:
            found.append(f"from {node.module} import")
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in BANNED_CALLS:
                found.append(f"{f.id}() on line {node.lineno}")
            elif isinstance(f, ast.Attribute) and f.attr in BANNED_METHODS:
                found.append(f".{f.attr}() on line {node.lineno}")
    return found


@pytest.mark.parametrize("path", CORE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_core_module_does_no_io(path):
    assert _io_uses(path) == []


def test_the_io_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nprint(open('x').read())\nfrom pathlib import Path\nPath('y').write_text('z')\n")
    assert len(_io_uses(bad)) == 4
