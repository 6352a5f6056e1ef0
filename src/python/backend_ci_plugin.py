"""backend-ci pytest plugin (``-p backend_ci_plugin``): one database, Redis database and search-index
prefix per test process, a check that the isolation worked, and pytest's session as run_lane.py
should believe it. Contract: docs/CONTRACTS.md; the code is in the ``backend_ci`` package.

A test process's resources are set before any conftest or app module is imported: an xdist worker's
at plugin import (xdist sets PYTEST_XDIST_WORKER before it builds the worker's config), the single
process's (``master``) in the first ``pytest_load_initial_conftests``, once it is known that this
process will not be an xdist controller, which runs no test and hands the original environment to
its workers.
"""

from __future__ import annotations

import os

import pytest

from backend_ci import collect, runinfo
from backend_ci.lane import RUN_ID_ENV, Lane, describe, distributes, runs_no_tests
from backend_ci.redact import redact, redactor
from backend_ci.session import Session

L = Lane()
if L.isolation and L.worker and not L.load_error:
    L.become_test_process(L.worker)


def _fail_usage(message: str) -> None:
    message = redact(message)
    if L.session is not None:
        L.session.error(message)
    raise pytest.UsageError(message)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Before the first conftest is imported: the test process's resources exist."""
    if not L.worker and L.session is None:
        L.session = Session()
    if L.load_error:
        _fail_usage(f"backend-ci: {L.load_error}")
    if not L.isolation or runs_no_tests(early_config.known_args_namespace):
        return
    if L.role == "worker":
        L.prepare_test_process()
    elif distributes(early_config.known_args_namespace, final=False):
        L.role = "controller"
    else:
        L.become_test_process("master")
        L.start_session(0)
        L.prepare_test_process()
        if L.error:
            _fail_usage(L.error)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if L.worker:
        return
    if L.session is None:
        L.session = Session()
    controller = distributes(config.option, final=True)
    workers = len(config.getoption("tx", None) or []) if controller else 0
    L.session.update(rootdir=collect.relative_rootdir(config), invocation=collect.relative_invocation(config), workers=workers)
    if not L.isolation or runs_no_tests(config.option):
        return
    # Options are final now (xdist resolved -n auto): correct the early guess if needed.
    if controller and L.role == "master":
        L.undo_test_process()
        L.role, L.pg_session, L.redis_session = "controller", None, None
    elif not controller and L.role != "master":
        L.become_test_process("master")
    try:
        if L.role == "controller":
            os.environ[RUN_ID_ENV] = L.run_id  # the workers inherit it: one template per run
            L.start_session(workers)
        elif L.pg_session is None and L.redis_session is None:
            L.start_session(0)
            L.prepare_test_process()
    except Exception as exc:  # noqa: BLE001
        _fail_usage(f"backend-ci: could not prepare the lane's services: {describe(exc)}")
    if L.role == "master" and L.error:
        _fail_usage(L.error)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if L.error:
        pytest.fail(L.error, pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    if nextitem is None and L.pg is not None:
        L.pg.observe()  # session fixtures are still up: databases the suite made itself exist now
    yield


# -- pytest's session, as the controller or the single process sees it ----------------------------

_CONFIG = []  # reports carry no config: pytest_report_teststatus needs it


def pytest_sessionstart(session):
    _CONFIG[:] = [session.config]
    if L.session is not None:
        L.session.update(started=True)


def pytest_runtest_logstart(nodeid, location):
    if L.session is not None:
        L.session.test_started(nodeid)


def pytest_runtest_logreport(report):
    if L.session is not None and _CONFIG:
        L.session.report(_CONFIG[0], report)


def pytest_runtest_logfinish(nodeid, location):
    if L.session is not None:
        L.session.test_finished(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_handlecrashitem(crashitem, report, sched):
    if L.session is not None:
        node = getattr(report, "node", None)
        L.session.crashed(getattr(getattr(node, "gateway", None), "id", None), crashitem)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", None) or {}
    if "backend_ci" in output:
        L.processes.append(output["backend_ci"])
        for message in output["backend_ci"].get("errors", []):
            if L.session is not None:
                L.session.error(message)


def pytest_keyboard_interrupt(excinfo):
    """A stopped run (run_lane's timeout sends SIGINT) keeps its coverage: pytest-cov saves only when
    the test loop ends normally, so save the measurement as a parallel fragment, which run_lane.py
    combines into $COVERAGE_FILE."""
    try:
        import coverage

        current = coverage.Coverage.current()
        if current is not None:
            current.stop()
            current.save()
    except Exception:  # noqa: BLE001
        pass


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """After session fixtures are torn down; in a worker, before xdist reports it finished."""
    if L.role in ("worker", "master"):
        record = L.process_record()
        if L.role == "worker":
            session.config.workeroutput["backend_ci"] = record
        else:
            L.processes.append(record)
    if L.session is not None:  # the controller, or the one process
        try:
            L.result = redactor().tree(L.lane_isolation())
            runinfo.write(runinfo.ISOLATION, L.result)
        except Exception as exc:  # noqa: BLE001 - a check must never break the run
            L.session.error(f"backend-ci: could not check the isolation: {describe(exc)}")
        L.session.finish(exitstatus)


def pytest_terminal_summary(terminalreporter):
    for key, label in (("database", "database"), ("redis", "Redis")):
        part = (L.result or {}).get(key)
        if part:
            terminalreporter.write_line(f"backend-ci: {label} isolation {part['verdict']}: {part['message']}")


def pytest_report_header(config):
    if not L.isolation:
        return "backend-ci: isolation off (BACKEND_CI_ISOLATION=0)"
    if L.role == "controller":
        return f"backend-ci: xdist controller; each worker gets its own database, Redis database and {L.prefix_env}"
    if L.pg is not None and L.pg.database:
        return f"backend-ci: database {L.pg.database}; {L.prefix_env}={os.environ.get(L.prefix_env, '')}"
    return None


def pytest_addoption(parser):
    group = parser.getgroup("backend-ci")
    group.addoption(
        "--backend-ci-collect", dest="backend_ci_collect", metavar="FILE", default=None,
        help="with --collect-only: write the collected node ids (relative to the invocation directory) and their markers to FILE (JSON)",
    )
    group.addoption(
        "--backend-ci-select", dest="backend_ci_select", metavar="FILE", default=None,
        help="run only the node ids listed in FILE, one a line, relative to the invocation directory (a shard's tests)",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """A shard's tests come in a file, not on the command line (a shard of a large suite would put
    thousands of ids into argv and the engine's log): the rest are deselected; an id the file names
    that was not collected is an error naming it."""
    path = config.getoption("backend_ci_select", None)
    if not path:
        return
    kept, dropped, missing = collect.select(config, items, path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise pytest.UsageError(f"backend-ci: {len(missing)} node id(s) of {path} were not collected: {shown}")
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_collection_finish(session):
    path = session.config.getoption("backend_ci_collect", None)
    if path and not L.worker:
        collect.write(path, session.config, session.items)
