"""Roles and what each may do. The public (no login) sees published, suppressed aggregates only."""

from __future__ import annotations

from oppvekst.roles import Role

__all__ = ["NAMES_NB", "PERMISSIONS", "USER_ROLES", "Role", "allowed"]


USER_ROLES = (Role.ANALYST, Role.RESEARCHER, Role.ADMINISTRATOR)   # roles a user account can have
NAMES_NB = {Role.PUBLIC: "offentlig", Role.ANALYST: "analytiker", Role.RESEARCHER: "forsker",
            Role.ADMINISTRATOR: "administrator"}

# permission -> roles that hold it
PERMISSIONS: dict[str, frozenset[Role]] = {
    "read_published": frozenset(Role),
    "read_prepublication_own": frozenset({Role.ANALYST, Role.ADMINISTRATOR}),
    "derive_aggregates": frozenset({Role.RESEARCHER, Role.ADMINISTRATOR}),
    "manage_users": frozenset({Role.ADMINISTRATOR}),
    "publish_releases": frozenset({Role.ADMINISTRATOR}),
    "read_audit": frozenset({Role.ADMINISTRATOR}),
    "register_rights": frozenset({Role.ADMINISTRATOR}),
    "edit_evidence": frozenset({Role.ADMINISTRATOR}),
    "plan_trials": frozenset({Role.ANALYST, Role.RESEARCHER, Role.ADMINISTRATOR}),   # own plans; admins any
}


def allowed(role: Role | str, permission: str) -> bool:
    return Role(role) in PERMISSIONS[permission]
