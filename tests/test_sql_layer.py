"""The database layer (skiptrace.sql): files and one-line statements, named $parameters only,
transactions that land whole or not at all, and the one template mechanism for generated SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from skiptrace import sql


@pytest.fixture
def mem() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t (k INTEGER, v VARCHAR)")
    return con


def test_run_binds_each_statement_only_the_parameters_it_names(mem) -> None:
    # three statements, each using a different subset: DuckDB would reject unused ones
    sql.run(
        mem,
        "INSERT INTO t VALUES ($a, 'x'); INSERT INTO t VALUES ($b, $label); DELETE FROM t WHERE k = 0",
        a=1,
        b=2,
        label="y",
    )
    assert mem.execute("SELECT * FROM t ORDER BY k").fetchall() == [(1, "x"), (2, "y")]


def test_query_returns_the_last_statements_rows_as_polars(mem) -> None:
    out = sql.query(mem, "INSERT INTO t VALUES ($k, 'a'); SELECT k, v FROM t WHERE k = $k", k=5)
    assert isinstance(out, pl.DataFrame)
    assert out.rows() == [(5, "a")]


def test_query_runs_a_file_from_the_sql_folder(con) -> None:
    """A name ending in .sql is a file under sql/ (here on a migrated, empty database)."""
    out = sql.query(con, "audit/latest_run_for_account.sql", account_id="A1")
    assert out.columns == ["run_id"] and out.height == 0
    assert sql.scalar(con, "audit/latest_run_for_account.sql", account_id="A1") is None


def test_batches_read_a_result_in_order_a_few_rows_at_a_time(mem) -> None:
    """The rows of `query`, in its order, as frames of at most the given size: an export is
    written as it is read instead of held whole."""
    sql.run(mem, "INSERT INTO t SELECT i, 'v' || i FROM range(10) r(i)")
    text = "SELECT k, v FROM t WHERE k >= $low ORDER BY k DESC"
    frames = list(sql.batches(mem, text, 3, low=1))
    assert [f.height for f in frames] == [3, 3, 3]
    assert pl.concat(frames).equals(sql.query(mem, text, low=1))


def test_batches_of_an_empty_result_are_one_empty_frame_with_its_columns(mem) -> None:
    frames = list(sql.batches(mem, "SELECT k, v FROM t WHERE k > $k", 3, k=0))
    assert len(frames) == 1 and frames[0].height == 0
    assert frames[0].schema == pl.Schema({"k": pl.Int32, "v": pl.String})


def test_rows_keep_duckdbs_python_types(mem) -> None:
    """Reports and explain format Decimal and date values as DuckDB gives them."""
    got = sql.rows(
        mem, "SELECT $d::DECIMAL(5, 2) AS amount, $day AS day", d="1.50", day=dt.date(2026, 1, 2)
    )
    assert got == [{"amount": Decimal("1.50"), "day": dt.date(2026, 1, 2)}]


def test_scalar_is_the_first_value_or_none(mem) -> None:
    assert sql.scalar(mem, "SELECT count(*) FROM t") == 0
    assert sql.scalar(mem, "SELECT k FROM t WHERE k = $k", k=1) is None


def test_a_missing_parameter_is_an_error_that_names_it(mem) -> None:
    with pytest.raises(KeyError, match=r"\['k'\] not given"):
        sql.run(mem, "DELETE FROM t WHERE k = $k")


def test_an_unused_parameter_is_an_error_that_names_it(mem) -> None:
    """A misspelt keyword would otherwise be dropped silently and the statement run without it."""
    with pytest.raises(KeyError, match=r"\['run_idd'\] not used"):
        sql.run(mem, "DELETE FROM t WHERE v = $run_id", run_id="r", run_idd="r")
    assert sql.scalar(mem, "SELECT count(*) FROM t") == 0


def test_transaction_commits_a_block(mem) -> None:
    with sql.transaction(mem):
        sql.run(mem, "INSERT INTO t VALUES (1, 'a')")
        sql.run(mem, "INSERT INTO t VALUES (2, 'b')")
    assert sql.scalar(mem, "SELECT count(*) FROM t") == 2


def test_transaction_rolls_back_every_write_on_error_and_reraises(mem) -> None:
    sql.run(mem, "INSERT INTO t VALUES (0, 'kept')")
    with pytest.raises(RuntimeError, match="boom"), sql.transaction(mem):
        sql.run(mem, "INSERT INTO t VALUES (1, 'a')")
        sql.run(mem, "UPDATE t SET v = 'changed'")
        raise RuntimeError("boom")
    assert mem.execute("SELECT * FROM t").fetchall() == [(0, "kept")]
    # the connection is usable afterwards: no transaction left open
    with sql.transaction(mem):
        sql.run(mem, "INSERT INTO t VALUES (3, 'c')")
    assert sql.scalar(mem, "SELECT count(*) FROM t") == 2


def test_transaction_rolls_back_after_a_failed_statement(mem) -> None:
    """DuckDB aborts a transaction on a failed statement; the rollback still leaves it clean."""
    with pytest.raises(duckdb.Error), sql.transaction(mem):
        sql.run(mem, "INSERT INTO t VALUES (1, 'a')")
        sql.run(mem, "INSERT INTO t VALUES ('not a number', 'b')")
    assert sql.scalar(mem, "SELECT count(*) FROM t") == 0


def test_render_fills_generated_fragments_and_refuses_a_mismatch() -> None:
    text = sql.render("suppress/fire_account_rule.sql", when="deceased", detail="NULL")
    assert "WHERE (deceased)" in text and "{{" not in text
    assert "$reason" in text  # values stay parameters
    with pytest.raises(KeyError, match="template slots"):
        sql.render("suppress/fire_account_rule.sql", when="deceased")
    with pytest.raises(KeyError, match="template slots"):
        sql.render("suppress/fire_account_rule.sql", when="x", detail="NULL", extra="1")


def test_frame_is_a_deprecated_alias_that_still_works(mem) -> None:
    """Kept for code on other branches; positional parameters only here."""
    assert sql.frame(mem, "SELECT ? AS x", [7]).rows() == [(7,)]


def test_parameters_lists_what_a_file_names(mem) -> None:
    """Parsed, not grepped: a '$.path' inside a string literal is not a parameter."""
    assert sql.parameters(mem, "SELECT $a, json_extract('{}', '$.x'); SELECT $b") == {"a", "b"}
    assert sql.parameters(mem, "exports/export_matches.sql") >= {"run_id"}


def test_a_text_is_parsed_once_and_serves_every_connection(mem) -> None:
    """Parsing is a fixed cost of every call (resolve's SQL took about 0.1 s of CPU a call):
    a text is parsed once per process, and its statements run on any connection, each with its
    own tables and parameters."""
    text = "INSERT INTO t VALUES ($k, 'p'); SELECT count(*) FROM t WHERE k = $k"
    other = duckdb.connect(":memory:")
    other.execute("CREATE TABLE t (k INTEGER, v VARCHAR)")
    assert sql.scalar(mem, text, k=1) == 1
    parsed = sql._PARSED[text]
    assert sql.scalar(other, text, k=2) == 1
    assert sql.scalar(mem, text, k=1) == 2
    assert sql._PARSED[text] is parsed  # not parsed again
    assert mem.execute("SELECT * FROM t ORDER BY k").fetchall() == [(1, "p"), (1, "p")]
    assert other.execute("SELECT * FROM t").fetchall() == [(2, "p")]
    # a parse error is raised on every call: nothing is kept for it
    for _ in range(2):
        with pytest.raises(duckdb.ParserException):
            sql.run(mem, "SELEC 1 FROM t")
    assert "SELEC 1 FROM t" not in sql._PARSED
