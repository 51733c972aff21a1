"""Evidence level of a measure, computed from its study records by a transparent rubric.

In the spirit of Ungsinn's classification (criteria v2.1, RKBU Nord: levels 0–5, Nordic studies
counting for more), restated as rules that can be checked record by record. The first rule that
holds, from the top, places the measure:

  5  Sterk dokumentasjon      ≥2 completed Nordic controlled studies (RCT, cluster RCT or quasi-
                               experiment with control group) with low risk of bias, a beneficial
                               effect and follow-up ≥12 months — or one such study plus a positive
                               systematic review — and implementation requirements are recorded.
  4  Tilfredsstillende         ≥1 completed Nordic controlled study, low/some risk of bias, beneficial
                               effect.
  3  Noe dokumentasjon         ≥1 completed Nordic effect study (also pre–post) with low/some risk of
                               bias and beneficial effect; or a positive systematic review; or a
                               non-Nordic controlled study with low/some risk of bias and beneficial
                               effect (a review, too, needs low/some risk of bias).
  0  Uvirksomt                 ≥1 completed controlled study with low/some risk of bias found no
                               beneficial effect (none or harmful), and nothing qualifies for 3–5.
  2  Teoretisk begrunnet       described, with target group and a stated rationale (theory of change).
  1  Beskrevet                 described; no documentation of effect.

A study's finding comes from its recorded effect sizes when it has any (beneficial when the 95 % CI
excludes no effect on the beneficial side), otherwise from what the source reports. Ongoing and
planned studies, qualitative studies and studies whose design the source does not state are listed
but not counted. An editor may override the level with a stated reason (store.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oppvekst.evidence.vocab import (
    CONTROLLED_DESIGNS,
    DESIGNS,
    EFFECT_DESIGNS,
    FINDINGS,
    NORDIC_COUNTRIES,
    RISK_OF_BIAS,
    label,
)

LEVELS = {
    0: ("Uvirksomt tiltak", "Ineffective"),
    1: ("Beskrevet, ikke dokumentert", "Described, effect not documented"),
    2: ("Teoretisk begrunnet", "Theoretically grounded"),
    3: ("Noe dokumentasjon", "Some documentation"),
    4: ("Tilfredsstillende dokumentasjon", "Satisfactory documentation"),
    5: ("Sterk dokumentasjon", "Strong documentation"),
}

RULES = {  # rule id: (Norwegian, English)
    "L5": (
        ("Minst to avsluttede nordiske kontrollerte studier (RCT eller kvasieksperiment med kontrollgruppe) "
         "med lav risiko for skjevhet, ønsket effekt og oppfølging i minst 12 måneder (eller én slik studie "
         "og en positiv systematisk kunnskapsoppsummering), og krav til implementering er beskrevet."),
        ("At least two completed Nordic controlled studies with low risk of bias, a beneficial effect and "
         "follow-up of at least 12 months (or one such study and a positive systematic review), and "
         "implementation requirements are recorded."),
    ),
    "L4": (
        ("Minst én avsluttet nordisk kontrollert studie (RCT eller kvasieksperiment med kontrollgruppe) "
         "med lav eller noe risiko for skjevhet og ønsket effekt."),
        ("At least one completed Nordic controlled study with low or some risk of bias and a beneficial "
         "effect."),
    ),
    "L3": (
        ("Minst én avsluttet nordisk effektstudie (også før–etter) med tilfredsstillende kvalitet og ønsket "
         "effekt, en positiv systematisk kunnskapsoppsummering med tilfredsstillende kvalitet, eller en "
         "internasjonal kontrollert studie med tilfredsstillende kvalitet og ønsket effekt."),
        ("At least one completed Nordic effect study (pre–post included) of satisfactory quality with a "
         "beneficial effect, a positive systematic review of satisfactory quality, or a non-Nordic "
         "controlled study of satisfactory quality with a beneficial effect."),
    ),
    "L0": (
        ("Kontrollerte studier med tilfredsstillende kvalitet fant ingen ønsket effekt, og ingen studie gir "
         "grunnlag for nivå 3 eller høyere."),
        ("Controlled studies of satisfactory quality found no beneficial effect, and no study supports "
         "level 3 or above."),
    ),
    "L2": (
        ("Tiltaket er beskrevet med målgruppe og en begrunnelse (teori) for hvorfor det skal virke, men "
         "effekt er ikke dokumentert."),
        ("The measure is described with its target group and a rationale (theory of change), but no "
         "effect is documented."),
    ),
    "L1": (
        ("Tiltaket er beskrevet, men det finnes ingen dokumentasjon av effekt som oppfyller kravene til et "
         "høyere nivå."),
        ("The measure is described, but no documentation of effect meets the requirements of a higher "
         "level."),
    ),
}

ACCEPTABLE_BIAS = frozenset({"low", "some"})
BENEFICIAL = frozenset({"positive", "mixed"})


@dataclass(frozen=True)
class EffectFacts:
    """One recorded effect: analysis-scale estimate, its 95 % CI, and which direction is good."""

    yi: float
    ci_low: float  # analysis scale
    ci_high: float
    higher_is_better: bool


@dataclass(frozen=True)
class StudyFacts:
    id: object
    citation: str
    country: str | None
    design: str
    status: str = "completed"
    risk_of_bias: str | None = None
    follow_up_months: float | None = None
    reported_finding: str = "not_reported"  # finding_direction as the source states it
    effects: tuple[EffectFacts, ...] = ()

    @property
    def nordic(self) -> bool:
        return (self.country or "").upper() in NORDIC_COUNTRIES

    @property
    def finding(self) -> str:
        return finding_from_effects(self.effects) if self.effects else self.reported_finding

    @property
    def finding_basis(self) -> str:
        return "effektstørrelser" if self.effects else "kildens omtale"


@dataclass(frozen=True)
class MeasureFacts:
    description: str | None
    target_group: str | None
    rationale: str | None = None
    implementation: str | None = None


@dataclass(frozen=True)
class StudyNote:
    study_id: object
    citation: str
    counted: bool
    reason: str


@dataclass(frozen=True)
class LevelDecision:
    level: int
    rule: str
    label_nb: str
    label_en: str
    rule_nb: str
    rule_en: str
    supporting: tuple[object, ...] = ()  # ids of the studies that placed the measure here
    notes: tuple[StudyNote, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "level": self.level, "rule": self.rule, "label_nb": self.label_nb, "label_en": self.label_en,
            "rule_nb": self.rule_nb, "rule_en": self.rule_en, "supporting_studies": list(self.supporting),
            "studies": [{"study_id": n.study_id, "citation": n.citation, "counted": n.counted,
                         "reason": n.reason} for n in self.notes],
        }


def finding_from_effects(effects) -> str:
    good = bad = False
    for e in effects:
        lower_side = e.ci_high < 0  # whole interval below no effect (0 on the analysis scale)
        upper_side = e.ci_low > 0
        if (upper_side and e.higher_is_better) or (lower_side and not e.higher_is_better):
            good = True
        elif upper_side or lower_side:
            bad = True
    if good and bad:
        return "mixed"
    return "positive" if good else "negative" if bad else "null"


def _decision(level: int, rule: str, supporting, notes) -> LevelDecision:
    nb, en = LEVELS[level]
    return LevelDecision(level, rule, nb, en, RULES[rule][0], RULES[rule][1],
                         tuple(s.id for s in supporting), tuple(notes))


def classify(measure: MeasureFacts, studies: list[StudyFacts]) -> LevelDecision:
    notes: list[StudyNote] = []
    counted: list[StudyFacts] = []
    for s in studies:
        reason = None
        if s.status != "completed":
            reason = "pågår eller er planlagt / ongoing or planned"
        elif s.design == "not_stated":
            reason = "kilden oppgir ikke design / design not stated"
        elif s.design == "qualitative":
            reason = "kvalitativ studie måler ikke effekt / qualitative, no effect estimate"
        if reason:
            notes.append(StudyNote(s.id, s.citation, False, reason))
        else:
            counted.append(s)
            where = "nordisk" if s.nordic else "ikke-nordisk"
            bias = label(RISK_OF_BIAS, s.risk_of_bias).lower() if s.risk_of_bias else "ikke vurdert"
            notes.append(StudyNote(s.id, s.citation, True,
                                   f"{label(DESIGNS, s.design)}, {where}; risiko for skjevhet: {bias}; "
                                   f"funn: {label(FINDINGS, s.finding).lower()} (fra {s.finding_basis})"))

    def acceptable(s):
        return s.risk_of_bias in ACCEPTABLE_BIAS

    nordic_ctrl_strong = [s for s in counted if s.nordic and s.design in CONTROLLED_DESIGNS
                          and s.risk_of_bias == "low" and s.finding == "positive"
                          and (s.follow_up_months or 0) >= 12]
    reviews = [s for s in counted if s.design == "systematic_review" and s.finding in BENEFICIAL
               and acceptable(s)]
    if measure.implementation and (len(nordic_ctrl_strong) >= 2 or (nordic_ctrl_strong and reviews)):
        return _decision(5, "L5", nordic_ctrl_strong + reviews[:1], notes)

    nordic_ctrl = [s for s in counted if s.nordic and s.design in CONTROLLED_DESIGNS and acceptable(s)
                   and s.finding in BENEFICIAL]
    if nordic_ctrl:
        return _decision(4, "L4", nordic_ctrl, notes)

    some = [s for s in counted if acceptable(s) and s.finding in BENEFICIAL and (
        (s.nordic and s.design in EFFECT_DESIGNS) or (not s.nordic and s.design in CONTROLLED_DESIGNS))]
    if some or reviews:
        return _decision(3, "L3", some + reviews, notes)

    null_ctrl = [s for s in counted if s.design in CONTROLLED_DESIGNS and acceptable(s)
                 and s.finding in ("null", "negative")]
    if null_ctrl:
        return _decision(0, "L0", null_ctrl, notes)

    if measure.description and measure.target_group and measure.rationale:
        return _decision(2, "L2", [], notes)
    return _decision(1, "L1", [], notes)
