"""Scale benchmark (issue 9): the whole pipeline on a synthetic portfolio, per-stage times,
throughput, candidate pairs, peak RSS and accuracy against the generator's truth.

Target: 1,000,000 accounts against 5,000,000 source records in 300 s on two cores, peak RSS <= 8 GB.

    .venv/bin/python bench/scale.py                          # 1,000,000 accounts x 5 records
    .venv/bin/python bench/scale.py --accounts 100000        # quick run
    .venv/bin/python bench/scale.py --accounts 100000 --profile match     # pyinstrument one stage
    .venv/bin/python bench/scale.py --accounts 100000 --incremental       # + 1% changed accounts
    .venv/bin/python bench/scale.py --accounts 100000 --incremental --incremental-days 0
    .venv/bin/python bench/scale.py --accounts 100000 --incremental-only  # the night alone, after a full run
    .venv/bin/python bench/scale.py --accounts 100000 --threads 2 --memory-limit 6GB
    .venv/bin/python bench/scale.py --accounts 100000 --partitions 4      # match on local Dask
    .venv/bin/python bench/scale.py --accounts 100000 --partitions 4 --dask-address tcp://h:8786

The portfolio (`skiptrace.flows.demo.synthetic.generate_portfolio`, deterministic for a seed and size) is
cached under `--workdir` and reused by later runs; generation time is reported separately and not
counted in the pipeline time. Each run starts from an empty database. The stages run as plain
functions (`skiptrace.flows.orchestration.stages`, as in tests/flows/test_kill_and_rerun.py), without Prefect; Prefect's
fixed per-run overhead (ephemeral API server, flow/task bookkeeping) is measured separately on a
tiny portfolio with `--prefect-overhead`. `finalize` (run_summary.json + run status) and
`report` (the HTML run report from the lineage tables) are timed as stages of their own; the
lineage inputs (`skiptrace.flows.audit.lineage.record_run_inputs`) are part of `ingest`, as in the flow.

Columns: `rows in` is what the stage consumed (ingest: lines read; standardize: accounts +
source records; match: candidate pairs; resolve: match pairs of the run; suppress and emit:
contact points), `rows/s` = rows in / seconds, `peak RSS` is the highest resident set sampled
(every 50 ms) while the stage ran. The last line is the whole run; its peak RSS is the highest
sum of this process and its live children (the usaddress workers) sampled at one instant.
(`getrusage(RUSAGE_CHILDREN)` is printed too but not used: a forked child's max RSS counts the
parent's pages it shares.) `CPU s` is the stage's processor time, user plus system, of this
process and of the children it reaped during the stage (`os.times()`): on this shared machine
the wall time of one unchanged stage moves by a fifth from day to day with the load of other
jobs, and CPU time does not count the time spent waiting for a processor another job holds
(it still counts slower memory and caches under load), so it is the second figure to compare
two runs of different days by. Results are also written as JSON to
bench/results/scale-<accounts>[-p<N>][-incremental].json.

`--incremental` re-delivers 1% of the accounts changed and runs again on the same database, with
the as-of date `--incremental-days` later (default 1: the nightly case, where every contact's
age moves). Match and resolve decide themselves whether they can be incremental; the script
prints each one's mode and, for resolve, the evidence / scoring split (the evidence part is what
an incremental resolve computes only for dirty accounts, the scoring part runs for every account;
docs/scaling.md) and its slowest SQL steps. `--incremental-only` runs that night alone, in a
process of its own, on the database a plain full run (same `--workdir`, portfolio and caps) left:
a scheduled `skiptrace run` starts a new process every night, so this is the peak a nightly run
reaches; with `--incremental` the second night inherits the memory the first one left in the
process (results in `...-incremental-only.json`).

`--partitions N` (N > 1) runs the match stage's comparisons in N partitions on Dask
(`skiptrace.flows.orchestration.partitioned.DaskComparator`, passed `partitions`/`dask_address` by `skiptrace.flows.orchestration.stages.match`
exactly as `skiptrace run --partitions N [--dask-address ADDR]` does): a local cluster of two
single-threaded worker processes unless `--dask-address` (whose workers must see the partition
folder, `<workdir>/run-.../partitions`, at the same path). The match stage's time includes the
cluster start, the Parquet export/import and the `compare-partitions` Prefect flow (without a
Prefect API that flow starts Prefect's ephemeral server on first use, which `skiptrace run`
has already started). The table's peak RSS is this process only; for the match stage the
script also samples its child processes (local Dask worker processes, the Prefect server)
and reports the peak of the sum and the largest process of each kind, and each compare call's
export / cluster / import seconds and Parquet bytes (match details in the JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_WORKDIR = RESULTS / "tmp" / "scale"  # git-ignored
TARGET_SECONDS = 300.0
PIPELINE_STAGES = ("ingest", "standardize", "match", "resolve", "suppress", "emit")


# --------------------------------------------------------------------------- memory sampling


def _rss_bytes() -> int:
    """Current resident set of this process (DuckDB runs in-process)."""
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


_TREE_EVERY = 10  # without `tree`, scan the descendants every 10th tick (0.5 s)


class RssSampler(threading.Thread):
    """Samples RSS every `interval` seconds; `window()` gives the peak since the last reset.

    With `limit` (bytes), the process exits (code 3) as soon as RSS passes it, naming the stage:
    the machine is shared, and letting a run grow into the kernel's OOM killer could take
    another engineer's process with it.

    With `tree`, it also samples the resident set of this process plus all its descendants
    (the local Dask cluster's worker processes, Prefect's ephemeral API server):
    `tree_window()` is the peak of that sum since the last reset, `kind_window()` the peak of
    the largest single process of each kind. Off by default: scanning the process table every
    50 ms is not free.
    """

    def __init__(
        self, interval: float = 0.05, limit: int | None = None, tree: bool = False
    ) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.interval = interval
        self.limit = limit
        self.tree = tree
        self.stage = "-"
        self.peak = 0
        # self + live descendants, summed at one instant: the run's real footprint. Sampled
        # every `_TREE_EVERY`-th tick without `tree` (cheap), every tick with it.
        self.tree_peak = 0
        self.window_peak = 0
        self.tree_window_peak = 0
        self.kind_window_peak: dict[str, int] = {}
        self._stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        tick = 0
        while not self._stop.is_set():
            rss = _rss_bytes()
            self.peak = max(self.peak, rss)
            self.window_peak = max(self.window_peak, rss)
            if self.tree or tick % _TREE_EVERY == 0:
                kids = _children_rss(me)
                self.tree_peak = max(self.tree_peak, rss + sum(kids.values()))
                if self.tree:
                    self.tree_window_peak = max(self.tree_window_peak, rss + sum(kids.values()))
                    for (kind, _), child_rss in kids.items():
                        peak = self.kind_window_peak
                        peak[kind] = max(peak.get(kind, 0), child_rss)
            tick += 1
            if self.limit and rss > self.limit:
                print(
                    f"\nABORT: RSS {rss / 1e9:.1f} GB passed --max-rss {self.limit / 1e9:.1f} GB "
                    f"during stage {self.stage!r}",
                    file=sys.stderr,
                    flush=True,
                )
                sys.stdout.flush()
                os._exit(3)
            self._stop.wait(self.interval)

    def reset_run(self) -> None:
        """Start a run's peaks afresh (both nights of --incremental share one sampler; what ran
        between them, the first night's accuracy scoring, belongs to neither)."""
        self.peak = 0
        self.tree_peak = 0

    def reset_window(self) -> None:
        self.window_peak = _rss_bytes()
        self.tree_window_peak = self.window_peak
        self.kind_window_peak = {}

    def tree_window(self) -> int:
        return max(self.tree_window_peak, self.window_peak)

    def kind_window(self) -> dict[str, int]:
        return dict(self.kind_window_peak)

    def window(self) -> int:
        self.window_peak = max(self.window_peak, _rss_bytes())
        return self.window_peak

    def stop(self) -> None:
        self._stop.set()


_KINDS: dict[int, str] = {}


def _kind(child: Any) -> str:
    """What a descendant is: a Dask worker process (LocalCluster's nannies live in this process
    and spawn one worker process each), the Prefect API server (uvicorn), else 'other'
    (multiprocessing's resource tracker, usaddress workers). Cached per pid."""
    if child.pid not in _KINDS:
        cmd = " ".join(child.cmdline())
        if "uvicorn" in cmd:
            kind = "prefect_server"
        elif "spawn_main" in cmd:
            kind = "dask_worker"
        else:
            kind = "other"
        _KINDS[child.pid] = kind
    return _KINDS[child.pid]


def _children_rss(proc: Any) -> dict[tuple[str, int], int]:
    """Resident set of each of `proc`'s descendants, by (kind, pid); processes that exit
    mid-scan are skipped."""
    import psutil

    out: dict[tuple[str, int], int] = {}
    with contextlib.suppress(psutil.Error):
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                out[(_kind(child), child.pid)] = child.memory_info().rss
    return out


def maxrss_parts() -> tuple[int, int]:
    """(peak RSS of this process, peak RSS of the largest waited-for child), bytes (Linux: KiB).

    The children are the usaddress worker processes of the address standardizer; they run
    while this process is in `standardize`, not at its peak (match), so their sum with ours is
    an upper bound of the run's footprint, not a simultaneous one.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own * 1024, kids * 1024


# --------------------------------------------------------------------------- portfolio cache


def _real_run_id() -> str:
    """A run id shaped like the CLI's (skiptrace.flows.audit.runs.new_run_id). Not a short fixed name: DuckDB
    keeps only a prefix of string values in its statistics, so 'scale-full' and
    '20261123T191822Z-10ec' get different row estimates for `run_id = ?` and, at times,
    different plans (the suppress UPDATE was 20x slower under the real shape; docs/scaling.md)."""
    from skiptrace.flows.audit.runs import new_run_id

    return new_run_id()


def portfolio_dir(workdir: Path, accounts: int, rpa: float, seed: int) -> Path:
    return workdir / f"portfolio-{accounts}x{rpa:g}-s{seed}"


def get_portfolio(workdir: Path, accounts: int, rpa: float, seed: int) -> tuple[Any, float, bool]:
    """The cached portfolio, generating it when absent: (portfolio, seconds, generated?)."""
    from skiptrace.flows.demo.synthetic import GeneratedPortfolio, generate_portfolio

    root = portfolio_dir(workdir, accounts, rpa, seed)
    manifest = root / "portfolio.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())
        if (
            m["counts"]["accounts"] == accounts
            and m["seed"] == seed
            and float(m["records_per_account"]) == rpa
        ):
            p = GeneratedPortfolio(
                root=root,
                accounts_path=root / "accounts.csv",
                sources_path=root / "sources.yml",
                truth_dir=root / "truth",
                as_of=dt.date.fromisoformat(m["as_of"]),
                n_accounts=accounts,
                n_source_records=int(m["counts"]["source_records"]),
            )
            return p, 0.0, False
    if root.exists():
        shutil.rmtree(root)
    tmp = root.with_name(root.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    t0 = time.perf_counter()
    generate_portfolio(tmp, accounts=accounts, seed=seed, records_per_account=rpa)
    seconds = time.perf_counter() - t0
    tmp.rename(root)  # only a complete portfolio is ever reused (sources.yml paths are relative)
    return get_portfolio(workdir, accounts, rpa, seed)[0], seconds, True


def write_incremental_accounts(src: Path, dst: Path, share: float = 0.01) -> int:
    """A re-delivered account export holding `share` of the accounts, changed: primary and second
    phone swapped, address line 2 (unit) added or removed, as an account-update file from the
    collections system would carry. Deterministic (every 1/share-th account)."""
    import polars as pl

    # The export carries deliberately malformed lines (truth/malformed.csv): read leniently and
    # re-deliver only well-formed accounts.
    bad = pl.read_csv(src.parent / "truth" / "malformed.csv", infer_schema=False).filter(
        pl.col("file") == src.name
    )["record_id"]
    df = pl.read_csv(src, infer_schema=False, truncate_ragged_lines=True)
    step = max(1, round(1 / share))
    changed = (
        df.with_row_index("_i")
        .filter((pl.col("_i") % step == 0) & ~pl.col("account_id").is_in(bad.implode()))
        .drop("_i")
        .with_columns(
            pl.coalesce("phone_2", "phone").alias("phone"),
            pl.when(pl.col("phone_2").is_not_null()).then(pl.col("phone")).alias("phone_2"),
            pl.when(pl.col("address_line2").is_null())
            .then(pl.lit("APT 9"))
            .otherwise(None)
            .alias("address_line2"),
        )
    )
    changed.write_csv(dst)
    return changed.height


# --------------------------------------------------------------------------- running


@dataclasses.dataclass
class StageRow:
    name: str
    seconds: float
    rows_in: int = 0
    rows_out: int = 0
    candidate_pairs: int | None = None
    peak_rss: int = 0
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    cpu_s: float = 0.0

    @property
    def rows_per_s(self) -> float:
        return self.rows_in / self.seconds if self.seconds > 0 else 0.0


@contextlib.contextmanager
def capture_partitioned(enabled: bool = True) -> Iterator[list[dict[str, Any]]]:
    """The `partitioned compare` log lines of skiptrace.flows.orchestration.partitioned.DaskComparator (one per call:
    the random pairs u is measured on, then the candidates), as dicts of their figures."""
    import logging

    calls: list[dict[str, Any]] = []
    if not enabled:
        yield calls
        return

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:  # not propagated while captured: show it
                print(f"\n{record.levelname}: {record.getMessage()}", file=sys.stderr)
            if record.getMessage().startswith("partitioned compare:") and record.args:
                pairs, parts, export_s, compute_s, import_s = record.args
                calls.append(
                    {"pairs": pairs, "partitions": parts, "export_s": export_s,
                     "compute_s": compute_s, "import_s": import_s}
                )  # fmt: skip

    import skiptrace.flows.orchestration.partitioned as fp

    # The Parquet a call exchanged, measured just before the comparator reads the results back
    # (it removes its work folder right after).
    real_import, sizes = fp.import_results, []

    def sized_import(con: Any, root: Path) -> int:
        files = [f for f in Path(root).rglob("*") if f.is_file()]
        result = [f for f in files if fp.RESULTS in f.relative_to(root).parts[:1]]
        sizes.append(
            {"export_bytes": sum(f.stat().st_size for f in files if f not in result),
             "result_bytes": sum(f.stat().st_size for f in result)}
        )  # fmt: skip
        return real_import(con, root)

    logger = logging.getLogger("skiptrace")
    handler, level, propagate = Handler(logging.INFO), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # INFO is enabled for the capture, not for the console
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    fp.import_results = sized_import
    try:
        yield calls
    finally:
        fp.import_results = real_import
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
        for call, size in zip(calls, sizes, strict=False):
            call.update(size)


# --------------------------------------------------------------------------- profiling

_TERMINAL = frozenset(
    {"to_arrow_table", "arrow", "fetch_arrow_table", "fetchall", "fetchone", "fetchmany", "pl",
     "df", "fetchdf", "fetchnumpy", "execute", "create", "insert_into", "write_csv",
     "write_parquet", "to_table", "show"}
)  # fmt: skip


def _norm(text: str) -> str:
    """Whitespace-normalized SQL without `--` comments (statements are matched to files by it)."""
    import re

    return " ".join(re.sub(r"--[^\n]*", " ", text).split())


class SqlTimings:
    """Wall time per SQL statement, labelled with the sql/ file it comes from when found."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []
        self._files: list[tuple[str, str]] | None = None

    def label(self, query: Any) -> str:
        text = _norm(str(getattr(query, "query", query)))
        if self._files is None:
            from skiptrace import sql

            self._files = [
                (str(f.relative_to(sql.SQL_DIR)), _norm(f.read_text(encoding="utf-8")))
                for f in sorted(sql.SQL_DIR.rglob("*.sql"))
            ]
        head = text[:70]
        where = next((name for name, body in self._files if head and head in body), None)
        snippet = text[:110] + ("..." if len(text) > 110 else "")
        return f"[{where}] {snippet}" if where else snippet

    def add(self, query: Any, seconds: float) -> None:
        self.rows.append((self.label(query), seconds))

    def report(self, top: int = 40) -> str:
        agg: dict[str, list[float]] = {}
        for label, sec in self.rows:
            agg.setdefault(label, []).append(sec)
        total = sum(s for _, s in self.rows)
        lines = [f"{len(self.rows)} statements, {total:.2f} s in DuckDB calls", ""]
        lines.append(f"{'seconds':>8} {'share':>6} {'calls':>5}  statement")
        for label, secs in sorted(agg.items(), key=lambda kv: -sum(kv[1]))[:top]:
            lines.append(
                f"{sum(secs):8.2f} {sum(secs) / (total or 1):6.1%} {len(secs):5d}  {label}"
            )
        return "\n".join(lines) + "\n"


class _TimedRelation:
    def __init__(self, rel: Any, query: Any, timings: SqlTimings) -> None:
        self._rel, self._query, self._timings = rel, query, timings

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._rel, name)
        if name not in _TERMINAL or not callable(attr):
            return attr

        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return attr(*a, **k)
            finally:
                self._timings.add(self._query, time.perf_counter() - t0)

        return timed


class TimedConnection:
    """Delegates to a DuckDB connection, timing every execute() and every relation fetch."""

    def __init__(self, con: Any, timings: SqlTimings) -> None:
        self._con, self._timings = con, timings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, query: Any, *a: Any, **k: Any) -> Any:
        if isinstance(query, str) and not a and not k:
            statements = self._con.extract_statements(query)
            if len(statements) > 1:  # a multi-statement file: time each statement
                result = None
                for statement in statements:
                    result = self.execute(statement)
                return result
        t0 = time.perf_counter()
        try:
            return self._con.execute(query, *a, **k)
        finally:
            self._timings.add(query, time.perf_counter() - t0)

    def sql(self, query: Any, *a: Any, **k: Any) -> Any:
        return _TimedRelation(self._con.sql(query, *a, **k), query, self._timings)

    query = sql


@contextlib.contextmanager
def maybe_profile(name: str, wanted: set[str], tag: str) -> Iterator[SqlTimings | None]:
    """pyinstrument the block when `name` is in `wanted` (HTML + text under bench/results/), and
    time its SQL statements (the caller passes a TimedConnection): `-sql.txt`."""
    if name not in wanted and "all" not in wanted:
        yield None
        return
    from pyinstrument import Profiler

    timings = SqlTimings()
    prof = Profiler(interval=0.002, async_mode="disabled")
    prof.start()
    try:
        yield timings
    finally:
        prof.stop()
        RESULTS.mkdir(parents=True, exist_ok=True)
        base = RESULTS / f"profile-{tag}-{name}"
        base.with_suffix(".html").write_text(prof.output_html(), encoding="utf-8")
        text = prof.output_text(unicode=False, color=False, show_all=False)
        base.with_suffix(".txt").write_text(text, encoding="utf-8")
        (RESULTS / f"profile-{tag}-{name}-sql.txt").write_text(timings.report(), encoding="utf-8")
        print(f"  profile of {name}: {base}.html / .txt / -sql.txt", flush=True)


def run_pipeline(
    *,
    accounts_path: Path,
    sources_path: Path,
    as_of: dt.date,
    db: Path,
    out: Path,
    run_id: str,
    profile: set[str],
    tag: str,
    sampler: RssSampler,
    threads: int | None,
    memory_limit: str | None,
    match_settings: Any = None,
    fresh: bool = True,
    partitions: int = 1,
    dask_address: str | None = None,
) -> tuple[list[StageRow], Path]:
    """All stages without Prefect, as tests/flows/test_kill_and_rerun.py runs them."""
    from skiptrace import sql
    from skiptrace.flows.audit.runs import finish_run, start_run
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams

    if fresh:
        for p in db.parent.glob(db.name + "*"):
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
    db.parent.mkdir(parents=True, exist_ok=True)
    params = RefreshParams(
        accounts=accounts_path, sources=sources_path, db=db, out=out, as_of=as_of
    )
    rows: list[StageRow] = []

    def timed(name: str, fn: Callable[[Any], Any]) -> Any:
        sampler.reset_window()
        sampler.stage = name
        print(f"  {name} ...", end="", flush=True)
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        with maybe_profile(name, profile, tag) as sql_timings:
            result = fn(con if sql_timings is None else TimedConnection(con, sql_timings))
        seconds = time.perf_counter() - t0
        row = StageRow(
            name=name, seconds=seconds, peak_rss=sampler.window(), cpu_s=cpu_seconds() - cpu0
        )
        st = result if hasattr(result, "rows_in") else None
        if st is not None:
            row.rows_in, row.rows_out = int(st.rows_in), int(st.rows_out)
            row.details = {k: v for k, v in st.details.items() if k != "files"}
            if "candidate_pairs" in st.details:
                row.candidate_pairs = int(st.details["candidate_pairs"])
        elif isinstance(result, tuple) and len(result) == 2:
            row.rows_in, row.rows_out = result
        rows.append(row)
        print(f" {seconds:.1f} s", flush=True)
        return result

    con = None
    con = timed("connect", lambda _: sql.connect(db, threads=threads, memory_limit=memory_limit))
    try:
        start_run(con, run_id, as_of=as_of, params={"bench": "scale"})
        timed("ingest", lambda c: stages.ingest(c, params, run_id))
        timed("standardize", lambda c: stages.standardize(c, run_id))
        with capture_partitioned(enabled=partitions > 1) as part_log:
            timed(
                "match",
                lambda c: stages.match(
                    c,
                    run_id,
                    settings=match_settings,
                    partitions=partitions,
                    dask_address=dask_address,
                ),
            )
        if partitions > 1:
            rows[-1].details["partitioned_calls"] = part_log
            rows[-1].details["peak_rss_with_workers"] = sampler.tree_window()
            rows[-1].details["peak_rss_by_process_kind"] = sampler.kind_window()
        timed("resolve", lambda c: stages.resolve(c, run_id, as_of))
        timed("suppress", lambda c: stages.suppress(c, run_id, as_of))
        run_dir = out / run_id
        timed("emit", lambda c: stages.emit(c, run_id, run_dir))

        def finalize(con: Any) -> tuple[int, int]:
            from skiptrace.flows.report.summary import build_summary, write_summary

            stage_log = [
                {"name": r.name, "seconds": r.seconds, "rows_in": r.rows_in, "rows_out": r.rows_out}
                for r in rows
                if r.name in PIPELINE_STAGES
            ]
            summary = build_summary(con, run_id, stage_log)
            write_summary(summary, run_dir)
            finish_run(con, run_id, "completed")
            return 0, 0

        timed("finalize", finalize)

        def report(con: Any) -> tuple[int, int]:
            from skiptrace.flows.report.run_report import write_report

            write_report(con, run_id, run_dir)
            return 0, 0

        timed("report", report)
    finally:
        con.close()
    return rows, out / run_id


def score(run_dir: Path, truth_dir: Path) -> tuple[dict[str, Any], float]:
    from skiptrace.flows.demo.evaluate import score_run

    t0 = time.perf_counter()
    s = score_run(run_dir, truth_dir).as_dict()
    s.pop("reliability", None)
    return s, time.perf_counter() - t0


def prefect_overhead(workdir: Path, sampler: RssSampler) -> dict[str, float]:
    """Plain stages vs the Prefect refresh flow on the same tiny portfolio: the difference is
    Prefect's fixed per-run cost (ephemeral server start, flow/subflow/task runs, result
    bookkeeping), which does not grow with the portfolio."""
    from skiptrace.flows.orchestration.refresh import run_refresh

    p, _, _ = get_portfolio(workdir, 1000, 5.0, 7)
    base = workdir / "prefect-overhead"
    shutil.rmtree(base, ignore_errors=True)
    t0 = time.perf_counter()
    run_pipeline(
        accounts_path=p.accounts_path, sources_path=p.sources_path, as_of=p.as_of,
        db=base / "plain" / "st.duckdb", out=base / "plain" / "out", run_id="plain",
        profile=set(), tag="prefect", sampler=sampler, threads=None, memory_limit=None,
    )  # fmt: skip
    plain = time.perf_counter() - t0
    from skiptrace.flows.orchestration.params import RefreshParams

    params = RefreshParams(
        accounts=p.accounts_path, sources=p.sources_path, db=base / "flow" / "st.duckdb",
        out=base / "flow" / "out", as_of=p.as_of,
    )  # fmt: skip
    t0 = time.perf_counter()
    run_refresh(params)
    flow = time.perf_counter() - t0
    return {"plain_s": plain, "prefect_s": flow, "overhead_s": flow - plain}


# --------------------------------------------------------------------------- output


def _parse_size(text: str) -> int:
    """'16GB' / '800MB' / '0' -> bytes."""
    t = text.strip().upper().removesuffix("B")
    mult = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}.get(t[-1:], 1)
    return int(float(t.rstrip("KMGT") or 0) * mult)


def cpu_seconds() -> float:
    """Processor seconds (user + system) of this process and of its reaped children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _gb(b: int) -> str:
    return f"{b / 1e9:.2f} GB"


def _num(v: float | int | None) -> str:
    return "" if v is None else f"{v:,.0f}"


def render_table(rows: list[StageRow], total_s: float, total_rss: int, n_in: int) -> str:
    head = f"{'stage':<12} {'seconds':>8} {'CPU s':>8} {'share':>6} {'rows in':>12} {'rows/s':>11} {'rows out':>12} {'cand. pairs':>12} {'peak RSS':>10}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:<12} {r.seconds:8.1f} {r.cpu_s:8.1f} {r.seconds / total_s:6.1%} {_num(r.rows_in):>12} "
            f"{_num(r.rows_per_s if r.rows_in else None):>11} {_num(r.rows_out):>12} "
            f"{_num(r.candidate_pairs):>12} {_gb(r.peak_rss):>10}"
        )
    lines.append("-" * len(head))
    lines.append(
        f"{'total':<12} {total_s:8.1f} {sum(r.cpu_s for r in rows):8.1f} {1:6.0%} {_num(n_in):>12} {_num(n_in / total_s):>11} "
        f"{'':>12} {'':>12} {_gb(total_rss):>10}"
    )
    return "\n".join(lines)


def render_scores(s: dict[str, Any]) -> str:
    return (
        f"accuracy: rank-1 address P {s['address_precision']:.4f} R {s['address_recall']:.4f} "
        f"({s['address_correct']:,}/{s['address_emitted']:,}) | rank-1 phone P "
        f"{s['phone_precision']:.4f} R {s['phone_recall']:.4f} | match P {s['match_precision']:.4f} "
        f"R {s['match_recall']:.4f} F1 {s['match_f1']:.4f} | ECE {s['ece']:.4f}"
    )


def print_resolve(rows: list[StageRow], top: int = 8) -> dict[str, Any]:
    """Resolve's mode, its evidence / scoring split and its slowest SQL steps."""
    row = next((r for r in rows if r.name == "resolve"), None)
    if row is None:
        return {}
    res = row.details.get("result") or {}
    steps = row.details.get("steps") or {}
    split: dict[str, Any] = {
        "mode": row.details.get("mode"),
        "reason": row.details.get("reason"),
        "accounts_dirty": res.get("accounts_dirty"),
        "evidence_s": res.get("evidence_seconds"),
        "scoring_s": res.get("scoring_seconds"),
        "steps": steps,
    }
    slow = sorted(steps.items(), key=lambda kv: -kv[1])[:top]
    print(
        f"resolve: {split['mode']} ({split['reason']}), evidence recomputed for "
        f"{_num(split['accounts_dirty'])} accounts; evidence part {split['evidence_s']} s, "
        f"scoring part {split['scoring_s']} s; slowest steps: "
        + ", ".join(f"{k} {v:.1f}" for k, v in slow)
    )
    return split


def print_partitioned(rows: list[StageRow]) -> None:
    """The match stage's Dask figures, when it ran partitioned."""
    mrow = next((r for r in rows if r.name == "match"), None)
    if mrow is None or "partitioned_calls" not in mrow.details:
        return
    calls = mrow.details["partitioned_calls"]
    kinds = mrow.details.get("peak_rss_by_process_kind") or {}
    print(
        f"match on Dask: peak RSS this process {_gb(mrow.peak_rss)}, with all its child "
        f"processes {_gb(mrow.details['peak_rss_with_workers'])}; largest single "
        + ", ".join(f"{k} {_gb(v)}" for k, v in sorted(kinds.items()))
    )
    for i, c in enumerate(calls, 1):
        print(
            f"  compare call {i}: {c['pairs']:,} pairs in {c['partitions']} partitions: export "
            f"{c['export_s']:.1f} s, cluster {c['compute_s']:.1f} s, import {c['import_s']:.1f} s"
            + (
                f"; Parquet out {c['export_bytes'] / 1e6:,.0f} MB, back {c['result_bytes'] / 1e6:,.0f} MB"
                if "export_bytes" in c
                else ""
            )
        )
    if calls:
        inside = sum(c["export_s"] + c["compute_s"] + c["import_s"] for c in calls)
        print(
            f"  outside the compare calls (cluster start/stop, blocking, EM, scoring, writing): "
            f"{mrow.seconds - inside:.1f} s"
        )


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import duckdb
    import polars

    return {
        "cpus": os.cpu_count(),
        "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
        "cpu_model": model,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "polars": polars.__version__,
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--records-per-account", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="STAGE",
        help="pyinstrument STAGE (repeatable; 'all' = every stage); output in bench/results/",
    )
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit, e.g. 6GB")
    ap.add_argument(
        "--incremental",
        action="store_true",
        help="after the full run, re-deliver 1%% of accounts changed and run again",
    )
    ap.add_argument(
        "--incremental-only",
        action="store_true",
        help="only the 1%%-changed night, in this fresh process, on the database a full run of "
        "the same portfolio left in --workdir (a nightly `skiptrace run` is a process of its "
        "own; --incremental runs both nights in one process, whose memory the first night "
        "leaves behind)",
    )
    ap.add_argument(
        "--incremental-days",
        type=int,
        default=1,
        metavar="N",
        help="the incremental run's as-of date is N days after the full run's (default 1)",
    )
    ap.add_argument(
        "--prefect-overhead",
        action="store_true",
        help="also measure Prefect's fixed per-run overhead on a 1,000-account portfolio",
    )
    ap.add_argument(
        "--max-rss",
        default="16GB",
        help="abort (exit 3) when this process passes this resident size (default 16GB; 0 = off)",
    )
    ap.add_argument(
        "--block-cap",
        type=int,
        default=None,
        help="MatchSettings.block_cap for the run (default: the matcher's own)",
    )
    ap.add_argument(
        "--name-block-cap",
        type=int,
        default=None,
        help="MatchSettings.name_block_cap, the cap of the name, place and DOB passes (default: the matcher's)",
    )
    ap.add_argument(
        "--partitions",
        type=int,
        default=1,
        metavar="N",
        help="match comparisons in N partitions on Dask (skiptrace.flows.orchestration.partitioned.DaskComparator), as "
        "`skiptrace run --partitions N`; 1 = in-process (default)",
    )
    ap.add_argument(
        "--dask-address",
        default=None,
        metavar="ADDR",
        help="Dask scheduler for --partitions > 1 (tcp://host:8786); default: a local cluster",
    )
    ap.add_argument("--no-score", action="store_true", help="skip scoring against the truth")
    ap.add_argument("--generate-only", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if args.threads:
        os.environ["SKIPTRACE_DUCKDB_THREADS"] = str(args.threads)
    if args.memory_limit:
        os.environ["SKIPTRACE_DUCKDB_MEMORY"] = args.memory_limit
    profile = set(args.profile)
    unknown = profile - {*PIPELINE_STAGES, "finalize", "report", "all"}
    if unknown:
        ap.error(f"--profile: unknown stage(s) {sorted(unknown)}")
    if args.partitions < 1:
        ap.error("--partitions must be >= 1")
    if args.dask_address and args.partitions < 2:
        ap.error("--dask-address needs --partitions N with N > 1")

    sampler = RssSampler(limit=_parse_size(args.max_rss) or None, tree=args.partitions > 1)
    sampler.start()
    settings = None
    caps = {"block_cap": args.block_cap, "name_block_cap": args.name_block_cap}
    if any(caps.values()):
        from skiptrace.matchers.link import MatchSettings

        settings = MatchSettings(**{k: v for k, v in caps.items() if v})
    args.workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(
        f"machine: {info['cpus']} CPUs, {info['mem_gb']} GB, {info['cpu_model']}; "
        f"python {info['python']}, duckdb {info['duckdb']}, polars {info['polars']}"
    )

    p, gen_s, generated = get_portfolio(
        args.workdir, args.accounts, args.records_per_account, args.seed
    )
    print(
        f"portfolio: {p.n_accounts:,} accounts, {p.n_source_records:,} source records in {p.root} "
        + (f"(generated in {gen_s:.1f} s, not counted)" if generated else "(cached)")
    )
    if args.generate_only:
        return 0
    n_in = p.n_accounts + p.n_source_records
    tag = f"{args.accounts}"
    run_root = args.workdir / f"run-{args.accounts}x{args.records_per_account:g}-s{args.seed}"
    db = run_root / "skiptrace.duckdb"
    out = run_root / "out"
    if not args.incremental_only:
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"duckdb threads={args.threads or os.environ.get('SKIPTRACE_DUCKDB_THREADS') or 'default'} "
        f"memory_limit={args.memory_limit or os.environ.get('SKIPTRACE_DUCKDB_MEMORY') or 'default'}"
    )
    if args.partitions > 1:
        where = args.dask_address or "a local Dask cluster (2 worker processes x 1 thread)"
        print(f"match: comparisons in {args.partitions} partitions on {where}")
    result: dict[str, Any] = {
        "machine": info,
        "command": " ".join([".venv/bin/python", "bench/scale.py", *(argv or sys.argv[1:])]),
        "accounts": p.n_accounts,
        "source_records": p.n_source_records,
    }
    if args.incremental_only:
        if not db.is_file():
            print(f"error: --incremental-only needs a full run's database at {db}", file=sys.stderr)
            return 2
        args.incremental = True
    else:
        print("full run:")
        sampler.reset_run()
        t0 = time.perf_counter()
        rows, run_dir = run_pipeline(
            accounts_path=p.accounts_path, sources_path=p.sources_path, as_of=p.as_of, db=db,
            out=out, run_id=_real_run_id(), profile=profile, tag=tag, sampler=sampler,
            threads=args.threads, memory_limit=args.memory_limit, match_settings=settings,
            partitions=args.partitions, dask_address=args.dask_address,
        )  # fmt: skip
        total_s = time.perf_counter() - t0
        # sampled self + live children at one instant; not getrusage's self + largest child, which
        # counts a forked child's copy of the parent's pages (see maxrss_parts)
        total_rss = max(sampler.peak, sampler.tree_peak)
        result |= {
            "generation_s": gen_s if generated else None,
            "threads": args.threads,
            "memory_limit": args.memory_limit,
            "partitions": args.partitions,
            "dask_address": args.dask_address,
            "full": {
                "stages": [dataclasses.asdict(r) | {"rows_per_s": r.rows_per_s} for r in rows],
                "total_s": total_s,
                "pipeline_s": sum(r.seconds for r in rows if r.name in PIPELINE_STAGES),
                "peak_rss": total_rss,
                "peak_rss_self": maxrss_parts()[0],
                "peak_rss_children": maxrss_parts()[1],
                "peak_rss_sampled": sampler.peak,
                "peak_rss_sampled_with_children": sampler.tree_peak,
                "db_bytes": db.stat().st_size if db.exists() else None,
            },
        }
        print()
        print(render_table(rows, total_s, total_rss, n_in))
        own, kids = maxrss_parts()
        print(
            f"peak RSS: this process {_gb(own)} (getrusage), sampled {_gb(sampler.peak)}; with live "
            f"children {_gb(sampler.tree_peak)} (the total line); getrusage's largest child "
            f"{_gb(kids)} (counts the pages a fork shares with this process: not a real figure)"
        )
        result["full"]["resolve"] = print_resolve(rows)
        print_partitioned(rows)
        pipeline_s = result["full"]["pipeline_s"]
        print(
            f"pipeline stages (ingest..emit) {pipeline_s:.1f} s, with finalize/report {total_s:.1f} s: "
            f"{total_s / TARGET_SECONDS:.0%} of the {TARGET_SECONDS:.0f} s target; "
            f"database {(result['full']['db_bytes'] or 0) / 1e9:.2f} GB"
        )
        if not args.no_score:
            scores, score_s = score(run_dir, p.truth_dir)
            result["full"]["scores"] = scores
            print(render_scores(scores) + f"   (scored in {score_s:.1f} s, not counted)")

    if args.incremental:
        delta = run_root / "accounts_update.csv"
        changed = write_incremental_accounts(p.accounts_path, delta)
        # skiptrace.flows.orchestration.stages.match decides: incremental when the previous completed run's model still
        # applies (matchers/incremental.py), which it does here (same code and settings).
        isettings = settings
        mode = "skiptrace.flows.orchestration.stages.match default (incremental when the last run's model applies)"
        print(f"\nincremental run: {changed:,} accounts re-delivered changed; matcher: {mode}")
        sampler.reset_run()
        t0 = time.perf_counter()
        ias_of = p.as_of + dt.timedelta(days=args.incremental_days)
        print(f"as-of {ias_of} ({args.incremental_days} day(s) after the full run's)")
        irows, irun_dir = run_pipeline(
            accounts_path=delta, sources_path=p.sources_path, as_of=ias_of, db=db, out=out,
            run_id=_real_run_id(), profile=profile, tag=tag + "-incremental", sampler=sampler,
            threads=args.threads, memory_limit=args.memory_limit, match_settings=isettings,
            fresh=False, partitions=args.partitions, dask_address=args.dask_address,
        )  # fmt: skip
        itotal = time.perf_counter() - t0
        mrow = next(r for r in irows if r.name == "match")
        mode = f"{mrow.details.get('mode')} ({(mrow.details.get('increment') or {}).get('reason')})"
        print()
        print(render_table(irows, itotal, max(sampler.peak, sampler.tree_peak), n_in))
        print(f"matcher mode: {mode}; increment: {mrow.details.get('increment')}")
        rsplit = print_resolve(irows)
        print_partitioned(irows)
        result["incremental"] = {
            "changed_accounts": changed,
            "as_of_days_later": args.incremental_days,
            "matcher": mode,
            "resolve": rsplit,
            "stages": [dataclasses.asdict(r) | {"rows_per_s": r.rows_per_s} for r in irows],
            "total_s": itotal,
            "peak_rss_run": sampler.peak,
            "peak_rss_run_with_children": sampler.tree_peak,
        }
        if not args.no_score:
            iscores, _ = score(irun_dir, p.truth_dir)
            result["incremental"]["scores"] = iscores
            print(render_scores(iscores) + "   (truth predates the 1% change)")

    if args.prefect_overhead:
        po = prefect_overhead(args.workdir, sampler)
        result["prefect_overhead"] = po
        print(
            f"\nPrefect fixed overhead (1,000 accounts): plain {po['plain_s']:.1f} s, "
            f"refresh flow {po['prefect_s']:.1f} s -> {po['overhead_s']:.1f} s per run"
        )

    sampler.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = (f"-p{args.partitions}" if args.partitions > 1 else "") + (
        "-incremental-only" if args.incremental_only else "-incremental" if args.incremental else ""
    )
    path = RESULTS / f"scale-{args.accounts}{suffix}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
