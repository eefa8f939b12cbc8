"""Render a run report in headless Chromium and save a PNG, to check the HTML lays out well.

    .venv/bin/python bench/screenshot_report.py --height 3800         # sample run -> docs/img/report.png
    .venv/bin/python bench/screenshot_report.py --db data/skiptrace.duckdb --run RUN_ID --png /tmp/r.png

Without --db it builds a deterministic sample run (lineage rows only, 2,000 accounts) so the
charts have realistic shapes; with --db it renders a real run. Chromium runs with networking
and updates off: the report must need neither. Install it with `apt-get install -y chromium`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skiptrace import sql  # noqa: E402
from skiptrace.flows.report.run_report import write_report  # noqa: E402

SAMPLE_RUN = "20261101T090000Z-demo"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--hide-scrollbars",
)  # fmt: skip


def build_sample_run(db: Path, accounts: int = 2000) -> str:
    """A completed run's lineage rows with plausible distributions (deterministic: hash-based)."""
    con = sql.connect(db)
    t0 = dt.datetime(2026, 11, 1, 9, 0)
    con.execute(
        "INSERT INTO runs (run_id, code_version, params, as_of, started_at, ended_at, status)"
        " VALUES (?, '0.1.0+demo', '{}', DATE '2026-11-01', ?, ?, 'completed')",
        [SAMPLE_RUN, t0, t0 + dt.timedelta(minutes=4, seconds=12)],
    )
    files = [
        (1, "accounts", "accounts", "accounts_2026-11.csv", None, accounts + 14, 14),
        (2, "credhdr", "person_records", "credhdr_2026-10.csv", "FCRA 604(a)(3)(A)", 5200, 31),
        (3, "ncoa", "ncoa", "ncoa_return_2026-10.txt", "USPS NCOA licensee", 1900, 4),
        (4, "pacer", "bankruptcy", "bk_dockets_2026-10.psv", "public record", 160, 0),
        (
            5,
            "vendorx",
            "vendor_batch",
            "vendorx_return_1101.csv",
            "FCRA 604(a)(3)(A)",
            accounts,
            22,
        ),
        (6, "dmf", "deceased", "death_index_2026-10.txt", "public record", 90, 2),
    ]
    for n, src, kind, name, purpose, read, rejected in files:
        con.execute(
            "INSERT INTO input_files (file_no, run_id, source, kind, path, file_name, sha256,"
            " size_bytes, received_at, loaded_at, permissible_purpose, reliability,"
            " record_date_rule, rows_read, rows_loaded, rows_rejected, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 0.9, 'file_mtime', ?, ?, ?, 'loaded')",
            [n, SAMPLE_RUN, src, kind, f"/in/{name}", name, f"{n:02x}" * 32,
             t0 - dt.timedelta(days=2, hours=n), t0, purpose, read, read - rejected, rejected],
        )  # fmt: skip
        con.execute("INSERT INTO run_inputs (run_id, file_no) VALUES (?, ?)", [SAMPLE_RUN, n])
    reasons = ["unparseable date", "missing account_id", "bad SSN checksum", "wrong column count"]
    con.execute(
        """
        INSERT INTO quarantine (run_id, file_no, source, path, line_no, raw_line, reason)
        SELECT $run, f.file_no, f.source, f.path, i + 2, NULL, $reasons[1 + (hash(i, f.file_no) % 4)::INTEGER]
        FROM input_files f, range(f.rows_rejected) t(i)
        """,
        {"run": SAMPLE_RUN, "reasons": reasons},
    )
    con.execute(
        """
        INSERT INTO accounts (file_no, line_no, account_id)
        SELECT 1, i + 2, 'A' || lpad(i::VARCHAR, 6, '0') FROM range($n) t(i)
        """,
        {"n": accounts},
    )
    con.execute(
        "INSERT INTO match_model (run_id, prior, threshold, matcher_version, em_iterations,"
        " candidate_pairs, trained_on, blocking_report)"
        " VALUES (?, 0.012, 0.9, 'fs-1.0.0', 9, 48210, 'em', '{}')",
        [SAMPLE_RUN],
    )
    # Scored pairs: debtors piled near 1, associates mid-range, rejected low.
    con.execute(
        """
        INSERT INTO match_pairs (run_id, account_id, rec_id, source, match_weight,
            match_probability, role, guard, levels, weights)
        SELECT $run, 'A' || lpad((i % $n)::VARCHAR, 6, '0'), 2 * 10000000000 + i,
               ['credhdr', 'ncoa', 'vendorx', 'pacer', 'dmf'][1 + (i % 5)], NULL,
               CASE WHEN u < 0.72 THEN 1 - pow(u2, 6) * 0.1
                    WHEN u < 0.8 THEN 0.4 + 0.5 * u2
                    ELSE 0.3 * pow(u2, 2) + 0.02 END,
               CASE WHEN u < 0.72 THEN 'debtor' WHEN u < 0.8 THEN 'associate' ELSE 'rejected' END,
               CASE WHEN u >= 0.8 AND u < 0.83 THEN 'suffix_conflict' END, '{}', '{}'
        FROM (SELECT i, (hash(i, 1) % 10000) / 10000.0 AS u, (hash(i, 2) % 10000) / 10000.0 AS u2
              FROM range($pairs) t(i))
        """,
        {"run": SAMPLE_RUN, "n": accounts, "pairs": accounts * 3},
    )
    con.execute(
        """
        INSERT INTO contact_points (run_id, account_id, contact_type, contact_key, rank, role,
                                    confidence, status)
        SELECT $run, 'A' || lpad(a::VARCHAR, 6, '0'), t, t || ':' || a || ':' || k, k + 1, 'debtor',
               least(0.99, 0.25 + 0.7 * pow((hash(a, k, t) % 10000) / 10000.0, 0.6)),
               CASE WHEN hash(a, 7) % 100 < 6 THEN 'suppressed' WHEN k = 0 THEN 'new' ELSE 'confirmed' END
        FROM range($n) r(a), range(2) s(k), (VALUES ('address'), ('phone'), ('email')) v(t)
        WHERE hash(a, k, t) % 100 < CASE t WHEN 'address' THEN 85 WHEN 'phone' THEN 70 ELSE 30 END
        """,
        {"run": SAMPLE_RUN, "n": accounts},
    )
    # Every contact gets one of the two big sources, sometimes more; the records cited exist.
    con.execute(
        """
        INSERT INTO contact_support (run_id, account_id, contact_type, contact_key, rec_id,
                                     source, file_no, match_probability, evidence, role)
        SELECT run_id, account_id, contact_type, contact_key,
               v.file_no * 10000000000 + 2 + (hash(contact_key) % 5000)::BIGINT, src, v.file_no,
               0.97, 'record', role
        FROM contact_points,
             (VALUES ('credhdr', 2, 30), ('vendorx', 5, 20), ('ncoa', 3, 25)) v(src, file_no, pct)
        WHERE run_id = $run
          AND (src = ['credhdr', 'vendorx'][1 + (hash(contact_key) % 2)::INTEGER]
               OR hash(contact_key, src) % 100 < pct)
          AND NOT (src = 'ncoa' AND contact_type <> 'address')
        """,
        {"run": SAMPLE_RUN},
    )
    con.execute(
        """
        INSERT INTO source_records (rec_id, file_no, line_no, source, record_id)
        SELECT DISTINCT rec_id, file_no, rec_id % 10000000000, source, 'R' || rec_id
        FROM contact_support
        """
    )
    rules = [
        ("bankruptcy_stay", "suppress", "11 USC 362"), ("deceased", "suppress", "estate handling"),
        ("cease_desist", "suppress", "Reg F 1006.6(c)"),
        ("attorney_represented", "route_to_attorney", "Reg F 1006.6(b)(2)"),
        ("tcpa_no_consent", "manual_dial_only", "47 USC 227"),
    ]  # fmt: skip
    for k, (rule, action, reg) in enumerate(rules):
        con.execute(
            """
            INSERT INTO suppressions (run_id, account_id, contact_type, contact_key, rule,
                                      action, reason, regulation)
            SELECT DISTINCT $run, account_id, NULL, NULL, $rule, $action, $rule, $reg
            FROM contact_points WHERE run_id = $run AND status = 'suppressed'
              AND hash(account_id) % 5 = $k
            """,
            {"run": SAMPLE_RUN, "rule": rule, "action": action, "reg": reg, "k": k},
        )
    con.execute(
        """
        INSERT INTO account_flags (run_id, account_id, flag, confidence, evidence, rec_id)
        SELECT $run, 'A' || lpad(a::VARCHAR, 6, '0'),
               ['moved', 'moved', 'moved', 'bankruptcy', 'deceased'][1 + (hash(a, 3) % 5)::INTEGER], 0.95, '', NULL
        FROM range($n) r(a) WHERE hash(a, 4) % 100 < 14
        """,
        {"run": SAMPLE_RUN, "n": accounts},
    )
    stages = [("ingest", 6.2, 9350, 9277), ("standardize", 9.8, 9277, 9277),
              ("match", 21.4, 48210, 4320), ("resolve", 3.1, 4320, 6100),
              ("suppress", 0.6, 6100, 380), ("emit", 1.9, 6100, 5720)]  # fmt: skip
    for name, sec, rin, rout in stages:
        con.execute(
            "INSERT INTO stage_log (run_id, stage, seconds, rows_in, rows_out)"
            " VALUES (?, ?, ?, ?, ?)",
            [SAMPLE_RUN, name, sec, rin, rout],
        )
    for kind, name, rows in [("contacts_csv", "contacts.csv", 5720), ("contacts_parquet", "contacts.parquet", 5720),
                             ("matches", "matches.csv", 4320), ("account_flags", "account_flags.csv", 280)]:  # fmt: skip
        con.execute(
            "INSERT INTO exports (run_id, kind, path, sha256, rows, written_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [SAMPLE_RUN, kind, f"out/{SAMPLE_RUN}/{name}", "c0ffee" * 10 + "abcd", rows,
             t0 + dt.timedelta(minutes=4)],
        )  # fmt: skip
    con.close()
    return SAMPLE_RUN


SAMPLE_CALIBRATION = [
    {"lo": b / 10, "hi": (b + 1) / 10, "n": n, "mean_confidence": b / 10 + 0.05, "accuracy": acc}
    for b, n, acc in [(2, 120, 0.18), (3, 260, 0.31), (4, 410, 0.38), (5, 520, 0.52),
                      (6, 760, 0.58), (7, 980, 0.74), (8, 1320, 0.86), (9, 1650, 0.97)]
]  # fmt: skip


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """Headless Chromium screenshot of a local HTML file."""
    browser = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if not browser:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}",
             f"--window-size={width},{height}", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    return png


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", type=Path, help="render this database's run instead of the sample")
    ap.add_argument("--run", help="run id (with --db)")
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "img" / "report.png")
    ap.add_argument(
        "--height", type=int, default=2400, help="window height; 3800 takes the whole sample page"
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            if not args.run:
                raise SystemExit("--run is required with --db")
            db, run_id, calibration = args.db, args.run, None
        else:
            db = Path(tmp) / "sample.duckdb"
            run_id, calibration = build_sample_run(db), SAMPLE_CALIBRATION
        con = sql.connect(db, read_only=bool(args.db))
        html = write_report(con, run_id, Path(tmp) / "out", calibration=calibration)
        con.close()
        png = screenshot(html, args.png, height=args.height)
    print(f"{png} ({png.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
