"""A second writer on the same database waits or fails clearly."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from pathlib import Path

import pytest

from skiptrace.flows.orchestration.lock import DatabaseBusyError, db_lock


def _hold(db: str, ready, release) -> None:
    with db_lock(Path(db), run_id="holder-run"):
        ready.set()
        release.wait(60)


def test_second_run_fails_clearly_then_waits(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold, args=(str(db), ready, release))
    p.start()
    # The holder lets go when told, 0.5 s after the third run starts waiting: a holder that
    # slept a fixed time instead could be gone before the third run began on a loaded machine
    # (the third then took the free lock at once and "it waited" failed).
    letting_go = threading.Timer(0.5, release.set)
    try:
        assert ready.wait(60)
        with (
            pytest.raises(DatabaseBusyError, match=r"holder-run.*--wait"),
            db_lock(db, run_id="second"),
        ):
            pass
        start = time.monotonic()
        letting_go.start()
        with db_lock(db, run_id="third", wait_seconds=60, poll=0.05):
            assert release.is_set()  # it got the lock only once the holder was told to let go
            assert time.monotonic() - start >= 0.5  # it waited for the holder to finish
    finally:
        letting_go.cancel()
        release.set()
        p.join(10)


def test_lock_is_reentrant_after_release(tmp_path: Path) -> None:
    db = tmp_path / "y.duckdb"
    with db_lock(db, run_id="a"):
        pass
    with db_lock(db, run_id="b"):
        pass
