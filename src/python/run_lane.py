"""Run one lane: wait for its services, run pytest, always write ``<reports>/lane.json``.

    python run_lane.py --lane ID --reports DIR [--workers-planned auto|N]
        [--wait NAME ...] [--wait-timeout SECONDS] [--timeout SECONDS] [--fail-on-empty]
        -- python -m pytest ...

lane.json follows ``LaneRecord`` in src/core/artifacts/records.ts; what pytest did comes from the
plugin's runinfo files (``$BACKEND_CI_RUNINFO_DIR``, a private directory per run), not from its
output. Exit code: pytest's, except 0 for "no tests" (pytest exit 5) unless --fail-on-empty; 124
when --timeout elapsed; 125 when a service was not ready; 126 when pytest was killed by a signal or
the runner was stopped (Dagger's ``expect: ANY`` accepts 0-127 and 192-255 only, so 128+N would make
the engine fail the exec and lose the lane's files); 127 when pytest could not be started.
pytest's output is passed through to stdout as it comes. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wait_ready  # noqa: E402
from backend_ci import cleanup, fragments, runinfo  # noqa: E402
from backend_ci.outcome import OutputScanner, classify  # noqa: E402
from backend_ci.redact import redactor  # noqa: E402
from backend_ci.session import finished_tests, summary  # noqa: E402
from backend_ci.stop import STOP_GRACES, signal_name, stop  # noqa: E402

TIMEOUT_EXIT = 124
NOT_READY_EXIT = wait_ready.NOT_READY_EXIT
KILLED_EXIT = 126
CANNOT_START_EXIT = 127


def now_iso(epoch: Optional[float] = None) -> str:
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch(iso: str) -> Optional[float]:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


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
    parser.add_argument("--workers-planned", default="")
    parser.add_argument("--wait", action="append", default=[], metavar="NAME")
    parser.add_argument("--wait-timeout", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--fail-on-empty", action="store_true")
    args = parser.parse_args(ours)
    if not command:
        parser.error("no pytest command after '--'")
    return args, command


def service_wait(results: List[wait_ready.Readiness], started: float) -> Optional[float]:
    """Runner start minus the earliest start of the lane's own (fresh) services, >= 0."""
    starts = [_epoch(r.started_at) for r in results if r.fresh and r.started_at]
    starts = [s for s in starts if s is not None]
    return round(max(started - min(starts), 0.0), 3) if starts else None


def _coverage(record: Dict[str, Any], command: List[str]) -> None:
    data_file = os.environ.get("COVERAGE_FILE", "")
    if not data_file:
        return
    combined, problem = fragments.combine(data_file, fragments.python_of(command, sys.executable))
    record["coverage"] = {"written": os.path.isfile(data_file), "fragments_combined": combined}
    if problem:
        record["message"] += f"; {problem}"


def _merge_runinfo(record: Dict[str, Any], folder: str) -> Optional[Dict[str, Any]]:
    session = runinfo.read(folder, runinfo.SESSION)
    isolation = runinfo.read(folder, runinfo.ISOLATION)
    if isinstance(session, dict):
        record["session"] = {k: session.get(k) for k in ("started", "finished", "exitstatus", "last_test", "counts")}
        record["rootdir"] = session.get("rootdir") or "."
        record["invocation"] = session.get("invocation") or "."
        record["workers"] = int(session.get("workers") or 0)
    if isinstance(isolation, dict):
        record["isolation"] = isolation
    return session if isinstance(session, dict) else None


def _drop_leftovers(record: Dict[str, Any], folder: str) -> None:
    """pytest never finished its session: drop the databases its test processes had created."""
    try:
        database = cleanup.leftovers(folder)
    except Exception as exc:  # noqa: BLE001 - lane.json must still be written
        print(f"run_lane: could not look for leftover databases: {exc}", file=sys.stderr, flush=True)
        return
    if database is not None:
        record["isolation"] = {"database": database, "redis": None, "index_prefixes": {}}


def run(args: argparse.Namespace, command: List[str]) -> int:
    started = time.time()
    record: Dict[str, Any] = {
        "lane": args.lane, "status": "crashed", "exit_code": -1, "message": "run_lane.py stopped before pytest ran",
        "readiness_s": 0.0, "tests_s": 0.0, "started_at": now_iso(started), "finished_at": "", "argv": command,
        "workers": 0, "workers_planned": args.workers_planned, "cause": None, "rootdir": ".", "invocation": ".",
        "service_wait_s": None, "services": [], "session": None, "isolation": None, "coverage": None,
    }
    redact = redactor()
    path = os.path.join(args.reports, "lane.json")
    exit_code = 1
    proc: Optional[subprocess.Popen] = None
    folder: Optional[str] = None
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    tests_started: Optional[float] = None
    try:
        os.makedirs(args.reports, exist_ok=True)
        # 1. services
        wait_started = time.monotonic()
        results = wait_ready.wait_all(args.wait, args.wait_timeout) if args.wait else []
        record["readiness_s"] = round(time.monotonic() - wait_started, 3)
        record["services"] = [r.record() for r in results]
        record["service_wait_s"] = service_wait(results, started)
        for result in results:
            print(f"run_lane: {result.name}: " + (f"ready after {result.seconds:.1f}s" if result.ready else result.message), flush=True)
        failed = [r for r in results if not r.ready]
        if failed:
            record.update(status="not-ready", exit_code=-1, message=failed[0].message)
            exit_code = NOT_READY_EXIT
            return exit_code

        # 2. pytest
        print(redact(f"run_lane: lane {args.lane}: {' '.join(command)}"), flush=True)
        scanner = OutputScanner()
        folder = tempfile.mkdtemp(prefix="backend-ci-runinfo-")
        env = dict(os.environ, **{runinfo.RUNINFO_ENV: folder})
        env.setdefault("PYTHONUNBUFFERED", "1")
        tests_started = time.monotonic()
        try:
            # SIGINT back to its default in pytest (a runner started in the background ignores it),
            # so that a stop lets pytest end its session.
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        except OSError as exc:
            record.update(status="crashed", exit_code=-1, message=f"could not start pytest: {exc}")
            exit_code = CANNOT_START_EXIT
            return exit_code
        pump = threading.Thread(target=_pump, args=(proc.stdout, scanner), daemon=True)
        pump.start()
        timed_out: Optional[str] = None
        try:
            returncode = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = stop(proc) or "SIGKILL"
            returncode = proc.wait()
        pump.join(30.0)
        session = _merge_runinfo(record, folder) or {}
        killed_by = signal_name(-returncode) if returncode < 0 else None
        if timed_out:
            counts = session.get("counts") or {}
            done = session.get("tests_finished", finished_tests(counts))
            so_far = f" ({summary(counts)})" if summary(counts) else ""
            stopped = session.get("running") or ([session["last_test"]] if session.get("last_test") and not session.get("finished") else [])
            running = " while running " + ", ".join(f"`{n}`" for n in stopped) if stopped else ""
            record.update(status="timeout", exit_code=returncode if returncode >= 0 else -1,
                          message=f"timed out after {args.timeout:g}s: {done} test{'s' if done != 1 else ''} finished "
                                  f"before the timeout{so_far}; pytest was stopped with {timed_out}{running}",
                          cause="\n".join(scanner.lines) or None)
            exit_code = TIMEOUT_EXIT
        else:
            status, message, cause = classify(returncode, session, scanner, killed_by)
            record.update(status=status, exit_code=returncode if returncode >= 0 else -1, message=message, cause=cause)
            if returncode < 0:
                exit_code = KILLED_EXIT
            else:
                exit_code = 0 if (status == "no-tests" and not args.fail_on_empty) else returncode
        _coverage(record, command)
        return exit_code
    except _Terminated as exc:
        if proc is not None and proc.poll() is None:
            stop(proc, STOP_GRACES[2:])
        record.update(status="crashed", exit_code=-1,
                      message=f"run_lane.py received {signal.Signals(exc.signum).name}; pytest was stopped")
        exit_code = KILLED_EXIT
        return exit_code
    except BaseException as exc:  # noqa: BLE001 - lane.json must be written whatever happened
        if proc is not None and proc.poll() is None:
            stop(proc, STOP_GRACES[2:])
        record.update(status="crashed", exit_code=-1, message=f"run_lane.py failed: {type(exc).__name__}: {exc}")
        exit_code = 130 if isinstance(exc, KeyboardInterrupt) else 1
        return exit_code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if tests_started is not None:
            record["tests_s"] = round(time.monotonic() - tests_started, 3)
        if folder:
            if record["session"] is None:
                _merge_runinfo(record, folder)
            if record["isolation"] is None:
                _drop_leftovers(record, folder)
            shutil.rmtree(folder, ignore_errors=True)
        record["finished_at"] = now_iso()
        record = redact.tree(record)
        try:
            runinfo.write_json(path, record)
        except OSError as exc:
            print(f"run_lane: could not write {path}: {exc}", file=sys.stderr, flush=True)
        print(f"run_lane: lane {args.lane}: {record['status']}: {record['message']}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args, command = parse_args(sys.argv[1:] if argv is None else argv)
    return run(args, command)


if __name__ == "__main__":
    sys.exit(main())
