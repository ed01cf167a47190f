"""Credit reports for supply-chain finance from the verified (ledger) records of an SME: the scorecard
(fitted on a SYNTHETIC portfolio until real outcomes exist), each input with its ledger entries and,
on request, one proof bundle per entry. The ledger is public, so a credit report needs no key."""

from __future__ import annotations

from typing import Any

from citynexus.services.watch.common import WatchNotFoundError


def sme_card(seed: int = 0) -> Any:
    """The SME credit card, fitted on the SYNTHETIC SME portfolio (see ``watch.synthetic.sme_portfolio``)."""
    from citynexus.watch.credit import WoEScorecard
    from citynexus.watch.synthetic import sme_portfolio

    X, y = sme_portfolio(seed=seed)
    return WoEScorecard().fit(X, y)


def credit_for(party: str, db_url: str | None = None, lang: str = "en", proofs: bool = True) -> dict[str, Any]:
    """Credit report of ``party`` from the verified records in the ledger at ``db_url``: each input with
    the ledger entries it came from and (``proofs``) a proof bundle per entry for offline checking."""
    from citynexus.ledger import Ledger
    from citynexus.watch.credit import credit_report, sme_inputs, stored_evaluations

    led = Ledger(db_url)
    entries = list(led.iter_entries())
    inputs = sme_inputs(entries, party, runs=stored_evaluations(db_url))

    def prove(i: int) -> dict[str, Any]:
        try:
            return led.prove(i)
        except Exception:
            return led.prove(i, size=led.size)

    rep = credit_report(sme_card(), inputs, prove=prove if proofs else None, lang=lang)
    rep["party"] = party
    from citynexus.i18n import t

    rep["model_note"] = t("watch_credit_model_note", lang)
    return rep


_credit_cache: Any = None


def credit_of(engine: Any, sme: str, lang: str = "en", proofs: bool = True) -> dict[str, Any]:
    """The credit report of ``sme`` from the app's ledger (public: the ledger is), cached per ledger
    size; each input lists its ledger entries (and, with ``proofs``, a proof bundle per entry)."""
    global _credit_cache
    from citynexus.services.ledger import ledger_of

    led = ledger_of(engine)
    if led is None:
        raise WatchNotFoundError("there is no ledger yet, so no verified records to score")
    if _credit_cache is None:
        from citynexus.services.cache import LRU

        _credit_cache = LRU(32)
    url = engine.url.render_as_string(hide_password=False)

    def make() -> dict[str, Any]:
        from citynexus.watch.errors import WatchInputError

        try:
            rep = credit_for(sme, db_url=url, lang=lang, proofs=proofs)
        except WatchInputError as err:  # no verified report or evaluation of the party
            raise WatchNotFoundError(str(err)) from None
        if not any(v.get("entries") for v in rep["inputs"].values()):
            raise WatchNotFoundError(f"no verified records of {sme!r} in the ledger")
        return rep

    return _credit_cache.get((url, led.size, sme, lang, proofs), make)
