"""Product search on Elasticsearch or OpenSearch, over their REST API with urllib.

The index is `<SEARCH_INDEX_PREFIX>products`, so test runs (and test workers) that use different
prefixes never see each other's documents.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional

from app import settings

INDEX_SETTINGS = {
    "settings": {"number_of_shards": 1, "number_of_replicas": 0},
    "mappings": {
        "properties": {
            "sku": {"type": "keyword"},
            "name": {"type": "text"},
            "slug": {"type": "keyword"},
            "price_cents": {"type": "integer"},
            "active": {"type": "boolean"},
        }
    },
}


class SearchError(RuntimeError):
    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


Opener = Callable[..., Any]


class SearchClient:
    def __init__(self, base_url: Optional[str] = None, prefix: Optional[str] = None,
                 timeout: float = 10.0, opener: Opener = urllib.request.urlopen):
        self.base_url = (base_url if base_url is not None else settings.search_url()).rstrip("/")
        if not self.base_url:
            raise SearchError("no search backend configured (ELASTICSEARCH_URL / OPENSEARCH_URL)")
        self.prefix = prefix if prefix is not None else settings.SEARCH_INDEX_PREFIX
        self.timeout = timeout
        self._open = opener

    @property
    def index(self) -> str:
        return f"{self.prefix}products"

    def _request(self, method: str, path: str, body: Any = None, ok_missing: bool = False) -> Any:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/{path.lstrip('/')}", data=data, method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with self._open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if ok_missing and exc.code == 404:
                return None
            raise SearchError(f"{method} {path}: HTTP {exc.code}", exc.code) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SearchError(f"{method} {path}: {exc}") from exc
        return json.loads(raw) if raw else None

    def ping(self) -> bool:
        try:
            info = self._request("GET", "/")
        except SearchError:
            return False
        return isinstance(info, dict) and "version" in info

    def create_index(self) -> None:
        if not self.exists():
            self._request("PUT", self.index, INDEX_SETTINGS)

    def exists(self) -> bool:
        try:
            self._request("GET", self.index)
        except SearchError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def delete_index(self) -> bool:
        return self._request("DELETE", self.index, ok_missing=True) is not None

    def index_product(self, product: Dict[str, Any], refresh: bool = True) -> None:
        doc = {k: product[k] for k in ("sku", "name", "slug", "price_cents", "active") if k in product}
        suffix = "?refresh=true" if refresh else ""
        self._request("PUT", f"{self.index}/_doc/{product['sku']}{suffix}", doc)

    def delete_product(self, sku: str) -> bool:
        return self._request("DELETE", f"{self.index}/_doc/{sku}?refresh=true", ok_missing=True) is not None

    def search(self, text: str, *, max_price_cents: Optional[int] = None, size: int = 10) -> List[str]:
        must: List[Dict[str, Any]] = [{"match": {"name": {"query": text, "fuzziness": "AUTO"}}}]
        filters: List[Dict[str, Any]] = [{"term": {"active": True}}]
        if max_price_cents is not None:
            filters.append({"range": {"price_cents": {"lte": max_price_cents}}})
        body = {"query": {"bool": {"must": must, "filter": filters}}, "size": size,
                "sort": ["_score", {"sku": "asc"}]}
        result = self._request("POST", f"{self.index}/_search", body)
        return [hit["_source"]["sku"] for hit in result["hits"]["hits"]]

    def count(self) -> int:
        return int(self._request("GET", f"{self.index}/_count")["count"])
