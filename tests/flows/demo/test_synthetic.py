"""The synthetic portfolio generator: determinism, layouts, registry, and truth consistency.

One small portfolio is generated per module (plus a second copy for determinism) so the whole
file stays fast; the scale behaviour is measured by the benchmark, not here.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
import zipcodes

from skiptrace.flows.demo.synthetic import GeneratedPortfolio, generate_portfolio
from skiptrace.sources.registry import load_registry

N = 1500
SEED = 11


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> GeneratedPortfolio:
    return generate_portfolio(tmp_path_factory.mktemp("a"), accounts=N, seed=SEED)


def _read(path: Path, sep: str = ",") -> pl.DataFrame:
    return pl.read_csv(path, separator=sep, infer_schema=False, truncate_ragged_lines=True)


@pytest.fixture(scope="module")
def truth(gen: GeneratedPortfolio) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return (
        _read(gen.truth_dir / "accounts.csv"),
        _read(gen.truth_dir / "records.csv"),
        _read(gen.truth_dir / "malformed.csv"),
    )


def test_same_seed_gives_identical_bytes(gen: GeneratedPortfolio, tmp_path: Path) -> None:
    again = generate_portfolio(tmp_path / "b", accounts=N, seed=SEED)
    first, second = _digest(gen.root), _digest(again.root)
    assert first == second
    assert "truth/records.csv" in first and "portfolio.json" in first


def test_other_seed_differs(gen: GeneratedPortfolio, tmp_path: Path) -> None:
    other = generate_portfolio(tmp_path / "c", accounts=N, seed=SEED + 1)
    assert _digest(other.root)["accounts.csv"] != _digest(gen.root)["accounts.csv"]


def test_sizes_and_manifest(gen: GeneratedPortfolio) -> None:
    accounts = _read(gen.accounts_path)
    assert accounts.height == N
    assert accounts["account_id"].n_unique() == N
    assert gen.n_source_records == round(5.0 * N)
    manifest = json.loads((gen.root / "portfolio.json").read_text())
    assert manifest["as_of"] == "2026-11-01" and manifest["seed"] == SEED
    assert manifest["counts"]["source_records"] == gen.n_source_records
    data_rows = 0
    for f in manifest["files"]:
        path = gen.root / f["path"]
        lines = path.read_bytes().count(b"\n")
        header = 0 if f["format"] == "fixed_width" else 1
        assert lines - header == f["rows"], f["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
        if f["source"] != "accounts":
            data_rows += f["rows"]
    assert data_rows == gen.n_source_records


def test_registry_validates_and_maps_real_columns(gen: GeneratedPortfolio) -> None:
    reg = load_registry(gen.sources_path)
    kinds = {s.name: s.kind for s in reg.sources}
    assert kinds == {
        "acme": "vendor_batch",
        "credit_header": "person_records",
        "ncoa": "ncoa",
        "death_index": "deceased",
        "bankruptcy": "bankruptcy",
    }
    for src in reg.sources:
        files = src.files()
        assert files, src.name
        assert (
            "1681b" in src.permissible_purpose
            or "15 CFR 1110" in src.permissible_purpose
            or "11 USC 362" in src.permissible_purpose
        )
        assert "record_id" in src.columns
        if src.format == "fixed_width":
            assert src.widths is not None
            header = [c for c, _ in src.widths]
        else:
            first = files[0].read_text(encoding="utf-8").split("\n", 1)[0]
            header = first.split(src.default_delimiter() or ",")
        mapped = set(src.columns.values())
        for g in src.groups:
            for _, cols in g.expanded():
                mapped |= set(cols.values())
        assert mapped <= set(header), (src.name, sorted(mapped - set(header)))
        rd = src.record_date
        assert rd is not None and (src.record_date_constant() is not None or rd in header)
    roles = {
        (g.contact_type, g.role) for g in next(s for s in reg.sources if s.name == "acme").groups
    }
    assert ("phone", "third_party") in roles and ("address", "debtor") in roles


def test_each_file_parses_with_its_declared_layout(gen: GeneratedPortfolio) -> None:
    reg = load_registry(gen.sources_path)
    for src in reg.sources:
        for path in src.files():
            if src.format == "fixed_width":
                assert src.widths is not None
                width = sum(w for _, w in src.widths)
                lines = path.read_text(encoding="utf-8").splitlines()
                good = [ln for ln in lines if len(ln) == width]
                assert len(good) >= 0.99 * len(lines)
                continue
            df = _read(path, src.default_delimiter() or ",")
            rid = src.columns["record_id"]
            assert df[rid].null_count() == 0 and df[rid].n_unique() == df.height, src.name


def test_truth_refers_to_real_accounts_and_records(
    gen: GeneratedPortfolio, truth: tuple[pl.DataFrame, ...]
) -> None:
    t_acc, t_rec, _ = truth
    accounts = _read(gen.accounts_path)
    ids = set(accounts["account_id"].to_list())
    assert set(t_acc["account_id"].to_list()) == ids
    assert set(t_rec["debtor_account_id"].drop_nulls().to_list()) <= ids
    assert set(t_rec["related_account_id"].drop_nulls().to_list()) <= ids
    assert set(t_rec["relation"].unique().to_list()) <= {
        "self", "father", "son", "spouse", "roommate", "relative", "unrelated", "malformed"
    }  # fmt: skip
    # a self record's person is that account's debtor
    pid_of = dict(zip(t_acc["account_id"], t_acc["person_id"], strict=True))
    selfs = t_rec.filter(pl.col("relation") == "self")
    assert all(
        pid_of[a] == p for a, p in zip(selfs["debtor_account_id"], selfs["person_id"], strict=True)
    )
    assert (
        t_rec.filter(pl.col("relation") != "self")["debtor_account_id"].null_count()
        == t_rec.filter(pl.col("relation") != "self").height
    )
    # one truth row per source row
    reg = load_registry(gen.sources_path)
    for src in reg.sources:
        rows = sum(
            len(p.read_text(encoding="utf-8").splitlines()) - (1 if src.header else 0)
            for p in src.files()
        )
        assert t_rec.filter(pl.col("source") == src.name).height == rows, src.name
    assert t_rec["record_id"].n_unique() == t_rec.height


def test_truth_accounts_shape_and_rates(truth: tuple[pl.DataFrame, ...]) -> None:
    t_acc = truth[0]
    assert t_acc.columns == [
        "account_id", "person_id", "cur_address_line1", "cur_city", "cur_state", "cur_zip",
        "cur_phones", "cur_emails", "moved", "deceased", "bankrupt", "findable_address",
    ]  # fmt: skip
    rate = {
        c: t_acc[c].eq("Y").sum() / t_acc.height
        for c in ("moved", "deceased", "bankrupt", "findable_address")
    }
    assert 0.45 <= rate["moved"] <= 0.55
    assert 0.005 <= rate["deceased"] <= 0.04
    assert 0.01 <= rate["bankrupt"] <= 0.05
    assert 0.75 <= rate["findable_address"] <= 0.99
    phones = [p for s in t_acc["cur_phones"].drop_nulls() for p in s.split(";")]
    assert all(re.fullmatch(r"[2-9]\d{2}[2-9]\d{6}", p) for p in phones)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse("+1" + p)) for p in phones[:400])
    for z, st in list(zip(t_acc["cur_zip"], t_acc["cur_state"], strict=True))[:150]:
        assert zipcodes.matching(z)[0]["state"] == st


def test_hard_cases_are_present(gen: GeneratedPortfolio, truth: tuple[pl.DataFrame, ...]) -> None:
    _, t_rec, _ = truth
    rel = t_rec.group_by("source", "relation").len()
    have = {(s, r) for s, r in zip(rel["source"], rel["relation"], strict=True)}
    for pair in [
        ("credit_header", "father"), ("credit_header", "son"), ("credit_header", "spouse"),
        ("credit_header", "roommate"), ("credit_header", "relative"), ("credit_header", "unrelated"),
        ("death_index", "father"), ("death_index", "self"), ("bankruptcy", "self"),
        ("ncoa", "self"), ("acme", "self"),
    ]:  # fmt: skip
        assert pair in have, pair
    # father and son share first and last name and address, never SSN
    ch = _read(gen.root / "credit_header.tsv", "\t").join(
        t_rec, left_on="REC_ID", right_on="record_id"
    )
    fathers = ch.filter(pl.col("relation") == "father").select(
        "related_account_id", "GIVEN", "SURNAME", "SSN", "ZIP5"
    )
    sons = ch.filter(pl.col("relation") == "self").select(
        "debtor_account_id", "GIVEN", "SURNAME", "SSN", "ZIP5"
    )
    pairs = fathers.join(
        sons,
        left_on=["related_account_id", "SURNAME", "ZIP5"],
        right_on=["debtor_account_id", "SURNAME", "ZIP5"],
    )
    assert pairs.height > 0
    assert (pairs["SSN"] != pairs["SSN_right"]).all()
    # NCOA carries family, individual and business moves and the domain's return codes
    ncoa = _read(gen.root / "ncoa_moves.csv")
    assert {"I", "F", "B"} <= set(ncoa["MOVE_TYPE"].drop_nulls().to_list())
    assert {"A", "00", "02"} <= set(ncoa["RETURN_CODE"].drop_nulls().to_list())
    # account export variety: full-name-only rows, dashed and bare SSNs, two DOB layouts, units
    acc = _read(gen.accounts_path)
    only_full = acc.filter(pl.col("first_name").is_null() & pl.col("full_name").is_not_null())
    assert 0.06 <= only_full.height / acc.height <= 0.14
    assert only_full["full_name"].str.contains(",").any()
    assert acc["ssn"].str.contains("-").any() and acc["ssn"].str.contains(r"^\d{9}$").any()
    assert acc["dob"].str.contains("/").any() and acc["dob"].str.contains(r"^\d{4}-").any()
    lines = acc["address_line1"].drop_nulls()
    assert lines.str.contains("#").any() and lines.str.contains(r"(?i)p\.?\s?o\.? box").any()
    assert acc["address_line2"].drop_nulls().len() > 0
    assert acc["phone"].drop_nulls().str.contains(r"^\(\d{3}\) ").any()
    # vendor: ranked candidates, stale and third-party entries
    vendor = _read(next(gen.root.glob("vendor_acme_batch*.psv")), "|")
    assert 0.6 <= vendor.height / N <= 0.8
    assert set(vendor["PHONE1_TYPE"].drop_nulls().unique().to_list()) <= {"M", "L", "V"}
    assert vendor["REL1_RELATION"].drop_nulls().len() > 0


def test_malformed_rows_are_listed_and_broken(
    gen: GeneratedPortfolio, truth: tuple[pl.DataFrame, ...]
) -> None:
    _, t_rec, mal = truth
    total_rows = gen.n_source_records + gen.n_accounts
    assert 0.001 <= mal.height / total_rows <= 0.004
    assert set(mal["reason"].unique().to_list()) <= {"field_count", "bad_ssn", "bad_date"}
    recs = set(t_rec.filter(pl.col("relation") == "malformed")["record_id"].to_list())
    non_acct = mal.filter(pl.col("file") != "accounts.csv")
    assert recs == set(non_acct["record_id"].to_list())
    delims = {".csv": ",", ".psv": "|", ".tsv": "\t"}
    for f, line_no, rid, reason in mal.iter_rows():
        path = gen.root / f
        if path.suffix not in delims:
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        header, line = lines[0], lines[int(line_no) - 1]
        assert rid in line
        if reason == "field_count" and delims[path.suffix] != ",":
            assert line.count(delims[path.suffix]) != header.count(delims[path.suffix])


def test_records_per_account_controls_volume(tmp_path: Path) -> None:
    g = generate_portfolio(tmp_path / "d", accounts=300, seed=3, records_per_account=6.0)
    assert g.n_source_records == 1800
