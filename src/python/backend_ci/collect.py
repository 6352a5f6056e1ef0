"""Node ids as the backend root sees them: pytest writes ids relative to its rootdir (the inifile's
directory: ``tests/pytest.ini`` gives ``unit/test_x.py::t``); everything backend-ci stores uses ids
relative to the directory pytest was started in (``tests/unit/test_x.py::t``), which pytest accepts
back on its command line from there."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

from backend_ci import runinfo


def relative_rootdir(config: Any) -> str:
    """pytest's rootdir relative to the invocation directory ("." when the same)."""
    rel = os.path.relpath(str(config.rootpath), str(config.invocation_params.dir))
    return rel.replace(os.sep, "/")


def relative_invocation(config: Any) -> str:
    """The invocation directory relative to pytest's rootdir ("." when the same): with the rootdir
    above it (an inifile in the folder above), what a rootdir-relative path must lose."""
    rel = os.path.relpath(str(config.invocation_params.dir), str(config.rootpath))
    return rel.replace(os.sep, "/")


def invocation_nodeid(config: Any, nodeid: str) -> str:
    """A node id relative to the invocation directory instead of pytest's rootdir (through the real
    paths, so a rootdir above the invocation directory loses that directory's name)."""
    if relative_rootdir(config) == ".":
        return nodeid
    path, sep, rest = nodeid.partition("::")
    absolute = os.path.join(str(config.rootpath), path) if path else str(config.rootpath)
    joined = os.path.relpath(absolute, str(config.invocation_params.dir)).replace(os.sep, "/")
    return joined + sep + rest


def select(config: Any, items: List[Any], path: str) -> Tuple[List[Any], List[Any], List[str]]:
    """(kept, deselected, listed but not collected) for the node ids listed in `path`."""
    with open(path, encoding="utf-8") as handle:
        wanted = [line.rstrip("\n") for line in handle if line.strip()]
    want = set(wanted)
    kept: List[Any] = []
    dropped: List[Any] = []
    seen = set()
    for item in items:
        nodeid = invocation_nodeid(config, item.nodeid)
        (kept if nodeid in want else dropped).append(item)
        if nodeid in want:
            seen.add(nodeid)
    return kept, dropped, [n for n in wanted if n not in seen]


def records(config: Any, items: List[Any]) -> List[Dict[str, Any]]:
    return [{"nodeid": invocation_nodeid(config, item.nodeid),
             "markers": sorted({m.name for m in item.iter_markers()})} for item in items]


def write(path: str, config: Any, items: List[Any]) -> None:
    runinfo.write_json(path, records(config, items))
