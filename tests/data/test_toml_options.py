"""The one TOML option-file reader shared by the hub's matching options and the centres' funding formula."""

from __future__ import annotations

import pytest

from citynexus.centres.errors import FormulaError
from citynexus.centres.funding import Formula
from citynexus.centres.funding_records import FundingRecord
from citynexus.data.specfiles import read_toml, reject_unknown
from citynexus.hub.config import MatchConfig
from citynexus.hub.errors import HubConfigError


def test_read_toml_reads_a_table(tmp_path):
    p = tmp_path / "o.toml"
    p.write_text('name = "x"\n[limits]\ncap_multiple = 2.5\n', encoding="utf-8")
    assert read_toml(p, FormulaError, "funding formula") == {"name": "x", "limits": {"cap_multiple": 2.5}}


@pytest.mark.parametrize("content", [b"name = ", b"\xff\xfe not utf-8", None])
def test_read_toml_names_the_file_in_the_error_class_given(tmp_path, content):
    p = tmp_path / "bad.toml"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(HubConfigError, match=r"cannot read matching options from .*bad\.toml"):
        read_toml(p, HubConfigError, "matching options from")


def test_reject_unknown_lists_every_unknown_key_and_the_allowed_ones():
    reject_unknown({"a": 1}, {"a", "b"}, FormulaError, "key(s)")  # nothing unknown: no error
    with pytest.raises(FormulaError) as ei:
        reject_unknown({"zz": 1, "a": 1, "yy": 2}, {"a", "b"}, FormulaError, "key(s)", "f.toml: ")
    assert str(ei.value) == "f.toml: unknown key(s) yy, zz; allowed: a, b"


def test_both_option_files_use_it(tmp_path):
    bad = tmp_path / "typo.toml"
    bad.write_text("candidatez = 3\n", encoding="utf-8")
    with pytest.raises(HubConfigError, match=r"unknown matching option.*candidatez"):
        MatchConfig.from_toml(bad)
    with pytest.raises(FormulaError, match=r"typo\.toml: unknown key\(s\) candidatez"):
        Formula.from_toml(bad)
    with pytest.raises(FormulaError, match=r"unknown key\(s\) in \[limits\]: floor; allowed"):
        Formula.from_dict({"limits": {"floor": 0.1}})
    with pytest.raises(FormulaError, match="cannot read funding formula"):
        Formula.from_toml(tmp_path / "missing.toml")


def test_funding_record_from_a_stored_record():
    r = {"centre": "C1", "sme": "S1", "period": "2024", "status": "confirmed", "rating": 4}
    r |= {"confirmed_by": "S1", "outcome": "cost_saved"}
    fr = FundingRecord.from_record(r, 7, verified=False)
    assert (fr.confirmed, fr.rating, fr.row, fr.verified, fr.affiliated) == (True, 4.0, 7, False, False)
    # an unconfirmed record is not counted for its status; "verified" speaks only of confirmed ones
    fr = FundingRecord.from_record(r | {"status": "delivered", "rating": None}, 1, verified=False)
    assert (fr.confirmed, fr.rating, fr.verified) == (False, None, True)


@pytest.mark.parametrize(
    ("layout", "table"),
    [({"performance": "x"}, "performance"), ({"performance": {"quality_split": 3}}, "performance.quality_split")],
)
def test_a_formula_table_that_is_no_table_is_named(layout, table):
    with pytest.raises(FormulaError, match=rf"\[{table}\] must be a table"):
        Formula.from_dict(layout)
