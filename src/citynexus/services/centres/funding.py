"""Performance-linked funding of the faces (绩效挂钩资金分配): a formula from a JSON body, records
from JSON or CSV text, the allocation with its default-formula comparison and sensitivity."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from citynexus.services.cache import LRU
from citynexus.services.centres.state import demo_network, network

_sensitivity_cache = LRU(32)


def formula_of(spec: dict[str, Any] | None, name: str = "custom"):
    """A :class:`Formula` from the TOML layout as a dict (``base_share``, ``performance``
    {``quantity``, ``quality``, ``quantity_split``, ``quality_split``}, ``limits``); a missing
    complement is filled in (``quality = 1 − quantity``...). None: the documented default."""
    from citynexus.centres import funding as fu
    from citynexus.centres.errors import FormulaError
    from citynexus.centres.formula import COMPLEMENTS, subtable

    if spec is None:
        return fu.Formula.default()
    if not isinstance(spec, dict):
        raise FormulaError("formula must be an object in the layout of the TOML formula")
    d = json.loads(json.dumps(spec))
    d.setdefault("name", name)
    perf = d.get("performance")
    if isinstance(perf, dict):
        for group, (a, b) in COMPLEMENTS.items():
            table = subtable(d, group)
            if not isinstance(table, dict):
                continue
            va, vb = table.get(a), table.get(b)
            if isinstance(va, int | float) and not isinstance(va, bool) and vb is None:
                table[b] = 1 - va
            elif isinstance(vb, int | float) and not isinstance(vb, bool) and va is None:
                table[a] = 1 - vb
    base = fu.Formula.default().to_toml_dict()
    for k, v in base.items():
        if k not in d:
            d[k] = v
        elif isinstance(v, dict) and isinstance(d[k], dict):
            for k2, v2 in v.items():
                if k2 not in d[k]:
                    d[k][k2] = v2
                elif isinstance(v2, dict) and isinstance(d[k][k2], dict):
                    d[k][k2] = {**v2, **d[k][k2]}
    return fu.Formula.from_dict(d, "formula")


def _records_of(records: list[dict[str, Any]] | None, records_csv: str | None):
    """Funding records from JSON objects or CSV text (same columns and checks as the CSV file)."""
    import csv
    import io

    from citynexus.centres import funding as fu

    if records_csv is not None:
        return fu.parse_records_csv(records_csv, "(records_csv)")
    cols = list(fu.REQUIRED_COLUMNS)
    for r in records or []:
        for k in r if isinstance(r, dict) else ():
            if k not in cols:
                cols.append(str(k))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    for r in records or []:
        if not isinstance(r, dict):
            r = {"centre": json.dumps(r)}
        w.writerow({k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v)) for k, v in r.items()})
    return fu.parse_records_csv(buf.getvalue(), "(records)")


def fund(
    db,
    budget: str,
    formula: dict[str, Any] | None = None,
    records: list[dict[str, Any]] | None = None,
    records_csv: str | None = None,
    compare_with: dict[str, Any] | None = None,
    demo: bool = False,
    sensitivity: bool = False,
) -> dict[str, Any]:
    """Allocate ``budget`` with ``formula`` (default: the documented one) over the given records,
    or — without records — over the stored network's ledger-verified records (the synthetic demo
    when none is stored). Every row also carries its amount under the default formula and the
    change (``vs_default``); amounts sum to the budget exactly (largest remainder to the cent).
    ``sensitivity``: each amount's 5-95 % range and Sobol indices when the formula's weights vary
    ±50 % (:func:`citynexus.centres.funding.sensitivity`)."""
    from citynexus.centres import funding as fu

    f = formula_of(formula)
    if records is None and records_csv is None:
        net = demo_network() if demo else network(db)
        recs = net.funding_records()
        kw: dict[str, Any] = {"centres": [c.id for c in net.centres], "affiliates": net.affiliates()}
        synthetic = net.synthetic
        names = {c.id: (c.name, c.name_zh) for c in net.centres}
    else:
        recs = _records_of(records, records_csv)
        kw, synthetic, names = {}, False, {}
    out = fu.allocate(recs, budget, f, **kw).to_json()
    default = fu.allocate(recs, budget, fu.Formula.default(), **kw).amounts()
    for r in out["allocations"]:
        r["default_amount"] = default[r["centre"]]
        r["vs_default"] = round(r["amount"] - default[r["centre"]], 2)
        if r["centre"] in names:
            r["name"], r["name_zh"] = names[r["centre"]]
    if compare_with is not None:
        g = formula_of(compare_with, "b")
        out["comparison"] = {"a": f.name, "b": g.name, "rows": fu.compare(recs, budget, f, g, **kw)}
    if sensitivity:
        key = (
            hashlib.sha256(json.dumps([r.__dict__ for r in recs], sort_keys=True, default=str).encode()).hexdigest(),
            json.dumps(f.to_toml_dict(), sort_keys=True),
            str(budget),
            json.dumps(kw, sort_keys=True, default=str),
        )
        out["sensitivity"] = _sensitivity_cache.get(key, lambda: fu.sensitivity(recs, budget, f, **kw))
    out["synthetic"] = synthetic
    return out


def funding_summary(budget: str = "1000000") -> str:
    """One line: the default formula's allocation of ``budget`` over the SYNTHETIC demo network
    (for ``citynexus demo``)."""
    out = fund(None, budget, demo=True)
    rows = out["allocations"]
    s = out["summary"]
    top, low = rows[0], rows[-1]
    return (
        f"SME service centres (synthetic demo), default funding formula: {s['sum']:,.2f} over {s['centres']} "
        f"centres from {s['counted_services']} counted services ({s['excluded_records']} not counted, "
        f"{s['flagged_records']} flagged); highest {top['centre']} {top['amount']:,.2f}, "
        f"lowest {low['centre']} {low['amount']:,.2f}"
    )
