"""Databases of a pytest that never finished its session (killed, or stopped at a timeout before
the plugin could clean up): each test process recorded its database in the runinfo directory as
soon as it existed (``process-<worker>.json``); run_lane.py drops those still on the server, and
the run's template, unless ``BACKEND_CI_KEEP_DATABASES=1``."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from backend_ci import postgres, runinfo, services, urls


def leftovers(folder: str, env: Optional[Dict[str, str]] = None) -> Optional[Dict[str, Any]]:
    """A ``DatabaseIsolation`` (verdict ``error``) saying what was dropped, or None when no test
    process had created a database."""
    env = dict(os.environ) if env is None else env
    created = [p for p in runinfo.read_processes(folder).values() if p.get("database")]
    service = services.first_of_kind(services.load(env), "postgres")
    url = service.url(env) if service else None
    if not created or not url:
        return None
    base = postgres.base_database(url)
    names = sorted({p["database"] for p in created} | {urls.database_name(base, "template")})
    keep = env.get("BACKEND_CI_KEEP_DATABASES", "").strip().lower() in ("1", "true", "yes", "on")
    dropped: List[str] = []
    left: List[str] = []
    problem = ""
    try:
        with postgres.Admin(url) as admin:
            dropped, left, errors = admin.drop_all([n for n in names if admin.exists(n)], keep)
            problem = f"; {errors[0]}" if errors else ""
    except Exception as exc:  # noqa: BLE001
        left, problem = names, f"; could not connect to drop them: {' '.join(str(exc).split())}"
    what = f"dropped {', '.join(dropped)}" if dropped else "nothing to drop"
    if left:
        what += f"; left {', '.join(left)}"
    return {
        "mode": service.isolation if service else "plugin", "base": base, "base_activity": None,
        "processes": [{"worker": p.get("worker", "?"), "database": p["database"], "activity": None, "error": None} for p in created],
        "dropped": dropped, "left_behind": left, "verdict": "error",
        "message": f"pytest ended before backend-ci could check the isolation: {what}{problem}",
    }
