"""Resolve's outcome steps on constructed tables: the source reliability learned from outcomes
(sql/resolve/00b_outcomes.sql) and the per-contact effects (sql/resolve/08b_outcomes.sql)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers.compare import register_unit_macro
from skiptrace.matchers.resolve import ResolveSettings

PREV, RUN = "20261001T000000Z-0001", "20261101T000000Z-0002"
AS_OF = dt.date(2026, 11, 1)


@pytest.fixture
def world(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    register_unit_macro(con)  # rs_unit is the shared unit_key
    sql.run(con, "resolve/00_macros.sql")  # the macros resolve's steps share
    con.execute(
        "INSERT INTO runs (run_id, status) VALUES (?, 'completed'), (?, 'running')", [PREV, RUN]
    )
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, reliability) VALUES"
        " (1, 'acme', 'vendor_batch', 0.8), (2, 'hdr', 'person_records', 0.6),"
        " (3, 'accounts', 'accounts', 1.0)"
    )
    # acme supported 10 judged phones in the previous run: 2 right party, 8 wrong
    for i in range(10):
        key = f"+1404555{i:04d}"
        con.execute(
            "INSERT INTO contact_support (run_id, account_id, contact_type, contact_key, rec_id,"
            " source, file_no, role) VALUES (?, ?, 'phone', ?, ?, 'acme', 1, 'debtor')",
            [PREV, f"A{i}", key, 10_000_000_000 + i],
        )
        outcome = "right_party" if i < 2 else "wrong_number"
        add_outcome(con, f"A{i}", key, outcome)
    add_outcome(con, "A0", "+14045559999", "wrong_number")  # not supported by any source
    # a wrong number dated after as_of: not known to the run, A1's right party stands
    add_outcome(con, "A1", "+14045550001", "wrong_number", AS_OF + dt.timedelta(days=1))
    return con


S = ResolveSettings()
#: the values resolve_contacts binds into the two outcome steps
REL = {"run_id": RUN, "as_of": AS_OF, "outcome_strength": S.outcome_strength}
EFFECT = {
    "outcome_confirmed": S.outcome_confirmed,
    "outcome_bad_factor": S.outcome_bad_factor,
    "outcome_household_factor": S.outcome_household_factor,
    "unit_follow_floor": S.unit_follow_floor,
}


def add_outcome(con, account_id: str, key: str, outcome: str, day: dt.date | None = None) -> None:
    con.execute(
        "INSERT INTO contact_outcomes (origin, origin_id, account_id, contact_type, contact,"
        " contact_key, outcome, outcome_date, agent, loaded_at)"
        " VALUES ('t', ?, ?, 'phone', ?, ?, ?, ?, 'ag', current_timestamp)",
        [f"{account_id}{key}{outcome}", account_id, key, key, outcome, day or AS_OF],
    )


def test_reliability_is_the_beta_posterior_mean_around_the_registry_prior(world) -> None:
    con = world
    sql.run(con, "outcomes/vocabulary.sql")
    sql.run(con, "outcomes/latest.sql")
    sql.run(con, "resolve/00b_outcomes.sql", **REL)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT source, prior, outcomes, hits, reliability FROM source_reliability"
            " WHERE run_id = ? ORDER BY source",
            [RUN],
        ).fetchall()
    }
    prior, n, hits, rel = got["acme"]
    assert (prior, n, hits) == (0.8, 10, 2)
    assert rel == pytest.approx((2 + 20 * 0.8) / (10 + 20))  # 0.6: pulled toward 2/10
    assert got["hdr"] == (0.6, 0, 0, 0.6)  # no outcomes: the registry value exactly
    assert "accounts" not in got


def test_outcomes_confirm_lower_and_rerank_contacts(world) -> None:
    con = world
    sql.run(con, "outcomes/vocabulary.sql")
    sql.run(con, "outcomes/latest.sql")
    sql.run(con, "resolve/00b_outcomes.sql", **REL)
    con.execute(
        "CREATE TEMP TABLE rs_final AS SELECT * FROM (VALUES"
        " ('A0', 'phone', '+14045550000', 'debtor', 0.40, 'new', 'new phone', 2, DATE '2026-10-01'),"
        " ('A0', 'phone', '+14045550077', 'debtor', 0.60, 'new', 'new phone', 1, DATE '2026-10-01'),"
        " ('A2', 'phone', '+14045550002', 'debtor', 0.90, 'confirmed', 'on file', 1, DATE '2026-10-01'),"
        " ('A2', 'phone', '+14045550088', 'debtor', 0.20, 'new', 'new phone', 2, DATE '2026-10-01'),"
        " ('B9', 'phone', '+14045550002', 'debtor', 0.90, 'new', 'new phone', 1, DATE '2026-10-01'),"
        " ('A1', 'phone', '+14045550001', 'debtor', 0.50, 'new', 'new phone', 1, DATE '2026-10-01')"
        ") t(account_id, contact_type, contact_key, role, confidence, status, reasons, rank, last_seen)"
    )
    # 08 writes confidence as DOUBLE; 08b updates rs_final in place, keeping the column's type
    con.execute("ALTER TABLE rs_final ALTER confidence TYPE DOUBLE")
    for col in ("street_number", "street_name", "std_line1"):  # phones: no address parts
        con.execute(f"ALTER TABLE rs_final ADD COLUMN {col} VARCHAR")
    for col in ("n_sources", "n_records"):  # corroboration: the tie-break after recency
        con.execute(f"ALTER TABLE rs_final ADD COLUMN {col} INTEGER DEFAULT 1")
    con.execute("ALTER TABLE rs_final ADD COLUMN valid BOOLEAN DEFAULT true")  # valid numbers
    con.execute("ALTER TABLE rs_final ADD COLUMN placeholder BOOLEAN DEFAULT false")  # 07
    # 08: no bare building address here follows a unit's point
    con.execute("ALTER TABLE rs_final ADD COLUMN unit_point_key VARCHAR")
    # 08: no address of many debtors who live elsewhere here (rs_crowded)
    con.execute("ALTER TABLE rs_final ADD COLUMN crowded_elsewhere BOOLEAN DEFAULT false")
    for col in ("crowded_debtors", "crowded_judged", "crowded_placed"):  # its counts (08)
        con.execute(f"ALTER TABLE rs_final ADD COLUMN {col} INTEGER")
    sql.run(con, "resolve/08b_outcomes.sql", **EFFECT)
    got = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            "SELECT account_id, contact_key, status, confidence, rank, reasons FROM rs_final"
        ).fetchall()
    }
    # right party: confirmed, at least 0.95, now rank 1
    status, conf, rank, reasons = got[("A0", "+14045550000")]
    assert (status, conf, rank) == ("confirmed", 0.95, 1)
    assert reasons.startswith("collector outcome right party on 2026-11-01 (agent ag)")
    # wrong number for this account: x0.10 and ranked after the account's other phone
    assert got[("A2", "+14045550002")][1:3] == (0.09, 2)
    assert got[("A2", "+14045550088")][2] == 1
    # the same number on another account (household): halved, with the reason
    status, conf, rank, reasons = got[("B9", "+14045550002")]
    assert conf == 0.45 and "reported bad on another account of the household" in reasons
    # the latest outcome known to the run decides (the later-dated wrong number is not known)
    assert got[("A1", "+14045550001")][:2] == ("confirmed", 0.95)
