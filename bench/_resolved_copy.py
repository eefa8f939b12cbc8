"""A private copy of a run database, resolved once with resolve's temp tables kept.

Why: the step benchmarks (resolve_steps.py, write_factors.py, rival_cost.py) time one resolve
statement against another on the same rs_* tables. They all need the same preparation: copy the
run database (never touch the original), resolve its newest run with `keep_temp`, and remove the
copy and its WAL afterwards.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any


def drop_copy(copy: Path) -> None:
    """Remove the copy and its side files (.wal, .tmp)."""
    for p in copy.parent.glob(copy.name + "*"):
        p.unlink()


def resolved_copy(db: Path, copy: Path, memory_limit: str) -> tuple[Any, Any, Any]:
    """Copy `db` to `copy`, resolve its newest run keeping the rs_* temp tables; return the open
    connection, the run's as-of date and the ResolveSettings used."""
    from skiptrace import sql
    from skiptrace.matchers import resolve as R

    copy.parent.mkdir(parents=True, exist_ok=True)
    drop_copy(copy)
    shutil.copyfile(db, copy)
    con = sql.connect(copy, memory_limit=memory_limit)
    newest = con.execute(
        "SELECT run_id, as_of FROM runs ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if newest is None:
        raise ValueError(f"{db}: no run to resolve (table runs is empty)")
    run_id, as_of = newest
    settings = R.ResolveSettings(keep_temp=True)
    R.resolve_contacts(con, run_id, as_of, settings=settings)
    return con, as_of, settings
