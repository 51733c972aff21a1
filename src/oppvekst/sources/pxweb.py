"""Client for PxWeb statistics banks (SSB, SCB): API v1 POST queries and API v2 GET queries, both
answering JSON-stat 2, with an on-disk cache and an offline mode.

SSB: v1 base https://data.ssb.no/api/v0/no/table, v2 base https://data.ssb.no/api/pxwebapi/v2.
Every successful answer is cached under cache_dir, keyed by a hash of method + URL + body; a cached
answer is served without touching the network. Offline (OPPVEKST_OFFLINE=1) serves only the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self

import httpx
import pandas as pd

from oppvekst import config
from oppvekst.errors import InputError
from oppvekst.sources.jsonstat import read_jsonstat

SSB_V1 = "https://data.ssb.no/api/v0/no/table"
SSB_V2 = "https://data.ssb.no/api/pxwebapi/v2"


class SourceUnavailable(RuntimeError):
    """The data cannot be fetched now: offline and not cached, timeout, network or server error."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        self.url, self.status = url, status
        super().__init__(f"{message} [{url}]" if url else message)


class RateLimited(SourceUnavailable):
    """HTTP 429: the statistics bank limits how many queries a client may send per minute."""

    def __init__(self, message: str, *, url: str | None = None, retry_after: str | None = None):
        self.retry_after = retry_after
        super().__init__(message, url=url, status=429)


class QueryRejected(SourceUnavailable):
    """HTTP 4xx other than 429: the table id or the query is wrong (the server's text is kept)."""


def _cache_key(method: str, url: str, body: bytes | None) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), url.encode(), body or b""):
        digest.update(part)
        digest.update(b"\n")
    return digest.hexdigest()


class PxWebClient:
    """`PxWebClient(SSB_V1, api_version="v1").table_v1("07221", query)` or
    `PxWebClient(SSB_V2, api_version="v2").table_v2("07459", {"Region": ["0301"], "Tid": ["2024"]})`."""

    def __init__(self, base_url: str, *, api_version: Literal["v1", "v2"] = "v2",
                 cache_dir: str | Path | None = None, offline: bool | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: float = 30.0):
        if api_version not in ("v1", "v2"):
            raise ValueError(f"api_version must be 'v1' or 'v2', not {api_version!r}")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.cache_dir = Path(cache_dir) if cache_dir is not None else config.cache_dir() / "pxweb"
        self.offline = config.offline() if offline is None else offline
        self._transport, self._timeout = transport, timeout
        self._client: httpx.Client | None = None
        self.network_requests = 0  # how many requests went to the network (not the cache)

    # --- plumbing ---------------------------------------------------------------
    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(transport=self._transport, timeout=self._timeout,
                                        headers={"User-Agent": "oppvekst/0.1"})
        return self._client

    def cache_path(self, method: str, url: str, body: bytes | None = None) -> Path:
        return self.cache_dir / f"{_cache_key(method, url, body)}.json"

    def _fetch(self, method: str, url: str, body: bytes | None, refresh: bool) -> dict:
        path = self.cache_path(method, url, body)
        if path.is_file() and not refresh:
            return json.loads(path.read_text(encoding="utf-8"))["response"]
        if self.offline:
            raise SourceUnavailable(
                "frakoblet modus og ikke i hurtiglageret / offline (OPPVEKST_OFFLINE) and this query is not "
                "in the cache", url=url)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            self.network_requests += 1
            resp = self._http().request(method, url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise SourceUnavailable(f"tidsavbrudd / timeout after {self._timeout:g} s ({type(exc).__name__})",
                                    url=url) from exc
        except httpx.TransportError as exc:
            raise SourceUnavailable(f"nettverksfeil / network error: {exc}", url=url) from exc
        if resp.status_code == 429:
            retry = resp.headers.get("Retry-After")
            raise RateLimited("for mange spørringer / too many requests (HTTP 429): the statistics bank limits "
                              "queries per minute" + (f"; retry after {retry} s" if retry else "; wait and retry"),
                              url=url, retry_after=retry)
        if 400 <= resp.status_code < 500:
            raise QueryRejected(f"spørringen ble avvist / query rejected (HTTP {resp.status_code}): "
                                f"{resp.text[:300].strip()}", url=url, status=resp.status_code)
        if resp.status_code >= 300:
            raise SourceUnavailable(f"serverfeil / server error (HTTP {resp.status_code})", url=url,
                                    status=resp.status_code)
        try:
            data = json.loads(resp.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"the answer is not valid JSON: {exc}", file=url,
                             row=getattr(exc, "lineno", None), field="json") from None
        read_jsonstat(data, origin=url)  # malformed JSON-stat -> InputError; nothing is cached
        self._store(path, method, url, body, data)
        return data

    def _store(self, path: Path, method: str, url: str, body: bytes | None, data: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"method": method, "url": url, "body": body.decode() if body else None,
                  "fetched": datetime.now(UTC).isoformat(timespec="seconds"), "response": data}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False)
        os.replace(tmp, path)  # atomic: a half-written answer is never served

    # --- API v1 -----------------------------------------------------------------
    def query_v1(self, table_id: str, query: dict, *, refresh: bool = False) -> dict:
        """POST an SSB v1 query ({"query": [...], "response": {"format": "json-stat2"}}) to {base}/{table_id}."""
        if self.api_version != "v1":
            raise ValueError("query_v1 needs a client made with api_version='v1'")
        fmt = (query.get("response") or {}).get("format", "json-stat2")
        if fmt != "json-stat2":
            raise ValueError(f"response format must be json-stat2, not {fmt!r}")
        body = json.dumps({"query": query.get("query", []), "response": {"format": "json-stat2"}},
                          ensure_ascii=False, sort_keys=True).encode("utf-8")
        return self._fetch("POST", f"{self.base_url}/{table_id}", body, refresh)

    def table_v1(self, table_id: str, query: dict, *, refresh: bool = False) -> pd.DataFrame:
        url = f"{self.base_url}/{table_id}"
        return read_jsonstat(self.query_v1(table_id, query, refresh=refresh), origin=url)

    # --- API v2 -----------------------------------------------------------------
    def v2_url(self, table_id: str, selection: dict[str, list[str]] | None = None, lang: str = "no") -> str:
        params: list[tuple[str, str]] = [("lang", lang), ("outputFormat", "json-stat2")]
        for dim, codes in (selection or {}).items():
            params.append((f"valueCodes[{dim}]", ",".join(str(c) for c in codes)))
        return str(httpx.URL(f"{self.base_url}/tables/{table_id}/data", params=params))

    def get_v2(self, table_id: str, selection: dict[str, list[str]] | None = None, lang: str = "no", *,
               refresh: bool = False) -> dict:
        """GET {base}/tables/{table_id}/data?lang=..&outputFormat=json-stat2&valueCodes[Dim]=a,b."""
        if self.api_version != "v2":
            raise ValueError("get_v2 needs a client made with api_version='v2'")
        return self._fetch("GET", self.v2_url(table_id, selection, lang), None, refresh)

    def table_v2(self, table_id: str, selection: dict[str, list[str]] | None = None, lang: str = "no", *,
                 refresh: bool = False) -> pd.DataFrame:
        data = self.get_v2(table_id, selection, lang, refresh=refresh)
        return read_jsonstat(data, origin=self.v2_url(table_id, selection, lang))

    def table(self, table_id: str, query: Any = None, **kwargs: Any) -> pd.DataFrame:
        """read_jsonstat frame for a v1 query dict or a v2 selection, by the client's API version."""
        if self.api_version == "v1":
            return self.table_v1(table_id, query or {"query": []}, **kwargs)
        return self.table_v2(table_id, query, **kwargs)
