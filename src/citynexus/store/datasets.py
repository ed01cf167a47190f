"""Datasets kept in the store (uploaded through the API or dashboard).

A stored dataset is validated before it is written, and written in one transaction, so an
invalid upload never changes what is stored.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from sqlalchemy import Engine, select

from citynexus.data import Dataset
from citynexus.errors import CityNexusError, ConflictError, NotFoundError
from citynexus.store import session_scope
from citynexus.store.app import StoredDataset


class DatasetExistsError(ConflictError):
    """A dataset of that name is already stored."""


class DatasetNotFoundError(NotFoundError):
    """No stored or bundled dataset has that name."""


def _records(df: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in df.astype(object).to_dict("records")
    ]


def save_dataset(
    engine: Engine,
    ds: Dataset,
    name: str,
    replace: bool = False,
    owner: str | None = None,
    authorize: Callable[[str], None] | None = None,
) -> StoredDataset:
    """Store a validated dataset under ``name`` for organisation ``owner``; refuses an existing
    name unless ``replace``, and then calls ``authorize(existing_owner)`` (which raises to
    refuse) inside the same transaction."""
    if not name or len(name) > 200 or "/" in name:
        raise CityNexusError(f"dataset name {name!r} is not usable: give 1-200 characters without '/'")
    from citynexus.data.bundled import available

    if name in available():
        raise DatasetExistsError(f"'{name}' is the name of a bundled dataset; choose another name")
    tables = {"units": _records(ds.units), "indicators": _records(ds.indicators), "values": _records(ds.values)}
    with session_scope(engine) as s:
        row = s.scalars(select(StoredDataset).where(StoredDataset.name == name)).first()
        if row is not None and not replace:
            raise DatasetExistsError(f"a dataset named '{name}' already exists; pass replace=true to overwrite it")
        if row is not None and authorize is not None:
            authorize(row.owner_org)
        if row is None:
            row = StoredDataset(name=name, **({"owner_org": owner} if owner else {}))
            s.add(row)
        row.digest = ds.digest()
        row.n_units = len(ds.units)
        row.n_indicators = len(ds.codes("indicator"))
        row.periods = ds.periods
        row.tables = tables
        s.flush()
        s.expunge(row)
        return row


def load_stored(engine: Engine, name: str) -> Dataset:
    with session_scope(engine) as s:
        row = s.scalars(select(StoredDataset).where(StoredDataset.name == name)).first()
        if row is None:
            raise DatasetNotFoundError(f"no dataset named '{name}'")
        t = row.tables
    units = pd.DataFrame(t["units"])
    for c in ("lat", "lon"):
        units[c] = pd.to_numeric(units[c]).astype(float)
    units = units.fillna({c: "" for c in units.columns if c not in ("lat", "lon")})
    ind = pd.DataFrame(t["indicators"]).fillna("")
    ind["level"] = ind["level"].astype(int)
    ind["direction"] = ind["direction"].astype(int)
    ind["weight"] = ind["weight"].astype(float)
    vals = pd.DataFrame(t["values"])
    vals["period"] = vals["period"].astype("int64")
    vals["value"] = vals["value"].astype(float)
    return Dataset(units=units, indicators=ind, values=vals, name=name)


def list_stored(engine: Engine) -> list[dict]:
    with session_scope(engine) as s:
        rows = s.scalars(select(StoredDataset).order_by(StoredDataset.name)).all()
        return [
            {
                "name": r.name,
                "digest": r.digest,
                "units": r.n_units,
                "indicators": r.n_indicators,
                "periods": r.periods,
                "created": r.created.isoformat(),
                "owner": r.owner_org,
                "bundled": False,
            }
            for r in rows
        ]


def delete_stored(engine: Engine, name: str, authorize: Callable[[str], None] | None = None) -> None:
    """Delete a stored dataset; ``authorize(owner)`` (which raises to refuse) runs first, in
    the same transaction."""
    with session_scope(engine) as s:
        row = s.scalars(select(StoredDataset).where(StoredDataset.name == name)).first()
        if row is None:
            raise DatasetNotFoundError(f"no stored dataset named '{name}'")
        if authorize is not None:
            authorize(row.owner_org)
        s.delete(row)


def resolve(engine: Engine | None, name: str) -> Dataset:
    """A bundled dataset by name, else a stored one."""
    from citynexus.data.bundled import available, load

    if name in available():
        return load(name)
    if engine is None:
        raise DatasetNotFoundError(f"no dataset named '{name}'")
    return load_stored(engine, name)
