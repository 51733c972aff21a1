"""User accounts, roles, login and API tokens. Every change of role and every login is audited."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import select

from oppvekst import config
from oppvekst.access import passwords
from oppvekst.access.models import ApiToken, User
from oppvekst.access.roles import USER_ROLES, Role
from oppvekst.content import audit, db
from oppvekst.errors import InputError

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
TOKEN_PREFIX = "opv_"


def max_failed_logins() -> int:
    """Failed logins in a row before the account is locked."""
    return config.integer("OPPVEKST_MAX_FAILED_LOGINS")


def lockout_minutes() -> int:
    return config.integer("OPPVEKST_LOCKOUT_MINUTES")


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user, or the public (username None)."""
    username: str | None
    role: Role
    municipality: str | None = None

    @property
    def name(self) -> str:
        return self.username or "offentlig"


PUBLIC = Principal(None, Role.PUBLIC)


def _principal(u: User) -> Principal:
    return Principal(u.username, Role(u.role), u.municipality)


def _check_role(role: str, municipality: str | None) -> Role:
    try:
        r = Role(role)
    except ValueError:
        raise InputError(f"unknown role {role!r}; one of {', '.join(USER_ROLES)}", field="role") from None
    if r not in USER_ROLES:
        raise InputError(f"a user cannot have the role {role!r}", field="role")
    if r == Role.ANALYST:
        from oppvekst import regions

        codes = set(regions.regions_2024().query("level == 'kommune'")["code"])
        if municipality not in codes:
            raise InputError(f"an analyst needs a 2024 municipality code, not {municipality!r}", field="municipality")
    return r


def create_user(username: str, password: str, role: str, *, municipality: str | None = None,
                db_url: str | None = None) -> Principal:
    if not USERNAME.match(username or ""):
        raise InputError("brukernavn: små bokstaver, tall, . _ - (2–80 tegn) / username: a-z 0-9 . _ -",
                         field="username")
    r = _check_role(role, municipality)
    passwords.check_strength(password, username=username)
    with db.session(db_url) as s:
        if s.execute(select(User).where(User.username == username)).scalar_one_or_none():
            raise InputError(f"brukeren {username!r} finnes / the user exists", field="username")
        u = User(username=username, password_hash=passwords.hash_password(password), role=r.value,
                 municipality=municipality if r == Role.ANALYST else None)
        s.add(u)
        s.commit()
    audit.record("user_create", username, {"role": r.value, "municipality": u.municipality}, db_url=db_url)
    return _principal(u)


def _get(s, username: str) -> User:
    u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if u is None:
        raise InputError(f"ukjent bruker / unknown user {username!r}", field="username")
    return u


def set_role(username: str, role: str, *, municipality: str | None = None, db_url: str | None = None) -> Principal:
    with db.session(db_url) as s:
        u = _get(s, username)
        r = _check_role(role, municipality if municipality is not None else u.municipality)
        old = (u.role, u.municipality)
        u.role = r.value
        u.municipality = (municipality or u.municipality) if r == Role.ANALYST else None
        s.commit()
    audit.record("role_change", username, {"from": old[0], "to": r.value, "municipality_from": old[1],
                                           "municipality_to": u.municipality}, db_url=db_url)
    return _principal(u)


def set_password(username: str, password: str, *, db_url: str | None = None) -> None:
    passwords.check_strength(password, username=username)
    with db.session(db_url) as s:
        u = _get(s, username)
        u.password_hash = passwords.hash_password(password)
        u.failed_logins, u.locked_until = 0, None
        s.commit()
    audit.record("password_change", username, db_url=db_url)


def set_active(username: str, active: bool, *, db_url: str | None = None) -> None:
    with db.session(db_url) as s:
        u = _get(s, username)
        u.active = active
        if not active:
            for t in s.execute(select(ApiToken).where(ApiToken.user_id == u.id)).scalars():
                t.revoked = True
        s.commit()
    audit.record("user_activate" if active else "user_deactivate", username, db_url=db_url)


def list_users(db_url: str | None = None) -> list[dict]:
    with db.session(db_url) as s:
        return [{"username": u.username, "role": u.role, "municipality": u.municipality, "active": u.active,
                 "locked": bool(u.locked_until and _aware(u.locked_until) > datetime.now(UTC)),
                 "created_at": _aware(u.created_at).isoformat()}
                for u in s.execute(select(User).order_by(User.username)).scalars()]


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def authenticate(username: str, password: str, *, db_url: str | None = None) -> Principal | None:
    """Check a password. Failures are counted; too many in a row lock the account for a while."""
    now = datetime.now(UTC)
    with db.session(db_url) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if u is None:
            passwords.verify(_dummy_hash(), password)  # the same work as a real check: no user enumeration by timing
            audit.record("login_failed", username[:80], {"reason": "unknown user"}, who=username[:80], db_url=db_url)
            return None
        if not u.active or (u.locked_until and _aware(u.locked_until) > now):
            audit.record("login_failed", username, {"reason": "inactive" if not u.active else "locked"},
                         who=username, db_url=db_url)
            return None
        if not passwords.verify(u.password_hash, password):
            u.failed_logins += 1
            if u.failed_logins >= max_failed_logins():
                u.locked_until = now + timedelta(minutes=lockout_minutes())
                u.failed_logins = 0
            s.commit()
            audit.record("login_failed", username, {"reason": "password"}, who=username, db_url=db_url)
            return None
        if passwords.needs_rehash(u.password_hash):
            u.password_hash = passwords.hash_password(password)
        u.failed_logins, u.locked_until = 0, None
        s.commit()
        p = _principal(u)
    audit.record("login", username, {"role": p.role.value}, who=username, db_url=db_url)
    return p


# -- API tokens -------------------------------------------------------------------------------------

@cache
def _dummy_hash() -> str:
    return passwords.hash_password(secrets.token_hex(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(username: str, name: str = "api", *, days: int | None = 90, session_hours: int | None = None,
                db_url: str | None = None) -> str:
    """A new bearer token for a user; returned once, only its hash is kept.

    With `session_hours` it is a web session (expires in hours; the login itself is what is audited).
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + timedelta(hours=session_hours) if session_hours else (now + timedelta(days=days) if days else None)
    with db.session(db_url) as s:
        u = _get(s, username)
        if not u.active:
            raise InputError(f"brukeren {username!r} er deaktivert / the user is inactive", field="username")
        t = ApiToken(user_id=u.id, token_hash=_token_hash(token), name=name[:100], expires_at=expires)
        s.add(t)
        s.commit()
        tid = t.id
    if not session_hours:
        audit.record("token_issue", username, {"token_id": tid, "name": name, "days": days}, db_url=db_url)
    return token


def revoke_by_value(token: str, *, db_url: str | None = None) -> bool:
    """Revoke the token presented (logout, or an API client giving up its token)."""
    with db.session(db_url) as s:
        t = s.execute(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).scalar_one_or_none()
        if t is None:
            return False
        t.revoked = True
        s.commit()
        return True


def revoke_token(token_id: int, *, db_url: str | None = None) -> None:
    with db.session(db_url) as s:
        t = s.get(ApiToken, token_id)
        if t is None:
            raise InputError(f"ukjent nøkkel / unknown token {token_id}", field="token_id")
        t.revoked = True
        u = s.get(User, t.user_id)
        s.commit()
    audit.record("token_revoke", u.username if u else "", {"token_id": token_id}, db_url=db_url)


def tokens(username: str, *, db_url: str | None = None) -> list[dict]:
    with db.session(db_url) as s:
        u = _get(s, username)
        return [{"id": t.id, "name": t.name, "created_at": _aware(t.created_at).isoformat(),
                 "expires_at": _aware(t.expires_at).isoformat() if t.expires_at else None,
                 "revoked": t.revoked}
                for t in s.execute(select(ApiToken).where(ApiToken.user_id == u.id)).scalars()]


def from_token(token: str | None, *, db_url: str | None = None) -> Principal | None:
    """The user a bearer token belongs to, or None (unknown, revoked, expired, inactive user)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = datetime.now(UTC)
    with db.session(db_url) as s:
        t = s.execute(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).scalar_one_or_none()
        if t is None or t.revoked or (t.expires_at and _aware(t.expires_at) < now):
            return None
        u = s.get(User, t.user_id)
        if u is None or not u.active:
            return None
        if t.last_used_at is None or now - _aware(t.last_used_at) > timedelta(minutes=5):
            t.last_used_at = now
            s.commit()
        return _principal(u)


def get(username: str, *, db_url: str | None = None) -> Principal | None:
    with db.session(db_url) as s:
        u = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        return _principal(u) if u and u.active else None
