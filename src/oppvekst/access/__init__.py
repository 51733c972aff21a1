"""Access control: user accounts and roles, password hashing (Argon2id), API tokens and web sessions,
limits on request rate and query size. The audit log is content's (content/audit.py); register
rights are disclosure's (disclosure/registers.py).

Roles: public (published, suppressed aggregates), analyst (their own municipality's results before
publication), researcher (derivations on the microdata, returned only as checked, suppressed
aggregates), administrator. See roles.PERMISSIONS.
"""

from __future__ import annotations

from oppvekst.access.roles import PERMISSIONS, Role, allowed
from oppvekst.access.users import PUBLIC, Principal
from oppvekst.content.audit import install_warehouse_audit  # kept here for web/app.py and cli/__init__.py

__all__ = ["PERMISSIONS", "PUBLIC", "Principal", "Role", "allowed", "install_warehouse_audit"]
