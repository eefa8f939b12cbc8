"""Shared fixtures: a migrated in-memory-like database per test, a deterministic HMAC key and
the small generated portfolio the pipeline tests run over."""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from skiptrace import sql

#: The Prefect home pytest_configure made for this run (removed by pytest_unconfigure).
_SUITE_PREFECT_HOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Tests never depend on a key file on the machine (session- and module-scoped fixtures too)."""
    os.environ["SKIPTRACE_HMAC_KEY"] = "test-key-not-secret"
    # Prefect's ephemeral server gets 20 s to start; on a loaded 2-core machine (CI next to
    # other work) that is sometimes not enough, and the failure says nothing about skiptrace.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # The suite sends nothing anywhere: a Prefect server a test starts in-process (not through
    # the CLI, which sets these itself) tried to send telemetry and logged an ERROR offline.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect started in a test process keeps its database, logs and storage under PREFECT_HOME,
    # by default the user's ~/.prefect: the suite wrote its flow runs there. One home of the
    # run's own instead, made by the controller before the xdist workers start (they inherit
    # the environment), removed at the end. A PREFECT_HOME set by the caller is kept.
    if "PREFECT_HOME" not in os.environ and not hasattr(config, "workerinput"):
        home = tempfile.mkdtemp(prefix="skiptrace-tests-prefect-home-")
        os.environ["PREFECT_HOME"] = home
        config.stash[_SUITE_PREFECT_HOME] = home


def pytest_unconfigure(config: pytest.Config) -> None:
    """The suite's own Prefect home (pytest_configure) goes with the run."""
    home = config.stash.get(_SUITE_PREFECT_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Only Prefect's warnings are logged once the tests are done.

    Prefect stops its in-process ephemeral server from an atexit hook, after pytest has closed
    the stream its console handler writes to: the "Stopping temporary server" info line would
    print a logging traceback after the summary. (Stopping the server here instead leaves
    Prefect's log shipper sending to a server that is gone.)
    """
    logging.getLogger("prefect").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _older_objects_frozen() -> Iterator[None]:
    """The objects made before a test (imports, collection, earlier tests) are frozen for it.

    Why: a cyclic garbage collection walks every tracked object of the process, and a test
    process holds millions (pytest's collection, Prefect, polars, DuckDB, earlier tests'
    fixtures). The CLI's error boundary calls `gc.collect()` after every failing command
    (flows/cli/boundary.py: a handled error's frames and the DuckDB connections they hold are
    freed before the interpreter's teardown): 0.1-0.4 s per command here, half of
    test_errors.py's time; the interpreter's own full collections pay the same. Frozen objects
    are skipped; what the test and its command make is collected as before, and everything is
    unfrozen after the test.
    """
    gc.freeze()
    yield
    gc.unfreeze()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file with every migration applied, made once per session (per xdist worker).

    Why: applying the 120-odd migrations to a new file takes 0.3-0.5 s, and about 300 tests
    start from an empty migrated database; copying a closed, migrated file takes milliseconds.
    `sql.connect` on the copy still runs `migrate`, which finds nothing pending.
    """
    path = tmp_path_factory.mktemp("migrated") / "template.duckdb"
    sql.connect(path).close()
    return path


@pytest.fixture
def con(tmp_path: Path, migrated_template: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh, migrated database file under tmp_path (a copy of `migrated_template`)."""
    path = tmp_path / "test.duckdb"
    shutil.copyfile(migrated_template, path)
    c = sql.connect(path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def small_portfolio(tmp_path_factory: pytest.TempPathFactory):
    """A 300-account synthetic portfolio (deterministic), generated once per session (per xdist
    worker) for every suite. Shared: a test that changes its files changes a copy of them
    (`tests.pipeline.copy_portfolio`)."""
    from skiptrace.flows.demo.synthetic import generate_portfolio

    root: Path = tmp_path_factory.mktemp("portfolio")
    return generate_portfolio(root, accounts=300, seed=11)
