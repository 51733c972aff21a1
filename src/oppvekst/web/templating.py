"""Shared Jinja2 templates for all HTML pages (bokmål first, English second)."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

TEMPLATE_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def nb_number(value, decimals: int = 0) -> str:
    """Norwegian number format: thin space for thousands, comma for decimals."""
    if value is None or value != value:  # None or NaN
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


templates.env.filters["nb"] = nb_number
