"""Standardization caches are versioned: a row written by another standardizer version is
recomputed and replaced, a warm cache of the running version is not recomputed, and the version
follows the content of the files that determine the cache (migration 013)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import skiptrace.matchers.address as address
import skiptrace.matchers.names as names
import skiptrace.matchers.phones as phones
from skiptrace.matchers.standardize import build_std_tables, replace_in_cache
from skiptrace.matchers.versioning import content_version


@dataclass(frozen=True)
class Cache:
    """One versioned cache: its module, standardize function, the Python step that computes
    rows (counted to prove a warm cache is not recomputed), and a column the test corrupts."""

    module: Any
    standardize: str
    compute: str
    version: str
    sources: str
    table: str
    key: str
    column: str


CACHES = {
    "address": Cache(address, "standardize_addresses", "standardize_frame",
                     "address_std_version", "ADDRESS_STD_SOURCES", "std_address_cache",
                     "addr_raw", "std_line1"),
    "name": Cache(names, "standardize_names", "standardize_name_frame", "name_std_version",
                  "NAME_STD_SOURCES", "std_name_cache", "name_raw", "first_std"),
    "phone": Cache(phones, "standardize_phones", "standardize_phone_frame",
                   "phone_std_version", "PHONE_STD_SOURCES", "std_phone_cache", "phone_raw",
                   "e164"),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_versions() -> Iterator[None]:
    """Versions are cached per process; a test that patches their inputs must not leak."""
    for c in CACHES.values():
        getattr(c.module, c.version).cache_clear()
    yield
    for c in CACHES.values():
        getattr(c.module, c.version).cache_clear()


def _seed(con: duckdb.DuckDBPyConnection) -> None:
    """Two current accounts and one current source record: 3 names, 3 addresses, 3 phones."""
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES"
        " (1, 'accounts', 'accounts', 'loaded'), (2, 'vendor', 'person_records', 'loaded')"
    )
    con.execute(
        "INSERT INTO accounts (file_no, line_no, account_id, first_name, last_name,"
        " address_line1, city, state, zip, phone) VALUES"
        " (1, 2, 'A1', 'Bob', 'Smith', '123 Main Street', 'Springfield', 'IL', '62704',"
        "  '(212) 736-5000'),"
        " (1, 3, 'A2', 'Peggy', 'Olson', 'PO Box 12', 'Chicago', 'IL', '60601', '602 555 2123')"
    )
    con.execute(
        "INSERT INTO source_records (rec_id, file_no, line_no, full_name, address_line1, city,"
        " state, zip, phone) VALUES (20000000002, 2, 2, 'SMITH, ROBERT J', '9 Cedar Court',"
        " 'Boston', 'MA', '02108', '303-555-2100')"
    )


def _run(con: duckdb.DuckDBPyConnection, c: Cache) -> int:
    fn: Callable[..., int] = getattr(c.module, c.standardize)
    return fn(con, workers=1) if c.module is address else fn(con)


def _rows(con: duckdb.DuckDBPyConnection, c: Cache) -> list[tuple[Any, ...]]:
    return con.execute(
        f"SELECT {c.key}, {c.column}, std_version FROM {c.table} ORDER BY {c.key}"
    ).fetchall()


def _count_compute(monkeypatch: pytest.MonkeyPatch, c: Cache) -> list[int]:
    """Wrap the module's row-computing function; returns the list of batch sizes it saw."""
    calls: list[int] = []
    real = getattr(c.module, c.compute)

    def counted(arg: Any, *args: Any, **kwargs: Any) -> pl.DataFrame:
        calls.append(len(arg))
        return real(arg, *args, **kwargs)

    monkeypatch.setattr(c.module, c.compute, counted)
    return calls


@pytest.mark.parametrize("kind", list(CACHES))
def test_rows_are_stamped_and_warm_cache_is_not_recomputed(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    c = CACHES[kind]
    _seed(con)
    assert _run(con, c) == 3
    version = getattr(c.module, c.version)()
    assert {r[2] for r in _rows(con, c)} == {version}
    before = _rows(con, c)
    calls = _count_compute(monkeypatch, c)
    assert _run(con, c) == 0
    assert calls == []  # nothing handed to the parser
    assert _rows(con, c) == before  # no new, no rewritten rows


@pytest.mark.parametrize("kind", list(CACHES))
def test_row_of_another_version_is_recomputed_and_replaced(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    c = CACHES[kind]
    _seed(con)
    _run(con, c)
    good = _rows(con, c)
    version = getattr(c.module, c.version)()
    stale_key, null_key = good[0][0], good[1][0]
    # one row from an older standardizer (a different, wrong form), one written before
    # migration 013 (NULL version), and one orphan of an old version no current row uses
    con.execute(
        f"UPDATE {c.table} SET {c.column} = 'STALE', std_version = 'old+000000000000'"
        f" WHERE {c.key} = ?",
        [stale_key],
    )
    con.execute(
        f"UPDATE {c.table} SET {c.column} = 'STALE', std_version = NULL WHERE {c.key} = ?",
        [null_key],
    )
    con.execute(
        f"INSERT INTO {c.table} ({c.key}, {c.column}, std_version)"
        " VALUES ('orphan', 'STALE', 'old+000000000000')"
    )
    calls = _count_compute(monkeypatch, c)
    assert _run(con, c) == 2
    assert calls == [2]  # only the two stale current values were recomputed
    assert _rows(con, c) == good  # same forms as a cold run, one row per key, orphan gone
    stale = con.execute(
        f"SELECT count(*) FROM {c.table} WHERE std_version IS DISTINCT FROM ?", [version]
    ).fetchone()
    assert stale == (0,)


def test_new_version_restandardizes_everything_in_use(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade of every standardizer: after one run, every cached row the identities use
    comes from the new version and no row of the old one is left."""
    _seed(con)
    for c in CACHES.values():
        _run(con, c)
    for c in CACHES.values():
        monkeypatch.setattr(c.module, c.version, lambda kind=c.table: f"{kind}+upgraded")
        con.execute(f"UPDATE {c.table} SET {c.column} = 'STALE'")  # what the old code said
    for c in CACHES.values():
        assert _run(con, c) == 3
    for c in CACHES.values():
        versions = con.execute(f"SELECT DISTINCT std_version FROM {c.table}").fetchall()
        assert versions == [(f"{c.table}+upgraded",)]
    build_std_tables(con)
    row = con.execute(
        "SELECT count(*) FILTER (WHERE first_std = 'STALE' OR std_line1 = 'STALE'"
        " OR phone_e164 = 'STALE'), count(*) FILTER (WHERE first_std IS NULL"
        " OR std_line1 IS NULL OR phone_e164 IS NULL) FROM acct_std"
    ).fetchone()
    assert row == (0, 0)


@pytest.mark.parametrize("kind", list(CACHES))
def test_version_follows_source_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str
) -> None:
    c = CACHES[kind]
    version = getattr(c.module, c.version)
    real = version()
    assert version() is real  # cached per process
    rules = tmp_path / "rules.py"
    rules.write_text("SUFFIXES = {'STREET': 'ST'}\n")
    monkeypatch.setattr(c.module, c.sources, (*getattr(c.module, c.sources), rules))
    version.cache_clear()
    before = version()
    assert before != real
    rules.write_text("SUFFIXES = {'STREET': 'ST', 'AVENUE': 'AVE'}\n")
    version.cache_clear()
    after = version()
    assert after != before
    rules.write_text("SUFFIXES = {'STREET': 'ST'}\n")
    version.cache_clear()
    assert version() == before  # content, not modification time


@pytest.mark.parametrize("kind", list(CACHES))
def test_version_inputs_exist_and_include_the_module(kind: str) -> None:
    c = CACHES[kind]
    files = getattr(c.module, c.sources)
    assert all(Path(f).is_file() for f in files)
    assert Path(c.module.__file__).resolve() in {Path(f).resolve() for f in files}
    assert any(Path(f).suffix == ".sql" for f in files)


def test_address_version_covers_the_parsing_modules() -> None:
    names_ = {Path(f).name for f in address.ADDRESS_STD_SOURCES}
    assert {
        "pub28.py", "address_fast.py", "address_finish.py", "address_usaddress.py",
        "zip_reference.py",  # the ZIP table the finish joins
    } <= names_  # fmt: skip


def test_version_follows_package_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """A phonenumbers release changes validity and line types without touching our files."""
    import skiptrace.matchers.versioning as versioning

    before = content_version("phone", phones.PHONE_STD_SOURCES, phones.PHONE_STD_PACKAGES)
    real = versioning.metadata.version
    monkeypatch.setattr(
        versioning.metadata,
        "version",
        lambda p: "999.0" if p == "phonenumbers" else real(p),
    )
    after = content_version("phone", phones.PHONE_STD_SOURCES, phones.PHONE_STD_PACKAGES)
    assert after != before


def test_replace_in_cache_keeps_one_row_when_a_key_is_already_cached(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A key already cached for this version (appended meanwhile) is skipped, not doubled, and
    the stale rows are still deleted."""
    con.execute(
        "INSERT INTO std_phone_cache (phone_raw, e164, valid, std_version) VALUES"
        " ('2125552100', '+12125552100', true, 'v1'), ('old', NULL, false, 'v0')"
    )
    new = pl.DataFrame(
        {"phone_raw": ["2125552100", "2125552101"], "e164": ["+12125552100", "+12125552101"],
         "valid": [True, True]}
    )  # fmt: skip
    con.register("_new", new)
    try:
        replace_in_cache(con, "std_phone_cache", "v1", "_new")
    finally:
        con.unregister("_new")
    rows = con.execute(
        "SELECT phone_raw, std_version FROM std_phone_cache ORDER BY phone_raw"
    ).fetchall()
    assert rows == [("2125552100", "v1"), ("2125552101", "v1")]
