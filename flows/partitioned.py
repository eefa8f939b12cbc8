"""Scale-out of the match stage: comparison levels computed in partitions on a Dask cluster.

What is distributed, and why only that. The match stage is blocking (set-based SQL whose block
caps need the global block sizes), comparison (string similarity per candidate pair, plus the
random pairs u is measured on), EM (a few thousand pattern rows), scoring, guards and roles
(vectorized, but global: one debtor per record, an account's household). Only the comparisons
are embarrassingly parallel, so only they leave the process: the database process writes the
pairs and the rows they need to Parquet, one folder per partition; each partition runs as a
Prefect task on `prefect_dask.DaskTaskRunner`, computes the levels in its own in-memory DuckDB
with the very SQL text of `sql/match/compare.sql` (shipped with the task, so a worker can never
compare with other code) and writes Parquet; the database process reads the results back into
`_match_cmp` and goes on as in-process (EM, scoring, guards, roles, writing). The outputs are
identical to an in-process run (tests/flows/test_partitioned.py).

Partitioning key: a hash of the account's phonetic surname (a blocking-key component; the
account id when it has none). Every pair lands in exactly one partition (no pair is compared
twice), each account's pairs stay together, and the records blocked with an account mostly
share its surname, so the record rows copied into several partitions stay few.

Single-writer rule: DuckDB allows one writing process per database file, and the refresh holds
the database lock (flows/lock.py) for the whole run. Workers never open the database, not even
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

log = logging.getLogger("skiptrace")

#: Folder names inside one comparison's work folder (hive-style `part=<k>` subfolders).
PAIRS, LEFT, RIGHT, RESULTS = "pairs", "ml", "mr", "cmp"


def default_partition_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """`<database folder>/partitions`: on the database's own disk, removed after each run."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows and rows[0][0] else None
    return (Path(path).resolve().parent if path else Path.cwd()) / "partitions"


# --------------------------------------------------------------------------- worker side


def compare_partition(root: str, part: int, compare_sql: str, threads: int = 1) -> int:
    """Comparison levels of one partition's pairs: Parquet in, Parquet out, nothing else.

    The body of the Prefect task `compare-partition` (see `_prefect_flow`), plain so it can be
    tested and run without Prefect. Idempotent: the result file is written under a temporary
    name and renamed, so a retried task replaces it whole and cannot duplicate rows.
    """
    base = Path(root)
    out = base / RESULTS / f"part-{part:05d}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"SET threads = {max(1, int(threads))}")
        con.execute("SET preserve_insertion_order = false")

        def scan(name: str) -> str:
            return str(base / name / f"part={part}" / "*.parquet").replace("'", "''")

        def shared(name: str) -> str:
            return str(base / f"{name}.parquet").replace("'", "''")

        con.execute(f"CREATE TEMP TABLE _ml AS SELECT * FROM read_parquet('{scan(LEFT)}')")
        con.execute(f"CREATE TEMP TABLE _mr AS SELECT * FROM read_parquet('{scan(RIGHT)}')")
        for tf in ("_tf_first_name", "_tf_last_name"):
            con.execute(f"CREATE TEMP TABLE {tf} AS SELECT * FROM read_parquet('{shared(tf)}')")
        con.execute(
            "CREATE TEMP TABLE _match_pairs_in AS SELECT account_id, rec_id "
            f"FROM read_parquet('{scan(PAIRS)}')"
        )
        for statement in con.extract_statements(compare_sql):
            con.execute(statement)
        tmp = out.with_name(out.name + ".tmp")
        quoted = str(tmp).replace("'", "''")
        con.execute(f"COPY _match_cmp TO '{quoted}' (FORMAT parquet)")
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

    compare_task = task(name="compare-partition", retries=1, retry_delay_seconds=2)(
        compare_partition
    )

    @flow(name="compare-partitions", log_prints=False)
    def compare_partitions(root: str, parts: list[int], compare_sql: str, threads: int = 1) -> int:
        futures = [compare_task.submit(root, k, compare_sql, threads) for k in parts]
        return sum(int(f.result()) for f in futures)

    return compare_partitions


# --------------------------------------------------------------------------- database side


def export_partitions(
    con: duckdb.DuckDBPyConnection, pairs_sql: str, root: Path, partitions: int
) -> list[int]:
    """Write the pairs `pairs_sql` returns, split by the partition key, with the side rows and the
    term-frequency tables they need, under `root`; return the non-empty partition numbers."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    n = int(partitions)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _part_pairs AS "
        "SELECT p.account_id, p.rec_id, "
        f"(hash(coalesce(l.last_phonetic, l.id)) % {n})::INTEGER AS part "
        f"FROM ({pairs_sql}) p JOIN _ml l ON l.id = p.account_id"
    )

    def target(name: str) -> str:
        return str(root / name).replace("'", "''")

    con.execute(
        f"COPY (SELECT account_id, rec_id, part FROM _part_pairs) TO '{target(PAIRS)}' "
        "(FORMAT parquet, PARTITION_BY (part))"
    )
    con.execute(
        "COPY (SELECT DISTINCT ON (p.part, l.id) p.part, l.* FROM _part_pairs p "
        f"JOIN _ml l ON l.id = p.account_id) TO '{target(LEFT)}' "
        "(FORMAT parquet, PARTITION_BY (part))"
    )
    con.execute(
        "COPY (SELECT DISTINCT ON (p.part, r.id) p.part, r.* FROM _part_pairs p "
        f"JOIN _mr r ON r.id = p.rec_id) TO '{target(RIGHT)}' "
        "(FORMAT parquet, PARTITION_BY (part))"
    )
    for tf in ("_tf_first_name", "_tf_last_name"):
        con.execute(f"COPY {tf} TO '{target(tf + '.parquet')}' (FORMAT parquet)")
    parts = [
        int(r[0])
        for r in con.execute("SELECT DISTINCT part FROM _part_pairs ORDER BY 1").fetchall()
    ]
    con.execute("DROP TABLE _part_pairs")
    return parts


def import_results(con: duckdb.DuckDBPyConnection, root: Path) -> int:
    """`_match_cmp` from the partitions' result files; returns its row count."""
    files = sorted((root / RESULTS).glob("part-*.parquet"))
    if not files:  # no pairs: an empty _match_cmp of the right shape, from the same SQL
        from matchers.compare import compare_pairs

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

        import sql

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
                str(root), parts, sql.load("match/compare.sql"), self.worker_threads
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
