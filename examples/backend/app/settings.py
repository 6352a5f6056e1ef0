"""Process settings, read from the environment once, at import.

Like most services, the app reads its configuration when `app.settings` is first imported, so
anything that wants a different database (a test runner giving each worker its own) must set the
environment before that.
"""

from __future__ import annotations

import os

DATABASE_URL: str = os.environ.get("DATABASE_URL", "")
SEARCH_INDEX_PREFIX: str = os.environ.get("SEARCH_INDEX_PREFIX", "")
ELASTICSEARCH_URL: str = os.environ.get("ELASTICSEARCH_URL", "")
OPENSEARCH_URL: str = os.environ.get("OPENSEARCH_URL", "")
AUTH_SECRET: str = os.environ.get("AUTH_SECRET", "dev-secret-change-me")
DEFAULT_CURRENCY: str = os.environ.get("DEFAULT_CURRENCY", "EUR")


def search_url() -> str:
    """The search backend to talk to: Elasticsearch first, then OpenSearch, else ''."""
    return ELASTICSEARCH_URL or OPENSEARCH_URL
