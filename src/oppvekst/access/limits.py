"""Limits on request rate and query size. Operational settings with defaults, set by environment:

OPPVEKST_RATE_LIMIT           requests per minute per client without login (default 600)
OPPVEKST_RATE_LIMIT_USER      requests per minute per logged-in user (default 1200)
OPPVEKST_RATE_LIMIT_LOGIN     login attempts per minute per client (default 10)
OPPVEKST_MAX_BODY_BYTES       largest request body (default 1 000 000)
OPPVEKST_MAX_QUERY_REGIONS    most regions in one query (default 500)

The limiter is a token bucket per client in this process; behind several workers, put the same
limit in the reverse proxy as well.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from oppvekst.errors import InputError


def setting(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError("must be a whole number", field=name) from None
    if value <= 0:
        raise InputError("must be positive", field=name)
    return value


def max_body_bytes() -> int:
    return setting("OPPVEKST_MAX_BODY_BYTES", 1_000_000)


def max_query_regions() -> int:
    return setting("OPPVEKST_MAX_QUERY_REGIONS", 500)


@dataclass
class TokenBucket:
    """`per_minute` requests a minute on average, bursts up to the same number."""
    per_minute: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)   # key -> (tokens, last time)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed; otherwise the seconds to wait."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self.lock:
            tokens, last = self.buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self.buckets[key] = (tokens - 1.0, now)
                if len(self.buckets) > 100_000:          # forget idle clients
                    self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 600}
                return 0.0
            self.buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate


class Limits:
    """The limiters of one running application."""

    def __init__(self) -> None:
        self.public = TokenBucket(setting("OPPVEKST_RATE_LIMIT", 600))
        self.user = TokenBucket(setting("OPPVEKST_RATE_LIMIT_USER", 1200))
        self.login = TokenBucket(setting("OPPVEKST_RATE_LIMIT_LOGIN", 10))
