"""Password hashing with Argon2id (argon2-cffi, RFC 9106 parameters as argon2-cffi's defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from oppvekst.errors import InputError

_hasher = PasswordHasher()
MIN_LENGTH = 12   # NIST SP 800-63B §5.1.1.2 asks for at least 8 characters; we ask for 12


def check_strength(password: str, *, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise InputError(f"passordet må ha minst {MIN_LENGTH} tegn / the password needs at least {MIN_LENGTH} characters",
                         field="password")
    if username and username.lower() in password.lower():
        raise InputError("passordet kan ikke inneholde brukernavnet / the password must not contain the username",
                         field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
