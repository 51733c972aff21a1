"""Oppvekst: a knowledge system for the conditions children and young people grow up in."""

__version__ = "0.1.0"
