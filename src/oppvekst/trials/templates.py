"""The ready trial plans of templates.yaml (Meld. St. 28 Boks 7.1 and kap. 4.3.4), checked against the catalogue."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from oppvekst.errors import InputError

TEMPLATES_FILE = Path(__file__).with_name("templates.yaml")


@cache
def templates() -> list[dict]:
    from oppvekst.indicators.catalogue import catalogue

    items = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))["templates"]
    known = catalogue()
    for row, t in enumerate(items, start=1):
        for o in t["outcomes"]:
            if o["indicator"] is not None and o["indicator"] not in known:
                raise InputError("not an indicator of the catalogue", file=str(TEMPLATES_FILE), row=row,
                                 field="indicator")
    return items


def template(template_id: str) -> dict:
    for t in templates():
        if t["id"] == template_id:
            return t
    raise InputError(f"no template {template_id!r} (known: {', '.join(t['id'] for t in templates())})",
                     field="template")
