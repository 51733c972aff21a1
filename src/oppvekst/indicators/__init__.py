"""Indicators: the catalogue and the derivations that turn sources into observations."""
