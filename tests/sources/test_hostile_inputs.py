"""Careless and hostile deliveries (issue 19, ingest side): each ends in a correct load or one
clear error naming the file, and nothing raw leaks."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from skiptrace.sources.errors import (
    DuplicateColumnsError,
    IngestError,
    PathOutsideRegistryError,
    RegistryError,
    UnsafeYamlError,
)
from skiptrace.sources.ingest import ingest_accounts, ingest_source
from skiptrace.sources.registry import ALLOWED_ROOTS_ENV, AccountProfile, load_registry

ENTRY = """
- name: people
  kind: person_records
  path: "{path}"
  reliability: 0.5
  permissible_purpose: collection
"""


def registry(folder: Path, path: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "sources.yml"
    target.write_text(extra + ("sources:" if extra else "") + ENTRY.format(path=path))
    return target


# --- case 1: registry paths stay inside the registry folder -----------------------------------


def test_a_path_escaping_the_registry_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("last_name\nSmith\n")
    reg = load_registry(registry(tmp_path / "conf", "../secret.csv"))
    with pytest.raises(PathOutsideRegistryError) as err:
        reg.sources[0].files()
    msg = str(err.value)
    assert "secret.csv" in msg and "people" in msg and "allowed_roots" in msg
    assert "\n" not in msg and isinstance(err.value, RegistryError | IngestError)
    abs_reg = load_registry(registry(tmp_path / "conf2", "/etc/passwd"))
    with pytest.raises(PathOutsideRegistryError, match="/etc/passwd"):
        abs_reg.sources[0].files()


def test_a_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "data.csv"
    outside.parent.mkdir()
    outside.write_text("last_name\nSmith\n")
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "data.csv").symlink_to(outside)
    reg = load_registry(registry(conf, "*.csv"))
    with pytest.raises(PathOutsideRegistryError, match=r"data\.csv"):
        reg.sources[0].files()


def test_allowed_roots_and_the_environment_variable_admit_other_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "data.csv").write_text("last_name\nSmith\n")
    conf = tmp_path / "conf"
    reg = load_registry(registry(conf, "../shared/data.csv", extra="allowed_roots: [../shared]\n"))
    assert [p.name for p in reg.sources[0].files()] == ["data.csv"]
    reg = load_registry(registry(tmp_path / "conf2", str(shared / "data.csv")))
    with pytest.raises(PathOutsideRegistryError):
        reg.sources[0].files()
    monkeypatch.setenv(ALLOWED_ROOTS_ENV, str(shared))
    assert [p.name for p in reg.sources[0].files()] == ["data.csv"]
    inside = load_registry(registry(tmp_path / "conf3", "sub/*.csv"))
    (tmp_path / "conf3" / "sub").mkdir()
    (tmp_path / "conf3" / "sub" / "x.csv").write_text("last_name\nLee\n")
    assert [p.name for p in inside.sources[0].files()] == ["x.csv"]


# --- case 10: YAML alias bombs are refused at once ----------------------------------------------


def test_a_yaml_alias_bomb_is_refused_in_well_under_a_second(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines.append("sources: []")
    bomb = tmp_path / "sources.yml"
    bomb.write_text("\n".join(lines) + "\n")
    assert bomb.stat().st_size < 4096
    start = time.perf_counter()
    with pytest.raises(UnsafeYamlError) as err:
        load_registry(bomb)
    assert time.perf_counter() - start < 0.5
    assert "sources.yml" in str(err.value) and "\n" not in str(err.value)


def test_modest_yaml_aliases_still_work(tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    path.write_text(
        "common: &common {reliability: 0.5, permissible_purpose: collection, kind: person_records}\n"
        "sources:\n"
        "  - {<<: *common, name: a, path: a.csv}\n"
        "  - {<<: *common, name: b, path: b.csv}\n"
    )
    assert [s.name for s in load_registry(path).sources] == ["a", "b"]


def test_invalid_yaml_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    path.write_text("sources: [unclosed\n")
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    assert "sources.yml" in str(err.value) and "\n" not in str(err.value)


# --- case 8: encodings, control characters, duplicate header names -----------------------------

HEADER = "account_id,first_name,last_name"


def test_mixed_utf8_and_cp1252_lines_are_decoded_per_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        (HEADER + "\n").encode()
        + "A1,JOSÉ,PEÑA\n".encode()
        + "A2,JOSÉ,PEÑA\n".encode("cp1252")
        + "A3,Zoë,Brontë\n".encode()
    )
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (3, 0)
    names = con.execute("SELECT first_name, last_name FROM accounts ORDER BY account_id").fetchall()
    assert names == [("JOSÉ", "PEÑA"), ("JOSÉ", "PEÑA"), ("Zoë", "Brontë")]  # no 'JOSÃ‰'
    enc = con.execute("SELECT encoding, lines_fallback_decoded FROM input_files").fetchone()
    assert enc == ("utf-8+cp1252", 1)
    assert "1 line(s) not UTF-8" in res.message


def test_nul_and_control_characters_are_stripped_and_counted(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(
        (HEADER + "\n").encode() + b"A1,JO\x00HN,SMI\x07TH\n" + b"A2,ANN,LEE\x1b\n" + b"A3,BO,ROE\n"
    )
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.rows_loaded, res.rows_rejected) == (3, 0)
    names = con.execute("SELECT first_name, last_name FROM accounts ORDER BY account_id").fetchall()
    assert names == [("JOHN", "SMITH"), ("ANN", "LEE"), ("BO", "ROE")]
    assert con.execute("SELECT lines_control_stripped FROM input_files").fetchone() == (2,)


def test_duplicate_header_names_are_refused_naming_the_file(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,first_name,last_name,Last_Name\nA1,Ann,Lee,Smith\n")
    with pytest.raises(DuplicateColumnsError) as err:
        ingest_accounts(con, path, AccountProfile(), "r1")
    msg = str(err.value)
    assert "accounts.csv" in msg and "Last_Name" in msg and "\n" not in msg
    assert con.execute("SELECT count(*) FROM input_files").fetchone() == (0,)


# --- case 11 (part): CR-only line ends ------------------------------------------------------------


def test_cr_only_line_endings_are_read(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"account_id,first_name,last_name\rA1,Ann,Lee\rA2,Bob,Roe\r")
    res = ingest_accounts(con, path, AccountProfile(), "r1")
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (2, 2, 0)
    got = con.execute("SELECT account_id, line_no, last_name FROM accounts ORDER BY 1").fetchall()
    assert got == [("A1", 2, "Lee"), ("A2", 3, "Roe")]
    assert "CR-only line ends" in res.message


# --- case 1 through ingest: a registry source pointing outside loads nothing ----------------------


def test_ingesting_an_escaping_source_writes_nothing(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    (tmp_path / "people.csv").write_text("last_name\nSmith\n")
    reg = load_registry(registry(tmp_path / "conf", "../people.csv"))
    with pytest.raises(PathOutsideRegistryError):
        ingest_source(con, reg.sources[0], "r1")
    assert con.execute("SELECT count(*) FROM input_files").fetchone() == (0,)
    assert os.environ.get(ALLOWED_ROOTS_ENV) is None
