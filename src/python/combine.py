"""Combine the lanes' coverage data, write the reports, gate on the total.

    python combine.py --out DIR --fail-under N [--branch|--no-branch]
        --data LANE=PATH [--data LANE=PATH ...] [--source-alias PATH ...]

Run from the source directory (the project's coverage configuration, e.g. pyproject.toml
[tool.coverage.*], is read from the cwd). Each data file is checked first (missing, empty,
unreadable, or measured in the other mode, statement vs branch: each named by its lane); the good
ones are combined (their files are kept), ``--source-alias`` paths are remapped onto the cwd with a
[paths] entry, and DIR gets coverage.xml (Cobertura), coverage.json, coverage.lcov, html/ and
combine.json (``CombineRecord`` in src/core/artifacts/records.ts), even when the gate fails.

Exit 0: gate passed. 2: total below --fail-under. 3: input problems (or nothing to combine).
Needs the ``coverage`` package (the lanes' own).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import sys
from typing import Dict, List, Optional, Sequence, Tuple

GATE_PASSED = 0
BELOW_GATE = 2
INPUT_PROBLEMS = 3
PRECISION = 2


def _pct(value: float) -> str:
    """A figure as coverage displays it with 2 decimals (never rounds up to 100 / down to 0)."""
    try:
        from coverage.results import display_covered
    except ImportError:  # coverage < 7: a classmethod of Numbers
        from coverage.results import Numbers

        return Numbers(precision=PRECISION).display_covered(value)
    return display_covered(value, PRECISION)


def _threshold(value: float) -> str:
    return f"{value:g}"


def _parse_data(spec: str) -> Tuple[str, str]:
    lane, sep, path = spec.partition("=")
    if not sep or not lane or not path:
        raise argparse.ArgumentTypeError(f"expected LANE=PATH, got {spec!r}")
    return lane, path


def inspect(lane: str, path: str, branch: bool) -> Dict[str, object]:
    """One CombinedInput: state is combined (good, so far), missing, empty, mixed or unreadable."""
    from coverage import CoverageData

    entry: Dict[str, object] = {"lane": lane, "path": path, "state": "combined", "message": ""}
    if not os.path.exists(path):
        entry.update(state="missing",
                     message=f"lane '{lane}': coverage data file {path} is missing (the lane wrote no coverage data)")
        return entry
    if os.path.isdir(path):
        entry.update(state="unreadable", message=f"lane '{lane}': {path} is a directory, not a coverage data file")
        return entry
    if os.path.getsize(path) == 0:
        entry.update(state="empty", message=f"lane '{lane}': coverage data file {path} is empty")
        return entry
    try:
        data = CoverageData(basename=path)
        data.read()
        measured = data.measured_files()
        has_arcs = data.has_arcs()
    except (Exception, sqlite3.Error) as exc:  # noqa: BLE001 - DataError, sqlite errors, ...
        entry.update(state="unreadable",
                     message=f"lane '{lane}': cannot read coverage data file {path}: {' '.join(str(exc).split())}")
        return entry
    if not measured:
        entry.update(state="empty", message=f"lane '{lane}': coverage data file {path} measured no files")
        return entry
    entry["_branch"] = has_arcs
    if has_arcs != branch:
        kind = "branch" if has_arcs else "statement"
        want = "branch" if branch else "statement"
        entry.update(state="mixed",
                     message=f"lane '{lane}': {path} holds {kind} coverage but the combine expects {want} "
                             f"coverage ({'--branch' if branch else '--no-branch'})")
    return entry


def _mixed_summary(inputs: List[Dict[str, object]]) -> str:
    branch = [str(i["lane"]) for i in inputs if i.get("_branch") is True]
    statement = [str(i["lane"]) for i in inputs if i.get("_branch") is False]
    return (f"mixed measurement modes: branch coverage in lane(s) {', '.join(branch) or '-'}; "
            f"statement coverage in lane(s) {', '.join(statement) or '-'}; "
            "use the same branch setting in every lane")


def _configured_branch() -> bool:
    import coverage

    return bool(coverage.Coverage(config_file=True).get_option("run:branch"))


def combine(out: str, fail_under: float, branch: Optional[bool], data: Sequence[Tuple[str, str]],
            aliases: Sequence[str]) -> Tuple[int, Dict[str, object]]:
    import coverage
    from coverage.exceptions import CoverageException
    from coverage.results import should_fail_under

    if branch is None:
        branch = _configured_branch()
    record: Dict[str, object] = {
        "total": None, "fail_under": fail_under, "gate_passed": False, "branch": branch,
        "inputs": [], "message": "", "reports": [],
    }
    os.makedirs(out, exist_ok=True)
    inputs = [inspect(lane, os.path.abspath(path), branch) for lane, path in data]
    problems = [i for i in inputs if i["state"] != "combined"]
    good = [i for i in inputs if i["state"] == "combined"]
    messages: List[str] = []
    if any(i["state"] == "mixed" for i in inputs):
        messages.append(_mixed_summary(inputs))
    messages.extend(str(i["message"]) for i in problems if i["state"] != "mixed")
    record["inputs"] = [{k: v for k, v in i.items() if not k.startswith("_")} for i in inputs]
    if not data:
        messages.append("no coverage data given (--data LANE=PATH)")

    if not good:
        record["branch"] = None
        record["message"] = "; ".join(messages + ["nothing to combine"])
        return INPUT_PROBLEMS, record

    cov = coverage.Coverage(data_file=os.path.join(os.path.abspath(out), ".coverage"), config_file=True)
    cov.set_option("run:branch", branch)
    if aliases:
        paths = dict(cov.get_option("paths") or {})
        cwd = os.getcwd().rstrip(os.sep) + os.sep
        paths["backend-ci"] = [cwd] + [a.rstrip("/\\") + "/" for a in aliases]
        cov.set_option("paths", paths)
    cov.erase()  # only the combined result of this run, never a stale one
    cov.combine(data_paths=[str(i["path"]) for i in good], strict=True, keep=True)
    cov.save()
    cov.load()

    text = io.StringIO()
    report_problem = None
    try:
        total = cov.report(file=text, precision=PRECISION)
    except CoverageException as exc:
        report_problem = f"coverage report failed: {' '.join(str(exc).split())}"
        if "No source for code" in report_problem:
            report_problem += (f" (data measured under another directory than {os.getcwd()}? "
                               "pass that directory with --source-alias)")
        cov.set_option("run:disable_warnings", ["couldnt-parse"])
        text = io.StringIO()
        total = cov.report(file=text, precision=PRECISION, ignore_errors=True)
    sys.stdout.write(text.getvalue())
    record["total"] = total

    writers = [
        ("coverage.xml", lambda p: cov.xml_report(outfile=p, ignore_errors=True)),
        ("coverage.json", lambda p: cov.json_report(outfile=p, ignore_errors=True, pretty_print=True)),
        ("coverage.lcov", lambda p: cov.lcov_report(outfile=p, ignore_errors=True)),
        ("html/", lambda p: cov.html_report(directory=p, ignore_errors=True)),
    ]
    reports: List[str] = []
    for name, write in writers:
        try:
            write(os.path.join(out, name.rstrip("/")))
            reports.append(name)
        except Exception as exc:  # noqa: BLE001 - keep the other reports and say why
            messages.append(f"could not write {name}: {' '.join(str(exc).split())}")
    record["reports"] = reports

    below = should_fail_under(total, fail_under, PRECISION)
    figure = (f"coverage {_pct(total)}% is below fail_under {_threshold(fail_under)}%" if below
              else f"coverage {_pct(total)}% meets fail_under {_threshold(fail_under)}%")
    if report_problem:
        messages.append(report_problem)
    if problems or report_problem:
        record["message"] = "; ".join(messages + [f"{figure} (from {len(good)} of {len(inputs)} lanes)"])
        return INPUT_PROBLEMS, record
    record["gate_passed"] = not below
    record["message"] = "; ".join([figure] + messages)
    return (BELOW_GATE if below else GATE_PASSED), record


def write_record(out: str, record: Dict[str, object]) -> str:
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "combine.json")
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="combine.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--fail-under", type=float, required=True)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--branch", dest="branch", action="store_true", default=None)
    mode.add_argument("--no-branch", dest="branch", action="store_false")
    parser.add_argument("--data", action="append", type=_parse_data, default=[], metavar="LANE=PATH")
    parser.add_argument("--source-alias", action="append", default=[], metavar="PATH")
    args = parser.parse_args(argv)

    record: Dict[str, object] = {
        "total": None, "fail_under": args.fail_under, "gate_passed": False, "branch": args.branch,
        "inputs": [], "message": "combine.py stopped before it finished", "reports": [],
    }
    code = INPUT_PROBLEMS
    try:
        code, record = combine(args.out, args.fail_under, args.branch, args.data, args.source_alias)
    except BaseException as exc:  # noqa: BLE001 - combine.json must be written whatever happened
        record["message"] = f"combine.py failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
        record["gate_passed"] = False
        code = INPUT_PROBLEMS
    finally:
        write_record(args.out, record)
        print(f"combine: {record['message']}", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
