"""Use cases of risk early warning shared by the faces (CLI, REST routes, dashboard).

One module per responsibility; everything is importable from ``citynexus.services.watch``:

* :mod:`.inputs` — :func:`changepoints_of_file`, :func:`changepoints_of_values` (the pinned
  ``watch changepoints`` use case); :func:`read_reports`, :func:`read_targets`,
  :func:`reports_from_upload` (inputs, all-or-nothing, errors name file/row/column);
* :mod:`.scans` — :func:`scan_reports` (every detector and partner risk; with a database the alerts
  stored), :func:`scan_upload`, :func:`scan_stored`, :func:`risk_ranking`, :func:`party_risk`,
  :func:`series_of`;
* :mod:`.alerts` — :func:`store_alerts`, :func:`list_alerts`, :func:`set_alert_status` (the CLI's
  workflow, deduplicated by fingerprint; open -> acknowledged -> resolved), :func:`alerts_for`,
  :func:`move_alert` (with a principal: role and ownership checked, writes audited);
* :mod:`.credit` — :func:`credit_for`, :func:`credit_of`, :func:`sme_card`;
* :mod:`.agreements` — :func:`agreement_targets` (terms ``metric OP number`` as KPI trajectory
  targets), :func:`scan_agreements`;
* :mod:`.demo` — :func:`seed_demo`, :func:`demo_summary`, :func:`load_demo` (the SYNTHETIC demo out of
  the box);
* :mod:`.common` — the errors (:class:`WatchNotFoundError`, :class:`WatchConflictError`), the alert
  moves (:data:`TRANSITIONS`) and display names (:func:`party_name`, :func:`metric_name`,
  :func:`humanise`).

Who sees what is stated in :mod:`.scans` and :mod:`.alerts` and in ``docs/risk.md``.
"""

from __future__ import annotations

from citynexus.services.watch.agreements import agreement_targets, parse_term_metric, scan_agreements
from citynexus.services.watch.alerts import alerts_for, list_alerts, move_alert, set_alert_status, store_alerts
from citynexus.services.watch.common import (
    BAND_HORIZON,
    DEMO_SOURCE,
    TRANSITIONS,
    WatchConflictError,
    WatchNotFoundError,
    humanise,
    metric_name,
    party_name,
)
from citynexus.services.watch.credit import credit_for, credit_of, sme_card
from citynexus.services.watch.demo import DEMO_EVENTS, demo_reports, demo_summary, load_demo, seed_demo
from citynexus.services.watch.inputs import (
    MAX_PARTIES,
    MAX_ROWS,
    changepoints_of_file,
    changepoints_of_values,
    check_reports,
    read_reports,
    read_targets,
    reports_from_upload,
)
from citynexus.services.watch.scans import (
    party_risk,
    risk_ranking,
    scan_reports,
    scan_stored,
    scan_upload,
    series_of,
)

__all__ = [
    "BAND_HORIZON",
    "DEMO_EVENTS",
    "DEMO_SOURCE",
    "MAX_PARTIES",
    "MAX_ROWS",
    "TRANSITIONS",
    "WatchConflictError",
    "WatchNotFoundError",
    "agreement_targets",
    "alerts_for",
    "changepoints_of_file",
    "changepoints_of_values",
    "check_reports",
    "credit_for",
    "credit_of",
    "demo_reports",
    "demo_summary",
    "humanise",
    "list_alerts",
    "load_demo",
    "metric_name",
    "move_alert",
    "parse_term_metric",
    "party_name",
    "party_risk",
    "read_reports",
    "read_targets",
    "reports_from_upload",
    "risk_ranking",
    "scan_agreements",
    "scan_reports",
    "scan_stored",
    "scan_upload",
    "seed_demo",
    "series_of",
    "set_alert_status",
    "sme_card",
    "store_alerts",
]
