"""Controlled vocabularies of the evidence base: codes with Norwegian (bokmål) and English labels.

Records that use a code outside these lists are refused (see store.py), so every arena, prevention
level, design and effect measure in the database means the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    nb: str
    en: str


def _terms(*rows: tuple[str, str, str]) -> dict[str, Term]:
    return {code: Term(code, nb, en) for code, nb, en in rows}


ARENAS = _terms(
    ("helsestasjon", "Helsestasjon og skolehelsetjeneste", "Health clinic and school health service"),
    ("barnehage", "Barnehage", "Kindergarten"),
    ("skole", "Skole og SFO", "School and after-school care"),
    ("fritid", "Fritid", "Leisure"),
    ("nav", "Nav", "Labour and welfare service (Nav)"),
    ("barnevern", "Barnevern", "Child welfare"),
    ("familie", "Familie og hjem", "Family and home"),
)

PREVENTION_LEVELS = _terms(
    ("universell", "Universell (alle)", "Universal (everyone)"),
    ("selektiv", "Selektiv (grupper i risiko)", "Selective (groups at risk)"),
    ("indikativ", "Indikativ (de som har problemer)", "Indicated (those with problems)"),
)

DESIGNS = _terms(
    ("rct", "Randomisert kontrollert forsøk", "Randomised controlled trial"),
    ("cluster_rct", "Klyngerandomisert forsøk", "Cluster randomised trial"),
    ("quasi_experimental", "Kvasieksperiment med kontrollgruppe", "Quasi-experiment with control group"),
    ("pre_post", "Før–etter uten kontrollgruppe", "Pre–post without control group"),
    ("qualitative", "Kvalitativ studie / prosessevaluering", "Qualitative study / process evaluation"),
    ("systematic_review", "Systematisk kunnskapsoppsummering", "Systematic review"),
    ("not_stated", "Design ikke oppgitt i kilden", "Design not stated in the source"),
)
CONTROLLED_DESIGNS = frozenset({"rct", "cluster_rct", "quasi_experimental"})
EFFECT_DESIGNS = CONTROLLED_DESIGNS | {"pre_post"}

STUDY_STATUSES = _terms(
    ("completed", "Avsluttet", "Completed"),
    ("ongoing", "Pågår", "Ongoing"),
    ("planned", "Planlagt", "Planned"),
)

RISK_OF_BIAS = _terms(
    ("low", "Lav", "Low"),
    ("some", "Noen bekymringer", "Some concerns"),
    ("high", "Høy", "High"),
    ("unclear", "Uklar", "Unclear"),
)

FINDINGS = _terms(
    ("positive", "Ønsket effekt", "Beneficial effect"),
    ("null", "Ingen påvist effekt", "No effect shown"),
    ("negative", "Uønsket effekt", "Harmful effect"),
    ("mixed", "Blandede funn", "Mixed findings"),
    ("not_reported", "Ikke rapportert", "Not reported"),
)

# Effect measures. Ratio measures are analysed on the log scale (yi = ln OR, ln RR).
EFFECT_MEASURES = _terms(
    ("smd", "Standardisert gjennomsnittsforskjell (Hedges' g)", "Standardised mean difference (Hedges' g)"),
    ("md", "Gjennomsnittsforskjell", "Mean difference"),
    ("or", "Oddsratio", "Odds ratio"),
    ("rr", "Risikoratio (relativ risiko)", "Risk ratio"),
    ("rd", "Risikodifferanse", "Risk difference"),
)
RATIO_MEASURES = frozenset({"or", "rr"})

MEASURE_STATUSES = _terms(
    ("i_drift", "I drift i Norge", "In use in Norway"),
    ("utproving", "Under utprøving", "Being trialled"),
    ("planlagt", "Planlagt", "Planned"),
    ("foreslatt", "Foreslått", "Proposed"),
    ("avsluttet", "Avsluttet", "Ended"),
)

MEASURE_KINDS = _terms(
    ("program", "Program / metode", "Programme / method"),
    ("tjenestemodell", "Tjenestemodell", "Service model"),
    ("forsok", "Forsøk / utprøving", "Trial"),
    ("ordning", "Ordning / rettighet", "Scheme / entitlement"),
    ("satsing", "Satsing / tilskudd", "Initiative / grant scheme"),
)

# "Nordic studies count for more" (Ungsinn): these ISO 3166 codes count as Nordic.
NORDIC_COUNTRIES = frozenset({"NO", "SE", "DK", "FI", "IS", "FO", "GL", "AX"})

# The public documents the seed content cites (see /work/shared/seeds and DESIGN.md).
DOCUMENTS = {
    "meld_st_28": Term("meld_st_28", "Meld. St. 28 (2024–2025) Tro på framtida – uansett bakgrunn",
                       "White paper Meld. St. 28 (2024–2025)"),
    "menon_43_2024": Term("menon_43_2024",
                          "Menon-publikasjon 43/2024: Indikatorer på forebygging og tidlig innsats (ASSS)",
                          "Menon report 43/2024 for the ASSS network"),
    "operativ_gruppe_2024": Term("operativ_gruppe_2024",
                                 "Barn og unge først – vårt felles ansvar (operativ gruppe, 2024)",
                                 "Operative group's report on the mission (2024)"),
    "barnunge21": Term("barnunge21", "BarnUnge21: anbefalinger fra arbeidsrapportene",
                       "BarnUnge21: recommendations of the working reports"),
}


def label(vocabulary: dict[str, Term], code: str | None, lang: str = "nb") -> str:
    if code is None:
        return "–"
    term = vocabulary.get(code)
    return getattr(term, lang) if term else code
