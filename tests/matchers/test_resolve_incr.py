"""Incremental resolve: what makes an account dirty, that carried evidence scores exactly like
recomputed evidence, and each reason a resolve is full (matchers/resolve_cache.py).

Hand-built portfolios (the Builder of test_resolve) in a real DuckDB database. Each
incremental run is compared with a full rebuild of the same run inputs in the same database:
with no completed `runs` row, source reliability does not read an earlier run's output, so the
two differ only in how the evidence was computed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.matchers.confidence import load_model
from skiptrace.matchers.resolve import ResolveSettings, resolve_contacts
from skiptrace.matchers.resolve_cache import plan_resolve
from skiptrace.matchers.rules import DEFAULT_RULES
from tests.matchers.test_resolve import RUN, Builder

AS_OF = dt.date(2025, 6, 1)
TABLES = ("contact_points", "contact_support", "account_flags")


@pytest.fixture
def b(con: duckdb.DuckDBPyConnection) -> Builder:
    return Builder(con)


def _rows(con: duckdb.DuckDBPyConnection, table: str, run_id: str) -> pl.DataFrame:
    frame = sql.frame(con, f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?", [run_id])
    return frame.sort(pl.all())


def _links_for(con: duckdb.DuckDBPyConnection, run_id: str, **moved: float) -> None:
    """The match pairs of `run_id`: RUN's, with some probabilities re-scored (account=p)."""
    con.execute(
        "INSERT INTO match_pairs SELECT * REPLACE (? AS run_id) FROM match_pairs WHERE run_id = ?",
        [run_id, RUN],
    )
    for account, p in moved.items():
        con.execute(
            "UPDATE match_pairs SET match_probability = ? WHERE run_id = ? AND account_id = ?",
            [p, run_id, account],
        )


def _increment(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    return sql.rows(con, "SELECT * FROM resolve_increments WHERE run_id = $r", r=run_id)[0]


def _same_as_full(con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.date) -> None:
    """Resolve `run_id` again in full under another id and compare every row."""
    full = f"{run_id}-full"
    con.execute(
        "INSERT INTO match_pairs SELECT * REPLACE (? AS run_id) FROM match_pairs WHERE run_id = ?",
        [full, run_id],
    )
    resolve_contacts(con, full, as_of, full_rebuild=True)
    for table in TABLES:
        got, want = _rows(con, table, run_id), _rows(con, table, full)
        assert table == "account_flags" or got.height > 0
        assert got.equals(want), table


def _world(b: Builder) -> dict[str, Any]:
    """Three debtors with records from two sources, and a family NCOA move from FAM's address
    that takes effect between the two as-of dates (a household member filed it: FAM is not
    linked to it, it applies through the shared address and surname)."""
    oak = b.address("10 Oak Ave", "Atlanta", "GA", "30301", number="10", street="OAK",
                    suffix="AVE")  # fmt: skip
    pine = b.address("55 Pine Rd", "Decatur", "GA", "30030", number="55", street="PINE",
                     suffix="RD")  # fmt: skip
    elm = b.address("20 Elm St", "Atlanta", "GA", "30305", number="20", street="ELM")
    elm_typo = b.address("20 Elm Stret", "Atlanta", "GA", "30305", number="20", street="ELM",
                         std_line1="20 ELM ST")  # fmt: skip
    birch = b.address("77 Birch Ln", "Athens", "GA", "30601", number="77", street="BIRCH",
                      suffix="LN")  # fmt: skip
    phone = b.phone("404-555-0101")
    b.account("FAM", "John", "Smith", **oak, phone=phone)
    b.account("ONE", "Jane", "Doe", **elm)
    b.account("TWO", "Ken", "Wu", **birch)
    for account, first, last, addr in (("FAM", "John", "Smith", oak), ("ONE", "Jane", "Doe",
                                       elm_typo), ("TWO", "Ken", "Wu", pine)):  # fmt: skip
        rec = b.record("bureau", first, last, last_seen=dt.date(2025, 4, 1),
                       contacts=[{"contact_type": "address", **addr}])  # fmt: skip
        b.link(account, rec, p=0.95)
    b.record("ncoa", "Mary", "Smith", kind="ncoa", move_type="F", ncoa_return_code="A",
             move_effective_date=dt.date(2025, 7, 1), reliability=0.95, **oak,
             contacts=[{"contact_type": "address", "evidence": "ncoa_forward", **pine}])  # fmt: skip
    return {"pine": pine, "elm": elm}


def test_carried_evidence_scores_like_a_full_resolve_as_the_as_of_date_moves(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    """Run 2 a month later: a new record for ONE, every match probability re-scored, the family
    move now effective for FAM. Only ONE's evidence is recomputed; FAM's variants are (its
    forwarding address is new); TWO is carried whole, and everything equals a full resolve."""
    w = _world(b)
    first = resolve_contacts(con, RUN, AS_OF)
    assert first.mode == "full" and first.mode_reason == "first resolve (no cache)"

    rec = b.record("vendor", "Jane", "Doe", last_seen=dt.date(2025, 6, 20),
                   contacts=[{"contact_type": "address", **w["pine"]}])  # fmt: skip
    b.link("ONE", rec, p=0.91)
    _links_for(con, "r2", FAM=0.93, TWO=0.97)
    con.execute(
        "INSERT INTO match_pairs SELECT * REPLACE ('r2' AS run_id) FROM match_pairs"
        " WHERE run_id = ? AND rec_id = ?",
        [RUN, rec],
    )
    second = resolve_contacts(con, "r2", AS_OF + dt.timedelta(days=45))
    assert second.mode == "incremental", second.mode_reason
    inc = _increment(con, "r2")
    assert (inc["accounts"], inc["accounts_dirty"], inc["accounts_new"]) == (3, 1, 0)
    assert inc["accounts_variants_dirty"] == 2  # ONE (new record) and FAM (family move)
    assert inc["evidence_rows_carried"] > 0
    fam = sql.frame(
        con,
        "SELECT address_line1 FROM contact_points WHERE run_id = 'r2' AND account_id = 'FAM'"
        " AND contact_type = 'address'",
    )
    assert "55 PINE RD" in fam["address_line1"].to_list()  # the move applied incrementally
    _same_as_full(con, "r2", AS_OF + dt.timedelta(days=45))


def test_a_removed_record_makes_its_account_dirty(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    """The bureau file superseded (re-delivered elsewhere): its records leave every link set."""
    _world(b)
    resolve_contacts(con, RUN, AS_OF)
    con.execute("UPDATE input_files SET status = 'superseded' WHERE source = 'bureau'")
    _links_for(con, "r2")
    assert resolve_contacts(con, "r2", AS_OF).mode == "incremental"
    assert _increment(con, "r2")["accounts_dirty"] == 3
    _same_as_full(con, "r2", AS_OF)


def test_a_changed_on_file_contact_and_a_new_account_are_dirty(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    w = _world(b)
    resolve_contacts(con, RUN, AS_OF)
    b.account("TWO", "Ken", "Wu", **w["elm"])  # an account update: a new on-file address
    b.account("NEW", "Ada", "Lane", **w["pine"])
    _links_for(con, "r2")
    assert resolve_contacts(con, "r2", AS_OF).mode == "incremental"
    inc = _increment(con, "r2")
    assert (inc["accounts_dirty"], inc["accounts_new"]) == (2, 1)
    _same_as_full(con, "r2", AS_OF)


def test_a_closed_account_leaves_with_its_cached_evidence(
    b: Builder, con: duckdb.DuckDBPyConnection
) -> None:
    """TWO leaves the portfolio (its account row no longer current, its links gone, as after a
    snapshot without it): an incremental resolve writes nothing for it, as a full one does, and
    the cache forgets it. Its cached evidence used to be carried night after night: contacts
    exported and pushed for a closed account, its suppressions dropped."""
    _world(b)
    resolve_contacts(con, RUN, AS_OF)
    con.execute("DELETE FROM accounts WHERE account_id = 'TWO'")
    _links_for(con, "r2")
    con.execute("DELETE FROM match_pairs WHERE run_id = 'r2' AND account_id = 'TWO'")
    assert resolve_contacts(con, "r2", AS_OF).mode == "incremental"
    assert _increment(con, "r2")["accounts_dirty"] == 1  # TWO, with nothing to recompute
    left = con.execute(
        "SELECT count(*) FROM contact_points WHERE run_id = 'r2' AND account_id = 'TWO'"
    ).fetchall()
    assert left == [(0,)]
    for table in ("resolve_cache_accounts", "resolve_cache_evidence", "resolve_cache_variants"):
        cached = con.execute(f"SELECT count(*) FROM {table} WHERE account_id = 'TWO'").fetchall()
        assert cached == [(0,)], table
    _same_as_full(con, "r2", AS_OF)


# --- why a resolve is full ------------------------------------------------------------------


@pytest.fixture
def cached(b: Builder, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A database whose evidence cache was written by one full resolve."""
    _world(b)
    resolve_contacts(con, RUN, AS_OF)
    return con


def _plan(con: duckdb.DuckDBPyConnection, **kw: Any) -> tuple[bool, str]:
    settings = kw.pop("settings", ResolveSettings())
    model = kw.pop("model", load_model())
    p = plan_resolve(con, settings, model, **kw)
    return p.incremental, p.reason


def test_unchanged_code_and_settings_plan_incremental(cached: duckdb.DuckDBPyConnection) -> None:
    assert _plan(cached) == (True, f"cache of {RUN}")


def test_full_rebuild_requested(cached: duckdb.DuckDBPyConnection) -> None:
    assert _plan(cached, full_rebuild=True) == (False, "full rebuild requested")


def test_first_resolve_and_missing_cache(cached: duckdb.DuckDBPyConnection) -> None:
    cached.execute("DELETE FROM resolve_cache_state")
    assert _plan(cached) == (False, "first resolve (no cache)")


def test_changed_resolve_settings(cached: duckdb.DuckDBPyConnection) -> None:
    assert _plan(cached, settings=ResolveSettings(street_jw=0.91)) == (
        False,
        "resolve settings changed",
    )
    # keeping the temp tables changes nothing computed
    assert _plan(cached, settings=ResolveSettings(keep_temp=True))[0] is True


def test_changed_confidence_model(cached: duckdb.DuckDBPyConnection) -> None:
    model = load_model()
    first = next(iter(model.models))
    tweaked = dataclasses.replace(
        model,
        models={
            **model.models,
            first: dataclasses.replace(
                model.models[first], intercept=model.models[first].intercept + 0.1
            ),
        },
    )
    assert _plan(cached, model=tweaked) == (False, "confidence model changed")


@pytest.mark.parametrize(
    ("component", "reason"),
    [
        ("sql", "resolve SQL changed"),
        ("matcher", "matcher version changed"),
        ("std", "standardizer version changed"),
    ],
)
def test_changed_code_version(
    cached: duckdb.DuckDBPyConnection, component: str, reason: str
) -> None:
    """The state row as an older checkout would have left it: one component's hash differs."""
    cached.execute(
        "UPDATE resolve_cache_state SET state_key = regexp_replace(state_key, ?, ?)",
        [f"{component}=[0-9a-f]+", f"{component}=000000000000"],
    )
    assert _plan(cached) == (False, reason)


def test_changed_rules_file(cached: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(DEFAULT_RULES.read_text() + "\n# a local edit\n")
    assert _plan(cached, rules=rules) == (False, "rules file changed")
    assert _plan(cached, rules=DEFAULT_RULES)[0] is True


def test_foreign_cache(cached: duckdb.DuckDBPyConnection) -> None:
    """Rows deleted behind the state row's back: the cache no longer describes a data state."""
    cached.execute("DELETE FROM resolve_cache_evidence WHERE account_id = 'TWO'")
    incremental, reason = _plan(cached)
    assert not incremental and "foreign cache" in reason


def test_a_full_resolve_rewrites_the_cache(cached: duckdb.DuckDBPyConnection) -> None:
    """After a forced full resolve the cache is whole again and the next one is incremental."""
    cached.execute("DELETE FROM resolve_cache_evidence WHERE account_id = 'TWO'")
    _links_for(cached, "r2")
    result = resolve_contacts(cached, "r2", AS_OF)
    assert result.mode == "full" and "foreign cache" in result.mode_reason
    _links_for(cached, "r3")
    assert resolve_contacts(cached, "r3", AS_OF).mode == "incremental"
    assert _increment(cached, "r3")["accounts_dirty"] == 0
    _same_as_full(cached, "r3", AS_OF)
