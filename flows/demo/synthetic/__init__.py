"""Deterministic synthetic portfolio: account export, five source extracts, sources.yml, truth.

`generate_portfolio(outdir, accounts, seed)` simulates a population (debtors, households,
relatives, namesakes, strangers; see `world.py`), renders each source as a differently laid-out
view of it with realistic noise (`build.py`), and writes ground truth next to it so every
pipeline stage can be scored. Same seed and size give byte-identical files: all randomness
flows from one `SeedSequence`, and rendering is vectorized polars with no order-dependent
operations.

Layout written to `outdir`:

- `accounts.csv`                    account export, default profile (CSV)
- `vendor_acme_batch.psv`           vendor batch return (pipe); `vendor_acme_batch_NNN.psv`
                                    parts when more than 200,000 rows
- `credit_header.tsv`               credit-header-like person records (tab)
- `ncoa_moves.csv`                  NCOALink-style return (CSV)
- `death_index.txt`                 death master file extract (fixed width, no header)
- `bankruptcy.csv`                  court-docket extract (CSV)
- `sources.yml`                     registry for all of the above
- `truth/accounts.csv`, `truth/records.csv`   (format in docs/architecture.md)
- `truth/malformed.csv`             file, line_no, record_id, reason of each deliberately bad row
- `portfolio.json`                  as_of, seed, counts, file list with sha256
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from skiptrace.atomic import private_dir, private_umask
from skiptrace.flows.demo.synthetic import build as B
from skiptrace.flows.demo.synthetic import render as R
from skiptrace.flows.demo.synthetic.world import NODATE, RELATIONS, add_businesses, build_world
from skiptrace.flows.demo.synthetic.write import (
    Malformed,
    WrittenFile,
    choose_malformed,
    write_spec,
)

GENERATOR_VERSION = "1"
_EPOCH = date(1970, 1, 1)

PERMISSIBLE_PURPOSE = (
    "FCRA 604(a)(3)(A) (15 USC 1681b(a)(3)(A)): review or collection of an account of the consumer"
)


@dataclass
class GeneratedPortfolio:
    """Where a generated portfolio lives and what it holds."""

    root: Path
    accounts_path: Path
    sources_path: Path  # sources.yml
    truth_dir: Path
    as_of: date
    n_accounts: int
    n_source_records: int


class _FlowList(list[object]):
    """A list YAML writes inline (`[REC_ID, 10]`), so width tables read as tables."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _iso(days: int) -> str:
    return date.fromordinal(_EPOCH.toordinal() + days).isoformat()


def sources_yaml(as_of: int, vendor_glob: str) -> dict[str, object]:
    """The registry describing every generated source (validates against sources.registry)."""
    from skiptrace.flows.demo.synthetic.build import (
        DEATH_WIDTHS,
        VENDOR_ADDRS,
        VENDOR_EMAILS,
        VENDOR_PHONES,
        VENDOR_RELS,
    )

    return {
        "sources": [
            {
                "name": "acme",
                "kind": "vendor_batch",
                "path": vendor_glob,
                "format": "psv",
                "reliability": 0.8,
                "permissible_purpose": PERMISSIBLE_PURPOSE + "; ACME batch skip-trace return",
                "record_date": "RETURN_DT",
                "date_formats": ["%m/%d/%Y"],
                "columns": {
                    "record_id": "REC_ID", "account_id": "ACCT_NO", "first_name": "FNAME",
                    "middle_name": "MNAME", "last_name": "LNAME", "suffix": "SFX", "ssn": "SSN",
                    "dob": "DOB", "date_of_death": "DOD",
                },
                "groups": [
                    {
                        "contact_type": "address", "repeat": VENDOR_ADDRS,
                        "columns": {
                            "address_line1": "ADDR{i}_LINE", "city": "ADDR{i}_CITY",
                            "state": "ADDR{i}_STATE", "zip": "ADDR{i}_ZIP",
                            "first_seen": "ADDR{i}_FIRST_SEEN", "last_seen": "ADDR{i}_LAST_SEEN",
                        },
                    },
                    {
                        "contact_type": "phone", "repeat": VENDOR_PHONES,
                        "columns": {
                            "phone": "PHONE{i}", "phone_type": "PHONE{i}_TYPE",
                            "carrier": "PHONE{i}_CARRIER", "prepaid": "PHONE{i}_PREPAID",
                            "last_seen": "PHONE{i}_LAST_SEEN",
                        },
                    },
                    {"contact_type": "email", "repeat": VENDOR_EMAILS, "columns": {"email": "EMAIL{i}"}},
                    {
                        "contact_type": "phone", "role": "third_party", "repeat": VENDOR_RELS,
                        "columns": {
                            "phone": "REL{i}_PHONE", "full_name": "REL{i}_NAME",
                            "relationship": "REL{i}_RELATION",
                        },
                    },
                ],
            },
            {
                "name": "credit_header",
                "kind": "person_records",
                "path": "credit_header.tsv",
                "format": "tsv",
                "reliability": 0.7,
                "permissible_purpose": PERMISSIBLE_PURPOSE + "; credit header (identifying information)",
                "record_date": "RPT_DT",
                "date_formats": ["%Y%m%d"],
                "columns": {
                    "record_id": "REC_ID", "last_name": "SURNAME", "first_name": "GIVEN",
                    "middle_name": "MID", "suffix": "SFX", "ssn": "SSN", "dob": "BIRTH_DT",
                    "address_line1": "STREET", "address_line2": "UNIT", "city": "CITY",
                    "state": "ST", "zip": "ZIP5", "phone": "PHONE",
                },
            },
            {
                "name": "ncoa",
                "kind": "ncoa",
                "path": "ncoa_moves.csv",
                "format": "csv",
                "reliability": 0.95,
                "permissible_purpose": (
                    "USPS NCOALink address update of a mailing list of accounts in collection; "
                    + PERMISSIBLE_PURPOSE
                ),
                "record_date": _iso(as_of - 5),
                "date_formats": ["%Y%m"],
                "name_order": "first_last",
                "columns": {
                    "record_id": "NCOA_ID", "full_name": "FULL_NAME", "address_line1": "OLD_ADDR",
                    "city": "OLD_CITY", "state": "OLD_ST", "zip": "OLD_ZIP",
                    "new_address_line1": "NEW_ADDR", "new_city": "NEW_CITY", "new_state": "NEW_ST",
                    "new_zip": "NEW_ZIP", "move_type": "MOVE_TYPE",
                    "move_effective_date": "MOVE_EFF", "ncoa_return_code": "RETURN_CODE",
                },
            },
            {
                "name": "death_index",
                "kind": "deceased",
                "path": "death_index.txt",
                "format": "fixed_width",
                "header": False,
                "widths": [_FlowList([c, w]) for c, w in DEATH_WIDTHS],
                "reliability": 0.98,
                "permissible_purpose": (
                    "Limited Access Death Master File, certified under 15 CFR 1110: "
                    "deceased-consumer identification for collection of an account"
                ),
                "record_date": _iso(as_of - 10),
                "date_formats": ["%m%d%Y"],
                "columns": {
                    "record_id": "REC_ID", "ssn": "SSN", "last_name": "LAST_NAME",
                    "suffix": "NAME_SUFFIX", "first_name": "FIRST_NAME", "middle_name": "MIDDLE_NAME",
                    "date_of_death": "DOD", "dob": "DOB",
                },
            },
            {
                "name": "bankruptcy",
                "kind": "bankruptcy",
                "path": "bankruptcy.csv",
                "format": "csv",
                "reliability": 0.97,
                "permissible_purpose": (
                    "Public bankruptcy court records (PACER) checked for the automatic stay "
                    "(11 USC 362) during collection of an account"
                ),
                "record_date": "LAST_ACTIVITY",
                "date_formats": ["%m/%d/%Y"],
                "columns": {
                    "record_id": "BK_REC_ID", "full_name": "DEBTOR_NAME", "ssn": "SSN",
                    "address_line1": "ADDRESS", "city": "CITY", "state": "STATE", "zip": "ZIP",
                    "bk_chapter": "CHAPTER", "bk_case_number": "CASE_NUMBER", "bk_district": "COURT",
                    "bk_filing_date": "DATE_FILED", "bk_discharge_date": "DATE_DISCHARGED",
                    "bk_dismissal_date": "DATE_DISMISSED",
                },
            },
        ]
    }  # fmt: skip


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def _acct_str(acct_id: pl.Series, idx: np.ndarray) -> pl.Series:
    return B._gather(acct_id, np.asarray(idx, np.int64))


def _person_id(pid: np.ndarray) -> pl.Series:
    return "P" + pl.Series(pid, dtype=pl.Int64).cast(pl.String).str.zfill(9)


def generate_portfolio(
    outdir: Path,
    accounts: int = 2000,
    seed: int = 7,
    as_of: date = date(2026, 11, 1),
    records_per_account: float = 5.0,
) -> GeneratedPortfolio:
    """Write a synthetic portfolio with ground truth under `outdir` (created if needed).

    `records_per_account` is a target for all source rows together; the credit header is
    padded with unrelated people to reach it (the structural minimum is about 4.3).
    """
    if accounts < 1:
        raise ValueError("accounts must be >= 1")
    outdir = Path(outdir)
    # The files carry names, dates of birth and SSNs (synthetic, but shaped like the real
    # thing, and a portfolio folder gets copied around): owner-only like every file the
    # pipeline writes, whatever the umask.
    with private_umask():
        private_dir(outdir / "truth")
        return _write_portfolio(outdir, accounts, seed, as_of, records_per_account)


def _write_portfolio(
    outdir: Path, accounts: int, seed: int, as_of: date, records_per_account: float
) -> GeneratedPortfolio:
    truth_dir = outdir / "truth"
    as_of_days = (as_of - _EPOCH).days
    world = build_world(accounts, seed, as_of_days)
    add_businesses(world, max(1, round(0.004 * accounts)))
    emails = B.make_emails(world, world.rngs["render"])
    acct_id = B.account_ids(world)

    specs: list[B.FileSpec] = [B.build_accounts(world, acct_id, emails)]
    specs.append(B.build_vendor(world, acct_id, emails))
    specs.append(B.build_ncoa(world))
    specs.append(B.build_death(world))
    specs.append(B.build_bankruptcy(world))
    target = round(records_per_account * accounts)
    others = sum(s.frame.height for s in specs[1:])
    specs.append(B.build_credit_header(world, target - others))

    mrng = world.rngs["malformed"]
    written: list[tuple[B.FileSpec, Malformed, list[WrittenFile]]] = []
    for spec in specs:
        bad = choose_malformed(spec, mrng)
        written.append((spec, bad, write_spec(spec, outdir, bad, mrng)))

    # ---- truth/records.csv and truth/malformed.csv
    rec_frames: list[pl.DataFrame] = []
    mal_frames: list[pl.DataFrame] = []
    own_keys: list[np.ndarray] = []
    for spec, bad, files in written:
        n = spec.frame.height
        is_bad = np.zeros(n, bool)
        is_bad[bad.rows] = True
        if len(bad.rows):
            file_of_row = np.zeros(n, np.int64)
            line_of_row = np.zeros(n, np.int64)
            for f in files:
                file_of_row[f.first_row : f.first_row + f.rows] = files.index(f)
                line_of_row[f.first_row : f.first_row + f.rows] = (
                    np.arange(f.rows) + f.data_line_offset
                )
            mal_frames.append(
                pl.DataFrame(
                    {
                        "file": R.table_lookup(
                            tuple(f.path.name for f in files), file_of_row[bad.rows]
                        ),
                        "line_no": pl.Series(line_of_row[bad.rows], dtype=pl.Int64),
                        "record_id": spec.frame[spec.record_col].gather(bad.rows),
                        "reason": pl.Series(bad.reasons, dtype=pl.String),
                    }
                )
            )
        if len(spec.own_rows):
            ok = ~is_bad[spec.own_rows]
            own_keys.append(
                (spec.own_pids[ok].astype(np.int64) << 32) | spec.own_addrs[ok].astype(np.int64)
            )
        if spec.source == "accounts":
            continue
        relation = R.table_lookup(
            (*RELATIONS, "malformed"), np.where(is_bad, len(RELATIONS), spec.relation)
        )
        rec_frames.append(
            pl.DataFrame(
                {
                    "source": B._const(spec.source, n),
                    "record_id": spec.frame[spec.record_col],
                    "person_id": _person_id(spec.pid),
                    "debtor_account_id": _acct_str(acct_id, np.where(is_bad, -1, spec.debtor_acct)),
                    "related_account_id": _acct_str(
                        acct_id, np.where(is_bad, -1, spec.related_acct)
                    ),
                    "relation": relation,
                }
            )
        )
    pl.concat(rec_frames).write_csv(truth_dir / "records.csv")
    mal_schema = {
        "file": pl.String,
        "line_no": pl.Int64,
        "record_id": pl.String,
        "reason": pl.String,
    }
    malformed = pl.concat(mal_frames) if mal_frames else pl.DataFrame(schema=mal_schema)
    malformed.write_csv(truth_dir / "malformed.csv")

    # ---- truth/accounts.csv
    P = world.people.arrays()
    d = world.debtor
    n = accounts
    cur = P["cur"][d]
    canon = R.address_strings(
        world, cur, np.zeros(n, np.int64), np.zeros(n, bool), world.rngs["render"]
    )
    phones = pl.DataFrame({k: R.phone_digits(P[k][d]) for k in ("mob", "land", "voip")}).select(
        pl.concat_list(["mob", "land", "voip"])
        .list.drop_nulls()
        .list.sort()
        .list.join(";")
        .replace("", None)
        .alias("p")
    )["p"]
    keys = np.concatenate(own_keys) if own_keys else np.empty(0, np.int64)
    findable = np.isin((d.astype(np.int64) << 32) | cur.astype(np.int64), keys)
    bankrupt = P["bankrupt"][d]
    pl.DataFrame(
        {
            "account_id": acct_id,
            "person_id": _person_id(d),
            "cur_address_line1": canon["line1"],
            "cur_city": canon["city"].str.to_uppercase(),
            "cur_state": canon["state"],
            "cur_zip": canon["zip"],
            "cur_phones": phones,
            "cur_emails": B._gather(emails[0], d),
            "moved": B._flags(P["old"][d] >= 0),
            "deceased": B._flags(P["dod"][d] != NODATE),
            "bankrupt": B._flags(bankrupt),
            "findable_address": B._flags(findable),
        }
    ).write_csv(truth_dir / "accounts.csv")

    # ---- sources.yml and portfolio.json
    vendor_files = next(files for spec, _, files in written if spec.source == "acme")
    vendor_glob = "vendor_acme_batch*.psv" if len(vendor_files) > 1 else vendor_files[0].path.name
    header = (
        "# Source registry for a synthetic skiptrace portfolio (skiptrace.flows.demo.synthetic).\n"
        f"# as_of {as_of.isoformat()}, seed {seed}, {accounts} accounts. Generated: do not edit.\n"
    )
    sources_path = outdir / "sources.yml"
    sources_path.write_text(
        header
        + yaml.dump(
            sources_yaml(as_of_days, vendor_glob), Dumper=_Dumper, sort_keys=False, width=100
        ),
        encoding="utf-8",
    )
    n_source_records = sum(s.frame.height for s in specs[1:])
    file_list = []
    for spec, _bad, files in written:
        for f in files:
            file_list.append(
                {
                    "path": f.path.name, "source": spec.source, "format": spec.fmt, "rows": f.rows,
                    "bytes": f.path.stat().st_size, "sha256": _sha256(f.path),
                }
            )  # fmt: skip
    truth_files = ["truth/accounts.csv", "truth/records.csv", "truth/malformed.csv"]
    manifest = {
        "generator": "skiptrace.flows.demo.synthetic",
        "generator_version": GENERATOR_VERSION,
        "as_of": as_of.isoformat(),
        "seed": seed,
        "records_per_account": records_per_account,
        "counts": {
            "accounts": accounts,
            "source_records": n_source_records,
            "persons": int(world.people.size),
            "movers": int((P["old"][d] >= 0).sum()),
            "deceased": int((P["dod"][d] != NODATE).sum()),
            "bankrupt": int(bankrupt.sum()),
            "findable_address": int(findable.sum()),
            "malformed_rows": int(malformed.height),
            **{spec.source: spec.frame.height for spec in specs},
        },
        "files": file_list,
        "sources_yml": "sources.yml",
        "truth": truth_files,
        "malformed_in_truth": "relation=malformed in truth/records.csv; every bad line in truth/malformed.csv",
    }
    (outdir / "portfolio.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return GeneratedPortfolio(
        root=outdir,
        accounts_path=outdir / "accounts.csv",
        sources_path=sources_path,
        truth_dir=truth_dir,
        as_of=as_of,
        n_accounts=accounts,
        n_source_records=n_source_records,
    )


__all__ = ["GENERATOR_VERSION", "GeneratedPortfolio", "generate_portfolio", "sources_yaml"]
