"""Samfunnsoppdraget (the mission *Ingen barn og unge utenfor!*): goal tree, indicator links and gaps,
progress (sdg-build's ProgressMeasure and a trend assessment), baseline, drivers and portfolio.

Pure functions over data: storage, pages and commands are wired elsewhere.
"""
