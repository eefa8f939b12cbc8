"""The shortcuts compare.sql takes for speed must not change a level.

compare.sql tests a cheap necessary condition before an expensive string function (one edit
between given names, a transposition in the SSN's last four); these tests check, over generated
name pairs and every pair of a set of digit strings, that the guarded expression equals the
unguarded one, and that compare.sql holds the guarded text.
"""

from __future__ import annotations

import random
import string

import duckdb

#: one_edit_first as compare.sql computes it, and without the first-or-last-letter test.
GUARDED_TEMPLATE = """
abs(length({a}) - length({b})) <= 1
    AND greatest(length({a}), length({b})) >= 4
    AND (left({a}, 1) = left({b}, 1)
         OR right({a}, 1) = right({b}, 1))
    AND damerau_levenshtein({a}, {b}) = 1
"""
GUARDED = GUARDED_TEMPLATE.format(a="a", b="b")
PLAIN = """
abs(length(a) - length(b)) <= 1
    AND greatest(length(a), length(b)) >= 4
    AND damerau_levenshtein(a, b) = 1
"""


def _one_edit(name: str, rng: random.Random) -> str:
    """A random substitution, insertion, deletion or adjacent transposition anywhere in name."""
    i = rng.randrange(len(name))
    op = rng.choice("sidt")
    letter = rng.choice("AEJNR")
    if op == "s":
        return name[:i] + letter + name[i + 1 :]
    if op == "i":
        return name[:i] + letter + name[i:]
    if op == "d":
        return name[:i] + name[i + 1 :]
    i = min(i, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def test_the_first_or_last_letter_test_never_changes_one_edit_first() -> None:
    rng = random.Random(20)
    # a small alphabet makes repeated letters, and so tricky alignments, common
    names = ["".join(rng.choices("AEJNR", k=rng.randint(1, 8))) for _ in range(3000)]
    pairs = [(n, _one_edit(n, rng)) for n in names if len(n) >= 2]
    pairs += [(n, _one_edit(_one_edit(n, rng), rng)) for n in names if len(n) >= 3]
    pairs += [(a, b) for a, b in zip(names, reversed(names), strict=True)]
    pairs += [(n, "".join(rng.choices(string.ascii_uppercase, k=len(n)))) for n in names]
    con = duckdb.connect()
    con.execute("CREATE TABLE p (a VARCHAR, b VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", pairs)
    differ, ones = con.execute(
        f"SELECT count(*) FILTER (WHERE ({GUARDED}) IS DISTINCT FROM ({PLAIN})), "
        f"count(*) FILTER (WHERE {PLAIN}) FROM p WHERE a <> b"
    ).fetchone()  # type: ignore[misc]
    assert ones > 1000  # the test exercises the level, not only the guard's easy rejections
    assert differ == 0


def test_compare_sql_uses_the_guarded_expression() -> None:
    """The SQL tested above is the SQL that runs (whitespace aside)."""
    from skiptrace import sql

    text = " ".join(sql.load("match/compare.sql").replace("(", "( ").split())
    guarded = GUARDED_TEMPLATE.format(a="l.first_std", b="r.first_std")
    assert " ".join(guarded.replace("(", "( ").split()) in text


def _near_last4(a: str, b: str, *, guarded: bool) -> str:
    """compare.sql's SSN_LAST4_NEAR test on two last-four strings a, b (a <> b)."""
    swaps = (
        f"{a}[2] || {a}[1] || {a}[3:4], {a}[1] || {a}[3] || {a}[2] || {a}[4], "
        f"{a}[1:2] || {a}[4] || {a}[3]"
    )
    transposed = f"{b} IN ({swaps})"
    if guarded:
        transposed = f"(hamming({a}, {b}) = 2 AND {transposed})"
    return f"(hamming({a}, {b}) = 1 OR {transposed})"


def test_the_two_places_test_never_changes_ssn_last4_near() -> None:
    """Every pair of four-digit strings over a small digit set (repeated digits included)."""
    digits = [f"{n:04d}" for n in range(10_000) if set(f"{n:04d}") <= set("0127")]
    con = duckdb.connect()
    con.execute("CREATE TABLE d AS SELECT unnest($d) AS v", {"d": digits})
    con.execute("CREATE TABLE p AS SELECT x.v AS a, y.v AS b FROM d x, d y WHERE x.v <> y.v")
    guarded, plain = _near_last4("a", "b", guarded=True), _near_last4("a", "b", guarded=False)
    differ, near = con.execute(
        f"SELECT count(*) FILTER (WHERE {guarded} IS DISTINCT FROM {plain}), "
        f"count(*) FILTER (WHERE {plain}) FROM p"
    ).fetchone()  # type: ignore[misc]
    assert near > 1000
    assert differ == 0
    text = " ".join(sql_text().split())
    assert "OR (hamming(l.ssn_last4, r.ssn_last4) = 2 AND r.ssn_last4 IN (" in text


def sql_text() -> str:
    from skiptrace import sql

    return sql.load("match/compare.sql")
