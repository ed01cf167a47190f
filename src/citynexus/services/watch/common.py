"""Shared pieces of the risk early-warning use cases: the errors the faces map to HTTP statuses, the
alert workflow's allowed moves, and the display names of demo parties and known metrics."""

from __future__ import annotations

from citynexus.errors import ConflictError, NotFoundError

#: Allowed moves of an alert's status.
TRANSITIONS = {"open": {"acknowledged", "resolved"}, "acknowledged": {"resolved"}, "resolved": set()}


#: Periods forecast for a series without a KPI target (the band on the party page).
BAND_HORIZON = 6


DEMO_SOURCE = "demo"


class WatchNotFoundError(NotFoundError):
    """No such (or no visible) scan, party, series, alert or credit record (HTTP 404)."""


class WatchConflictError(ConflictError):
    """An alert cannot move to the asked status from the one it has (HTTP 409)."""


def party_name(party: str, lang: str = "en") -> str:
    """A party's display name: the SYNTHETIC demo's ``SYN-0003`` is "Synthetic partner 3"; other
    parties are shown by their own names."""
    import re

    from citynexus.i18n import t

    m = re.fullmatch(r"SYN-(\d+)", party)
    return t("watch_syn_party", lang).format(n=int(m.group(1))) if m else party


def metric_name(metric: str, lang: str = "en") -> str:
    """A metric's label when it is a known one, else the metric as reported."""
    from citynexus.i18n import t, table

    key = f"watch_metric_{metric}"
    return t(key, lang) if key in table() else metric


def humanise(text: str, lang: str = "en") -> str:
    """A detector's sentence with the known metric codes and demo party codes replaced by names."""
    import re

    from citynexus.i18n import keys

    def metric(m: re.Match) -> str:
        return metric_name(m.group(0), lang)

    codes = sorted((k[len("watch_metric_") :] for k in keys("watch_metric_")), key=len, reverse=True)
    if codes:
        text = re.sub(r"(?<![A-Za-z0-9_.])(" + "|".join(map(re.escape, codes)) + r")(?![A-Za-z0-9_])", metric, text)
    return re.sub(r"SYN-\d+", lambda m: party_name(m.group(0), lang), text)
