"""SME technology service network (中小企业技术服务网络): service centres, SME requests, routing
on the hub's hybrid matcher with referrals and teams, service records anchored in the ledger,
performance-linked funding, centre performance, and talent matching.

>>> from citynexus.centres import read_centres, read_requests, Router     # doctest: +SKIP
>>> router = Router(read_centres("centres.jsonl"))                        # doctest: +SKIP
>>> router.route(read_requests("requests.jsonl")[0]).to_json()            # doctest: +SKIP

See ``docs/centres.md``.
"""

from citynexus.centres.errors import (
    CentresError,
    CentresImportError,
    FormulaError,
    FundingError,
    RecordError,
    RoutingError,
)
from citynexus.centres.models import Centre, ServiceRequest
from citynexus.centres.records import parse_centres, parse_requests, read_centres, read_requests
from citynexus.centres.routing import Router, Routing, RoutingConfig, split_clauses

__all__ = [
    "Centre",
    "CentresError",
    "CentresImportError",
    "FormulaError",
    "FundingError",
    "RecordError",
    "Router",
    "Routing",
    "RoutingConfig",
    "RoutingError",
    "ServiceRequest",
    "parse_centres",
    "parse_requests",
    "read_centres",
    "read_requests",
    "split_clauses",
]
