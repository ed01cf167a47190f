"""``/api/v1/datasets``: list, get, validate and upload datasets."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, UploadFile
from sqlalchemy import Engine

from citynexus.api.deps import get_db, require_key
from citynexus.api.security import KeyInfo
from citynexus.data import Dataset, read
from citynexus.data.bundled import available, describe
from citynexus.data.dataset import summary_counts
from citynexus.errors import CityNexusError
from citynexus.store import datasets as store

router = APIRouter(prefix="/datasets", tags=["datasets"])

MAX_UPLOAD = 50 * 1024 * 1024


def dataset_from_upload(files: list[tuple[str, bytes]], name: str) -> Dataset:
    """Validate uploaded files: one .xlsx workbook, one .zip holding the three CSV files,
    or the three CSV files themselves. Raises DatasetValidationError listing every problem."""
    if not files:
        raise CityNexusError(
            "no file uploaded: send an .xlsx workbook, a .zip of units/indicators/values.csv, or the three CSV files"
        )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if len(files) == 1 and files[0][0].lower().endswith((".xlsx", ".xlsm")):
            p = root / "upload.xlsx"
            p.write_bytes(files[0][1])
            return read(p, name=name)
        folder = root / "ds"
        folder.mkdir()
        if len(files) == 1 and files[0][0].lower().endswith(".zip"):
            from citynexus.data.limits import extract_zip_members

            def wanted(filename: str) -> str | None:
                base = Path(filename).name.lower()
                return base if base in ("units.csv", "indicators.csv", "values.csv") else None

            # entry count and unpacked size are counted while streaming (never the declared sizes)
            extract_zip_members(files[0][1], folder, wanted, name=Path(files[0][0]).name)
            return read(folder, name=name)
        for fname, content in files:
            base = Path(fname).name.lower()
            if base not in ("units.csv", "indicators.csv", "values.csv"):
                raise CityNexusError(
                    f"unexpected file '{fname}': upload units.csv, indicators.csv and values.csv, "
                    "an .xlsx workbook or a .zip"
                )
            (folder / base).write_bytes(content)
        return read(folder, name=name)


def summary(ds: Dataset, bundled: bool) -> dict:
    s = summary_counts(ds)
    return {
        "name": ds.name,
        "bundled": bundled,
        "synthetic": ds.synthetic,
        "digest": ds.digest(),
        "units": s["units"],
        "indicators": s["indicators"],
        "aggregates": s["aggregates"],
        "per_level": s["per_level"],
        "periods": s["periods"],
        "coverage": round(float(s["coverage"]), 6),
        "groups": s["groups"],
    }


async def _read_files(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    out = []
    for f in files:
        content = await f.read()
        if len(content) > MAX_UPLOAD:
            raise CityNexusError(f"{f.filename} is larger than {MAX_UPLOAD // 2**20} MiB")
        out.append((f.filename or "upload", content))
    return out


@router.get("", summary="List bundled and stored datasets")
def list_datasets(db: Engine = Depends(get_db)) -> list[dict]:
    bundled = [{"name": n, "description": describe(n), "bundled": True} for n in available()]
    return bundled + store.list_stored(db)


@router.get("/{name}", summary="A dataset's summary, units and framework")
def get_dataset(name: str, db: Engine = Depends(get_db)) -> dict:
    ds = store.resolve(db, name)
    body = summary(ds, name in available())
    body["units_table"] = store._records(ds.units)
    body["framework"] = store._records(ds.indicators)
    return body


@router.get("/{name}/table", summary="Units x indicators values of one period")
def get_table(name: str, period: int | None = None, db: Engine = Depends(get_db)) -> dict:
    ds = store.resolve(db, name)
    try:
        t = ds.table(period)
    except KeyError as err:
        raise CityNexusError(str(err).strip("'\"")) from err
    return {
        "period": period or ds.periods[-1],
        "columns": list(t.columns),
        "rows": [{"unit": u, **{k: (None if v != v else v) for k, v in r.items()}} for u, r in t.iterrows()],
    }


@router.post("/validate", summary="Validate files without storing them (no key needed)")
async def validate(files: list[UploadFile] = File(...), name: str = Form("upload")) -> dict:
    ds = dataset_from_upload(await _read_files(files), name)
    return {"valid": True, **summary(ds, False)}


@router.post("", status_code=201, summary="Upload a dataset (needs an API key)")
async def upload(
    files: list[UploadFile] = File(..., description=".xlsx, .zip of the three CSVs, or the three CSVs"),
    name: str = Form(..., description="Name to store the dataset under"),
    replace: bool = Form(False, description="Overwrite a stored dataset of the same name"),
    db: Engine = Depends(get_db),
    _key: KeyInfo = Depends(require_key),
) -> dict:
    ds = dataset_from_upload(await _read_files(files), name)
    store.save_dataset(db, ds, name, replace=replace)
    return summary(ds, False)


@router.delete("/{name}", summary="Delete a stored dataset (needs an API key)")
def delete(name: str, db: Engine = Depends(get_db), _key: KeyInfo = Depends(require_key)) -> dict:
    store.delete_stored(db, name)
    return {"deleted": name}
