"""Number formatting for people: Norwegian style (space for thousands, comma for decimals)."""

from __future__ import annotations


def nb_number(value, decimals: int = 0) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")
