import pytest


@pytest.fixture(scope="session")
def anyio_backend():
    """Every async test and fixture runs on asyncio (asyncpg's loop), in one loop per session, so
    the session-wide engine's connections stay on the loop that opened them."""
    return "asyncio"
