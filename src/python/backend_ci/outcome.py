"""How a lane ended: ``status``, one-line ``message`` and ``cause`` for lane.json, from pytest's exit
code and the plugin's session record (runinfo). pytest's output is read only for the error lines of
a run that crashed before or outside its tests (``E   ...``, ``ERROR collecting``, ``ImportError
while loading conftest``, usage errors): text a test prints never becomes the runner's word."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from backend_ci.session import summary

PYTEST_EXITS = {2: "interrupted", 3: "internal error", 4: "usage error"}
MAX_CAUSE_LINES = 5

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CAUSES = [
    re.compile(r"^E {3}(?P<text>\S.*)$"),  # pytest's error lines: "E" and three spaces
    re.compile(r"^_+ (?P<text>ERROR collecting .+?) _+$"),
    re.compile(r"^(?P<text>ImportError while loading conftest .+)$"),
    re.compile(r"^(?P<text>ImportError while importing test module .+)$"),
    re.compile(r"^ERROR: (?P<text>(?!usage: ).+)$"),  # usage errors: "ERROR: file or directory not found: x"
    re.compile(r"^[\w.\- ]+: error: (?P<text>.+)$"),  # argparse: "pytest: error: unrecognized arguments: --x"
    re.compile(r"^INTERNALERROR> (?P<text>[A-Za-z_][\w.]*(?:Error|Exception)\b.*)$"),
    re.compile(r"^!+ (?P<text>Interrupted: .+?) !+$"),
]
_HEADERS = ("ERROR collecting ", "ImportError while ")


class OutputScanner:
    """Keeps pytest's first error lines (deduplicated) as they stream by."""

    def __init__(self) -> None:
        self.lines: List[str] = []
        self._errors: List[str] = []  # the "E   ..." ones

    def feed(self, raw: str) -> None:
        if len(self.lines) >= MAX_CAUSE_LINES:
            return
        line = _ANSI.sub("", raw).rstrip("\r\n")
        for index, pattern in enumerate(_CAUSES):
            match = pattern.match(line if index == 0 else line.strip())
            if match:
                text = match.group("text").strip()
                if text and text not in self.lines:
                    self.lines.append(text)
                    if index == 0:
                        self._errors.append(text)
                return

    def detail(self) -> str:
        """The first cause as one line: where it happened (collecting a module, loading a conftest)
        joined with the first error line."""
        if not self.lines:
            return ""
        header = next((line for line in self.lines if line.startswith(_HEADERS)), None)
        error = self._errors[0] if self._errors else None
        if header and error:
            return f"{header.rstrip('.')}: {error}"
        return self.lines[0]


def _crashes(session: Dict[str, Any]) -> str:
    crashes = session.get("crashes") or []
    if not crashes:
        return ""
    first = crashes[0]
    extra = f" (+{len(crashes) - 1} more)" if len(crashes) > 1 else ""
    return f"worker '{first.get('worker') or '?'}' crashed while running '{first.get('nodeid')}'{extra}"


def classify(returncode: int, session: Optional[Dict[str, Any]], scanner: OutputScanner,
             signal_name: Optional[str] = None) -> Tuple[str, str, Optional[str]]:
    """(status, message, cause) of a pytest that ended by itself (returncode >= 0) or by a signal
    (`signal_name`)."""
    session = session or {}
    errors = [e for e in session.get("errors") or [] if e]
    counts = summary(session.get("counts") or {})
    last = session.get("last_test")
    died = bool(session.get("started")) and not session.get("finished")
    cause_lines = errors + [line for line in scanner.lines if line not in errors]
    cause = "\n".join(cause_lines[:MAX_CAUSE_LINES]) or None
    where = f" while running `{last}`" if died and last else ""
    done = f" ({counts} before)" if died and counts else ""
    if signal_name:
        return "crashed", f"pytest was killed by {signal_name}{where}{done}", cause
    if died:
        return "crashed", f"the test process exited {returncode}{where or ' before its session finished'}{done}", cause
    if returncode == 0:
        return "passed", counts or "passed", None
    if returncode == 1:
        parts = [p for p in (_crashes(session), "; ".join(errors), counts or "tests failed") if p]
        return "failed", "; ".join(parts), None
    if returncode == 5:
        return "no-tests", "selected no tests" + (f"; {errors[0]}" if errors else ""), None
    what = PYTEST_EXITS.get(returncode, "unexpected exit")
    detail = errors[0] if errors else scanner.detail()
    return "crashed", f"pytest exit {returncode} ({what})" + (f": {detail}" if detail else ""), cause
