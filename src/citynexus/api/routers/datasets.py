"""``/api/v1/datasets``: list, get, validate and upload datasets."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from citynexus.api.deps import JOB_RESPONSES, Db, Jobs, Writer, read_upload
from citynexus.data.bundled import available, describe
from citynexus.services import datasets
from citynexus.services.datasets import summary, table_json
from citynexus.store import datasets as store

router = APIRouter(prefix="/datasets", tags=["datasets"])

MAX_UPLOAD = 50 * 1024 * 1024


async def _read_files(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    return [(f.filename or "upload", await read_upload(f, MAX_UPLOAD)) for f in files]


@router.get("", summary="List bundled and stored datasets")
def list_datasets(db: Db) -> list[dict]:
    bundled = [{"name": n, "description": describe(n), "bundled": True} for n in available()]
    return bundled + store.list_stored(db)


@router.get("/{name}", summary="A dataset's summary, units and framework")
def get_dataset(name: str, db: Db) -> dict:
    ds = store.resolve(db, name)
    body = summary(ds, name in available())
    body["units_table"] = store._records(ds.units)
    body["framework"] = store._records(ds.indicators)
    return body


@router.get("/{name}/table", summary="Units x indicators values of one period")
def get_table(name: str, db: Db, period: int | None = None) -> dict:
    return table_json(store.resolve(db, name), period)


@router.post("/validate", summary="Validate files without storing them (no key needed)", responses=JOB_RESPONSES)
async def validate(workers: Jobs, files: list[UploadFile] = File(...), name: str = Form("upload")) -> dict:
    return await run_in_threadpool(datasets.validate_upload, workers, await _read_files(files), name)


@router.post("", status_code=201, summary="Upload a dataset (needs an API key)", responses=JOB_RESPONSES)
async def upload(
    workers: Jobs,
    w: Writer,
    files: list[UploadFile] = File(..., description=".xlsx, .zip of the three CSVs, or the three CSVs"),
    name: str = Form(..., description="Name to store the dataset under"),
    replace: bool = Form(False, description="Overwrite a stored dataset of the same name"),
) -> dict:
    content = await _read_files(files)
    return await run_in_threadpool(datasets.store_upload, workers, w.db, w.who, content, name, replace, w.client)


@router.delete("/{name}", summary="Delete a stored dataset (needs an API key)")
def delete(name: str, w: Writer) -> dict:
    return datasets.delete(w.db, w.who, name, w.client)
