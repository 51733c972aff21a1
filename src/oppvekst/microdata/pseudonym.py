"""Keyed, deterministic pseudonyms for national identity numbers (HMAC-SHA256).

The key comes from the environment, never from code or data: OPPVEKST_PSEUDONYM_KEY (the key itself)
or OPPVEKST_PSEUDONYM_KEY_FILE (a file holding it). There is no default. The pseudonym is the first
8 bytes of HMAC-SHA256(key, number) as a signed 64-bit integer: compact and fast to join on; the
linkage step checks that no two numbers share a pseudonym (the chance is about n²/2⁶⁵, some 10⁻⁶
for the whole country) and stops if they do.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import numpy as np

from oppvekst import config

KEY_ENV = "OPPVEKST_PSEUDONYM_KEY"
KEY_FILE_ENV = "OPPVEKST_PSEUDONYM_KEY_FILE"
MIN_KEY_BYTES = 16


class PseudonymKeyError(RuntimeError):
    """No usable pseudonymisation key."""


def load_key() -> bytes:
    """The key from OPPVEKST_PSEUDONYM_KEY or the file named by OPPVEKST_PSEUDONYM_KEY_FILE."""
    value = config.raw(KEY_ENV)
    path = config.raw(KEY_FILE_ENV)
    if value and path:
        raise PseudonymKeyError(f"set either {KEY_ENV} or {KEY_FILE_ENV}, not both")
    if path:
        try:
            key = Path(path).read_bytes().strip()
        except OSError as exc:
            raise PseudonymKeyError(f"cannot read the pseudonym key file {path} ({KEY_FILE_ENV}): {exc}") from exc
    elif value:
        key = value.encode("utf-8")
    else:
        raise PseudonymKeyError(
            f"no pseudonymisation key: set {KEY_ENV} or {KEY_FILE_ENV} (at least {MIN_KEY_BYTES} bytes, "
            "e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`). "
            "Ingen nøkkel for pseudonymisering er satt.")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"the pseudonymisation key is shorter than {MIN_KEY_BYTES} bytes")
    return key


def pseudonyms(numbers, key: bytes) -> np.ndarray:
    """int64 pseudonyms for an iterable of identity numbers (strings)."""
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = np.empty(len(numbers), dtype=np.int64)
    copy = base.copy
    for i, number in enumerate(numbers):
        h = copy()
        h.update(number.encode("ascii"))
        out[i] = int.from_bytes(h.digest()[:8], "big", signed=True)
    return out
