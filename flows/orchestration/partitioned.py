"""Scale-out of the match stage: comparison levels computed in partitions on a Dask cluster.

What is distributed, and why only that. The match stage is blocking (set-based SQL whose block
caps need the global block sizes), comparison (string similarity per candidate pair, plus the
random pairs u is measured on), EM (a few thousand pattern rows), scoring, guards and roles
(vectorized, but global: one debtor per record, an account's household). Only the comparisons
are embarrassingly parallel, so only they leave the process: the database process writes the
pairs and the rows they need to Parquet, one folder per partition; each partition runs as a
Prefect task on `prefect_dask.DaskTaskRunner`, computes the levels in its own in-memory DuckDB
with the very SQL text of `sql/match/compare.sql` and `compare_pairs.sql`
(`compare.comparison_sql`, shipped with the task, so a worker can never compare with other code) and writes Parquet; the database process reads the results back into
`_match_cmp` and goes on as in-process (EM, scoring, guards, roles, writing). The outputs are
identical to an in-process run (tests/flows/test_partitioned.py).

Partitioning key: a hash of the account's phonetic surname (a blocking-key component; the
account id when it has none). Every pair lands in exactly one partition (no pair is compared
twice) and each account's pairs stay together, so every account row is written once, into its
partition's folder. The record rows are written once to a shared file that each task filters to
its own pairs' records (measured: cheaper than copying them per partition).

Single-writer rule: DuckDB allows one writing process per database file, and the refresh holds
the database lock (flows/orchestration/lock.py) for the whole run. Workers never open the database, not even
read-only: they see only the Parquet folders. Only the process running the match stage merges
results and writes tables.

A remote cluster: pass its scheduler address (`tcp://host:8786`). The partition folder must
then be on storage every worker can read and write at the same path (NFS, a shared volume), the
workers need skiptrace installed (same version) and PREFECT_API_URL pointing at the Prefect
server the flow reports to. See docs/scaling.md.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from skiptrace.matchers.compare import SCORED_COLUMNS, comparison_sql

log = logging.getLogger("skiptrace")

#: Names inside one comparison's work folder: pairs/ and ml/ have hive-style `part=<k>`
#: subfolders, mr.parquet is shared, cmp/ holds one result file per partition.
PAIRS, LEFT, RIGHT, RESULTS = "pairs", "ml", "mr", "cmp"

#: The _match_cmp columns the database process reads after a comparison (scoring, EM, the
#: incremental cache); compare.sql's intermediate columns stay on the workers.
RESULT_COLUMNS = list(SCORED_COLUMNS)


def default_partition_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """`<database folder>/partitions`: on the database's own disk, removed after each run."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows and rows[0][0] else None
    return (Path(path).resolve().parent if path else Path.cwd()) / "partitions"


def remove_stale_run_folders(
    con: duckdb.DuckDBPyConnection, partition_dir: Path, current_run_id: str
) -> list[Path]:
    """Remove the work folders `<partition_dir>/<run_id>/` of runs that have ended; return them.

    A run removes its own folder on the way out, but a killed run (kill -9, power loss) never
    gets there and leaves its Parquet behind, possibly gigabytes on shared storage. A folder is
    removed only when its name is a run of *this* database whose `runs` status says the run
    ended (`skiptrace.flows.audit.runs.ENDED_STATUSES`; a killed run is marked abandoned by the next run, which
    holds the database lock). Never removed: the current run's folder, a run still marked
    running (it may be alive when the caller does not hold the lock), and any name this database
    does not know (the partition folder may be shared with other databases, whose runs have
    their own lock), nor plain files or symlinks.
    """
    from skiptrace.flows.audit.runs import ENDED_STATUSES

    base = Path(partition_dir)
    if not base.is_dir():
        return []
    names = [
        e.name
        for e in base.iterdir()
        if e.name != current_run_id and e.is_dir() and not e.is_symlink()
    ]
    if not names:
        return []
    marks = ", ".join("?" for _ in ENDED_STATUSES)
    ended = {
        str(r[0])
        for r in con.execute(
            f"SELECT run_id FROM runs WHERE status IN ({marks}) "
            "AND run_id IN (SELECT unnest(?::VARCHAR[]))",
            [*ENDED_STATUSES, names],
        ).fetchall()
    }
    removed: list[Path] = []
    for name in sorted(ended):
        folder = base / name
        try:
            shutil.rmtree(folder)
        except OSError as exc:  # housekeeping: a folder that will not go never fails the run
            log.warning("could not remove the stale partition folder %s: %s", folder, exc)
            continue
        removed.append(folder)
    return removed


# --------------------------------------------------------------------------- worker side


def compare_partition(
    root: str, part: int, compare_sql: str, columns: list[str], threads: int = 1
) -> int:
    """Comparison levels of one partition's pairs: Parquet in, Parquet out, nothing else.

    The body of the Prefect task `compare-partition` (see `_prefect_flow`), plain so it can be
    tested and run without Prefect. `compare_sql` and `columns` (the result columns the database
    process reads) come from the caller, so a worker computes with the caller's matcher code.
    Idempotent: the result file is written under a temporary name and renamed, so a retried task
    replaces it whole and cannot duplicate rows.
    """
    base = Path(root)
    out = base / RESULTS / f"part-{part:05d}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {max(1, int(threads))}")
        con.execute("SET preserve_insertion_order = false")

        def path(*names: str) -> str:
            return str(base.joinpath(*names)).replace("'", "''")

        def scan(folder: str) -> str:
            files = path(folder, f"part={part}", "*.parquet")
            return f"read_parquet('{files}', hive_partitioning = false)"

        con.execute(
            f"CREATE TEMP TABLE _match_pairs_in AS SELECT account_id, rec_id FROM {scan(PAIRS)}"
        )
        con.execute(f"CREATE TEMP TABLE _ml AS SELECT * FROM {scan(LEFT)}")
        con.execute(
            f"CREATE TEMP TABLE _mr AS SELECT * FROM read_parquet('{path(RIGHT + '.parquet')}') "
            "WHERE id IN (SELECT rec_id FROM _match_pairs_in)"
        )
        for tf in ("_tf_first_name", "_tf_last_name"):
            con.execute(
                f"CREATE TEMP TABLE {tf} AS SELECT * FROM read_parquet('{path(tf + '.parquet')}')"
            )
        for statement in con.extract_statements(compare_sql):
            con.execute(statement)
        tmp = out.with_name(out.name + ".tmp")
        quoted = str(tmp).replace("'", "''")
        selected = ", ".join(columns)
        con.execute(f"COPY (SELECT {selected} FROM _match_cmp) TO '{quoted}' (FORMAT parquet)")
        os.replace(tmp, out)
        rows = con.execute("SELECT count(*) FROM _match_cmp").fetchall()
        return int(rows[0][0])
    finally:
        con.close()


@cache
def _prefect_flow() -> Any:
    """The `compare-partitions` flow: one `compare-partition` task per partition, submitted to
    the flow's task runner (DaskTaskRunner) and awaited.

    Built on first use so importing this module does not import Prefect (the in-process path
    and the tests of the partition logic need neither Prefect nor Dask). The task is retried
    once: a worker lost mid-task (pre-emption, OOM) recomputes its partition from the same
    Parquet.
    """
    from prefect import flow, task

    from skiptrace.masking import masked_errors

    compare_task = task(name="compare-partition", retries=1, retry_delay_seconds=2)(
        masked_errors(compare_partition)
    )

    @flow(name="compare-partitions", log_prints=False)
    def compare_partitions(
        root: str, parts: list[int], compare_sql: str, columns: list[str], threads: int = 1
    ) -> int:
        futures = [compare_task.submit(root, k, compare_sql, columns, threads) for k in parts]
        return sum(int(f.result()) for f in futures)

    return compare_partitions


# --------------------------------------------------------------------------- database side


def export_partitions(
    con: duckdb.DuckDBPyConnection, pairs_sql: str, root: Path, partitions: int
) -> list[int]:
    """Write the pairs `pairs_sql` returns, split by the partition key, with the rows they need,
    under `root`; return the non-empty partition numbers.

    Accounts go to their own partition's folder (the key is a function of the account, so no
    account is copied twice); the records go once to one shared file that each task filters to
    its pairs' records — copying records per partition costs more (a distinct over the joined
    pairs) than every task reading the shared file. The term-frequency tables are shared too.
    """
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    n = int(partitions)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _part_ml AS "
        f"SELECT (hash(coalesce(last_phonetic, id)) % {n})::INTEGER AS part, * FROM _ml"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _part_pairs AS SELECT p.account_id, p.rec_id, m.part "
        f"FROM ({pairs_sql}) p JOIN _part_ml m ON m.id = p.account_id"
    )

    def target(name: str) -> str:
        return str(root / name).replace("'", "''")

    parts = [
        int(r[0])
        for r in con.execute("SELECT DISTINCT part FROM _part_pairs ORDER BY 1").fetchall()
    ]
    if parts:
        con.execute(
            f"COPY (SELECT account_id, rec_id, part FROM _part_pairs) TO '{target(PAIRS)}' "
            "(FORMAT parquet, PARTITION_BY (part))"
        )
        con.execute(
            "COPY (SELECT * FROM _part_ml WHERE part IN (SELECT part FROM _part_pairs)) "
            f"TO '{target(LEFT)}' (FORMAT parquet, PARTITION_BY (part))"
        )
        con.execute(f"COPY _mr TO '{target(RIGHT + '.parquet')}' (FORMAT parquet)")
        for tf in ("_tf_first_name", "_tf_last_name"):
            con.execute(f"COPY {tf} TO '{target(tf + '.parquet')}' (FORMAT parquet)")
    con.execute("DROP TABLE _part_pairs")
    con.execute("DROP TABLE _part_ml")
    return parts


def import_results(con: duckdb.DuckDBPyConnection, root: Path) -> int:
    """`_match_cmp` from the partitions' result files; returns its row count."""
    files = sorted((root / RESULTS).glob("part-*.parquet"))
    if not files:  # no pairs: an empty _match_cmp of the right shape, from the same SQL
        from skiptrace.matchers.compare import compare_pairs

        return compare_pairs(
            con, "SELECT NULL::VARCHAR AS account_id, NULL::BIGINT AS rec_id WHERE false"
        )
    listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _match_cmp AS SELECT * FROM read_parquet([{listing}])"
    )
    rows = con.execute("SELECT count(*) FROM _match_cmp").fetchall()
    return int(rows[0][0])


class DaskComparator:
    """A `matchers.link.Comparator` that computes comparison levels on a Dask cluster.

    Use as a context manager: without `address` it starts a local cluster
    (`cluster_kwargs`, default 2 single-threaded worker processes) on entry and closes it on
    exit, so the random pairs and the candidates of one link run share it; with `address` it
    connects to that scheduler and leaves it running. The work folder is removed on exit unless
    `keep`.
    """

    def __init__(
        self,
        workdir: Path,
        partitions: int,
        *,
        address: str | None = None,
        cluster_kwargs: dict[str, Any] | None = None,
        worker_threads: int = 1,
        keep: bool = False,
    ) -> None:
        if partitions < 1:
            raise ValueError("partitions must be >= 1")
        self.workdir = Path(workdir)
        self.partitions = int(partitions)
        self.address = address
        self.cluster_kwargs = cluster_kwargs or {
            "n_workers": 2,
            "threads_per_worker": 1,
            "processes": True,
        }
        self.worker_threads = worker_threads
        self.keep = keep
        self.calls = 0
        self.timings: list[dict[str, float]] = []
        self._cluster: Any = None

    def __enter__(self) -> DaskComparator:
        if self.address is None:
            from distributed import LocalCluster

            kwargs = dict(self.cluster_kwargs)
            env = _prefect_api_env()
            if env and kwargs.get("processes", True):
                kwargs.setdefault("env", env)
            self._cluster = LocalCluster(**kwargs)
            self.address = self._cluster.scheduler_address
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
            self.address = None
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __call__(self, con: duckdb.DuckDBPyConnection, pairs_sql: str) -> int:
        """Compare the pairs of `pairs_sql` on the cluster; leaves `_match_cmp` as in-process."""
        from prefect_dask import DaskTaskRunner

        if self.address is None:
            raise RuntimeError("DaskComparator must be entered (with ...) before use")
        self.calls += 1
        root = self.workdir / f"compare-{self.calls}"
        t0 = time.perf_counter()
        parts = export_partitions(con, pairs_sql, root, self.partitions)
        t1 = time.perf_counter()
        if parts:
            runner = DaskTaskRunner(address=self.address)
            _prefect_flow().with_options(task_runner=runner)(
                str(root), parts, comparison_sql(), RESULT_COLUMNS, self.worker_threads
            )
        t2 = time.perf_counter()
        n = import_results(con, root)
        t3 = time.perf_counter()
        if not self.keep:
            shutil.rmtree(root, ignore_errors=True)
        self.timings.append(
            {"pairs": n, "export_s": t1 - t0, "compute_s": t2 - t1, "import_s": t3 - t2}
        )
        log.info(
            "partitioned compare: %s pairs in %s partitions (export %.1fs, cluster %.1fs, "
            "import %.1fs)",
            n,
            len(parts),
            t1 - t0,
            t2 - t1,
            t3 - t2,
        )
        return n


def _prefect_api_env() -> dict[str, str]:
    """PREFECT_API_URL for local worker processes: the API this process reports to.

    Without it each worker process would start a private ephemeral Prefect server (seconds of
    start-up and a few hundred MB each) whose task records nobody sees.
    """
    if os.environ.get("PREFECT_API_URL"):
        return {"PREFECT_API_URL": os.environ["PREFECT_API_URL"]}
    try:
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            url = str(client.api_url)
    except Exception:  # no API reachable: workers fall back to their own ephemeral mode
        return {}
    return {"PREFECT_API_URL": url} if url.startswith("http") else {}
