"""The confidence model's inputs stored typed (migration 072) read the same as the JSON before.

Resolve writes the inputs as contact_points.model_inputs (one DOUBLE per feature) with the
names once per run in run_model_inputs. A refit (calibrate.contact_frame) and explain
(audit/contact_points_explain.sql) must read a point the same whether it was written that way
or, as before 072, with the inputs under factors.x: a database written before the migration is
rewritten here into the old form (x back in the JSON, model_inputs NULL, no names row) and
read again. Real DuckDB, the real resolve SQL, on test_resolve's hand-made portfolio.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.matchers.calibrate import contact_frame
from skiptrace.matchers.confidence import FEATURES
from skiptrace.matchers.resolve import resolve_contacts
from tests.matchers.test_resolve import AS_OF, RUN, Builder, addr_contact

XCOLS = [f"x_{f.name}" for f in FEATURES]


def _portfolio(con: duckdb.DuckDBPyConnection) -> None:
    b = Builder(con)
    home = b.address("1 Main St", "Rome", "GA", "30161", number="1", street="MAIN")
    b.account("A1", "Ann", "Lee", **home)
    old = b.address("8 Lake Dr", "Rome", "GA", "30165", number="8", street="LAKE", suffix="DR")
    for src, seen in (("w2", dt.date(2025, 3, 1)), ("tax", dt.date(2024, 6, 1))):
        b.link("A1", b.record(src, "Ann", "Lee", contacts=[
            addr_contact(home, last_seen=seen), addr_contact(old, last_seen=dt.date(2021, 1, 1)),
        ]))  # fmt: skip
    b.account("A2", "Bob", "Ray")
    b.link("A2", b.record("vendor", "Bob", "Ray", kind="vendor_batch", contacts=[
        addr_contact(b.address("5 Oak St", "Rome", "GA", "30161", number="5", street="OAK")),
    ]))  # fmt: skip
    resolve_contacts(con, RUN, AS_OF)


def _explain_factors(con: duckdb.DuckDBPyConnection, account: str) -> list[dict]:
    rows = sql.rows(con, "audit/contact_points_explain.sql", run_id=RUN, account_id=account)
    return [json.loads(r["factors"]) for r in rows]


def _to_pre_072_form(con: duckdb.DuckDBPyConnection) -> None:
    """What a run written before migration 072 looks like: x (every feature, nulls too) as the
    last key of factors, no typed list, no names row. Built in Python, not with the SQL under
    test."""
    names = con.execute("SELECT names FROM run_model_inputs WHERE run_id = ?", [RUN]).fetchall()[0][
        0
    ]
    rows = con.execute(
        "SELECT rowid, factors, model_inputs FROM contact_points WHERE run_id = ?", [RUN]
    ).fetchall()
    old = [
        (
            json.dumps(
                {**json.loads(f), "x": dict(zip(names, x, strict=True))}, separators=(",", ":")
            ),
            rid,
        )
        for rid, f, x in rows
    ]
    con.executemany(
        "UPDATE contact_points SET factors = ?, model_inputs = NULL WHERE rowid = ?", old
    )
    con.execute("DELETE FROM run_model_inputs")


def test_inputs_are_typed_and_named_once_per_run(con) -> None:
    _portfolio(con)
    names = con.execute("SELECT names FROM run_model_inputs WHERE run_id = ?", [RUN]).fetchall()
    assert names == [([f.name for f in FEATURES],)]
    rows = con.execute(
        "SELECT factors, model_inputs FROM contact_points WHERE run_id = ?", [RUN]
    ).fetchall()
    assert len(rows) >= 3
    assert all("x" not in json.loads(f) and len(x) == len(FEATURES) for f, x in rows)


def test_refit_and_explain_read_the_same_before_and_after_the_migration(con) -> None:
    _portfolio(con)
    typed = contact_frame(con, RUN, emitted_only=False)
    explained = {a: _explain_factors(con, a) for a in ("A1", "A2")}
    # some inputs are NULL by design (a phone's line type on an address), most are set
    assert typed.height >= 3 and typed.select(XCOLS).null_count().sum_horizontal()[0] < 3 * 9
    every = {f.name for f in FEATURES}
    assert all(
        set(f["x"]) == every and f["x"]["reliability"] > 0 for fs in explained.values() for f in fs
    )
    assert any(v is None for fs in explained.values() for f in fs for v in f["x"].values())

    _to_pre_072_form(con)
    assert con.execute("SELECT count(model_inputs) FROM contact_points").fetchone()[0] == 0
    old = contact_frame(con, RUN, emitted_only=False)
    assert old.equals(typed)
    assert {a: _explain_factors(con, a) for a in ("A1", "A2")} == explained


def test_a_feature_the_run_did_not_have_reads_null(con) -> None:
    """A refit under a model with a new feature reads NULL for older runs, not a shifted value:
    the inputs are found by name, not by position in today's feature list."""
    _portfolio(con)
    con.execute("UPDATE run_model_inputs SET names = list_transform(names, lambda n: n || '_old')")
    frame = contact_frame(con, RUN, emitted_only=False)
    assert frame.select(pl.all_horizontal(pl.col(XCOLS).is_null())).to_series().all()


@pytest.mark.parametrize("table", ["contact_points", "run_model_inputs"])
def test_the_migration_adds_what_resolve_writes(con, table: str) -> None:
    cols = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    assert {
        "contact_points": ("model_inputs", "DOUBLE[]"),
        "run_model_inputs": ("names", "VARCHAR[]"),
    }[table] in cols.items()
