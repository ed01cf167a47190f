"""Base.from_record: a row from a domain record copies same-named fields, never guesses."""

from __future__ import annotations

import dataclasses

import pytest

from citynexus.agree.model import Term
from citynexus.store.agree import AgreeTerm
from citynexus.store.centres import CentreRow


@dataclasses.dataclass
class _Centre:
    id: str
    name: str
    city: str
    fields: tuple[str, ...]
    affiliates: tuple[str, ...] = ()
    owner_org: str = "should-not-leak"


def test_same_named_fields_are_copied_and_sequences_become_lists():
    row = CentreRow.from_record(_Centre("C1", "Lab", "SZ", ("EMC", "PCB")), skip=("owner_org",))
    assert (row.id, row.name, row.city) == ("C1", "Lab", "SZ")
    assert row.fields == ["EMC", "PCB"] and isinstance(row.fields, list)
    assert row.affiliates == []
    assert row.owner_org is None  # skipped: the owner is set by the store's ownership rule, not the record
    assert row.description is None  # the record has no such field: the column keeps its default


def test_values_win_and_properties_are_read():
    t = Term("T1", "P", "text", "文本", "rd", "quarter", "x >= 1")
    row = AgreeTerm.from_record(t, agreement_id="A1", term_id=t.id)
    assert (row.agreement_id, row.term_id, row.rule) == ("A1", "T1", "x >= 1")
    assert row.rule_digest == t.rule_digest  # a property of the record, stored as a column


def test_a_value_that_is_no_column_is_an_error():
    with pytest.raises(TypeError, match="no column"):
        CentreRow.from_record(_Centre("C1", "Lab", "SZ", ()), nmae="typo")
