"""Case library (案例库): city practices with evidence, tagged against the SDGs and screened by jurors.

Modules: :mod:`~citynexus.cases.sdg` (the 17 goals and 169 targets), ``models`` (a case and its
validation), ``library`` (import, list and show; seed cases shipped with the package),
``tagger`` (bilingual SDG tagging: sentence encoder + keyword ontology), ``screening`` (juried
screening: aggregation, Kendall's W, rank intervals) and ``similar`` ("cases like this", links
to hub organizations). See docs/cases.md.
"""
