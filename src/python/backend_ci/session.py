"""What the controller (or the single test process) saw of pytest's session: ``SessionRecord``
(records.ts) plus ``rootdir``, ``workers``, ``crashes`` and ``errors``, kept current in
``$BACKEND_CI_RUNINFO_DIR/session.json``. run_lane.py trusts this file, not pytest's output."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from backend_ci import runinfo

CATEGORIES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


class Session:
    def __init__(self) -> None:
        self.state: Dict[str, Any] = {
            "started": False, "finished": False, "exitstatus": None, "last_test": None, "running": [],
            "tests_finished": 0,
            "counts": {c: 0 for c in CATEGORIES}, "rootdir": ".", "invocation": ".", "workers": 0, "crashes": [], "errors": [],
        }  # running: node ids started and not finished (several under xdist); tests_finished: how many finished
        folder = runinfo.directory()
        self.file: Optional[runinfo.LiveFile] = None
        if folder:
            try:
                self.file = runinfo.LiveFile(os.path.join(folder, runinfo.SESSION))
            except OSError:
                self.file = None

    def save(self) -> None:
        if self.file is not None:
            try:
                self.file.write(self.state)
            except OSError:
                pass

    def update(self, **fields: Any) -> None:
        self.state.update(fields)
        self.save()

    def error(self, message: str) -> None:
        if message and message not in self.state["errors"]:
            self.state["errors"].append(message)
            self.save()

    def test_started(self, nodeid: str) -> None:
        self.state["last_test"] = nodeid
        self.state["running"].append(nodeid)
        self.save()

    def test_finished(self, nodeid: str) -> None:
        if nodeid in self.state["running"]:
            self.state["running"].remove(nodeid)
        self.state["tests_finished"] += 1
        self.save()

    def report(self, config: Any, report: Any) -> None:
        """Count a test report the way pytest's terminal summary does (pytest_report_teststatus)."""
        status = config.hook.pytest_report_teststatus(report=report, config=config)
        category = status[0] if status else ""
        if category in self.state["counts"]:
            self.state["counts"][category] += 1

    def crashed(self, worker: Optional[str], nodeid: str) -> None:
        self.state["crashes"].append({"worker": worker, "nodeid": nodeid})
        self.save()

    def finish(self, exitstatus: int) -> None:
        self.state.update(finished=True, exitstatus=int(exitstatus))
        if self.file is not None:
            try:
                self.file.close(self.state)
            except OSError:
                pass
            self.file = None

    def summary(self) -> str:
        return summary(self.state["counts"])


def summary(counts: Dict[str, int]) -> str:
    """pytest's wording: "1 failed, 3 passed, 1 skipped, 2 errors"."""
    order = ("failed", "passed", "skipped", "xfailed", "xpassed", "error")
    parts: List[str] = []
    for key in order:
        n = counts.get(key, 0)
        if n:
            parts.append(f"{n} {'errors' if key == 'error' and n != 1 else key}")
    return ", ".join(parts)


def finished_tests(counts: Dict[str, int]) -> int:
    """Tests that ran to the end (an error in setup or teardown counts as one)."""
    return sum(counts.get(k, 0) for k in CATEGORIES)
