"""The words plotly.js draws itself on every figure (the mode bar's buttons, hover hints), in
English and 中文, so that a Chinese page's figure toolbar is Chinese too. The English side is
plotly.js's own text (the key of its locale dictionary, see plotly.js ``src/locale-en.js``);
the pages register them as a plotly locale (``static/app.js``). The words are in the catalog
``i18n/catalog/plotly_ui.toml``, each under the key ``plotly_<English>``."""

from __future__ import annotations

PREFIX = "plotly_"


def dictionary(lang: str) -> dict[str, str]:
    """plotly.js's words -> their text in ``lang`` (empty for English: plotly's own)."""
    from citynexus.i18n import keys, t

    return {} if lang == "en" else {k.removeprefix(PREFIX): t(k, lang) for k in keys(PREFIX)}
