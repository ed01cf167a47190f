"""Use cases of datasets shared by the API, the dashboard and the CLI: validating uploads,
summaries, tables."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from citynexus.data import Dataset, read
from citynexus.data.dataset import summary_counts
from citynexus.data.limits import InputLimitError
from citynexus.errors import CityNexusError, DatasetValidationError
from citynexus.services import audit
from citynexus.services.auth import Principal, check_write
from citynexus.store import datasets as store

if TYPE_CHECKING:
    from citynexus.services.workers import Workers

TABLE_FILES = ("units.csv", "indicators.csv", "values.csv")
XLSX_NAME = "upload.xlsx"
FOLDER_NAME = "upload"


def dataset_from_upload(files: list[tuple[str, bytes]], name: str) -> Dataset:
    """Validate uploaded files: one .xlsx workbook, one .zip holding the three CSV files,
    or the three CSV files themselves. Raises DatasetValidationError listing every problem,
    named by the uploaded files (never by the server's temporary paths)."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return _read_upload(files, name, Path(tmp))
        except DatasetValidationError as err:
            raise _scrubbed(err, tmp, files) from None
        except InputLimitError as err:
            raise InputLimitError(_clean_paths(str(err), tmp, files)) from None


def _shown(files: list[tuple[str, bytes]]) -> str:
    return files[0][0] if len(files) == 1 else "the upload"


def _clean_paths(text: str | None, tmp: str, files: list[tuple[str, bytes]]) -> str | None:
    """``text`` with the temporary paths replaced by the name of what was uploaded."""
    for path in (f"{tmp}/{XLSX_NAME}", f"{tmp}/{FOLDER_NAME}", tmp, XLSX_NAME):
        text = text.replace(path, _shown(files)) if text else text
    return text


def _scrubbed(err: DatasetValidationError, tmp: str, files: list[tuple[str, bytes]]) -> DatasetValidationError:
    """The error with the temporary paths replaced by the name of what was uploaded."""
    shown = _shown(files)

    def clean(text: str | None) -> str | None:
        return _clean_paths(text, tmp, files)

    for pr in err.problems:
        pr.problem, pr.fix, pr.location.file = clean(pr.problem), clean(pr.fix), clean(pr.location.file)
        pr.args = (str(pr),)
    return DatasetValidationError(err.problems, shown)


def _read_upload(files: list[tuple[str, bytes]], name: str, root: Path) -> Dataset:
    if not files:
        raise CityNexusError(
            "no file uploaded: send an .xlsx workbook, a .zip of units/indicators/values.csv, or the three CSV files"
        )
    if len(files) == 1 and files[0][0].lower().endswith((".xlsx", ".xlsm")):
        p = root / XLSX_NAME
        p.write_bytes(files[0][1])
        return read(p, name=name)
    folder = root / FOLDER_NAME
    folder.mkdir()
    if len(files) == 1 and files[0][0].lower().endswith(".zip"):
        from citynexus.data.limits import extract_zip_members

        def wanted(filename: str) -> str | None:
            base = Path(filename).name.lower()
            return base if base in TABLE_FILES else None

        # entry count and unpacked size are counted while streaming (never the declared sizes)
        extract_zip_members(files[0][1], folder, wanted, name=Path(files[0][0]).name)
        return read(folder, name=name)
    for fname, content in files:
        base = Path(fname).name.lower()
        if base not in TABLE_FILES:
            raise CityNexusError(
                f"unexpected file '{fname}': upload units.csv, indicators.csv and values.csv, "
                "an .xlsx workbook or a .zip"
            )
        (folder / base).write_bytes(content)
    return read(folder, name=name)


def _size(files: list[tuple[str, bytes]]) -> int:
    return sum(len(content) for _, content in files)


def validate_files(files: list[tuple[str, bytes]], name: str) -> dict:
    """Validate uploaded files without storing them: ``{"valid": true, "stored": false}`` and
    the dataset's :func:`summary` (DatasetValidationError listing every problem)."""
    return {"valid": True, "stored": False, **summary(dataset_from_upload(files, name), False)}


def validate_upload(workers: Workers, files: list[tuple[str, bytes]], name: str) -> dict:
    """:func:`validate_files` in one of ``workers``' processes (small files in the calling thread)."""
    return workers.run(validate_files, files, name, size=_size(files))


def upload_files(
    engine: Engine, who: Principal, files: list[tuple[str, bytes]], name: str, replace: bool, client: str | None
) -> dict:
    """Validate uploaded files and store the dataset (:func:`upload`)."""
    return upload(engine, who, dataset_from_upload(files, name), name, replace, client)


def store_upload(
    workers: Workers,
    engine: Engine,
    who: Principal,
    files: list[tuple[str, bytes]],
    name: str,
    replace: bool = False,
    client: str | None = None,
) -> dict:
    """:func:`upload_files` in one of ``workers``' processes (small files in the calling thread)."""
    return workers.run(upload_files, engine, who, files, name, replace, client, size=_size(files))


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


def table_json(ds: Dataset, period: int | None = None) -> dict:
    """The unit x indicator table of ``period`` (default: latest) as JSON (NaN -> null)."""
    try:
        t = ds.table(period)
    except KeyError as err:
        raise CityNexusError(str(err).strip("'\"")) from err
    return {
        "period": period or ds.periods[-1],
        "columns": list(t.columns),
        "rows": [{"unit": u, **{k: (None if v != v else v) for k, v in r.items()}} for u, r in t.iterrows()],
    }


def upload(
    engine: Engine, who: Principal, ds: Dataset, name: str, replace: bool = False, client: str | None = None
) -> dict:
    """Store a validated dataset for ``who``'s organisation; replacing one needs write access
    to it. Audited."""
    check_write(who, None, f"dataset {name!r}")
    store.save_dataset(
        engine, ds, name, replace=replace, owner=who.org, authorize=lambda o: check_write(who, o, f"dataset {name!r}")
    )
    audit.record(engine, who, "dataset.upload", "dataset", name, client, {"replace": replace, "digest": ds.digest()})
    return summary(ds, False)


def delete(engine: Engine, who: Principal, name: str, client: str | None = None) -> dict:
    """Delete a stored dataset (write access to it needed). Audited."""
    store.delete_stored(engine, name, authorize=lambda o: check_write(who, o, f"dataset {name!r}"))
    audit.record(engine, who, "dataset.delete", "dataset", name, client)
    return {"deleted": name}
