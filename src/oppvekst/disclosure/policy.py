"""The disclosure-control policy (policy.yaml next to this file; OPPVEKST_DISCLOSURE_POLICY overrides)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from oppvekst import config
from oppvekst.errors import InputError

POLICY_FILE = Path(__file__).with_name("policy.yaml")
KEYS = {"numerator_max": int, "denominator_min": int, "series_max_share": (float, type(None)),
        "coverage_max_unknown": (float, type(None)), "pooled_periods": list}


@cache
def _load(path: str) -> dict:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read the disclosure policy: {exc}", file=path) from exc
    for key, value in raw.items():
        if key not in KEYS:
            raise InputError("unknown policy key", file=path, field=key)
        allowed = KEYS[key] if isinstance(KEYS[key], tuple) else (KEYS[key],)
        if float in allowed and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, allowed):
            raise InputError(f"wrong type {type(value).__name__}", file=path, field=key)
    return raw


def policy() -> dict:
    return dict(_load(config.raw("OPPVEKST_DISCLOSURE_POLICY") or str(POLICY_FILE)))


def pooled(indicator_id: str) -> bool:
    return indicator_id in policy().get("pooled_periods", [])
