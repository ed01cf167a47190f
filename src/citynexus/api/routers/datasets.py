"""``/api/v1/datasets``: list, get, validate and upload datasets."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import client_of, get_db, read_upload, require_key
from citynexus.data.bundled import available, describe
from citynexus.services import datasets
from citynexus.services.auth import Principal
from citynexus.services.datasets import dataset_from_upload, summary, table_json
from citynexus.store import datasets as store

router = APIRouter(prefix="/datasets", tags=["datasets"])

MAX_UPLOAD = 50 * 1024 * 1024


async def _read_files(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    return [(f.filename or "upload", await read_upload(f, MAX_UPLOAD)) for f in files]


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
    return table_json(store.resolve(db, name), period)


@router.post("/validate", summary="Validate files without storing them (no key needed)")
async def validate(files: list[UploadFile] = File(...), name: str = Form("upload")) -> dict:
    ds = await run_in_threadpool(dataset_from_upload, await _read_files(files), name)
    return {"valid": True, "stored": False, **await run_in_threadpool(summary, ds, False)}


@router.post("", status_code=201, summary="Upload a dataset (needs an API key)")
async def upload(
    request: Request,
    files: list[UploadFile] = File(..., description=".xlsx, .zip of the three CSVs, or the three CSVs"),
    name: str = Form(..., description="Name to store the dataset under"),
    replace: bool = Form(False, description="Overwrite a stored dataset of the same name"),
    db: Engine = Depends(get_db),
    who: Principal = Depends(require_key),
) -> dict:
    ds = await run_in_threadpool(dataset_from_upload, await _read_files(files), name)
    return await run_in_threadpool(datasets.upload, db, who, ds, name, replace, client_of(request))


@router.delete("/{name}", summary="Delete a stored dataset (needs an API key)")
def delete(request: Request, name: str, db: Engine = Depends(get_db), who: Principal = Depends(require_key)) -> dict:
    return datasets.delete(db, who, name, client_of(request))
