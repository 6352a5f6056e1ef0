"""Product search against a real Elasticsearch / OpenSearch. Skipped when none is reachable."""

import os
import time

import pytest

from app import settings
from app.search import SearchClient

PRODUCTS = [
    {"sku": "MUG-001", "name": "Blue Mug", "slug": "blue-mug", "price_cents": 1250, "active": True},
    {"sku": "MUG-002", "name": "Red Mug", "slug": "red-mug", "price_cents": 1350, "active": True},
    {"sku": "TEE-100", "name": "Logo Tee", "slug": "logo-tee", "price_cents": 1999, "active": True},
    {"sku": "MUG-003", "name": "Old Mug", "slug": "old-mug", "price_cents": 500, "active": False},
]


def _client(env_name):
    url = os.environ.get(env_name, "")
    if not url:
        pytest.skip(f"{env_name} is not set")
    client = SearchClient(url, prefix=settings.SEARCH_INDEX_PREFIX or "test_", timeout=5)
    if not client.ping():
        pytest.skip(f"{env_name}={url} is unreachable")
    client.delete_index()
    client.create_index()
    for product in PRODUCTS:
        client.index_product(product)
    return client


@pytest.fixture(params=[
    pytest.param("ELASTICSEARCH_URL", marks=pytest.mark.requires_elasticsearch, id="elasticsearch"),
    pytest.param("OPENSEARCH_URL", marks=pytest.mark.requires_opensearch, id="opensearch"),
])
def search(request):
    client = _client(request.param)
    yield client
    client.delete_index()


def test_index_holds_all_documents(search):
    assert search.count() == len(PRODUCTS)


def test_index_name_is_prefixed(search):
    assert search.index.endswith("products")
    assert search.exists()


def test_search_finds_active_mugs(search):
    assert sorted(search.search("mug")) == ["MUG-001", "MUG-002"]


def test_search_price_filter(search):
    assert search.search("mug", max_price_cents=1300) == ["MUG-001"]


def test_delete_product(search):
    assert search.delete_product("TEE-100")
    deadline = time.time() + 5
    while search.count() != len(PRODUCTS) - 1 and time.time() < deadline:
        time.sleep(0.1)
    assert search.search("tee") == []
