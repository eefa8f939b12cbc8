"""matchers.link end to end on a synthetic population: outputs, reproducibility, explanations,
one-debtor-per-record, blocking caps."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers.compare import COMPARISONS, NAMES
from skiptrace.matchers.explain import explain_pair
from skiptrace.matchers.link import LinkResult, MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder


@pytest.fixture
def db(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    pop.background(con, n=150)
    pop.insert(con, "acct_std", "DEBTOR", pop.DEBTOR)
    pop.insert(con, "rec_std", 1, dict(pop.DEBTOR), source="header", kind="person_records")
    return con


def test_link_writes_params_model_and_pairs(db: duckdb.DuckDBPyConnection) -> None:
    result = link(db, "r1")
    assert isinstance(result, LinkResult) and result.run_id == "r1"
    assert result.candidate_pairs > 150 and result.seconds > 0
    model = sql.frame(db, "SELECT * FROM match_model WHERE run_id = 'r1'").row(0, named=True)
    assert model["trained_on"] == "em" and model["candidate_pairs"] == result.candidate_pairs
    assert model["threshold"] == 0.9 and model["matcher_version"].startswith("skiptrace-fs/")
    assert 0 < model["prior"] < 0.01
    params = sql.frame(db, "SELECT * FROM match_params WHERE run_id = 'r1'")
    assert params.height == sum(c.n_levels for c in COMPARISONS)
    for row in params.filter(params["level"] > 0).iter_rows(named=True):
        assert row["weight"] == pytest.approx(math.log2(row["m"] / row["u"]))
    run = sql.frame(db, "SELECT * FROM match_run WHERE run_id = 'r1'").row(0, named=True)
    assert run["n_left"] == 151 and run["n_right"] == 191 and run["em_converged"]
    assert json.loads(run["settings"])["threshold"] == 0.9

    pairs = sql.frame(db, "SELECT * FROM match_pairs WHERE run_id = 'r1'")
    debtors = pairs.filter(pairs["role"] == "debtor")
    assert debtors.height == result.linked_pairs
    assert pairs.filter(pairs["role"] == "associate").height == result.associates
    # stored = at or above the review floor, or turned into an associate by a guard
    assert all(
        p >= 0.2 or g is not None for p, g in pairs.select("match_probability", "guard").iter_rows()
    )
    # the background: account BGi's debtor is record 1000+i; strangers (5000+) are nobody's
    right = sum(
        1
        for a, r in debtors.select("account_id", "rec_id").iter_rows()
        if (a.startswith("BG") and r == 1000 + int(a[2:])) or (a == "DEBTOR" and r == 1)
    )
    assert right == debtors.height  # precision 1 on this population
    assert debtors.height >= 140  # recall: noisy, moved and SSN-less records still link
    assert debtors["rec_id"].n_unique() == debtors.height  # one account per record
    levels = pairs["levels"].to_list()  # structs (migration 100): dicts in field order
    assert all(list(lv) == list(NAMES) for lv in levels)
    for comp in COMPARISONS:
        assert {lv[comp.name] for lv in levels} <= set(range(comp.n_levels))
    weights = pairs["weights"][0]
    assert list(weights) == list(NAMES)


def test_rerun_and_reuse_params_reproduce_identical_probabilities(
    db: duckdb.DuckDBPyConnection,
) -> None:
    link(db, "a")
    link(db, "a")  # re-running a run_id replaces its rows, deterministically
    reused = link(db, "b", settings=MatchSettings(reuse_params_from="a"))
    assert reused.trained_on == "reused:a" and reused.em_iterations == 0
    q = (
        "SELECT account_id, rec_id, match_weight, match_probability, role, guard, levels, weights "
        "FROM match_pairs WHERE run_id = ? ORDER BY account_id, rec_id"
    )
    first, second = sql.frame(db, q, ["a"]), sql.frame(db, q, ["b"])
    assert first.height > 0 and first.equals(second)
    assert sql.frame(db, "SELECT count(*) AS n FROM match_pairs WHERE run_id = 'a'")["n"][0] == (
        first.height
    )
    p = "SELECT comparison, level, m, u, weight FROM match_params WHERE run_id = ? ORDER BY ALL"
    assert sql.frame(db, p, ["a"]).equals(sql.frame(db, p, ["b"]))
    model = "SELECT prior FROM match_model WHERE run_id = ?"
    assert sql.frame(db, model, ["a"]).equals(sql.frame(db, model, ["b"]))
    with pytest.raises(LookupError):
        link(db, "c", settings=MatchSettings(reuse_params_from="nope"))


def test_chunked_scoring_stores_what_whole_frame_scoring_stores(
    db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scoring in record chunks (bounded memory at scale) gives the same stored pairs, roles,
    conflicts and counts as scoring every candidate in one frame."""
    import skiptrace.matchers.link as link_mod

    whole = link(db, "whole")
    monkeypatch.setattr(link_mod, "SCORE_CHUNK_ROWS", 37)  # many chunks of a few records
    chunked = link(db, "chunked")
    q = (
        "SELECT account_id, rec_id, match_weight, match_probability, role, guard, levels, weights "
        "FROM match_pairs WHERE run_id = ? ORDER BY account_id, rec_id"
    )
    assert sql.frame(db, q, ["whole"]).equals(sql.frame(db, q, ["chunked"]))
    c = "SELECT rec_id, account_id, outcome FROM match_conflicts WHERE run_id = ? ORDER BY ALL"
    assert sql.frame(db, c, ["whole"]).equals(sql.frame(db, c, ["chunked"]))
    for field_name in ("candidate_pairs", "linked_pairs", "associates", "review_pairs", "ties"):
        assert getattr(whole, field_name) == getattr(chunked, field_name)


def test_chunked_writing_stores_what_one_insert_stores(
    db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appending the stored pairs to match_pairs in chunks (bounded memory at scale) writes the
    same rows, in the same order, as one INSERT of the whole frame."""
    import skiptrace.matchers.link as link_mod

    whole = link(db, "whole")
    monkeypatch.setattr(link_mod, "WRITE_CHUNK_ROWS", 7)  # many chunks, the last one partial
    chunked = link(db, "chunked")
    assert whole.linked_pairs + whole.associates + whole.review_pairs > 3 * 7
    cols = (
        "account_id, rec_id, source, match_weight, match_probability, role, guard, levels, "
        "weights, review_decision_id"
    )
    q = f"SELECT {cols} FROM match_pairs WHERE run_id = ?"
    assert sql.frame(db, q, ["whole"]).equals(sql.frame(db, q, ["chunked"]))
    for field_name in ("candidate_pairs", "linked_pairs", "associates", "review_pairs", "ties"):
        assert getattr(whole, field_name) == getattr(chunked, field_name)


def test_explain_pair_partial_weights_sum_to_final_weight(db: duckdb.DuckDBPyConnection) -> None:
    link(db, "e")
    stored = sql.frame(
        db, "SELECT * FROM match_pairs WHERE run_id = 'e' AND account_id = 'DEBTOR' AND rec_id = 1"
    ).row(0, named=True)
    ex = explain_pair(db, "e", "DEBTOR", 1)
    assert ex.stored and ex.role == "debtor" and ex.guard is None
    assert [s.comparison for s in ex.steps] == list(NAMES)
    assert math.fsum([ex.prior_weight, *ex.partial_weights.values()]) == pytest.approx(
        ex.final_weight, abs=1e-12
    )
    assert ex.final_weight == pytest.approx(stored["match_weight"], abs=1e-9)
    assert ex.final_probability == pytest.approx(stored["match_probability"], abs=1e-12)
    assert ex.steps[-1].cumulative_weight == pytest.approx(ex.final_weight, abs=1e-9)
    assert ex.steps[-1].running_probability == pytest.approx(ex.final_probability)
    names = {s.comparison: s for s in ex.steps}
    assert names["ssn"].label == "exact (HMAC equal)" and names["ssn"].partial_weight > 10
    assert names["last_name"].tf_adjustment != 0.0  # exact surname: term-frequency adjusted
    text = ex.to_text()
    assert "prior" in text and "ssn" in text and "debtor" in text
    assert ex.to_dict()["steps"][0]["comparison"] == "first_name"

    # a pair the run never stored is recomputed with the run's parameters, and says so
    other = explain_pair(db, "e", "DEBTOR", 5000)
    assert not other.stored and other.role is None and other.notes
    assert math.fsum([other.prior_weight, *other.partial_weights.values()]) == pytest.approx(
        other.final_weight, abs=1e-12
    )
    assert other.final_probability < 0.2
    with pytest.raises(LookupError):
        explain_pair(db, "e", "NO-SUCH-ACCOUNT", 1)


def _zelda(**changes: Any) -> dict[str, Any]:
    row = pop.person(
        "ZELDA",
        "QUARTERMAINE",
        dob=dt.date(1971, 7, 7),
        ssn=777_00_1111,
        number="9",
        street="ELM",
        zip5="94105",
    )
    return {**row, **changes}


def _roles_and_conflicts(
    con: duckdb.DuckDBPyConnection, run_id: str, first_rec: int
) -> tuple[dict[tuple[int, str], str], dict[tuple[int, str], str]]:
    pairs = sql.frame(
        con,
        "SELECT rec_id, account_id, role FROM match_pairs WHERE run_id = ? AND rec_id >= ?",
        [run_id, first_rec],
    )
    conflicts = sql.frame(
        con,
        "SELECT rec_id, account_id, outcome FROM match_conflicts WHERE run_id = ? AND rec_id >= ?",
        [run_id, first_rec],
    )
    return (
        {(r, a): role for r, a, role in pairs.iter_rows()},
        {(r, a): o for r, a, o in conflicts.iter_rows()},
    )


def test_a_person_placed_twice_is_the_debtor_of_both_accounts(
    db: duckdb.DuckDBPyConnection,
) -> None:
    """Two creditors placed the same debtor (two account ids, one SSN, name, DOB, address):
    the debtor's records are the debtor records of both placements, so a bankruptcy or a
    death reaches both. With one account per record they tied and were nobody's."""
    twin = _zelda()
    pop.insert(db, "acct_std", "TWIN-A", twin)
    pop.insert(db, "acct_std", "TWIN-B", twin)  # the same identity on two accounts
    # a third placement from before the debtor moved: weaker on the new address, same person
    pop.insert(db, "acct_std", "TWIN-C", _zelda(street_number="400", std_line1="400 OAK ST",
                                                street_name="OAK"))  # fmt: skip
    pop.insert(db, "rec_std", 90, twin, source="header", kind="person_records")
    pop.insert(db, "rec_std", 91, twin, source="vendor", kind="vendor_batch", account_id="TWIN-B")
    result = link(db, "t")
    assert result.ties == 0
    roles, conflicts = _roles_and_conflicts(db, "t", 90)
    accounts = ("TWIN-A", "TWIN-B", "TWIN-C")
    assert {roles[(r, a)] for r in (90, 91) for a in accounts} == {"debtor"}
    assert conflicts == {(r, a): "same_person" for r in (90, 91) for a in accounts}
    assert explain_pair(db, "t", "TWIN-A", 91).conflict == "same_person"


def test_a_tie_between_two_people_links_nobody(db: duckdb.DuckDBPyConnection) -> None:
    """Accounts that are not one identity keep today's rule: a record tied between them is
    nobody's debtor (held for review), the echoed key breaks a tie, the best weight wins.
    Not one identity: no SSN on the accounts (a father and son keyed with one DOB look the
    same), or one SSN whose accounts disagree on the middle initial or the date of birth."""
    no_ssn = _zelda(ssn_hash=None, ssn_last4=None)
    pop.insert(db, "acct_std", "NOSSN-A", no_ssn)
    pop.insert(db, "acct_std", "NOSSN-B", no_ssn)
    pop.insert(db, "rec_std", 90, no_ssn, source="header", kind="person_records")
    pop.insert(
        db, "rec_std", 91, no_ssn, source="vendor", kind="vendor_batch", account_id="NOSSN-B"
    )
    other = pop.person("OPHELIA", "WINTERBOTTOM", dob=dt.date(1980, 3, 4), ssn=777_00_2222,
                       number="12", street="PINE", zip5="10001")  # fmt: skip
    pop.insert(db, "acct_std", "MIDDLE-A", {**other, "middle_initial": "A"})
    pop.insert(db, "acct_std", "MIDDLE-B", {**other, "middle_initial": "B"})
    pop.insert(db, "rec_std", 92, other, source="header", kind="person_records")
    third = pop.person("PERPETUA", "FLINTWICK", dob=None, ssn=777_00_3333, number="5",
                       street="LAKE", zip5="60601")  # fmt: skip
    pop.insert(db, "acct_std", "DOB-A", {**third, "dob": dt.date(1950, 1, 2)})
    pop.insert(db, "acct_std", "DOB-B", {**third, "dob": dt.date(1978, 5, 6)})
    pop.insert(db, "rec_std", 93, third, source="header", kind="person_records")
    result = link(db, "t")
    assert result.ties == 3
    roles, conflicts = _roles_and_conflicts(db, "t", 90)
    for rec, a, b in ((90, "NOSSN-A", "NOSSN-B"), (92, "MIDDLE-A", "MIDDLE-B"),
                      (93, "DOB-A", "DOB-B")):  # fmt: skip
        assert roles[(rec, a)] == roles[(rec, b)] == "rejected"  # tie: no debtor
        assert conflicts[(rec, a)] == conflicts[(rec, b)] == "tie"
    assert roles[(91, "NOSSN-B")] == "debtor" and roles[(91, "NOSSN-A")] == "rejected"
    assert conflicts[(91, "NOSSN-B")] == "kept" and conflicts[(91, "NOSSN-A")] == "outscored"
    assert explain_pair(db, "t", "NOSSN-A", 91).conflict == "outscored"


def test_block_cap_skips_and_reports_oversized_blocks(db: duckdb.DuckDBPyConnection) -> None:
    # an echoed key is a candidate whatever the cap
    pop.insert(
        db,
        "rec_std",
        95,
        pop.person("X", "Y", dob=None, ssn=None, number=None, street=None, zip5=None),
        source="vendor",
        kind="vendor_batch",
        account_id="DEBTOR",
    )
    wide = link(db, "wide")
    narrow = link(db, "narrow", settings=MatchSettings(block_cap=2, name_block_cap=2))
    assert narrow.candidate_pairs < wide.candidate_pairs
    by_pass = {r["pass"]: r for r in narrow.blocking_report}
    assert by_pass["echo"]["pairs"] == 1
    oversized = [b for r in narrow.blocking_report for b in r["oversized"]]
    assert oversized and all(b["size"] > 2 and b["skipped"] == b["size"] for b in oversized)
    assert all({"key", "n_left", "n_right", "size", "skipped"} <= set(b) for b in oversized)
    assert sum(r["skipped_pairs"] for r in narrow.blocking_report) >= sum(
        b["size"] for b in oversized
    )
    assert all(b["size"] > 2 for b in by_pass["name"]["oversized"])
    stored = json.loads(
        sql.frame(db, "SELECT blocking_report FROM match_model WHERE run_id = 'narrow'")[
            "blocking_report"
        ][0]
    )
    assert stored == json.loads(json.dumps(narrow.blocking_report))
    echo = sql.frame(db, "SELECT role FROM match_pairs WHERE run_id = 'narrow' AND rec_id = 95")
    assert echo.height == 0 or echo["role"][0] != "debtor"  # an echo alone is not identity


def test_empty_inputs_and_bad_settings(con: duckdb.DuckDBPyConnection) -> None:
    result = link(con, "empty")
    assert (result.candidate_pairs, result.linked_pairs, result.associates) == (0, 0, 0)
    assert (
        sql.frame(con, "SELECT trained_on FROM match_model WHERE run_id = 'empty'")["trained_on"][0]
        == "defaults"
    )
    with pytest.raises(ValueError):
        link(con, "bad", settings=MatchSettings(threshold=0.5, review_floor=0.8))


DESCRIPTIVE_PASSES = {
    "surname_initial_zip3",
    "name_street_number",
    "name",
    "dob_first",
    "dob_last",
    "dob_zip3",
    "dob_street_number",
    "street_city",
    "first_city",
    "given_initial_zip3",
    "names_exact",
    "street_name_zip",
}


def test_each_pass_takes_its_own_cap(db: duckdb.DuckDBPyConnection) -> None:
    """name_block_cap bounds only the passes keyed on names, places and DOBs; block_cap only the
    passes keyed on what identifies a person or household. Each pass reports its cap."""
    for rec_id in (96, 97):  # the debtor's own records: an SSN block of 1 x 2 or more
        pop.insert(db, "rec_std", rec_id, pop.DEBTOR, source="header", kind="person_records")
    names_only = link(db, "names", settings=MatchSettings(block_cap=20_000, name_block_cap=1))
    ids_only = link(db, "ids", settings=MatchSettings(block_cap=1, name_block_cap=20_000))
    for result, tight, wide in ((names_only, 1, 20_000), (ids_only, 20_000, 1)):
        by_pass = {r["pass"]: r for r in result.blocking_report if r["pass"] != "echo"}
        assert by_pass, result.blocking_report
        for name, row in by_pass.items():
            cap = tight if name in DESCRIPTIVE_PASSES else wide
            assert row["cap"] == cap, (name, row)
            assert all(b["size"] > cap for b in row["oversized"]), (name, row)
            if cap == 20_000:
                assert row["oversized_blocks"] == 0, (name, row)
    names_skipped = {r["pass"] for r in names_only.blocking_report if r["oversized_blocks"]}
    ids_skipped = {r["pass"] for r in ids_only.blocking_report if r["oversized_blocks"]}
    assert names_skipped and names_skipped <= DESCRIPTIVE_PASSES
    assert ids_skipped and not ids_skipped & DESCRIPTIVE_PASSES


def test_a_name_keyed_into_the_other_field_is_linked(db: duckdb.DuckDBPyConnection) -> None:
    """MITCHELL MOUSELLIS filed as WEBB MITCHELL (his given name in the surname field), no SSN,
    at his address with his DOB: first_name says 'crossed' (level 2) instead of 'different',
    and that is what lifts the pair over the threshold."""
    from skiptrace.matchers.compare import FIRST_CROSSED

    born = dt.date(1948, 3, 2)
    home = {"number": "11", "street": "BOUGAINVILLE", "zip5": "60601"}
    pop.insert(db, "acct_std", "CROSS", pop.person("MITCHELL", "MOUSELLIS", dob=born, ssn=None,
                                                   **home))  # fmt: skip
    pop.insert(db, "rec_std", 4002, pop.person("WEBB", "MITCHELL", dob=born, ssn=None, **home),
               source="header", kind="person_records")  # fmt: skip
    link(db, "x")
    pair = sql.frame(
        db,
        "SELECT role, levels, weights FROM match_pairs "
        "WHERE run_id = 'x' AND account_id = 'CROSS' AND rec_id = 4002",
    )
    levels, weights = pair["levels"][0], pair["weights"][0]
    assert levels["first_name"] == FIRST_CROSSED and levels["last_name"] == 1
    assert pair["role"][0] == "debtor"
    different = db.execute(
        "SELECT weight FROM match_params WHERE run_id = 'x' AND comparison = 'first_name' "
        "AND level = 1"
    ).fetchall()[0][0]
    assert weights["first_name"] > different


def test_dedup_policy_fits_every_m_by_em(db: duckdb.DuckDBPyConnection) -> None:
    """Anchor pairs guard EM against households; plain deduplication declares there are none,
    so every m is EM's (collections keeps the anchors)."""
    link(db, "c")
    link(db, "d", settings=MatchSettings(match_policy="dedup"))
    est = {
        run: json.loads(e)
        for run, e in db.execute("SELECT run_id, estimation FROM match_run").fetchall()
    }
    assert est["c"]["m_from_anchor_pairs"]
    assert est["d"]["m_from_anchor_pairs"] == {} and set(est["d"]["m_from_em"]) == set(NAMES)


def test_scoring_and_writing_run_under_a_lower_duckdb_limit_and_put_it_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """link() lowers DuckDB's memory_limit for scoring and writing (link_mod.
    SCORE_AND_WRITE_MEMORY_LIMIT) and gives the connection its own limit back, the same however
    many runs use it; a connection already below the limit keeps its own."""
    import skiptrace.matchers.link as link_mod

    def limit(con: duckdb.DuckDBPyConnection) -> str:
        return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    con = duckdb.connect()
    con.execute("SET memory_limit = '5GB'")
    before = limit(con)  # '4.6 GiB'
    for _ in range(3):
        with link_mod._duckdb_memory_at_most(con, "3GB"):
            assert limit(con) == "2.7 GiB"
        assert limit(con) == before
    con.execute("SET memory_limit = '1GB'")
    small = limit(con)
    with link_mod._duckdb_memory_at_most(con, "3GB"):
        assert limit(con) == small
    assert limit(con) == small

    seen: list[str] = []
    real = link_mod._score_candidates

    def spy(c: duckdb.DuckDBPyConnection, *a: Any, **k: Any) -> Any:
        seen.append(limit(c))
        return real(c, *a, **k)

    db = sql.connect(":memory:", memory_limit="5GB")
    pop.background(db, n=40)
    monkeypatch.setattr(link_mod, "_score_candidates", spy)
    link(db, "r1")
    assert seen == ["2.7 GiB"] and limit(db) == "4.6 GiB"


@pytest.mark.parametrize("pairs", [2_000, 10**6])  # a random sample; every pair (151 x 191)
@pytest.mark.parametrize("split", [True, False])
def test_the_u_sample_counts_the_same_levels_in_process_as_through_a_comparator(
    db: duckdb.DuckDBPyConnection, pairs: int, split: bool
) -> None:
    """In process the u sample counts the levels of its pairs straight from compare.sql's
    `_match_levels` (no pair stored); a comparator of another process stores the sampled pairs'
    levels in `_match_cmp` first (compare_pairs' contract), and the two counts must agree: the
    level counts, the pairs compared, and the split of the pairs blocking did not propose."""
    from skiptrace.matchers import compare
    from skiptrace.matchers.blocking import block
    from skiptrace.matchers.link import _sample_u_counts

    n_left, n_right = compare.prepare_sides(db)
    block(db, block_cap=1000, name_block_cap=1000)

    def stored(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> int:
        return compare.compare_pairs(con, pairs_sql)

    direct = _sample_u_counts(db, n_left, n_right, pairs, 7, split=split)
    through = _sample_u_counts(db, n_left, n_right, pairs, 7, stored, split=split)
    assert direct == through
    counts, compared, outside, outside_pairs = direct
    assert compared == min(pairs, n_left * n_right)
    assert all(sum(c) == compared for c in counts)
    assert all(sum(o) == outside_pairs for o in outside)
    if split:  # the candidates are among every pair, and among a few of a 2,000-pair sample
        assert 0 < outside_pairs < compared
    else:  # nothing reads the split: every pair is counted as a candidate
        assert outside_pairs == 0
