"""The plugin's reports to run_lane.py: files in ``$BACKEND_CI_RUNINFO_DIR`` (a private directory
run_lane creates per run and removes after merging them into lane.json).

* ``session.json``: ``SessionRecord`` (records.ts) plus ``rootdir``, ``workers``, ``crashes``
  (``[{"worker", "nodeid"}]``) and ``errors`` (the plugin's own error messages), written by the
  controller or the single test process at session start, after every test, and at the end, so a
  process that dies mid-test leaves its last state.
* ``isolation.json``: ``LaneIsolation``, written at the end of the session.
* ``process-<worker>.json``: each test process's database as soon as it exists (so databases of
  a killed run can still be found and dropped).
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

RUNINFO_ENV = "BACKEND_CI_RUNINFO_DIR"
SESSION = "session.json"
ISOLATION = "isolation.json"


def directory() -> Optional[str]:
    path = os.environ.get(RUNINFO_ENV, "").strip()
    return path or None


def write_json(path: str, value: Any) -> None:
    """Atomic write (temp file + rename)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=1)
        handle.write("\n")
    os.replace(tmp, path)


def write(name: str, value: Any) -> None:
    folder = directory()
    if folder:
        write_json(os.path.join(folder, name), value)


def read(folder: str, name: str) -> Optional[Any]:
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def read_processes(folder: str) -> Dict[str, Dict[str, Any]]:
    out: Dict[str, Dict[str, Any]] = {}
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return out
    for name in names:
        if name.startswith("process-") and name.endswith(".json"):
            value = read(folder, name)
            if isinstance(value, dict):
                out[name[len("process-"):-len(".json")]] = value
    return out


class LiveFile:
    """A JSON file rewritten in place, cheaply and often (after every test): one open descriptor and
    one pwrite, padded with spaces to the previous length (JSON allows trailing white space), so the
    file is valid after every write and a process that dies keeps its last state."""

    def __init__(self, path: str) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.path = path
        self.fd: Optional[int] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.size = 0

    def write(self, value: Any) -> None:
        if self.fd is None:
            return
        data = (json.dumps(value) + "\n").encode("utf-8")
        if len(data) < self.size:
            data += b" " * (self.size - len(data))
        os.pwrite(self.fd, data, 0)
        self.size = len(data)

    def close(self, value: Any = None) -> None:
        if self.fd is None:
            return
        os.close(self.fd)
        self.fd = None
        if value is not None:
            write_json(self.path, value)
