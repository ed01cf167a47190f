"""Every bad agreement is refused before anything is built, naming file, term and fix."""

from __future__ import annotations

import pytest

from citynexus.agree import AgreementError, RuleError, agreement_from_dict, compile_rule, load_agreement


def base(**over):
    d = {
        "id": "AG1",
        "title": "t",
        "title_zh": "协议",
        "parties": ["A", "B"],
        "start": "2026-01-01",
        "end": "2026-12-31",
        "terms": [
            {
                "id": "T1",
                "party": "A",
                "text": "x",
                "text_zh": "x",
                "category": "rd",
                "every": "quarter",
                "rule": "x > 0",
            }
        ],
    }
    d.update(over)
    return d


def term(**over):
    t = {"id": "T1", "party": "A", "text": "x", "text_zh": "x", "category": "rd", "every": "quarter", "rule": "x > 0"}
    t.update(over)
    return t


def refused(data, **kw) -> AgreementError:
    with pytest.raises(AgreementError) as ei:
        agreement_from_dict(data, source="deal.toml", **kw)
    msg = str(ei.value)
    assert "deal.toml" in msg and "\n" not in msg
    return ei.value


def test_good_agreement_loads():
    ag = agreement_from_dict(base())
    assert ag.terms[0].compiled.vars[0].metric == "x"


def test_rule_that_does_not_compile_names_term_and_position():
    err = refused(base(terms=[term(id="RD-1", rule="rd_share >= ")]))
    p = err.problems[0]
    assert p.term == "RD-1" and p.field == "rule"
    assert "line 1, column" in p.problem
    assert "term 'RD-1'" in str(err)


def test_term_party_not_among_parties():
    err = refused(base(terms=[term(party="Z")]))
    assert err.problems[0].field == "party" and err.problems[0].term == "T1"


def test_unknown_every():
    err = refused(base(terms=[term(every="weekly")]))
    assert err.problems[0].field == "every"
    assert "month, quarter, year or once" in err.problems[0].fix


def test_once_without_due():
    err = refused(base(terms=[term(every="once")]))
    assert err.problems[0].field == "due"


@pytest.mark.parametrize("key", ["start", "end"])
@pytest.mark.parametrize("value", ["2026-13-45", "9999-12-31", "0001-01-01", 20260101])
def test_dates_that_do_not_parse(key, value):
    err = refused(base(**{key: value}))
    assert err.problems[0].field == key and err.problems[0].term is None


def test_due_that_does_not_parse():
    err = refused(base(terms=[term(every="once", due="next june")]))
    assert err.problems[0].field == "due" and err.problems[0].term == "T1"


def test_bad_visibility():
    err = refused(base(visibility="secret"))
    assert err.problems[0].field == "visibility"
    assert agreement_from_dict(base(visibility="private")).visibility == "private"


def test_end_before_start():
    err = refused(base(start="2026-06-01", end="2026-01-01"))
    assert err.problems[0].field == "end"


def test_duplicate_term_ids():
    err = refused(base(terms=[term(), term(rule="y > 1")]))
    assert any("duplicate term id" in p.problem for p in err.problems)


def test_unknown_party_refused_when_hub_present():
    err = refused(base(), known_parties={"A"})
    assert "'B' is not in the hub" in str(err)
    assert agreement_from_dict(base(), known_parties={"A", "B"}).id == "AG1"


def test_every_problem_is_listed_at_once():
    err = refused(base(end="2025-01-01", terms=[term(every="weekly", party="Z"), term(rule="x >")]))
    fields = sorted(p.field for p in err.problems)
    assert fields == ["end", "every", "id", "party", "rule"]


def test_non_boolean_rule_refused():
    err = refused(base(terms=[term(rule="x + 1")]))
    assert "not a condition" in err.problems[0].problem


def test_load_agreement_bad_toml(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('id = "x\n', encoding="utf-8")
    with pytest.raises(AgreementError, match=r"bad\.toml.*not valid TOML"):
        load_agreement(f)


def test_load_agreement_toml_dates(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text(
        'id = "A1"\ntitle = "t"\ntitle_zh = "协议"\nparties = ["A"]\nstart = 2026-01-01\nend = 2026-12-31\n'
        '[[terms]]\nid = "T1"\nparty = "A"\ntext = "t"\ntext_zh = "条"\ncategory = "green"\nevery = "once"\n'
        'due = 2026-06-30\nrule = "co2_per_unit <= 1.5"\n',
        encoding="utf-8",
    )
    ag = load_agreement(f)
    assert ag.terms[0].due.isoformat() == "2026-06-30"
    again = load_agreement(_write(tmp_path / "again.toml", ag.to_toml()))
    assert again.to_dict() == ag.to_dict()


def _write(p, text):
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("rule", "line", "column"),
    [
        ("x >", 1, 3),
        ("x >= 1 &&& y", 1, 10),
        ("x >= 1 &&\n  y <", 2, 5),
        ("x % 2 == 0", 1, 3),
        ("(x > 1", 1, 6),
    ],
)
def test_cel_errors_carry_positions(rule, line, column):
    with pytest.raises(RuleError) as ei:
        compile_rule(rule)
    assert (ei.value.line, ei.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(ei.value)


@pytest.mark.parametrize(
    ("rule", "what"),
    [
        ("size(x) > 1", "function call"),
        ("'a' == x", "not a number"),
        ("x in [1, 2]", "not allowed"),
        ("prev > 1", "alone is not a metric"),
        ("a.b.c > 1", "not a metric reference"),
        ("x == true", "compares a number with a condition"),
        ("x && y", "is not a condition"),
        ("", "empty"),
    ],
)
def test_constructs_outside_the_kpi_subset_are_refused(rule, what):
    with pytest.raises(RuleError, match=what):
        compile_rule(rule)


@pytest.mark.parametrize(
    ("rule", "what"),
    [
        ("(" * 400 + "x > 1" + ")" * 400, "nested too deeply"),
        ("x > " + "1" * 1200, "characters long"),
    ],
)
def test_hostile_rules_are_refused_not_crashing(rule, what):
    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default (hypothesis raises it while it runs)
    try:
        with pytest.raises(RuleError, match=what):
            compile_rule(rule)
    finally:
        sys.setrecursionlimit(old)


def test_a_long_flat_rule_compiles_and_evaluates():
    import numpy as np

    from citynexus.agree.rules import Var

    r = compile_rule(" + ".join(["x"] * 240) + " > 1")
    truth, zero = r.evaluate_arrays({Var("", "x"): np.array([0.0, 1.0])})
    assert truth.tolist() == [False, True] and not zero.any()
