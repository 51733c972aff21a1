"""Method choice: from the planner's answers to a recommended design, its reason and its risk of bias.

The questions, designs, rules and notes are data (methods.yaml); this module only evaluates them: the
first rule whose conditions all hold gives the recommendation, and notes may block a design (too few
clusters), in which case the next rule that recommends an unblocked design is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from oppvekst.errors import InputError

METHODS_FILE = Path(__file__).with_name("methods.yaml")


@cache
def methods() -> dict:
    return yaml.safe_load(METHODS_FILE.read_text(encoding="utf-8"))


@dataclass
class MethodChoice:
    answers: dict
    design: str
    design_info: dict
    alternatives: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"answers": self.answers, "design": self.design, **{k: self.design_info.get(k) for k in (
            "nb", "en", "power_design", "risk_of_bias", "why_nb", "risks_nb", "risks_en")},
            "alternatives": self.alternatives, "notes": self.notes, "blocked": self.blocked}


def _check(answers: dict) -> dict:
    questions = {q["id"]: q for q in methods()["questions"]}
    clean = {}
    for key, value in answers.items():
        if value is None:
            continue
        q = questions.get(key)
        if q is None:
            raise InputError(f"unknown question (known: {', '.join(questions)})", field=key)
        if q["kind"] == "yes_no":
            if isinstance(value, str):
                if value.lower() not in ("yes", "no", "ja", "nei", "true", "false", "1", "0"):
                    raise InputError("answer yes or no", field=key)
                value = value.lower() in ("yes", "ja", "true", "1")
            clean[key] = bool(value)
        elif q["kind"] == "choice":
            if value not in q["choices"]:
                raise InputError(f"must be one of {', '.join(q['choices'])}", field=key)
            clean[key] = value
        else:
            try:
                clean[key] = int(value)
            except (TypeError, ValueError):
                raise InputError("must be a whole number", field=key) from None
            if clean[key] < 1:
                raise InputError("must be at least 1", field=key)
    return clean


def _holds(when: dict, answers: dict) -> bool:
    for key, wanted in when.items():
        if key.endswith("_lt"):
            got = answers.get(key[:-3])
            if got is None or not got < wanted:
                return False
        elif answers.get(key) != wanted:
            return False
    return True


def choose(answers: dict) -> MethodChoice:
    """The recommended design for these answers (unanswered questions simply do not match a rule)."""
    answers = _check(answers)
    spec = methods()
    notes = [n for n in spec.get("notes", []) if "when" in n and _holds(n["when"], answers)]
    blocked = sorted({d for n in notes for d in n.get("blocks", [])})
    for rule in spec["rules"]:
        if _holds(rule["when"], answers) and rule["recommend"] not in blocked:
            alts = [{"design": a, **{k: spec["designs"][a].get(k) for k in ("nb", "en", "risk_of_bias",
                                                                               "risks_nb", "risks_en")}}
                    for a in rule["alternatives"] if a not in blocked]
            design = rule["recommend"]
            notes += [n for n in spec.get("notes", []) if design in n.get("when_design", [])]
            return MethodChoice(answers, design, spec["designs"][design], alts,
                                [{"nb": n["nb"], "en": n["en"]} for n in notes], blocked)
    raise AssertionError("methods.yaml needs a last rule that always holds")   # pinned by a test
