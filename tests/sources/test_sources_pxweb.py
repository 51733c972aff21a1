"""PxWebClient with httpx.MockTransport serving the recorded fixtures; no test touches the network."""

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from oppvekst.errors import InputError
from oppvekst.sources import catalogue as bundled
from oppvekst.sources.pxweb import (
    SSB_V1,
    SSB_V2,
    PxWebClient,
    QueryRejected,
    RateLimited,
    SourceUnavailable,
)

V1_QUERY = bundled.load("ssb_07221_pxwebapi_v1_query")
V1_RESPONSE = bundled.path("ssb_07221_pxwebapi_v1_response").read_bytes()  # served as recorded, byte for byte
V2_RESPONSE = bundled.path("scb_tab6471_pxwebapi_v2").read_bytes()
SCB_V2 = "https://statistikdatabasen.scb.se/api/v2"


class Recorder:
    """A mock statistics bank: checks each request and answers with a recorded file."""

    def __init__(self, answer=None):
        self.requests: list[httpx.Request] = []
        self.answer = answer or self.serve

    def serve(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v0/no/table/07221":
            body = json.loads(request.content)
            assert body["query"] == V1_QUERY["query"] and body["response"] == {"format": "json-stat2"}
            return httpx.Response(200, content=V1_RESPONSE, headers={"Content-Type": "application/json"})
        if request.method == "GET" and request.url.path == "/api/v2/tables/TAB6471/data":
            return httpx.Response(200, content=V2_RESPONSE)
        return httpx.Response(404, text="Table not found")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def client(tmp_path, recorder, base=SSB_V1, version="v1", offline=False):
    return PxWebClient(base, api_version=version, cache_dir=tmp_path / "cache", offline=offline,
                       transport=recorder.transport())


def test_v1_query_then_cache_then_offline(tmp_path):
    rec = Recorder()
    c = client(tmp_path, rec)
    df = c.table("07221", V1_QUERY)
    assert len(rec.requests) == 1 and rec.requests[0].url == f"{SSB_V1}/07221"
    assert len(df) == 12 * 3 * 1 * 8 and (df["status"] == "..").sum() == 24
    row = df[(df.Region == "007") & (df.Boligtype == "01") & (df.Tid == "2023K4")].iloc[0]
    assert row["value"] == 131.5
    # the same query again: served from the cache, no new request
    again = c.query_v1("07221", V1_QUERY)
    assert len(rec.requests) == 1 and again["updated"] == "2024-01-12T07:00:00Z"
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    # a fresh client in offline mode with the same cache answers without the network
    off = client(tmp_path, rec, offline=True)
    assert off.table_v1("07221", V1_QUERY)["value"].sum() == pytest.approx(df["value"].sum())
    assert len(rec.requests) == 1 and off.network_requests == 0
    # a query not in the cache fails clearly offline, and still makes no request
    other = {"query": V1_QUERY["query"][:1], "response": {"format": "json-stat2"}}
    with pytest.raises(SourceUnavailable, match="offline") as err:
        off.query_v1("07221", other)
    assert not isinstance(err.value, InputError) and len(rec.requests) == 1


def test_v2_get_url_and_table(tmp_path):
    rec = Recorder()
    c = client(tmp_path, rec, base=SCB_V2, version="v2")
    sel = {"Region": ["01", "03"], "Tid": ["2026M01", "2026M02"]}
    data = c.get_v2("TAB6471", sel, lang="sv")
    assert data["class"] == "dataset"
    url = rec.requests[0].url
    assert rec.requests[0].method == "GET" and url.path == "/api/v2/tables/TAB6471/data"
    params = parse_qs(urlsplit(str(url)).query)
    assert params == {"lang": ["sv"], "outputFormat": ["json-stat2"], "valueCodes[Region]": ["01,03"],
                      "valueCodes[Tid]": ["2026M01,2026M02"]}
    df = c.table("TAB6471", sel, lang="sv")
    assert len(rec.requests) == 1  # second call from the cache
    assert list(df.columns[::2][:5]) == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    row = df[(df.Region == "01") & (df.Alder == "0-9") & (df.Kon == "TotSa") & (df.Tid == "2026M04")].iloc[0]
    assert row["value"] == 251635
    # another selection is another cache entry
    c.get_v2("TAB6471", {"Region": ["01"]}, lang="sv")
    assert len(rec.requests) == 2


def test_defaults_from_config_are_offline(tmp_path):
    # conftest sets OPPVEKST_OFFLINE=1 and a private OPPVEKST_HOME
    rec = Recorder()
    c = PxWebClient(SSB_V2, api_version="v2", transport=rec.transport())
    assert c.offline is True and c.cache_dir.name == "pxweb" and c.cache_dir.parent.name == "cache"
    with pytest.raises(SourceUnavailable):
        c.get_v2("07459", {"Region": ["0301"]})
    assert rec.requests == []


def test_rate_limit_http_error_timeout(tmp_path):
    c = client(tmp_path, Recorder(lambda r: httpx.Response(429, headers={"Retry-After": "60"})))
    with pytest.raises(RateLimited, match="429") as err:
        c.query_v1("07221", V1_QUERY)
    assert err.value.retry_after == "60" and "retry after 60" in str(err.value)

    c = client(tmp_path, Recorder())
    with pytest.raises(QueryRejected, match="HTTP 404.*Table not found") as err:
        c.query_v1("99999", V1_QUERY)
    assert err.value.status == 404 and err.value.url == f"{SSB_V1}/99999"

    c = client(tmp_path, Recorder(lambda r: httpx.Response(503)))
    with pytest.raises(SourceUnavailable, match="HTTP 503"):
        c.query_v1("07221", V1_QUERY)

    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)
    c = client(tmp_path, Recorder(timeout))
    with pytest.raises(SourceUnavailable, match="timeout"):
        c.query_v1("07221", V1_QUERY)
    assert not list((tmp_path / "cache").glob("*.json"))  # no failure was cached


def test_malformed_answer_is_input_error_and_not_cached(tmp_path):
    c = client(tmp_path, Recorder(lambda r: httpx.Response(200, content=V1_RESPONSE[:400])))
    with pytest.raises(InputError) as err:
        c.query_v1("07221", V1_QUERY)
    assert err.value.file == f"{SSB_V1}/07221" and err.value.field == "json"
    assert not list((tmp_path / "cache").glob("*.json"))
    c = client(tmp_path, Recorder(lambda r: httpx.Response(200, text="<html>Service down</html>")))
    with pytest.raises(InputError, match="not valid JSON"):
        c.query_v1("07221", V1_QUERY)
    broken = json.loads(V1_RESPONSE)
    broken["value"] = broken["value"][:-1]
    c = client(tmp_path, Recorder(lambda r: httpx.Response(200, json=broken)))
    with pytest.raises(InputError) as err:
        c.query_v1("07221", V1_QUERY)
    assert err.value.field == "value"
    assert not list((tmp_path / "cache").glob("*.json"))


def test_wrong_api_version_and_format(tmp_path):
    c = client(tmp_path, Recorder())
    with pytest.raises(ValueError):
        c.get_v2("07459")
    with pytest.raises(ValueError, match="json-stat2"):
        c.query_v1("07221", {"query": [], "response": {"format": "csv"}})
