"""Run one lane: wait for its services, run pytest, always write ``<reports>/lane.json``.

    python run_lane.py --lane ID --reports DIR
        [--wait NAME=URL ...] [--wait-timeout SECONDS] [--timeout SECONDS] [--fail-on-empty]
        -- python -m pytest ...

lane.json follows ``LaneRecord`` in src/core/artifacts/records.ts. Exit code: pytest's, except
0 for "no tests" (pytest exit 5) unless --fail-on-empty; 124 when --timeout elapsed; 125 when a
service was not ready; 126 when pytest was killed by a signal or the runner was stopped (lane.json
names the signal: Dagger's ``expect: ANY`` accepts 0-127 and 192-255 only, so 128+N would make the
engine fail the exec and lose the lane's files); 127 when pytest could not be
started. pytest's output is passed through to stdout as it comes. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wait_ready  # noqa: E402

TIMEOUT_EXIT = 124
NOT_READY_EXIT = wait_ready.NOT_READY_EXIT
CANNOT_START_EXIT = 127
KILLED_EXIT = 126
KILL_GRACE = 10.0

PYTEST_EXITS = {
    2: "interrupted",
    3: "internal error",
    4: "usage error",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_SUMMARY = re.compile(
    r"^=*\s*((?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)"
    r"(?:, )?)+)(?: in [\d.]+s.*?)?\s*=*$"
)
_NO_TESTS = re.compile(r"^=*\s*no tests ran(?: in [\d.]+s.*?)?\s*=*$")
_CRASH = re.compile(r"(?:worker|node) '?(\w+)'? crashed while running '?([^'\n]*)'?")
_USAGE_ERROR = re.compile(r"^[\w.\- ]+: error: (.+)$")  # argparse: "python -m pytest: error: ..."
_ERROR_LINE = re.compile(r"^(?:ERROR|INTERNALERROR|E   )[: ]\s*(.+)$")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class OutputScanner:
    """Watches pytest's output for the lines a one-line message is made of."""

    def __init__(self) -> None:
        self.summary: Optional[str] = None
        self.crashes: List[str] = []
        self.errors: List[str] = []
        self.interrupted: Optional[str] = None
        self.usage_error: Optional[str] = None
        self.plugin_error: Optional[str] = None
        self._crashed_workers: set = set()

    def feed(self, raw: str) -> None:
        line = _ANSI.sub("", raw).rstrip("\r\n")
        stripped = line.strip()
        match = _SUMMARY.match(stripped)
        if match:
            self.summary = match.group(1).strip().rstrip(",")
        elif _NO_TESTS.match(stripped):
            self.summary = "no tests ran"
        crash = None if stripped.startswith("FAILED ") else _CRASH.search(line)
        if crash and crash.group(1) not in self._crashed_workers:
            self._crashed_workers.add(crash.group(1))
            self.crashes.append(f"worker '{crash.group(1)}' crashed while running '{crash.group(2).strip()}'")
        if self.plugin_error is None and stripped.startswith("backend-ci: could not"):
            self.plugin_error = stripped
        usage = _USAGE_ERROR.match(stripped)
        if usage and self.usage_error is None:
            self.usage_error = usage.group(1).strip()
        if stripped.startswith("!") and "Interrupted:" in stripped:
            self.interrupted = stripped.strip("! ").strip()
        error = _ERROR_LINE.match(stripped)
        if error and len(self.errors) < 5:
            self.errors.append(error.group(1).strip())


def write_record(path: str, record: Dict[str, object]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=2)
        handle.write("\n")
    os.replace(tmp, path)


def classify(exit_code: int, scanner: OutputScanner) -> "tuple[str, str]":
    """(status, message) for a pytest that exited on its own with `exit_code` (>= 0)."""
    summary = scanner.summary or ""
    if exit_code == 0:
        return "passed", summary or "passed"
    if exit_code == 1:
        message = summary or "tests failed"
        if scanner.plugin_error:
            message = f"{scanner.plugin_error}; {message}"
        if scanner.crashes:
            extra = f" (+{len(scanner.crashes) - 1} more)" if len(scanner.crashes) > 1 else ""
            message = f"{scanner.crashes[0]}{extra}; {message}"
        return "failed", message
    if exit_code == 5:
        return "no-tests", "selected no tests"
    what = PYTEST_EXITS.get(exit_code, "unexpected exit")
    detail = scanner.interrupted or scanner.usage_error or (scanner.errors[0] if scanner.errors else summary)
    return "crashed", f"pytest exit {exit_code} ({what})" + (f": {detail}" if detail else "")


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the pytest process group (xdist workers included), SIGKILL after a grace."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _pump(stream, scanner: OutputScanner) -> None:
    out = getattr(sys.stdout, "buffer", None)
    for raw in iter(stream.readline, b""):
        if out is not None:
            out.write(raw)
            out.flush()
        else:  # pragma: no cover - stdout replaced by a text-only stream
            sys.stdout.write(raw.decode("utf-8", "replace"))
            sys.stdout.flush()
        scanner.feed(raw.decode("utf-8", "replace"))
    stream.close()


class _Terminated(Exception):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum, frame):  # noqa: ARG001
    raise _Terminated(signum)


def parse_args(argv: Sequence[str]) -> "tuple[argparse.Namespace, List[str]]":
    argv = list(argv)
    if "--" not in argv:
        raise SystemExit("run_lane.py: expected '-- python -m pytest ...' after the options")
    split = argv.index("--")
    ours, command = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(prog="run_lane.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lane", required=True)
    parser.add_argument("--reports", required=True)
    parser.add_argument("--wait", action="append", default=[], metavar="NAME=URL")
    parser.add_argument("--wait-timeout", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--fail-on-empty", action="store_true")
    args = parser.parse_args(ours)
    if not command:
        parser.error("no pytest command after '--'")
    try:
        args.wait = [wait_ready.parse_spec(spec) for spec in args.wait]
    except ValueError as exc:
        parser.error(str(exc))
    return args, command


def auto_workers() -> int:
    """What xdist's ``-n auto`` resolves to: its override variable, else the CPUs this process may use."""
    override = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if override and override.isdigit():
        return int(override)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def xdist_workers(command: Sequence[str]) -> int:
    """The xdist worker count a pytest argv asks for: 0 without ``-n``, ``auto``/``logical`` resolved."""
    value: Optional[str] = None
    for i, arg in enumerate(command):
        if arg in ("-n", "--numprocesses") and i + 1 < len(command):
            value = command[i + 1]
        elif arg.startswith("--numprocesses="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-n") and len(arg) > 2 and not arg.startswith("--"):
            value = arg[2:]
    if value is None or "no:xdist" in command:
        return 0
    if value in ("auto", "logical"):
        return auto_workers()
    return int(value) if value.isdigit() else 0


def run(args: argparse.Namespace, command: List[str]) -> int:
    record: Dict[str, object] = {
        "lane": args.lane,
        "status": "crashed",
        "exit_code": -1,
        "message": "run_lane.py stopped before pytest ran",
        "readiness_s": 0.0,
        "tests_s": 0.0,
        "started_at": now_iso(),
        "finished_at": "",
        "argv": command,
        "workers": xdist_workers(command),
    }
    path = os.path.join(args.reports, "lane.json")
    exit_code = 1
    proc: Optional[subprocess.Popen] = None
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    tests_started: Optional[float] = None
    try:
        os.makedirs(args.reports, exist_ok=True)
        # 1. services
        wait_started = time.monotonic()
        results = wait_ready.wait_all(args.wait, args.wait_timeout) if args.wait else []
        record["readiness_s"] = round(time.monotonic() - wait_started, 3)
        for result in results:
            print(f"run_lane: {result.name}: "
                  + (f"ready after {result.seconds:.1f}s" if result.ready else result.message), flush=True)
        failed = [r for r in results if not r.ready]
        if failed:
            record.update(status="not-ready", exit_code=-1, message=failed[0].message)
            exit_code = NOT_READY_EXIT
            return exit_code

        # 2. pytest
        print(f"run_lane: lane {args.lane}: {' '.join(command)}", flush=True)
        scanner = OutputScanner()
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        tests_started = time.monotonic()
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        except OSError as exc:
            record.update(status="crashed", exit_code=-1, message=f"could not start pytest: {exc}")
            exit_code = CANNOT_START_EXIT
            return exit_code
        pump = threading.Thread(target=_pump, args=(proc.stdout, scanner), daemon=True)
        pump.start()
        try:
            returncode = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            pump.join(5.0)
            record.update(status="timeout", exit_code=-1,
                          message=f"timed out after {args.timeout:g}s; pytest was killed"
                                  + (f" (last summary: {scanner.summary})" if scanner.summary else ""))
            exit_code = TIMEOUT_EXIT
            return exit_code
        pump.join(30.0)
        if returncode < 0:
            try:
                name = signal.Signals(-returncode).name
            except ValueError:
                name = f"signal {-returncode}"
            message = f"pytest was killed by {name}"
            if scanner.crashes:
                message += f" ({scanner.crashes[0]})"
            record.update(status="crashed", exit_code=-1, message=message)
            exit_code = KILLED_EXIT
            return exit_code
        status, message = classify(returncode, scanner)
        record.update(status=status, exit_code=returncode, message=message)
        exit_code = 0 if (status == "no-tests" and not args.fail_on_empty) else returncode
        return exit_code
    except _Terminated as exc:
        if proc is not None and proc.poll() is None:
            _kill_group(proc)
        name = signal.Signals(exc.signum).name
        record.update(status="crashed", exit_code=-1, message=f"run_lane.py received {name}; pytest was stopped")
        exit_code = KILLED_EXIT
        return exit_code
    except BaseException as exc:  # noqa: BLE001 - lane.json must be written whatever happened
        if proc is not None and proc.poll() is None:
            _kill_group(proc)
        record.update(status="crashed", exit_code=-1,
                      message=f"run_lane.py failed: {type(exc).__name__}: {exc}")
        exit_code = 130 if isinstance(exc, KeyboardInterrupt) else 1
        return exit_code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if tests_started is not None:
            record["tests_s"] = round(time.monotonic() - tests_started, 3)
        record["finished_at"] = now_iso()
        try:
            write_record(path, record)
        except OSError as exc:
            print(f"run_lane: could not write {path}: {exc}", file=sys.stderr, flush=True)
        print(f"run_lane: lane {args.lane}: {record['status']}: {record['message']}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args, command = parse_args(sys.argv[1:] if argv is None else argv)
    return run(args, command)


if __name__ == "__main__":
    sys.exit(main())
