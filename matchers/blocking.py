"""Blocking: propose candidate (account, record) pairs with several SQL passes, bounded per key.

Why several passes: each blocking key misses the matches whose key field has an error or is
missing (an SSN typo, a married surname, a move). Their union finds nearly every match while
comparing a tiny share of the cross product. Why a cap per block key: a common surname + initial
+ ZIP3 block grows quadratically; skipping such a block whole (and reporting it) keeps the
candidate count bounded, and its true matches are normally found again by a more specific pass
(SSN, DOB, phone, street number). Two caps: passes keyed on an identifier or a whole address (SSN,
phone, email, address) take `block_cap`; passes keyed on names, places and dates of birth take the
tighter `name_block_cap`, because their big blocks are namesakes (see blocking_blocks.sql). The
passes are in `sql/match/blocking_keys.sql`, the blocks in `blocking_blocks.sql`, the pairs of a
full run in `blocking_pairs.sql` (an incremental run builds the same pairs in
`incremental_candidates.sql`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from skiptrace import sql
from skiptrace.matchers.compare import first_row

MAX_REPORTED_BLOCKS = 20  # oversized blocks listed per pass (largest first); totals are complete


@dataclass
class BlockingResult:
    """Candidate pairs are in the temp table `_match_candidates(account_id, rec_id, pass_mask)`
    (bit `code` of pass_mask per proposing pass; codes in `_blk_passes`)."""

    candidate_pairs: int
    report: list[dict[str, Any]] = field(default_factory=list)


def block(con: duckdb.DuckDBPyConnection, *, block_cap: int, name_block_cap: int) -> BlockingResult:
    """Run every blocking pass over `_ml`/`_mr` (see compare.prepare_sides) and report on them.

    The report has one dict per pass: blocks and pairs kept, pairs only that pass found (how much
    it is worth), its cap, and the oversized blocks it skipped as {"key", "n_left", "n_right", "size",
    "skipped"} — `skipped` is the pairs not proposed by this pass (the whole block); some may still
    be proposed by another pass. Block keys can contain name fragments: the report is lineage
    for the database, not for logs.
    """
    build_blocks(con, block_cap=block_cap, name_block_cap=name_block_cap)
    sql.run(con, "match/blocking_pairs.sql")
    return blocking_report(con)


def build_blocks(con: duckdb.DuckDBPyConnection, *, block_cap: int, name_block_cap: int) -> None:
    """Blocking keys of both sides and block sizes (`_blk_l`, `_blk_r`, `_blk_sizes`,
    `_blk_oversized`), without the pairs.

    Separate from the pair join because an incremental run (matchers/incremental.py) needs every
    block's size — the cap is decided on the whole data — but only the pairs of changed rows.
    """
    if block_cap < 1 or name_block_cap < 1:
        raise ValueError("block_cap and name_block_cap must be >= 1")
    sql.run(con, "match/blocking_keys.sql")
    caps = {"block_cap": int(block_cap), "name_block_cap": int(name_block_cap)}
    sql.run(con, "match/blocking_blocks.sql", **caps)


def blocking_report(con: duckdb.DuckDBPyConnection) -> BlockingResult:
    """Count `_match_candidates` and describe each pass (see `block`); needs build_blocks' tables."""
    cols = [
        "pass",
        "blocks",
        "pairs",
        "unique_pairs",
        "oversized_blocks",
        "skipped_pairs",
        "orphaned_echo_keys",
        "cap",
    ]
    rows = con.execute(sql.load("match/blocking_report.sql")).fetchall()
    oversized: dict[str, list[dict[str, Any]]] = {}
    found = sql.query(con, "match/blocking_oversized.sql", max_reported=MAX_REPORTED_BLOCKS)
    for pass_name, key, n_left, n_right, size in found.iter_rows():
        oversized.setdefault(pass_name, []).append(
            {"key": key, "n_left": n_left, "n_right": n_right, "size": size, "skipped": size}
        )
    con.execute("DROP TABLE IF EXISTS _blk_top")
    con.execute("DROP TABLE IF EXISTS _blk_probe")
    report: list[dict[str, Any]] = []
    for row in rows:
        entry = {c: (int(v) if isinstance(v, int) else v) for c, v in zip(cols, row, strict=True)}
        entry["oversized"] = oversized.get(str(entry["pass"]), [])
        report.append(entry)
    total = first_row(con.execute("SELECT count(*) FROM _match_candidates").fetchall())
    assert total is not None
    return BlockingResult(int(total[0]), report)
