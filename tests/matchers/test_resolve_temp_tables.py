"""Resolve frees each temp table once its last reader has run (issue 20, fifteenth session).

At 1M accounts resolve's temp tables hold about 20 GB against a 5 GB memory limit; kept to the
end, every later statement spilled. The write (09) must find only what it reads: the run's
contact points (rs_final), the evidence with its keys (rs_evc) and the representative spellings
(rs_rep), not the second copy of the evidence (rs_evs) or the scoring tables before rs_final.
With `keep_temp` (debugging, the step benchmarks) everything stays.

The writes (09-11) are one transaction: a resolve that fails in scoring or in the middle of its
writes must leave the previous state, the same contact points, support and evidence cache.
"""

from __future__ import annotations

import datetime as dt

import pytest

from skiptrace import sql
from skiptrace.matchers import resolve as resolve_module
from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from tests.matchers.matched_portfolio import matched_portfolio

RUN = "20261101T000000Z-temp"
FREED_BEFORE_WRITE = ("rs_evs", "rs_ev0", "rs_var", "rs_lab", "rs_cs", "rs_neg", "rs_scored")
READ_BY_WRITE = ("rs_final", "rs_evc", "rs_rep")


def _temp_tables(con) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'temp'"
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("keep_temp", [False, True])
def test_the_write_sees_only_what_it_reads(tmp_path, monkeypatch, keep_temp: bool) -> None:
    con, as_of = matched_portfolio(tmp_path, RUN, seed=5, accounts=120)
    at_write: list[set[str]] = []
    real_run = sql.run

    def spy(con_, text_or_file, **params):  # the real statements run; the spy only looks
        if str(text_or_file).endswith("09_write_clear.sql"):
            at_write.append(_temp_tables(con_))
        return real_run(con_, text_or_file, **params)

    monkeypatch.setattr(resolve_module.sql, "run", spy)
    result = resolve_contacts(con, RUN, as_of, settings=ResolveSettings(keep_temp=keep_temp))
    assert result.contact_points > 100
    (tables,) = at_write
    assert set(READ_BY_WRITE) <= tables
    if keep_temp:
        assert set(FREED_BEFORE_WRITE) <= tables
        assert set(FREED_BEFORE_WRITE) | set(READ_BY_WRITE) <= _temp_tables(con)
    else:
        assert not set(FREED_BEFORE_WRITE) & tables
        assert not {t for t in _temp_tables(con) if t.startswith("rs_")}
    con.close()


def _state(con) -> dict[str, object]:
    """What a resolve leaves behind: the run's rows and the evidence cache."""
    out: dict[str, object] = {}
    for table in ("contact_points", "contact_support", "account_flags", "run_support_files"):
        out[table] = sorted(
            con.execute(f"SELECT * FROM {table} WHERE run_id = ?", [RUN]).fetchall(), key=repr
        )
    for table in ("resolve_cache_evidence", "resolve_cache_accounts", "resolve_cache_state"):
        out[table] = sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    return out


@pytest.mark.parametrize(
    "fail_at", ["07_score", "09_write_files.sql", "10_flags.sql", "11_cache_write.sql"]
)
def test_a_resolve_that_fails_midway_leaves_the_previous_state(
    tmp_path, monkeypatch, fail_at: str
) -> None:
    con, as_of = matched_portfolio(tmp_path, RUN, seed=5, accounts=120)
    resolve_contacts(con, RUN, as_of)
    before = _state(con)
    assert before["contact_points"] and before["contact_support"]
    assert before["resolve_cache_evidence"]
    real_run = sql.run

    def failing(con_, text_or_file, **params):
        text = str(text_or_file)
        if text.endswith(fail_at) or (
            fail_at == "07_score" and "CREATE OR REPLACE TEMP TABLE rs_scored" in text
        ):
            raise RuntimeError(f"injected failure at {fail_at}")
        return real_run(con_, text_or_file, **params)

    # A month later and rebuilt: every write of the attempt (points with new confidences,
    # support, flags, the whole cache) would change rows, so a write that escaped the
    # transaction shows.
    later = as_of + dt.timedelta(days=30)
    monkeypatch.setattr(resolve_module.sql, "run", failing)
    with pytest.raises(RuntimeError, match="injected failure"):
        resolve_contacts(con, RUN, later, full_rebuild=True)
    assert _state(con) == before
    monkeypatch.setattr(resolve_module.sql, "run", real_run)
    resolve_contacts(con, RUN, later, full_rebuild=True)  # and the next attempt goes through
    assert _state(con)["contact_points"] != before["contact_points"]
    con.close()
