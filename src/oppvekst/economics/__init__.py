"""Utenforregnskapet 2.0: what prevention costs and saves each level of government (issue 11).

Pure, typed computation: discounting (R-109 bands, budget rate), parameters with provenance, effects from
the evidence base as changes in outcome probability, the scenario model and a seeded Monte Carlo. Around it:
local baselines read through a `StatisticsReader` (baselines), saved scenarios in the content database
(models, store), the council's PDF (export) and the break-even beside a trial's MDES (trial_link). No web or
CLI here.
"""

from oppvekst.economics.discounting import RateSchedule, annuity_factor, discount_factors, factor_table
from oppvekst.economics.effects import ProbabilityEffect, effect_from_input, effect_from_pooled
from oppvekst.economics.model import Scenario, ScenarioResults, build_scenario, evaluate, load_scenario, run
from oppvekst.economics.montecarlo import MonteCarloResults, simulate, tornado
from oppvekst.economics.parameters import (
                                           Deflator,
                                           Figure,
                                           context_figures,
                                           cost_profile,
                                           r109,
                                           read_cost_profile,
                                           to_price_year,
)

__all__ = [
                                           "Deflator",
                                           "Figure",
                                           "MonteCarloResults",
                                           "ProbabilityEffect",
                                           "RateSchedule",
                                           "Scenario",
                                           "ScenarioResults",
                                           "annuity_factor",
                                           "build_scenario",
                                           "context_figures",
                                           "cost_profile",
                                           "discount_factors",
                                           "effect_from_input",
                                           "effect_from_pooled",
                                           "evaluate",
                                           "factor_table",
                                           "load_scenario",
                                           "r109",
                                           "read_cost_profile",
                                           "run",
                                           "simulate",
                                           "to_price_year",
                                           "tornado",
]
