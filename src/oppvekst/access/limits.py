"""Limits on request rate and query size (settings OPPVEKST_RATE_LIMIT*, OPPVEKST_MAX_BODY_BYTES and
OPPVEKST_MAX_QUERY_REGIONS, declared with their defaults in oppvekst.config).

The limiter is a token bucket per client in this process; behind several workers, put the same
limit in the reverse proxy as well.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from oppvekst import config


def max_body_bytes() -> int:
    return config.integer("OPPVEKST_MAX_BODY_BYTES")


def max_query_regions() -> int:
    return config.integer("OPPVEKST_MAX_QUERY_REGIONS")


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
        self.public = TokenBucket(config.integer("OPPVEKST_RATE_LIMIT"))
        self.user = TokenBucket(config.integer("OPPVEKST_RATE_LIMIT_USER"))
        self.login = TokenBucket(config.integer("OPPVEKST_RATE_LIMIT_LOGIN"))
