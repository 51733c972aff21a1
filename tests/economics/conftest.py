import copy

import pytest

SRC = {"source": "test fixture", "price_year": 2024, "basis": "average"}


def base_scenario() -> dict:
    """The hand-computed life-course case of test_model.py (see its comments)."""
    return copy.deepcopy({
        "name": "hand case", "price_year": 2024, "horizon": 6, "start_age": 14,
        "target_group": {"size": 10, "source": "test fixture"},
        "baseline": {"value": 0.5, "source": "test fixture"},
        "effect": {"measure": "rd", "estimate": -0.2, "se": 0.05, "effect_on": "costly", "source": "test fixture"},
        "measure_costs": [{"name": "programme", "level": "kommune", "one_off": 1000, **SRC}],
        "outcome_costs": [
            {"age_from": 16, "age_to": 19, "level": "stat", "amount": 5000, "kind": "transfer", **SRC},
            {"age_from": 16, "age_to": 19, "level": "kommune", "amount": 1000, "kind": "service", **SRC},
        ],
        "participant_income": [{"age_from": 18, "age_to": 19, "amount": 20000, **SRC}],
        "discounting": {
            "budget": {"rate": 0.10, "timing": "start", "own_assumption": True},
            "societal": {"bands": [{"to_year": None, "rate": 0.10}],
                         "tax_cost": {"value": 0.2, "own_assumption": True}, "own_assumption": True},
        },
        "non_priced": [{"effect": "livskvalitet / quality of life", "score": "++", "omfang": "middels positivt",
                        "betydning": "stor"}],
    })


@pytest.fixture
def scenario_dict() -> dict:
    return base_scenario()
