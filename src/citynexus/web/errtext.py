"""An error as a page shows it: a label in the page's language and the exact English message.

The messages of :class:`citynexus.errors.CityNexusError` are English and quote the input (a file
name, a cell, an id), so a Chinese page shows a label of the kind of error and the message beside
it marked as English (template macro ``error_text`` of ``_exact.html``); the dashboard's script
does the same for errors it fetches (``CNX.errorHtml``, labels ``fetched_err_<status>``)."""

from __future__ import annotations

from citynexus import errors
from citynexus.i18n import t


def error_pair(err: Exception, lang: str, label_key: str = "") -> tuple[str, str]:
    """``(label, exact English message)``: the label ``label_key`` in ``lang`` when given, else
    that of the HTTP status the API answers for the error (404 for a missing thing, else 400)."""
    if not label_key:
        label_key = "fetched_err_404" if isinstance(err, errors.NotFoundError) else "fetched_err_400"
    return t(label_key, lang), str(err)
