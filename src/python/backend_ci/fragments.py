"""Coverage data a stopped pytest left behind: parallel fragments ``<COVERAGE_FILE>.<suffix>``
(``.coverage.<lane>.<host>.pid<N>.X<random>``) instead of ``$COVERAGE_FILE``. They are combined
into ``$COVERAGE_FILE`` with coverage's own CLI, run by the lane's Python from the lane's working
directory so the project's coverage configuration (``[tool.coverage]``, ``[paths]``) applies."""

from __future__ import annotations

import glob
import os
import subprocess
from typing import List, Optional, Tuple


def fragments(data_file: str) -> List[str]:
    return sorted(p for p in glob.glob(glob.escape(data_file) + ".*") if os.path.isfile(p) and not p.endswith("-journal"))


def python_of(command: List[str], fallback: str) -> str:
    """The lane's Python: the pytest command's own interpreter when it is one."""
    first = os.path.basename(command[0]) if command else ""
    return command[0] if first.startswith("python") else fallback


def combine(data_file: str, python: str, cwd: Optional[str] = None) -> Tuple[int, str]:
    """Combine the fragments into `data_file` (appending to it when it exists); returns (how many
    were combined, "" or an error message)."""
    found = fragments(data_file)
    if not found:
        return 0, ""
    argv = [python, "-m", "coverage", "combine", f"--data-file={data_file}", "-q"]
    if os.path.exists(data_file):
        argv.append("--append")
    proc = subprocess.run(argv + found, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, errors="replace")
    if proc.returncode != 0:
        tail = " ".join(proc.stdout.strip().splitlines()[-3:])
        return 0, f"could not combine {len(found)} coverage fragments: {tail or f'exit {proc.returncode}'}"
    return len([p for p in found if not os.path.exists(p)]) or len(found), ""
