"""Whether per-worker database isolation worked, from what the server saw: ``DatabaseIsolation``
(records.ts) with its verdict and one-sentence message. Pure functions over measurements."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from backend_ci.postgres import used

HINT_URL = "the app builds its own URL? map its variables under services.postgres"
HINT_CONFTEST = 'does the conftest isolate per worker itself? set isolation.database = "conftest"'


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def _amount(activity: Optional[Mapping[str, int]]) -> str:
    if not activity:
        return "not measured"
    parts = []
    if activity.get("xacts"):
        parts.append(f"{activity['xacts']} transaction{'s' if activity['xacts'] != 1 else ''}")
    if activity.get("connections"):
        n = activity["connections"]
        parts.append(f"{n} open connection{'s' if n != 1 else ''}")
    return ", ".join(parts) or "no traffic"


def database_isolation(mode: str, base: str, base_activity: Optional[Dict[str, int]],
                       processes: List[Dict[str, Any]], new_databases: Mapping[str, Optional[Dict[str, int]]],
                       dropped: List[str], left_behind: List[str], errors: Sequence[str] = (),
                       base_note: str = "") -> Dict[str, Any]:
    """The ``DatabaseIsolation`` record. `new_databases`: databases of the lane's base that appeared
    during the session and are none of backend-ci's own, with their traffic."""
    record: Dict[str, Any] = {
        "mode": mode, "base": base, "base_activity": base_activity, "processes": processes,
        "dropped": sorted(set(dropped)), "left_behind": sorted(set(left_behind)),
    }
    new = sorted(new_databases)
    own = [p["database"] for p in processes if p.get("database")]
    own_used = [p["database"] for p in processes if p.get("database") and used(p.get("activity"))]
    workers = [p for p in processes if p.get("worker") != "master"]
    whose = "the workers' own" if workers else "the test process's own"
    base_used = used(base_activity)
    errors = [e for e in errors if e] + [p["error"] for p in processes if p.get("error")]

    if mode == "off":
        verdict, message = "off", f"isolation is off (BACKEND_CI_ISOLATION=0): every test process used database {base}"
    elif errors:
        verdict, message = "error", f"backend-ci could not isolate or check the databases: {errors[0]}"
    elif mode == "conftest":
        if base_activity is None:
            verdict, message = "error", f"backend-ci could not measure the traffic on database {base}{base_note}"
        elif base_used:
            verdict = "no-effect"
            message = (f"the tests used the shared database {base} ({_amount(base_activity)}) although "
                       f'isolation.database = "conftest": does the conftest give each worker its own database?')
        else:
            verdict = "conftest"
            made = f" (databases created during the session: {_names(new)})" if new else ""
            message = f"the suite's conftest isolates per worker{made}; the shared database {base} saw no test traffic"
    elif base_used and not own_used:
        verdict = "no-effect"
        message = f"the tests used database {base}, not {whose} ({_names(own)}): {HINT_URL}"
    elif base_used:
        verdict = "partial"
        message = (f"the tests used their own databases ({_names(own_used)}), but the shared database {base} "
                   f"saw test traffic too ({_amount(base_activity)}): part of {HINT_URL}")
    elif own_used:
        verdict = "effective"
        if not workers:
            message = f"the test process used its own database {own_used[0]}, not {base}"
        elif len(own_used) == len(own):
            message = f"each of {len(own)} workers used its own database ({_names(own_used)}), not {base}"
        else:
            message = (f"{len(own_used)} of {len(own)} workers used their own databases ({_names(own_used)}), "
                       f"the others none; {base} saw no test traffic")
    else:
        verdict = "unused"
        if new:
            message = f"the tests used databases created during the session ({_names(new)}), not {whose} ({_names(own)}): {HINT_CONFTEST}"
        else:
            message = f"no test traffic on {base} or {whose} databases ({_names(own)})"
    if mode == "plugin" and new and verdict not in ("unused", "error"):
        message += f"; databases created during the session: {_names(new)} ({HINT_CONFTEST})"
    if base_note and verdict != "error":
        message += base_note
    record.update(verdict=verdict, message=message)
    return record
