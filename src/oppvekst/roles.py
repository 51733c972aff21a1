"""The roles a person can act in. Neutral ground: access (accounts, permissions) and disclosure (who may
see a release before publication) both need them, and neither imports the other."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"
    ANALYST = "analyst"            # sees their own municipality's results before publication
    RESEARCHER = "researcher"      # runs derivations on the microdata, receives checked suppressed aggregates
    ADMINISTRATOR = "administrator"
