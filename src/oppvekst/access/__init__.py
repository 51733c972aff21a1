"""Access control and audit: users and roles, password hashing (Argon2id), API tokens and web
sessions, limits on request rate and query size, the hash-chained audit log, and register rights
(access, correction, deletion) for the microdata registers.

Roles: public (published, suppressed aggregates), analyst (their own municipality's results before
publication), researcher (derivations on the microdata, returned only as checked, suppressed
aggregates), administrator. See roles.PERMISSIONS.
"""

from __future__ import annotations

from oppvekst.access.roles import PERMISSIONS, Role, allowed
from oppvekst.access.users import PUBLIC, Principal

__all__ = ["PERMISSIONS", "PUBLIC", "Principal", "Role", "allowed", "install_warehouse_audit"]


def _on_release(event: str, release) -> None:
    from oppvekst.access import audit

    audit.record(event, f"release:{release.id}",
                 {"source": release.source, "indicators": list(release.indicators), "rows": release.n_rows,
                  "synthetic": bool(release.synthetic), "status": release.status})


def install_warehouse_audit() -> None:
    """Audit every release loaded and rolled back in this process (idempotent)."""
    from oppvekst.warehouse import store

    if _on_release not in store.listeners:
        store.listeners.append(_on_release)
