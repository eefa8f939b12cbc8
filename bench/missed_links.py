"""Why were true debtor links missed? Classify them on a tuning seed of bench/independent.py.

    .venv/bin/python bench/missed_links.py /tmp/skiptrace-independent/seed11_default [--top 40]

Reads the folder `bench/independent.py` left for one pseudopeople portfolio (its database, the
truth of its portfolio) and sorts every true (record, account) link the run did not make into
one shape: not loaded, never blocked (and which passes shared a key but were over their cap),
compared but below the review floor or the threshold, taken by another account, or stopped by
a wrong-party guard (which one). Each shape is split by the comparison levels of the pair
(`compare.level_names`), so a class such as "SSN last four one keystroke apart, DOB day/month
swapped" shows as one row. The wrong links made (false positives) are listed the same way.

Issue 16's loop: diagnose on the tuning seeds, fix a generic rule, re-run. The held-out seed's
folder is refused: nobody looks at its errors.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from independent import HELD_OUT_SEED, RETIRED_HELD_OUT_SEEDS  # noqa: E402

from skiptrace import sql  # noqa: E402
from skiptrace.matchers import compare, fellegi_sunter  # noqa: E402
from skiptrace.matchers.blocking import build_blocks  # noqa: E402
from skiptrace.matchers.guards import apply_guards  # noqa: E402

SQL = (BENCH / "sql" / "missed_links.sql").read_text()
#: comparisons shown in a shape (suffix and middle initial rarely decide)
SHOWN = ("first_name", "last_name", "dob", "ssn", "address", "phone")


def _short(comparison: str, level: int | None) -> str:
    if level is None:
        return "?"
    names = {v: k for k, v in compare.level_names(comparison).items()}
    prefix = compare.LEVEL_NAME_PREFIX[comparison]
    return names.get(int(level), str(level)).removeprefix(prefix).lower()


def _shape(levels: Mapping[str, int | None]) -> str:
    return " ".join(f"{c.split('_')[0]}={_short(c, levels.get(c))}" for c in SHOWN)


def _stored(levels: Any) -> dict[str, Any]:
    """A stored pair's levels: a struct since migration 100 (a dict here), JSON text before."""
    return dict(json.loads(levels)) if isinstance(levels, str) else dict(levels)


def _levels_of(con: Any, run_id: str, missed: pl.DataFrame) -> pl.DataFrame:
    """Comparison levels, probability and first guard of the missed pairs that exist on both
    sides, computed again with the run's own model."""
    pairs = missed.filter(pl.col("in_sides") & pl.col("rec_id").is_not_null()).select(
        "account_id", "rec_id"
    )
    if pairs.is_empty():
        return pl.DataFrame()
    con.register("_pairs", pairs)
    compare.compare_pairs(con, "SELECT account_id, rec_id FROM _pairs")
    cmp = sql.query(con, "SELECT * FROM _match_cmp")
    params = fellegi_sunter.load_params(con, run_id)
    tf = [
        (k, c.tf_level, cmp[c.tf_column].cast(pl.Float64).fill_null(float("nan")).to_numpy())
        for k, c in enumerate(compare.COMPARISONS)
        if c.tf_column and c.tf_level is not None
    ]
    _, _, prob = fellegi_sunter.score(cmp.select(compare.NAMES).to_numpy(), params, tf)
    return cmp.with_columns(pl.Series("p_now", prob), apply_guards(cmp).alias("guard_now")).select(
        "account_id", "rec_id", *compare.NAMES, "p_now", "guard_now"
    )


def classify(workdir: Path) -> dict[str, Any]:
    """Every missed true link of the run in `workdir`, with its class and level shape."""
    if any(f"seed{s}_" in workdir.name for s in (HELD_OUT_SEED, *RETIRED_HELD_OUT_SEEDS)):
        raise SystemExit(f"{workdir}: a held-out seed's errors are not looked at")
    truth = (
        pl.read_csv(workdir / "portfolio" / "truth" / "records.csv", infer_schema=False)
        .filter(pl.col("debtor_account_id").fill_null("") != "")
        .select("source", "record_id", pl.col("debtor_account_id").alias("account_id"))
        .unique()
    )
    with tempfile.TemporaryDirectory() as tmp:  # the run's database is left as it was
        db = Path(tmp) / "copy.duckdb"
        shutil.copy(workdir / "skiptrace.duckdb", db)
        con = sql.connect(db)
        run_id, settings = compare.first_row(
            con.execute(
                "SELECT run_id, settings FROM match_run ORDER BY created_at DESC LIMIT 1"
            ).fetchall()
        )
        s = json.loads(settings)
        compare.prepare_sides(con)
        build_blocks(con, block_cap=s["block_cap"], name_block_cap=s["name_block_cap"])
        con.register("_truth", truth)
        missed = sql.query(con, SQL, run_id=run_id)
        now = _levels_of(con, run_id, missed)
        fp = sql.query(
            con,
            "SELECT p.account_id, r.source, r.record_id, p.guard, p.levels "
            "FROM match_pairs p JOIN source_records r USING (rec_id) "
            "WHERE p.run_id = $run_id AND p.role = 'debtor'",
            run_id=run_id,
        ).join(truth, on=["source", "record_id", "account_id"], how="anti")
        con.close()
    if now.height:
        missed = missed.join(now, on=["account_id", "rec_id"], how="left")

    def label(row: dict[str, Any]) -> str:
        if row["rec_id"] is None:
            return "not loaded (quarantined)"
        if not row["in_sides"]:
            return "not in the match sides"
        if row["guard"]:
            return f"guard {row['guard']} ({row['role']})"
        if row["conflict"] in ("outscored", "tie") or (
            row["linked_to"] is not None and row["role"] is None
        ):
            return f"record linked to another account ({row['conflict'] or 'scored below'})"
        if row["role"] == "rejected":
            return "compared, below threshold (review)"
        if row["passes"] is None:
            return "never blocked"
        if not row["blocked"]:
            return "blocked only in oversized blocks"
        if row.get("guard_now"):
            return f"below review floor, guard {row['guard_now']}"
        return "compared, below review floor"

    rows = []
    for row in missed.iter_rows(named=True):
        lv = {c: row.get(c) for c in compare.NAMES} if row.get("ssn") is not None else {}
        if not lv and row["levels"]:
            lv = _stored(row["levels"])
        rows.append(
            {
                "class": label(row),
                "shape": _shape(lv) if lv else "",
                "source": row["source"],
                "p": row["match_probability"]
                if row["match_probability"] is not None
                else row.get("p_now"),
                "passes": ",".join(row["passes"] or []),
                "account_id": row["account_id"],
                "record_id": row["record_id"],
            }
        )
    frame = pl.DataFrame(rows, infer_schema_length=None)
    fp_rows = [
        {"guard": r["guard"], "shape": _shape(_stored(r["levels"])), "source": r["source"]}
        for r in fp.iter_rows(named=True)
    ]
    return {
        "run_id": run_id,
        "true_links": truth.height,
        "missed": frame,
        "false_positives": pl.DataFrame(fp_rows, infer_schema_length=None),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workdirs", nargs="+", type=Path, help="bench/independent.py seed folders")
    ap.add_argument("--top", type=int, default=40, help="shapes listed per table")
    ap.add_argument("--parquet", type=Path, help="write every missed link here")
    args = ap.parse_args(argv)
    frames, fps = [], []
    for wd in args.workdirs:
        res = classify(wd)
        m = res["missed"].with_columns(pl.lit(wd.name).alias("seed"))
        print(
            f"{wd.name}: run {res['run_id']}, true links {res['true_links']:,}, missed {m.height:,}"
        )
        frames.append(m)
        if res["false_positives"].height:
            fps.append(res["false_positives"].with_columns(pl.lit(wd.name).alias("seed")))
    missed = pl.concat(frames, how="diagonal_relaxed")
    if args.parquet:
        missed.write_parquet(args.parquet)
    with pl.Config(tbl_rows=-1, fmt_str_lengths=120, tbl_width_chars=200):
        print(missed.group_by("class").len().sort("len", descending=True))
        print(missed.group_by("class", "shape").len().sort("len", descending=True).head(args.top))
        if fps:
            fp = pl.concat(fps, how="diagonal_relaxed")
            print(f"false positives: {fp.height}")
            print(fp.group_by("guard", "shape").len().sort("len", descending=True).head(args.top))
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
