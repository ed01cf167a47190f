"""`citynexus data convert --from coinr` reads COINr's iData/iMeta layout (CSV folder or Excel
workbook); the converted ASEM dataset reproduces the published COINr results exactly as the
hand conversion of the tests does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _evaluate_data import COINR_SPEC, asem
from test_evaluate_asem import COLUMNS, PUBLISHED
from tests._cli import run_main

from citynexus.data import read
from citynexus.data.coinr import read_coinr
from citynexus.errors import DatasetValidationError
from citynexus.evaluate import IndexSpec, build

#: the reference pipeline with COINr's own group column name (the hand conversion renames it "group")
SPEC = COINR_SPEC.replace('group = "group"', 'group = "EurAsia_group"')


@pytest.fixture(scope="module")
def reference(shared_data):
    return build(asem(shared_data / "asem"), IndexSpec.from_toml(COINR_SPEC))


def test_convert_csv_folder_reproduces_asem(shared_data, tmp_path, capsys, reference):
    out = tmp_path / "asem"
    code, printed, err = run_main(["data", "convert", str(shared_data / "asem"), str(out), "--from", "coinr"], capsys)
    assert code == 0, err
    assert "51 units" in " ".join(printed.split())
    ds = read(out)
    assert len(ds.codes("indicator")) == 49 and len(ds.codes("aggregate")) == 11 and len(ds.codes("denominator")) == 4
    assert {"GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"} <= set(ds.units.columns)
    assert int(ds.table().isna().sum().sum()) == 63
    r = build(ds, IndexSpec.from_toml(SPEC))
    pd.testing.assert_frame_equal(r.scores, reference.scores, rtol=0, atol=1e-12)
    got = r.scores.loc[list(PUBLISHED), COLUMNS]
    np.testing.assert_allclose(got.to_numpy(), pd.DataFrame(PUBLISHED, index=COLUMNS).T.to_numpy(), atol=0.005 + 1e-9)


def test_convert_from_a_workbook(shared_data, tmp_path, reference):
    book = tmp_path / "asem.xlsx"
    with pd.ExcelWriter(book) as xw:
        pd.read_csv(shared_data / "asem" / "ASEM_iData.csv").to_excel(xw, sheet_name="iData", index=False)
        pd.read_csv(shared_data / "asem" / "ASEM_iMeta.csv").to_excel(xw, sheet_name="iMeta", index=False)
    r = build(read_coinr(book), IndexSpec.from_toml(SPEC))
    pd.testing.assert_frame_equal(r.scores, reference.scores, rtol=0, atol=1e-12)


def test_coinr_layout_problems_are_named(shared_data, tmp_path, capsys):
    d = tmp_path / "bad"
    d.mkdir()
    pd.read_csv(shared_data / "asem" / "ASEM_iData.csv").drop(columns=["LPI"]).to_csv(d / "X_iData.csv", index=False)
    (d / "X_iMeta.csv").write_bytes((shared_data / "asem" / "ASEM_iMeta.csv").read_bytes())
    with pytest.raises(DatasetValidationError, match="declares 'LPI'"):
        read_coinr(d)
    (d / "X_iMeta.csv").unlink()
    code, _, err = run_main(["data", "convert", str(d), str(tmp_path / "o"), "--from", "coinr"], capsys)
    assert code == 1 and "iMeta" in err and not (tmp_path / "o").exists()
