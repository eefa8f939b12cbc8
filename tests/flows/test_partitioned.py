"""flows.partitioned: comparison levels computed per partition (Parquet in, Parquet out) give the
same match as in-process — first without a cluster, then on a local Dask cluster through
Prefect's DaskTaskRunner (integration: starts Prefect and Dask)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

import sql
from flows.partitioned import (
    DaskComparator,
    compare_partition,
    export_partitions,
    import_results,
)
from matchers import compare
from matchers.compare import fetch_pl
from matchers.link import MatchSettings, link


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TESTS = Path(__file__).resolve().parents[1]
pop = _load("_partitioned_population", TESTS / "matchers" / "test_guards.py")
inc = _load("_partitioned_incremental", TESTS / "matchers" / "test_incremental.py")


@pytest.fixture
def db(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    pop.background(con, n=150)
    pop.insert(con, "acct_std", "DEBTOR", pop.DEBTOR)
    pop.insert(con, "rec_std", 1, dict(pop.DEBTOR), source="header", kind="person_records")
    return con


def test_partitions_compute_what_one_process_computes(
    db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Export, per-partition compare (the task's function, no Prefect) and import round-trip to
    the in-process _match_cmp, each pair in exactly one partition."""
    compare.prepare_sides(db)
    pairs = "SELECT l.id AS account_id, r.id AS rec_id FROM _ml l CROSS JOIN _mr r"
    n = compare.compare_pairs(db, pairs)
    want = fetch_pl(db, "SELECT * FROM _match_cmp ORDER BY account_id, rec_id")
    root = tmp_path / "work"
    parts = export_partitions(db, pairs, root, 4)
    assert len(parts) == 4
    counts = [compare_partition.fn(str(root), k, sql.load("match/compare.sql"), 1) for k in parts]
    assert sum(counts) == n
    assert import_results(db, root) == n
    got = fetch_pl(db, "SELECT * FROM _match_cmp ORDER BY account_id, rec_id")
    assert got.equals(want)
    # no pairs at all: an empty table of the same shape
    empty = tmp_path / "empty"
    assert export_partitions(db, pairs + " WHERE false", empty, 4) == []
    assert import_results(db, empty) == 0
    assert fetch_pl(db, "SELECT * FROM _match_cmp").columns == want.columns


@pytest.mark.integration
def test_dask_partitioned_match_equals_single_process(
    db: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Full run (u sample + candidates on the cluster) and an incremental run after changes:
    the same pairs, probabilities, parameters and conflicts as in-process."""
    single = link(db, "single")
    cluster = {"n_workers": 2, "threads_per_worker": 1, "processes": True}
    with DaskComparator(tmp_path / "parts", 3, cluster_kwargs=cluster) as comparator:
        farmed = link(db, "dask", comparator=comparator)
        assert comparator.calls == 2  # the random pairs for u, then the candidates
        inc.assert_same_outputs(db, "single", "dask")
        params = "SELECT comparison, level, m, u FROM match_params WHERE run_id = ? ORDER BY ALL"
        assert fetch_pl(db, params, ["single"]).equals(fetch_pl(db, params, ["dask"]))
        assert farmed.candidate_pairs == single.candidate_pairs

        # changes, matched incrementally with the dirty pairs compared on the cluster
        twin = pop.person("JOHN", "SMITHFIELD", dob=dt.date(1952, 11, 20), ssn=555_99_0001,
                          number="42", street="WILLOW", zip5="10001", suffix="SR")  # fmt: skip
        pop.insert(db, "rec_std", 2, twin, source="header", kind="person_records")
        db.execute("DELETE FROM rec_std WHERE rec_id = 1010")
        reuse = MatchSettings(reuse_params_from="single")
        step = link(db, "dask-inc", settings=reuse, incremental_run=True, comparator=comparator)
        assert step.mode == "incremental" and step.increment["pairs_compared"] > 0
    assert not (tmp_path / "parts").exists()  # work folder removed
    link(db, "single-full", settings=reuse)
    inc.assert_same_outputs(db, "dask-inc", "single-full")
    row = db.execute("SELECT partitions FROM match_increments WHERE run_id = 'dask-inc'")
    assert row.fetchall() == [(3,)]
