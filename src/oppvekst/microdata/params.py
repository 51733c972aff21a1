"""Synthetic model parameters of the register generator, all in one place.

EVERY NUMBER IN THIS FILE IS A SYNTHETIC MODEL PARAMETER, NOT A STATISTIC.
They shape a synthetic population where no bundled source gives the figure (the distribution of
moves, the shape of the income distribution, the size of sibling groups, the strength of each
social gradient, ...). They were chosen to give plausible-looking data and are never shown as facts.
The figures the generator is calibrated to, each with its source, are in `calibration.TARGETS`;
where a parameter is tuned by calibration, the value here is only the starting point.
"""

from __future__ import annotations

# -- registers and years ----------------------------------------------------------------------------
FIRST_YEAR, LAST_YEAR = 2015, 2024
YEARS = tuple(range(FIRST_YEAR, LAST_YEAR + 1))
MAX_AGE = 29                                   # persons aged 0–29 in any register year
OLDEST_2024 = MAX_AGE + (LAST_YEAR - FIRST_YEAR)  # 38: those aged 29 in 2015 are 38 on 1 January 2024

# -- persons and families ---------------------------------------------------------------------------
P_MALE = 0.512                                 # share of boys at birth
SIBLING_AGE_SPREAD = 3.5                       # sd (years) of the sort noise that groups children into families
FAMILY_SIZES = {1: 0.34, 2: 0.44, 3: 0.17, 4: 0.05}   # children 0–17 per family (register children only)
ADULT_SIBLING_GROUPS = {1: 0.30, 2: 0.45, 3: 0.20, 4: 0.05}   # grown-ups 26–38 sharing parents
P_SINGLE_PARENT = 0.17
P_SINGLE_PARENT_IS_MOTHER = 0.85
MOTHER_AGE_AT_FIRST_BIRTH = (29.0, 4.5)        # mean, sd (years), clipped to 18–45
FATHER_AGE_GAP = (2.5, 3.0)                    # mean, sd (years) older than the mother

# -- immigrant background ---------------------------------------------------------------------------
# A child's family is an immigrant family with probability IMM_FAMILY_FACTOR × the municipality's
# immigrant share among 15–29-year-olds (SSB 13563, 2024), capped.
IMM_FAMILY_FACTOR = 1.0
IMM_FAMILY_CAP = 0.8
IMM_ARRIVAL_OFFSET = (0.0, 6.0)                # family arrival = eldest child's birth year + N(mean, sd)
IMM_EARLIEST_ARRIVAL = 1980
IMM_ADULT_ARRIVAL_AGE = {"child": (0.3, 0, 12), "adult": (0.7, 17, 28)}  # share, age range at arrival
NBIP_ADULT_FACTOR = 0.25                       # Norwegian-born to immigrant parents among young adults 18–25, × share

# -- parents' education (highest of the two parents) ------------------------------------------------
EDUCATION_LEVELS = ("basic", "upper_secondary", "higher_short", "higher_long")
EDU_CUTPOINTS = (-1.2, -0.15, 0.95)            # ordered-probit cut points on a N(0,1) latent scale
EDU_AREA_EFFECT = -0.35                        # per sd of the municipality's area index (see below)
EDU_IMMIGRANT_SHIFT = -0.45
P_EDU_UNKNOWN = {"immigrant": 0.15, "other": 0.01}
SECOND_PARENT_STEP_DOWN = (0.5, 0.35, 0.15)    # other parent: same level / one lower / two lower

# The area index of a municipality is the standardised logit of its real NEET share 2022–2024 (SSB 13556):
# a modelling choice that lets areas with more young people outside work and school also have lower
# education and income in the synthetic world. It is not a statistic about those areas.

# -- leaving home and moving ------------------------------------------------------------------------
LEAVE_HOME_AGE = {18: 0.14, 19: 0.24, 20: 0.20, 21: 0.15, 22: 0.10, 23: 0.08, 24: 0.05, 25: 0.04}
P_PARENTS_IN_OWN_2024_MUNICIPALITY = 0.6       # for those who have left home: parents live where they do
P_COHABITING = {18: 0.05, 22: 0.25, 26: 0.5, 30: 0.65}  # own household with a partner, by age (step)
MOVE_PROB = {"family": 0.07, "own": 0.15}      # yearly chance that a household moved in (backwards in time)
MOVE_SCOPE = {"municipality": 0.5, "county": 0.25, "country": 0.25}

# -- income after tax per consumption unit (log-normal with household and year components) ----------
INCOME_MEDIAN_2015 = 330_000                   # NOK per consumption unit, level only (the indicator is relative)
INCOME_GROWTH = 0.03                           # per year
INCOME_EDU_EFFECT = {"basic": -0.35, "upper_secondary": -0.12, "higher_short": 0.05, "higher_long": 0.22,
                     None: -0.30}
INCOME_IMMIGRANT_EFFECT = -0.55                # fades with years since arrival
INCOME_IMMIGRANT_CATCHUP_YEARS = 9.0           # e-folding time of that effect
INCOME_SINGLE_PARENT_EFFECT = -0.25
INCOME_AREA_EFFECT = -0.06                     # per sd of the area index
INCOME_YOUNG_OWN_EFFECT = {18: -0.55, 20: -0.45, 23: -0.30, 26: -0.15, 29: -0.05}  # own household, by age
INCOME_PERMANENT_SD = 0.30                     # starting value; calibrated to persistent low income
INCOME_TRANSITORY_SD = 0.14

# -- crowded housing and social assistance (per household) ------------------------------------------
CROWDED_INTERCEPT = -2.2
CROWDED_INCOME = -1.4                          # per unit of log income relative to the median
CROWDED_IMMIGRANT = 0.9
CROWDED_CITY = 0.6                             # municipalities with city districts
CROWDED_PER_PERSON = 0.35                      # per person above three
SOCIAL_ASSISTANCE_INTERCEPT = -4.2
SOCIAL_ASSISTANCE_LOW_INCOME = 2.6             # annual income below 60 % of the median
SOCIAL_ASSISTANCE_RECENT_IMMIGRANT = 1.0       # arrived less than five years ago

# -- kindergarten (ages 1–5) ------------------------------------------------------------------------
KINDERGARTEN_AGE_1_2 = -1.6                    # starting value; calibrated (share of 3–5-year-olds)
KINDERGARTEN_IMMIGRANT = -0.9                  # starting value; calibrated (minority gap, 3–5)
KINDERGARTEN_LOW_INCOME = -0.35                # lowest income quintile
KINDERGARTEN_EDU_BASIC = -0.30
KINDERGARTEN_BEFORE_2020_LEVEL = "2020"        # no bundled figure before 2020: held at the 2020 level

# -- child welfare (ages 0–17) ----------------------------------------------------------------------
CW_RISK = {"ses": -0.55, "single_parent": 0.45, "low_income": 0.5, "family_sd": 0.8, "child_sd": 0.4}
CW_RISK_SLOPE = 1.1
CW_PERSISTENCE = 3.4                           # logit bonus for having had measures the year before
CW_AGE_EFFECT = {0: -0.6, 3: -0.2, 6: 0.0, 13: 0.25, 16: 0.15}   # by age (step)
CW_PLACEMENT = (-2.3, 0.5, 0.80)               # logit intercept, per unit risk; P(stays placed)
CW_NEW_REPORTED = 0.9                          # new measures that followed a report
CW_REPORT_ONLY = (-4.3, 0.9)                   # logit intercept, per unit risk: reports without measures
CW_INVESTIGATED_GIVEN_REPORT = 0.55            # of reports without a new measure

# -- school -----------------------------------------------------------------------------------------
ABILITY = {"ses": 0.45, "low_income": -0.2, "immigrant_late": -0.55, "immigrant_early": -0.25,
           "nbip": -0.12, "child_welfare": -0.35, "male": -0.12, "sd": 0.85}
READING_LEVEL_SHARES = (0.24, 0.50, 0.26)      # mastery levels 1, 2, 3 (grade 5)
POINTS_MEAN, POINTS_SD, POINTS_MIN, POINTS_MAX = 41.5, 8.5, 10.0, 60.0
P_NO_POINTS = 0.03
P_START_UPPER_SECONDARY = 0.97
COMPLETION_ABILITY = 1.0                       # logit per sd of ability
COMPLETION_CW = -1.4                           # starting value; calibrated (child-welfare gap)
COMPLETION_YEARS = {3: 0.74, 4: 0.16, 5: 0.10}  # when those who complete within five years finish
P_COMPLETE_LATER = 0.25                        # of the others, share who finish in year six or seven

# -- NEET (15–29) -----------------------------------------------------------------------------------
# Log-weights in weighted sampling without replacement (the count per municipality and year is fixed by
# SSB 13556); age, sex and immigrant weights are starting values calibrated to the national margins.
NEET_WEIGHTS = {"age_15_19": 0.0, "age_20_24": 0.8, "age_25_29": 1.0, "male": 0.05, "immigrant": 1.2,
                "edu": {"basic": 0.7, "upper_secondary": 0.3, "higher_short": 0.0, "higher_long": -0.2,
                        None: 0.4},
                "not_completed": 1.1, "child_welfare": 0.6, "previous_year": 2.0, "sd": 0.5}
