"""A second writer on the same database waits or fails clearly."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import pytest

from skiptrace.flows.orchestration.lock import DatabaseBusyError, db_lock


def _hold(db: str, seconds: float, ready) -> None:
    with db_lock(Path(db), run_id="holder-run"):
        ready.set()
        time.sleep(seconds)


def test_second_run_fails_clearly_then_waits(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    p = ctx.Process(target=_hold, args=(str(db), 1.5, ready))
    p.start()
    try:
        assert ready.wait(10)
        with (
            pytest.raises(DatabaseBusyError, match=r"holder-run.*--wait"),
            db_lock(db, run_id="second"),
        ):
            pass
        start = time.monotonic()
        with db_lock(db, run_id="third", wait_seconds=10, poll=0.05):
            assert time.monotonic() - start > 0.2  # it waited for the holder to finish
    finally:
        p.join(10)


def test_lock_is_reentrant_after_release(tmp_path: Path) -> None:
    db = tmp_path / "y.duckdb"
    with db_lock(db, run_id="a"):
        pass
    with db_lock(db, run_id="b"):
        pass
