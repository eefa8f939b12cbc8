"""The outcome vocabulary is declared once (sql/outcomes/vocabulary.sql) and every reader uses it.

Which outcomes are verdicts, which are bad (on a phone, on an address), which are account facts
were spelt by hand in resolve, suppress, calibration, the push's check at push time, ingest and
explain. A new outcome added to one list and not the others then acted in one place only: a new
bad verdict suppressed by the rules but left at full confidence by resolve, or left callable by
the push. These checks fail when a list is written out again outside the declaration, when ingest
accepts something other than the declared kinds, or when the platform's CHECK (the PostgreSQL
migrations, history that is never edited) and the declaration disagree.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.sources.outcomes import outcome_lists, store_outcomes

ROOT = Path(__file__).resolve().parents[1]
SQL = ROOT / "sql"
DECLARATION = SQL / "outcomes" / "vocabulary.sql"
#: The kinds every outcome is exactly one of (the other lists are unions of these).
KINDS = (
    "good_verdicts", "phone_bad_verdicts", "address_bad_verdicts", "silent_outcomes",
    "ending_account_facts", "holding_account_facts", "opt_out_outcomes",
)  # fmt: skip
#: Files that may spell words of the vocabulary, which (a set, or the name of a list of the
#: vocabulary), and why. Migrations are history: what they once created or converted is not
#: edited (the platform's CHECK is tested against the declaration below).
SPELT_ELSEWHERE: dict[str, tuple[set[str] | str, str]] = {
    "sql/suppress/outcomes_account.sql": ("account_fact_outcomes", "each fact's own columns"),
    "sql/resolve/10_flags.sql": ({"moved"}, "the account flag `moved` (NCOA), not the outcome"),
    "sql/exports/export_worklist.sql": ({"moved", "attorney"}, "a flag and a worklist action"),
}
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def spelt(text: str, words: set[str]) -> set[str]:
    """The words of `words` that `text` (SQL) spells as a string literal outside comments."""
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    return {m.group(1) for m in _LITERAL.finditer(code)} & words


def _macros() -> dict[str, list[str]]:
    con = duckdb.connect()
    sql.run(con, "outcomes/vocabulary.sql")
    names = [
        r[0]
        for r in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type = 'macro'"
            " AND database_name = 'temp' ORDER BY function_name"
        ).fetchall()
    ]
    return {n: con.execute(f"SELECT {n}()").fetchall()[0][0] for n in names}


def test_every_outcome_is_of_one_kind_and_ingest_knows_exactly_those() -> None:
    lists = outcome_lists()
    assert set(_macros()) == set(lists), "sql/outcomes/lists.sql must return every list"
    kinds = [lists[k] for k in KINDS]
    every = [o for kind in kinds for o in kind]
    assert len(every) == len(set(every)), "an outcome of two kinds"
    assert sorted(lists["known_outcomes"]) == sorted(every)
    assert set(lists["bad_verdicts"]) == {
        *lists["phone_bad_verdicts"],
        *lists["address_bad_verdicts"],
    }
    assert set(lists["verdict_outcomes"]) == {*lists["good_verdicts"], *lists["bad_verdicts"]}
    assert set(lists["account_fact_outcomes"]) == {
        *lists["ending_account_facts"],
        *lists["holding_account_facts"],
    }


def test_ingest_stores_every_known_outcome_and_no_other(con: duckdb.DuckDBPyConnection) -> None:
    known = outcome_lists()["known_outcomes"]
    rows = pl.DataFrame(
        {
            "origin_id": [f"f.csv:{i}" for i in range(len(known) + 1)],
            "origin_seq": list(range(len(known) + 1)),
            "account_id": "A1",
            "contact_type": "phone",
            "contact": [f"404555{i:04d}" for i in range(len(known) + 1)],
            "outcome": [*known, "hung_up"],
            "outcome_date": "2026-10-30",
            "agent": "jd",
        }
    )
    assert store_outcomes(con, rows, "dialer") == len(known)
    stored = {r[0] for r in con.execute("SELECT outcome FROM contact_outcomes").fetchall()}
    assert stored == set(known)


def test_no_sql_file_spells_an_outcome_outside_the_declaration() -> None:
    known = set(outcome_lists()["known_outcomes"])
    history = (SQL / "migrations", SQL / "push" / "pg_migrations")
    found = {}
    for path in sorted(SQL.rglob("*.sql")):
        if path == DECLARATION or path.parent in history:
            continue
        words = spelt(path.read_text(encoding="utf-8"), known)
        allowed, _why = SPELT_ELSEWHERE.get(str(path.relative_to(ROOT)), (set(), ""))
        words -= set(outcome_lists()[allowed]) if isinstance(allowed, str) else allowed
        if words:
            found[str(path.relative_to(ROOT))] = sorted(words)
    assert not found, f"outcome names spelt outside sql/outcomes/vocabulary.sql: {found}"


def test_the_account_subject_has_a_column_for_every_account_fact() -> None:
    text = (SQL / "suppress" / "outcomes_account.sql").read_text(encoding="utf-8")
    facts = set(outcome_lists()["account_fact_outcomes"])
    assert spelt(text, set(outcome_lists()["known_outcomes"])) == facts


def test_the_rules_file_spells_no_outcome() -> None:
    text = (ROOT / "matchers" / "rules" / "default_rules.yml").read_text(encoding="utf-8")
    known = set(outcome_lists()["known_outcomes"])
    quoted = {m.group(1) for m in _LITERAL.finditer(text)} & known
    assert not quoted, f"default_rules.yml: use the vocabulary's macros, not {sorted(quoted)}"


def _enumerations(path: Path, known: set[str]) -> list[str]:
    """`file:line` of each tuple, list or set literal of two or more outcome names."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if sum(isinstance(n, str) and n in known for n in names) >= 2:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return hits


def test_no_python_module_lists_outcomes_of_its_own() -> None:
    known = set(outcome_lists()["known_outcomes"])
    files = [*(ROOT / "skiptrace").glob("*.py")]  # its folders are links to the layers'
    files += [
        p for folder in ("sources", "matchers", "flows") for p in (ROOT / folder).rglob("*.py")
    ]
    hits = [hit for path in sorted(files) for hit in _enumerations(path, known)]
    assert not hits, f"outcome lists written in Python; read outcome_lists(): {hits}"


def _platform_check() -> set[str]:
    """The outcomes PostgreSQL's contact_outcomes accepts: the CHECK of the latest migration
    that sets it (an earlier migration's CHECK is replaced by a later one)."""
    latest: set[str] = set()
    for path in sorted((SQL / "push" / "pg_migrations").glob("*.sql")):
        code = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
        for m in re.finditer(r"outcome\s+text\s+NOT\s+NULL\s+CHECK\s*\(outcome\s+IN\s*\(([^)]*)\)"
                             r"|CHECK\s*\(outcome\s+IN\s*\(([^)]*)\)", code):  # fmt: skip
            latest = {w.group(1) for w in _LITERAL.finditer(m.group(1) or m.group(2))}
    return latest


def test_the_platform_accepts_exactly_the_declared_outcomes() -> None:
    """A new outcome needs a PostgreSQL migration that lets the collections system record it
    (and the declaration, for the runs to act on it): the two must not drift apart."""
    assert _platform_check() == set(outcome_lists()["known_outcomes"])


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("WHERE outcome IN ('wrong_number', 'disconnected')", {"wrong_number", "disconnected"}),
        ("WHERE o.outcome = 'opted_out'", {"opted_out"}),
        ("-- wrong_number 'disconnected' in a comment", set()),
        ("WHERE list_contains(bad_verdicts(), outcome)", set()),
    ],
)
def test_the_check_sees_an_outcome_literal(text: str, caught: set[str]) -> None:
    assert spelt(text, set(outcome_lists()["known_outcomes"])) == caught
