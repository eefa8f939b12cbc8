"""The level numbers written as literals in sql/match/*.sql agree with matchers/compare.py.

SQL cannot import the Python constants, so a renumbering (a new level) must touch every file
that tests a level by number; this test names the file that was missed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skiptrace.matchers.compare import BY_NAME, FIRST_EXACT, FIRST_SWAPPED, LAST_EXACT

SQL_DIR = Path(__file__).resolve().parents[2] / "sql" / "match"

#: (file, pattern with one number group, the constant it must equal)
LITERALS = [
    ("compare.sql", r"WHEN first_name = (\d) THEN tf1\.freq", FIRST_EXACT),
    ("compare.sql", r"WHEN last_name = (\d) THEN tf2\.freq", LAST_EXACT),
    ("compare.sql", r"WHEN first_name = (\d) THEN 0", FIRST_SWAPPED),
    ("compare.sql", r"WHEN l\.first_std = r\.first_std THEN (\d)", FIRST_EXACT),
    ("compare.sql", r"WHEN names_swapped THEN (\d)", FIRST_SWAPPED),
    ("compare.sql", r"WHEN l\.last_std = r\.last_std THEN (\d)", LAST_EXACT),
    ("incremental_cmp.sql", r"WHEN p\.first_name = (\d) THEN tf1\.freq", FIRST_EXACT),
    ("incremental_cmp.sql", r"WHEN p\.last_name = (\d) THEN tf2\.freq", LAST_EXACT),
]


@pytest.mark.parametrize(("name", "pattern", "expected"), LITERALS)
def test_sql_level_literals_match_the_declared_levels(
    name: str, pattern: str, expected: int
) -> None:
    found = re.findall(pattern, (SQL_DIR / name).read_text())
    assert found, f"{name}: pattern {pattern!r} not found (SQL rewritten? update this test)"
    assert {int(n) for n in found} == {expected}, f"{name}: {pattern!r} -> {found}"


def test_first_name_levels_top_out_at_exact() -> None:
    """compare.sql's CASE returns FIRST_EXACT for equal names: the highest declared level."""
    assert max(lv.level for lv in BY_NAME["first_name"].levels) == FIRST_EXACT
    assert max(lv.level for lv in BY_NAME["last_name"].levels) == LAST_EXACT
