"""Every comparison level number written in sql/match/*.sql agrees with matchers/compare.py.

The levels are defined once, in Python (matchers/compare.py numbers them by position). SQL
cannot import them, and generating the comparison SQL would put a template step in front of the
matcher's hottest query, so the SQL keeps literals, each followed by the name it stands for
(`THEN 7 /* FIRST_EXACT */`), and this test checks all of them: every THEN / ELSE result of a
comparison's CASE, and every `<comparison> = n` test, in every file under sql/match/. It fails on
a literal without its name, on a name that belongs to another comparison, on a number that is
not the name's value, and on a declared level that compare.sql never produces.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skiptrace.matchers import compare
from skiptrace.matchers.compare import BY_NAME, COMPARISONS, NAMES, level_names

SQL_DIR = Path(__file__).resolve().parents[2] / "sql" / "match"
MATCH_FILES = sorted(p.name for p in SQL_DIR.glob("*.sql"))
_NAME = r"(?:\s*/\*\s*(?P<name>[A-Z0-9_]+)\s*\*/)?"
#: A comparison's CASE result (THEN n / ELSE n), with the name comment when there is one.
_RESULT = re.compile(r"\b(?:THEN|ELSE)\s+(?P<n>\d+)\b" + _NAME)
#: A test of a comparison's level: `first_name = 5`, `p.last_name = 4`, `ssn IN (3, 4)` ...
_TEST = re.compile(
    r"\b(?:\w+\.)?(?P<cmp>" + "|".join(NAMES) + r")\s*(?:=|<>|!=|>=|<=|>|<)\s*(?P<n>\d+)\b" + _NAME
)


def _code(text: str) -> str:
    """The SQL without `--` comments (a level mentioned in prose is not a literal)."""
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def _case_blocks(code: str) -> list[tuple[str, str]]:
    """(comparison, CASE ... END text) of every `CASE ... END AS <comparison>` (nested CASEs in)."""
    tokens = list(re.finditer(r"\bCASE\b|\bEND\s+AS\s+(\w+)|\bEND\b", code))
    stack: list[int] = []
    blocks = []
    for t in tokens:
        if t.group(0) == "CASE":
            stack.append(t.start())
        elif stack:
            start = stack.pop()
            if t.group(1) in NAMES:
                blocks.append((t.group(1), code[start : t.end()]))
    return blocks


def _check(comparison: str, number: int, name: str | None, where: str) -> None:
    assert name, f"{where}: level literal {number} of {comparison} has no /* NAME */ after it"
    names = level_names(comparison)
    assert name in names, f"{where}: {name} is not a level of {comparison} ({sorted(names)})"
    assert names[name] == number, f"{where}: {number} /* {name} */ but {name} = {names[name]}"


def test_level_names_cover_exactly_the_declared_levels() -> None:
    """One name per level, 0..n, for every comparison: the names and `Level` entries agree."""
    for c in COMPARISONS:
        names = level_names(c.name)
        assert sorted(names.values()) == list(range(c.n_levels)), (c.name, names)
        assert [lv.level for lv in c.levels] == list(range(1, c.n_levels))


@pytest.mark.parametrize("file", MATCH_FILES)
def test_every_level_literal_names_its_level(file: str) -> None:
    code = _code((SQL_DIR / file).read_text(encoding="utf-8"))
    for comparison, block in _case_blocks(code):
        for m in _RESULT.finditer(block):
            _check(comparison, int(m["n"]), m["name"], f"{file} CASE ... END AS {comparison}")
    for m in _TEST.finditer(code):
        _check(m["cmp"], int(m["n"]), m["name"], f"{file}: {m.group(0)!r}")


def test_compare_sql_produces_every_declared_level_and_no_other() -> None:
    code = _code((SQL_DIR / "compare.sql").read_text(encoding="utf-8"))
    produced: dict[str, set[int]] = {}
    for comparison, block in _case_blocks(code):
        produced.setdefault(comparison, set()).update(int(m["n"]) for m in _RESULT.finditer(block))
    assert set(produced) == set(NAMES), "a comparison has no CASE ... END AS <name> in compare.sql"
    for name, levels in produced.items():
        assert levels == set(range(BY_NAME[name].n_levels)), (name, sorted(levels))


def test_the_check_catches_a_wrong_literal() -> None:
    """The parser sees a renumbering that missed the SQL (guards against a vacuous test)."""
    code = _code(
        "CASE WHEN a THEN 0 /* NO_DATA */ WHEN b THEN 6 /* FIRST_EXACT */ END AS first_name"
    )
    ((comparison, block),) = _case_blocks(code)
    bad = [m for m in _RESULT.finditer(block) if level_names(comparison)[m["name"]] != int(m["n"])]
    assert [m["n"] for m in bad] == ["6"]
    assert compare.FIRST_EXACT == 7


def test_stored_pairs_have_one_field_per_comparison_in_order() -> None:
    """match_pairs.levels / .weights are structs (migration 100) and write_pairs.sql names
    their fields: both must list the comparisons of matchers/compare.py in its order, or a new
    comparison would be stored nowhere (the insert fails) or explained under another name."""
    import duckdb

    from skiptrace import sql

    con = duckdb.connect()
    sql.migrate(con)
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns()"
            " WHERE table_name = 'match_pairs' AND column_name IN ('levels', 'weights')"
        ).fetchall()
    )
    for column, field_type in (("levels", "INTEGER"), ("weights", "DOUBLE")):
        fields = ", ".join(f"{n} {field_type}" for n in NAMES)
        assert types[column] == f"STRUCT({fields})"
    written = (SQL_DIR / "write_pairs.sql").read_text(encoding="utf-8")
    packs = re.findall(r"struct_pack\((.*?)\)", written, flags=re.S)
    assert [re.findall(r"(\w+)\s*:=", p) for p in packs] == [list(NAMES), list(NAMES)]
