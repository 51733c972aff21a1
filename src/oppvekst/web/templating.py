"""Shared Jinja2 templates for all HTML pages (bokmål first, English second)."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

from oppvekst.formatting import nb_number

TEMPLATE_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


templates.env.filters["nb"] = nb_number
