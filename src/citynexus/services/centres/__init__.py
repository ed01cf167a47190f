"""Use cases of the SME technology service network shared by the faces (CLI, API, pages).

One module per responsibility, all re-exported here (``from citynexus.services import centres as
svc`` then ``svc.fund(...)``):

- :mod:`.state` — the network the faces show (stored, or the SYNTHETIC demo) and its caches;
- :mod:`.files` — the commands' file-based use cases (route, evaluate, fund, import);
- :mod:`.records` — uploads, SME requests and the steps of a service record (role, party, audit);
- :mod:`.routing` — routing one text or the inbox of requests;
- :mod:`.performance` — indicators, the performance index, the referral network, the map;
- :mod:`.funding` — performance-linked funding from a formula and records given as JSON or CSV;
- :mod:`.talent` — the talent pool, matching and the talent upload.
"""

from citynexus.services.centres.files import (
    evaluate_routing,
    fund_file,
    import_files,
    import_talent,
    match_talent,
    route_files,
)
from citynexus.services.centres.funding import formula_of, fund, funding_summary
from citynexus.services.centres.performance import network_map, performance, performance_report
from citynexus.services.centres.records import (
    ACTIONS,
    MAX_UPLOAD,
    UPLOAD_TYPES,
    command_line_principal,
    create_request,
    import_upload,
    list_records,
    record_action,
)
from citynexus.services.centres.routing import MAX_TOP, inbox, route_text, warm
from citynexus.services.centres.state import Network, demo_network, list_centres, list_requests, network
from citynexus.services.centres.talent import import_talent_upload, talent_match, talent_pool

__all__ = [
    "ACTIONS",
    "MAX_TOP",
    "MAX_UPLOAD",
    "UPLOAD_TYPES",
    "Network",
    "command_line_principal",
    "create_request",
    "demo_network",
    "evaluate_routing",
    "formula_of",
    "fund",
    "fund_file",
    "funding_summary",
    "import_files",
    "import_talent",
    "import_talent_upload",
    "import_upload",
    "inbox",
    "list_centres",
    "list_records",
    "list_requests",
    "match_talent",
    "network",
    "network_map",
    "performance",
    "performance_report",
    "record_action",
    "route_files",
    "route_text",
    "talent_match",
    "talent_pool",
    "warm",
]
