"""skiptrace.flows.orchestration.partitioned: comparison levels computed per partition (Parquet in, Parquet out) give the
same match as in-process — first without a cluster, then on a local Dask cluster through
Prefect's DaskTaskRunner (integration: starts Prefect and Dask)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers import compare
from tests.pipeline import copy_portfolio, run_stages


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TESTS = Path(__file__).resolve().parents[2]
pop = _load("_partitioned_population", TESTS / "matchers" / "test_guards.py")
inc = _load("_partitioned_incremental", TESTS / "matchers" / "test_incremental.py")
equivalence = _load(
    "_partitioned_equivalence",
    TESTS / "flows" / "orchestration" / "test_incremental_equivalence.py",
)


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
    from skiptrace.flows.orchestration.partitioned import (
        RESULT_COLUMNS,
        compare_partition,
        export_partitions,
        import_results,
    )

    compare.prepare_sides(db)
    pairs = "SELECT l.id AS account_id, r.id AS rec_id FROM _ml l CROSS JOIN _mr r"
    n = compare.compare_pairs(db, pairs)
    cols = ", ".join(RESULT_COLUMNS)
    query = f"SELECT {cols} FROM _match_cmp ORDER BY account_id, rec_id"
    want = sql.frame(db, query)
    root = tmp_path / "work"
    parts = export_partitions(db, pairs, root, 4)
    assert len(parts) == 4
    counts = [
        compare_partition(str(root), k, compare.comparison_sql(), RESULT_COLUMNS) for k in parts
    ]
    assert sum(counts) == n
    assert import_results(db, root) == n
    got = sql.frame(db, query)
    assert got.equals(want)
    # no pairs at all: an empty table of the same shape
    empty = tmp_path / "empty"
    assert export_partitions(db, pairs + " WHERE false", empty, 4) == []
    assert import_results(db, empty) == 0
    assert set(RESULT_COLUMNS) <= set(sql.frame(db, "SELECT * FROM _match_cmp").columns)


@pytest.mark.integration
def test_dask_partitioned_refresh_equals_single_process(
    tiny_portfolio, tmp_path: Path, prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh flow with partitions=3 (the link task runs the comparisons as Prefect tasks on
    a local Dask cluster of two worker processes) writes the same pairs, probabilities and
    contacts as the stages in one process: a full first run (random pairs for u and candidates on
    the cluster), then an incremental one after an update file and a new source file.

    On the 80-account portfolio (conftest `tiny_portfolio`): 32,000 random pairs and 318
    candidates in three non-empty partitions, then 43 pairs; the 300-account one's 450,000 pairs
    showed nothing more about partitioning and cost more in every stage of the four runs."""
    monkeypatch.setenv("PREFECT_HOME", str(prefect_home))
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "WARNING")
    from skiptrace.flows.orchestration.params import RefreshParams
    from skiptrace.flows.orchestration.refresh import run_refresh

    root = copy_portfolio(tiny_portfolio, tmp_path / "portfolio").root
    registry = (root / "sources.yml").read_text()
    (root / "sources_v1.yml").write_text(registry)
    (root / "sources_v2.yml").write_text(
        registry.replace("path: credit_header.tsv", "path: credit_header*.tsv")
    )
    runs = [("20261101T000000Z-one", "accounts.csv", "sources_v1.yml"),
            ("20261102T000000Z-two", "accounts_update.csv", "sources_v2.yml")]  # fmt: skip

    def params(db: Path, accounts: str, sources: str, **kw: object) -> RefreshParams:
        return RefreshParams(accounts=root / accounts, sources=root / sources, db=db,
                             out=db.parent / "out", as_of=tiny_portfolio.as_of, report=False,
                             **kw)  # fmt: skip

    single, farmed = tmp_path / "single" / "st.duckdb", tmp_path / "dask" / "st.duckdb"
    for k, (run_id, accounts, sources) in enumerate(runs):
        if k == 1:
            equivalence.write_deltas(root)
        con = sql.connect(single)
        run_stages(con, params(single, accounts, sources), run_id)
        con.close()
        run_refresh(
            params(farmed, accounts, sources, partitions=3, partition_dir=tmp_path / "parts"),
            run_id=run_id,
        )
        a, b = sql.connect(single, read_only=True), sql.connect(farmed, read_only=True)
        try:
            want = sql.frame(a, inc.PAIRS, [run_id])
            assert want.height > 0 and want.equals(sql.frame(b, inc.PAIRS, [run_id]))
            how = "SELECT mode, partitions FROM match_increments WHERE run_id = ?"
            mode = "full" if k == 0 else "incremental"
            assert sql.frame(b, how, [run_id]).rows() == [(mode, 3)]
            assert sql.frame(a, how, [run_id]).rows() == [(mode, 1)]
        finally:
            a.close()
            b.close()
        for name in equivalence.OUTPUTS:
            got = equivalence._outputs(farmed.parent / "out" / run_id)[name]
            assert got.equals(equivalence._outputs(single.parent / "out" / run_id)[name]), name
    assert not any((tmp_path / "parts").glob("*/compare-*"))  # work folders removed


def test_stale_run_folders_removed_only_for_ended_runs(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A killed run's work folder goes at the next run; nothing that may still be in use does:
    the current run, a run still marked running, a name this database does not know (another
    database sharing the folder), a plain file or a symlink."""
    import datetime as dt

    from skiptrace.flows.audit.runs import abandon_stale_runs, finish_run, start_run
    from skiptrace.flows.orchestration.partitioned import remove_stale_run_folders

    def start(run_id: str) -> None:
        start_run(con, run_id, as_of=dt.date(2026, 11, 1), params={})

    for run_id in ("r1-done", "r2-failed", "r3-killed", "r4-file", "r5-link"):
        start(run_id)
    finish_run(con, "r1-done", "completed")
    finish_run(con, "r2-failed", "failed")
    finish_run(con, "r4-file", "completed")
    finish_run(con, "r5-link", "completed")
    assert abandon_stale_runs(con) == 1  # r3-killed, as the next run does under the lock
    start("r6-live")  # e.g. a bench or test calling the stages without the lock
    start("r7-now")

    base = tmp_path / "parts"
    for name in ("r1-done", "r2-failed", "r3-killed", "r6-live", "r7-now", "other-db-run"):
        (base / name / "compare-1" / "cmp").mkdir(parents=True)
        (base / name / "compare-1" / "mr.parquet").write_bytes(b"x")
    (base / "r4-file").write_text("not a folder")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.parquet").write_bytes(b"x")
    (base / "r5-link").symlink_to(elsewhere, target_is_directory=True)

    removed = remove_stale_run_folders(con, base, "r7-now")
    assert removed == [base / "r1-done", base / "r2-failed", base / "r3-killed"]
    assert sorted(p.name for p in base.iterdir()) == [
        "other-db-run", "r4-file", "r5-link", "r6-live", "r7-now"
    ]  # fmt: skip
    assert (elsewhere / "keep.parquet").exists()
    assert remove_stale_run_folders(con, base, "r7-now") == []
    assert remove_stale_run_folders(con, tmp_path / "missing", "r7-now") == []


def test_match_stage_cleans_the_default_partition_folder(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The match stage's clean-up looks where the run would write: `--partition-dir` made
    absolute (it is sent to workers), else `<database folder>/partitions`."""
    import datetime as dt

    from skiptrace.flows.audit.runs import abandon_stale_runs, start_run
    from skiptrace.flows.orchestration.stages import partition_root, remove_stale_partition_folders

    start_run(con, "r1-killed", as_of=dt.date(2026, 11, 1), params={})
    abandon_stale_runs(con)
    start_run(con, "r2-now", as_of=dt.date(2026, 11, 2), params={})
    default = tmp_path / "partitions"  # the con fixture's database is tmp_path/test.duckdb
    assert partition_root(con, None) == default.resolve()
    (default / "r1-killed" / "compare-2").mkdir(parents=True)
    (default / "r2-now").mkdir()
    assert remove_stale_partition_folders(con, "r2-now", None) == [default.resolve() / "r1-killed"]
    assert [p.name for p in default.iterdir()] == ["r2-now"]
    monkeypatch.chdir(tmp_path)
    assert partition_root(con, Path("shared")) == tmp_path.resolve() / "shared"
    # a share linked at the same path on every host: workers must get the link's path
    (tmp_path / "mnt").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "mnt", target_is_directory=True)
    assert partition_root(con, tmp_path / "linked") == tmp_path / "linked"
