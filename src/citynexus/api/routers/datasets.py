"""``/api/v1/datasets``: list, get, validate and upload datasets."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import JOB_RESPONSES, client_of, get_db, get_workers, read_upload, require_key
from citynexus.data.bundled import available, describe
from citynexus.services import datasets
from citynexus.services.auth import Principal
from citynexus.services.datasets import summary, table_json
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


@router.post("/validate", summary="Validate files without storing them (no key needed)", responses=JOB_RESPONSES)
async def validate(request: Request, files: list[UploadFile] = File(...), name: str = Form("upload")) -> dict:
    return await run_in_threadpool(datasets.validate_upload, get_workers(request), await _read_files(files), name)


@router.post("", status_code=201, summary="Upload a dataset (needs an API key)", responses=JOB_RESPONSES)
async def upload(
    request: Request,
    files: list[UploadFile] = File(..., description=".xlsx, .zip of the three CSVs, or the three CSVs"),
    name: str = Form(..., description="Name to store the dataset under"),
    replace: bool = Form(False, description="Overwrite a stored dataset of the same name"),
    db: Engine = Depends(get_db),
    who: Principal = Depends(require_key),
) -> dict:
    content = await _read_files(files)
    workers = get_workers(request)
    return await run_in_threadpool(datasets.store_upload, workers, db, who, content, name, replace, client_of(request))


@router.delete("/{name}", summary="Delete a stored dataset (needs an API key)")
def delete(request: Request, name: str, db: Engine = Depends(get_db), who: Principal = Depends(require_key)) -> dict:
    return datasets.delete(db, who, name, client_of(request))
