"""The search adapter against a fake transport: request shapes and error handling."""

import io
import json
import urllib.error

import pytest

from app.search import INDEX_SETTINGS, SearchClient, SearchError


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeTransport:
    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests = []

    def __call__(self, request, timeout):
        body = json.loads(request.data) if request.data else None
        self.requests.append((request.get_method(), request.full_url, body))
        result = self.responses.pop(0)
        if isinstance(result, Exception):
            raise result
        return FakeResponse(json.dumps(result).encode() if result is not None else b"")


def http_error(code):
    return urllib.error.HTTPError("http://es", code, "err", {}, None)


def client(*responses, prefix="t_"):
    transport = FakeTransport(*responses)
    return SearchClient("http://es:9200/", prefix=prefix, opener=transport), transport


def test_index_name_uses_prefix():
    c, _ = client()
    assert c.index == "t_products"
    assert c.base_url == "http://es:9200"


def test_requires_a_url(monkeypatch):
    monkeypatch.setattr("app.settings.ELASTICSEARCH_URL", "")
    monkeypatch.setattr("app.settings.OPENSEARCH_URL", "")
    with pytest.raises(SearchError, match="no search backend"):
        SearchClient()


def test_defaults_from_settings(monkeypatch):
    monkeypatch.setattr("app.settings.ELASTICSEARCH_URL", "")
    monkeypatch.setattr("app.settings.OPENSEARCH_URL", "http://os:9200")
    monkeypatch.setattr("app.settings.SEARCH_INDEX_PREFIX", "gw1_")
    c = SearchClient()
    assert (c.base_url, c.index) == ("http://os:9200", "gw1_products")


@pytest.mark.parametrize("answer, ok", [({"version": {"number": "8.15.0"}}, True), ({}, False)])
def test_ping(answer, ok):
    c, _ = client(answer)
    assert c.ping() is ok


def test_ping_unreachable():
    c, _ = client(urllib.error.URLError("refused"))
    assert c.ping() is False


def test_create_index_when_missing():
    c, t = client(http_error(404), {"acknowledged": True})
    c.create_index()
    assert t.requests[1] == ("PUT", "http://es:9200/t_products", INDEX_SETTINGS)


def test_create_index_when_present():
    c, t = client({"t_products": {}})
    c.create_index()
    assert [r[0] for r in t.requests] == ["GET"]


def test_exists_propagates_other_errors():
    c, _ = client(http_error(500))
    with pytest.raises(SearchError) as info:
        c.exists()
    assert info.value.status == 500


@pytest.mark.parametrize("answer, deleted", [({"acknowledged": True}, True), (http_error(404), False)])
def test_delete_index(answer, deleted):
    c, _ = client(answer)
    assert c.delete_index() is deleted


def test_index_product_keeps_known_fields():
    c, t = client({"result": "created"})
    c.index_product({"sku": "MUG-001", "name": "Mug", "price_cents": 900, "stock": 3})
    method, url, body = t.requests[0]
    assert (method, url) == ("PUT", "http://es:9200/t_products/_doc/MUG-001?refresh=true")
    assert body == {"sku": "MUG-001", "name": "Mug", "price_cents": 900}


def test_index_product_without_refresh():
    c, t = client({"result": "created"})
    c.index_product({"sku": "MUG-001", "name": "Mug"}, refresh=False)
    assert t.requests[0][1].endswith("/_doc/MUG-001")


@pytest.mark.parametrize("max_price, filters", [(None, 1), (1000, 2)])
def test_search_query_shape(max_price, filters):
    hits = {"hits": {"hits": [{"_source": {"sku": "MUG-001"}}, {"_source": {"sku": "MUG-002"}}]}}
    c, t = client(hits)
    assert c.search("mug", max_price_cents=max_price, size=5) == ["MUG-001", "MUG-002"]
    body = t.requests[0][2]
    assert body["size"] == 5
    assert len(body["query"]["bool"]["filter"]) == filters


def test_count_and_delete_product():
    c, t = client({"count": 3}, {"result": "deleted"}, http_error(404))
    assert c.count() == 3
    assert c.delete_product("MUG-001") is True
    assert c.delete_product("MUG-001") is False


def test_http_error_becomes_search_error():
    c, _ = client(http_error(400))
    with pytest.raises(SearchError, match="HTTP 400"):
        c.search("x")
