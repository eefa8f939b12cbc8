"""The workbench's per-run cache: pages built from it are the pages built without it, and an
entry never survives a change of the database file."""

from __future__ import annotations

from skiptrace import sql
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.flows.review import pages


def _accounts(con: object, run_id: str) -> list[str]:
    found = sql.rows(
        con,  # type: ignore[arg-type]
        "SELECT account_id FROM match_pairs WHERE run_id = $run_id GROUP BY account_id"
        " ORDER BY count(*) DESC, account_id LIMIT 4",
        run_id=run_id,
    )
    return [r["account_id"] for r in found]


def test_account_and_pair_pages_are_the_same_from_the_cache(review_env: RefreshParams) -> None:
    cache = pages.RunCache(review_env.db)
    with pages.read_only(review_env.db) as con:
        run = pages.latest_run(con)
        assert run is not None
        run_id = run["run_id"]
        accounts = _accounts(con, run_id)
        assert accounts
        for account_id in accounts * 2:  # the second round reads the run's data from the cache
            fresh = pages.account(con, account_id, full_dob=False, run_id=run_id)
            cached = pages.account(con, account_id, full_dob=False, run_id=run_id, cache=cache)
            assert cached == fresh
        pair = sql.rows(
            con,
            "SELECT account_id, rec_id FROM match_pairs WHERE run_id = $run_id"
            " ORDER BY match_probability DESC, account_id, rec_id LIMIT 1",
            run_id=run_id,
        )[0]
        for _ in range(2):
            fresh = pages.pair(con, run_id, pair["account_id"], pair["rec_id"], full_dob=False)
            cached = pages.pair(
                con, run_id, pair["account_id"], pair["rec_id"], full_dob=False, cache=cache
            )
            assert cached == fresh
    assert {k[0] for k in cache._entries} == {"explain", "run_params"}


def test_an_entry_is_rebuilt_once_the_database_file_changes(review_env: RefreshParams) -> None:
    cache = pages.RunCache(review_env.db)
    builds: list[int] = []

    def build() -> int:
        builds.append(len(builds))
        return len(builds)

    assert cache.get(("k",), build) == 1
    assert cache.get(("k",), build) == 1  # unchanged file: kept
    con = sql.connect(review_env.db)  # a run writes and checkpoints
    con.execute("CREATE TABLE touched AS SELECT 1 AS x")
    con.execute("CHECKPOINT")
    con.close()
    assert cache.get(("k",), build) == 2
    assert cache.get(("k",), build) == 2
