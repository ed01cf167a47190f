"""Agreements with executable KPI terms (合作协议与可执行的关键绩效条款).

An :class:`Agreement` between hub organizations has terms whose ``rule`` is a CEL condition
over what the responsible party reports (``NAME``, ``prev.NAME``, ``cum.NAME``). Evaluation
gives one status per term and period (``met``, ``breached``, ``no_data``, ``not_due``) with the
values used and an explanation in English and Chinese. See ``docs/agreements.md``.
"""

from __future__ import annotations

from citynexus.agree.errors import AgreeError, AgreementError, ReportImportError, RuleError, VerifyError
from citynexus.agree.evaluate import STATUSES, Evaluation, TermResult, evaluate, status_codes
from citynexus.agree.model import Agreement, Term, agreement_from_dict, load_agreement
from citynexus.agree.reports import read_reports, validate_reports
from citynexus.agree.rules import CompiledRule, compile_rule

__all__ = [
    "STATUSES",
    "AgreeError",
    "Agreement",
    "AgreementError",
    "CompiledRule",
    "Evaluation",
    "ReportImportError",
    "RuleError",
    "Term",
    "TermResult",
    "VerifyError",
    "agreement_from_dict",
    "compile_rule",
    "evaluate",
    "load_agreement",
    "read_reports",
    "status_codes",
    "validate_reports",
]
