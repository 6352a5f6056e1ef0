"""Stopping a pytest run step by step, so it can end its session (JUnit, coverage, databases).

A stop escalates: SIGINT to the test processes (xdist workers end their session and tell the
controller, which then ends its own), SIGINT to pytest itself, SIGTERM to the process group,
SIGKILL; each step waits ``BACKEND_CI_STOP_GRACE`` seconds (default 10; SIGTERM half of it), and
the first one twice when the workers are gone but pytest is still ending its session.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import List, Optional, Sequence


def _stop_graces() -> tuple:
    try:
        grace = max(float(os.environ.get("BACKEND_CI_STOP_GRACE", "") or 10.0), 0.5)
    except ValueError:
        grace = 10.0
    return (("workers", signal.SIGINT, grace), ("pytest", signal.SIGINT, grace),
            ("group", signal.SIGTERM, max(grace / 2, 0.5)), ("group", signal.SIGKILL, 5.0))


STOP_GRACES = _stop_graces()


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _group_members(pgid: int) -> List[int]:
    """Processes of a process group other than its leader (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit() or int(entry) == pgid:
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                members.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return members


def stop(proc: subprocess.Popen, graces: Sequence = STOP_GRACES) -> Optional[str]:
    """Stop pytest step by step; returns the name of the signal it ended after (None: it had ended)."""
    for target, sig, grace in graces:
        if proc.poll() is not None:
            break
        pids = {"workers": _group_members(proc.pid), "pytest": [proc.pid]}.get(target)
        try:
            if target == "group":
                os.killpg(proc.pid, sig)
            elif pids:
                for pid in pids:
                    os.kill(pid, sig)
            else:
                continue  # no xdist worker: the next step signals pytest itself
        except (ProcessLookupError, PermissionError):
            pass
        if _ended(proc, grace) or (target == "workers" and not _group_members(proc.pid) and _ended(proc, grace)):
            # (the workers are gone: pytest is ending its session, writing JUnit and coverage; a
            # second SIGINT would break that off, so it gets another grace first)
            return signal.Signals(sig).name
    return None


def _ended(proc: subprocess.Popen, seconds: float) -> bool:
    try:
        proc.wait(seconds)
        return True
    except subprocess.TimeoutExpired:
        return False
