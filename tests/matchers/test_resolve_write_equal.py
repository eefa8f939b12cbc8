"""Resolve's faster scoring and writes (issue 20) store exactly the rows the plain version stored.

The reference is the straightforward SQL these steps replaced, kept in
tests/matchers/data/resolve_reference/: 08 ranked and located the wide rows of rs_scored, 08b copied every contact point into a new rs_final to
apply collectors' outcomes and re-rank, and 09 wrote every row of the run in one sorted
INSERT. Resolve now ranks a narrow table joined back by row id, updates only the (account, type, role) groups an outcome touches and
writes account range by account range. On a small generated portfolio with outcomes of every
kind (right party, wrong number, returned mail, no answer, a household's other account) the
two must give the same contact_points and contact_support, row for row, stored in account
order.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from skiptrace import sql
from skiptrace.matchers.confidence import feature_list_sql, load_model
from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from tests.matchers.matched_portfolio import matched_portfolio

REFERENCE = Path(__file__).parent / "data" / "resolve_reference"
RUN = "20261101T000000Z-test"
OUTCOMES = ("right_party", "wrong_number", "no_answer", "returned_mail", "disconnected", "moved")


@pytest.fixture(scope="module")
def matched(tmp_path_factory: pytest.TempPathFactory):
    """A 300-account portfolio through ingest, standardize and match (resolve is the subject)."""
    con, as_of = matched_portfolio(tmp_path_factory.mktemp("rs_equal"), RUN, seed=11)
    yield con, as_of
    con.close()


def _add_outcomes(con, as_of: dt.date) -> int:
    """Outcomes on contacts of a first resolve: each kind, plus the same contacts on another
    account (what a shared household number or address looks like to resolve)."""
    picked = con.execute(
        "SELECT account_id, contact_type, contact_key FROM contact_points"
        " WHERE run_id = ? AND contact_type IN ('phone', 'address') ORDER BY account_id, contact_key",
        [RUN],
    ).fetchall()[::7][:60]
    others = [r[0] for r in picked[1:]] + [picked[0][0]]
    rows = []
    for i, ((account, ctype, key), other) in enumerate(zip(picked, others, strict=True)):
        account = other if i % 5 == 4 else account  # a household's other account
        rows.append((f"o{i}", account, ctype, key, OUTCOMES[i % len(OUTCOMES)], as_of))
    con.executemany(
        "INSERT INTO contact_outcomes (origin, origin_id, account_id, contact_type, contact,"
        " contact_key, outcome, outcome_date, agent, loaded_at)"
        " VALUES ('test', ?, ?, ?, ?, ?, ?, ?, 'ag', now())",
        [(o, a, t, k, k, out, d) for o, a, t, k, out, d in rows],
    )
    return len(rows)


def _rows(con, table: str, run_id: str) -> list[tuple]:
    rel = con.sql(f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = '{run_id}'")
    return sorted(rel.fetchall(), key=repr)


def _in_account_order(con, table: str, run_id: str) -> bool:
    ids = [r[0] for r in con.execute(
        f"SELECT account_id FROM {table} WHERE run_id = ? ORDER BY rowid", [run_id]
    ).fetchall()]  # fmt: skip
    return ids == sorted(ids)


def test_outcomes_and_chunked_writes_equal_the_reference(matched) -> None:
    con, as_of = matched
    resolve_contacts(con, RUN, as_of)
    assert _add_outcomes(con, as_of) == 60
    settings = ResolveSettings(write_chunk_rows=97, keep_temp=True)  # many chunks
    resolve_contacts(con, RUN, as_of, settings=settings)
    assert len(con.execute("SELECT * FROM rs_outcome_hit").fetchall()) > 20

    # the reference: the replaced 08, 08b and 09 from the same scores (rs_scored), as run REF
    ref = RUN + "-ref"
    sql.run(
        con,
        (REFERENCE / "08_finalize.sql").read_text(encoding="utf-8"),
        confirm_max_years=settings.confirm_max_years,
        zone_floor=settings.calling_zone_floor,
    )
    sql.run(
        con,
        (REFERENCE / "08b_outcomes.sql").read_text(encoding="utf-8"),
        outcome_confirmed=settings.outcome_confirmed,
        outcome_bad_factor=settings.outcome_bad_factor,
        outcome_household_factor=settings.outcome_household_factor,
    )
    # what resolution withholds (08c) has no reference of its own: the same step on both sides
    sql.run(con, "resolve/08c_withhold.sql", max_emitted=settings.max_emitted)
    write = (REFERENCE / "09_write.sql").read_text(encoding="utf-8")
    write = write.replace("{{feature_list}}", feature_list_sql())
    sql.run(con, write, run_id=ref, model_version=load_model().version)

    for table in ("contact_points", "contact_support"):
        got, want = _rows(con, table, RUN), _rows(con, table, ref)
        assert len(got) > 500
        assert got == want, table
        assert _in_account_order(con, table, RUN)
    # the outcomes did move contacts: confirmed by a right-party contact, lowered by bad ones
    reasons = [r[0] for r in con.execute(
        "SELECT reasons FROM contact_points WHERE run_id = ?"
        " AND (reasons LIKE '%collector outcome%' OR reasons LIKE '%household%')", [RUN]
    ).fetchall()]  # fmt: skip
    assert len(reasons) > 20


def test_write_chunks_cover_every_account_once(matched) -> None:
    from skiptrace.matchers.resolve import write_chunks

    con, as_of = matched
    resolve_contacts(con, RUN, as_of, settings=ResolveSettings(keep_temp=True))
    chunks = write_chunks(con, 50)
    assert chunks[0][0] is None and chunks[-1][1] is None
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    per_chunk = [
        con.execute(
            "SELECT count(*) FROM rs_final WHERE (? IS NULL OR account_id > ?)"
            " AND (? IS NULL OR account_id <= ?)",
            [lo, lo, hi, hi],
        ).fetchone()[0]
        for lo, hi in chunks
    ]
    assert sum(per_chunk) == con.execute("SELECT count(*) FROM rs_final").fetchone()[0]
    assert max(per_chunk) < 50 + 40  # about the chunk size: an account's points stay together
    assert write_chunks(con, 10**9) == [(None, None)]
