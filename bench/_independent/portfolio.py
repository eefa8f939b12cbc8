"""A collections portfolio built from pseudopeople's simulated US population (issue 16).

pseudopeople (IHME) simulates one population followed through time and writes it as noisy
administrative datasets; every row keeps the un-noised `simulant_id`. Nobody on this project
wrote its people, its moves or its noise, which is the point: figures measured here are not
measured on the project's own generator.

The portfolio, as of `AS_OF` (2024-03-01):

* **account export** (`accounts.csv`, the README "Inputs" layout): a seeded sample of the
  adults of the 2020 decennial census as they were enumerated (noisy name, DOB, address),
  with the SSN from the noisy SSA creation record of the same person where there is one.
  An account is placed in 2021-2022, so its address is up to four years old;
* **source extracts**, other datasets and later years in layouts of their own, mapped by
  `sources.yml`:
  - `w2_1099` (CSV, one file per tax year 2021-2023): employer returns, split mailing
    address (number, street, unit, PO box), SSN, no DOB;
  - `form_1040` (pipe-delimited, one file per tax year): the primary filer, a composed
    address line, SSN, no DOB;
  - `surveys` (CSV): ACS and CPS respondents 2021-2023, residential address, DOB;
  - `wic` (tab-delimited): WIC participants 2021-2023, DOB as MMDDYYYY;
  - `ssa_deaths` (fixed width): every death event of the SSA dataset up to 2023 (a death
    master file: SSN, name, DOB, date of death);
* **truth** (`truth/accounts.csv`, `truth/records.csv`), in the layout of the project
  generator's truth so the demo scorer (`flows.demo.evaluate`) reads it unchanged. It comes
  from the same datasets generated *without noise* (`psp.NO_NOISE`), joined on simulant_id:
  the current address is the person's latest un-noised address among the datasets up to
  the as-of date (tax mailing addresses, survey and census residences); an account is
  deceased when the un-noised SSA data has a death event up to the as-of date; a record is
  the debtor's when its simulant is the account's.

Nothing here reads a matcher result; the builder only knows pseudopeople's columns.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

AS_OF = dt.date(2024, 3, 1)
CENSUS_YEAR = 2020
SOURCE_YEARS = (2021, 2022, 2023)
#: share of the census adults that become accounts (the rest stay in the sources as strangers)
ACCOUNT_SHARE = 0.6
PERMISSIBLE = "FCRA 604(a)(3)(A): review or collection of an account (benchmark data)"


@dataclass(frozen=True)
class Portfolio:
    """Where the builder wrote the portfolio and how big it is."""

    root: Path
    accounts_path: Path
    sources_path: Path
    truth_dir: Path
    counts: dict[str, int]


def doubled_noise_config() -> dict[str, Any]:
    """pseudopeople's default configuration with every row and cell probability doubled.

    Token probabilities (how many characters of a noised cell change) stay as they are: the
    doubled configuration noises twice as many fields, not each field twice as hard.
    """
    import pseudopeople as psp

    def scale(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (min(0.95, 2 * v) if k in ("cell_probability", "row_probability") else scale(v))
                for k, v in node.items()
            }
        return node

    return scale(psp.get_config())


def _noise(noise: str) -> Any:
    import pseudopeople as psp

    if noise == "default":
        return None
    if noise == "double":
        return doubled_noise_config()
    if noise == "none":
        return psp.NO_NOISE
    raise ValueError(f"unknown noise level {noise!r} (default, double, none)")


def _str(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, missing values as empty strings (what a file delivery carries)."""
    return df.astype("string").fillna("")


#: pseudopeople refuses a source folder without the changelog of the data version it reads
SAMPLE_CHANGELOG = (
    "**1.4.2 - 01/01/2024**\n\n - the bundled sample population, cut to fewer people\n"
)


def _sample_cut(root: Path, max_rows: int) -> Path:
    """pseudopeople's bundled sample population cut to the people of the first `max_rows` rows of
    each of its datasets, as a source folder under `root`.

    pseudopeople noises every row of its source before a caller can cap anything: the smoke
    test's capped portfolio spent most of its time noising ~500k rows it then dropped (27 s of
    a build, 17-20 s with the cut, on a shared 2-core machine). Cut to the people of those rows
    (every row of theirs, in every dataset and year), each dataset still has rows and the
    census still has people that are no account (strangers in the sources)."""
    from pseudopeople.constants import paths

    sample = Path(paths.SAMPLE_DATA_ROOT)
    files = sorted(sample.glob("*/*.parquet"))
    people: set[str] = set()
    for f in files:
        people.update(pd.read_parquet(f, columns=["simulant_id"]).head(max_rows)["simulant_id"])
    source = root / "_sample_cut"
    for f in files:
        df = pd.read_parquet(f)
        (source / f.parent.name).mkdir(parents=True, exist_ok=True)
        df[df["simulant_id"].isin(people)].to_parquet(source / f.parent.name / f.name)
    (source / "CHANGELOG.rst").write_text(SAMPLE_CHANGELOG)
    return source


def _datasets(
    seed: int, config: Any, max_rows: int | None, source: Path | None = None
) -> dict[str, pd.DataFrame]:
    """The pseudopeople datasets the portfolio uses, one frame per (dataset, year), generated from
    `source` (default: the bundled sample population)."""
    import pseudopeople as psp

    def gen(fn: Callable[..., pd.DataFrame], **kw: Any) -> pd.DataFrame:
        df = _str(fn(source=source, seed=seed, config=config, **kw))
        return df.head(max_rows) if max_rows else df

    out = {"census": gen(psp.generate_decennial_census, year=CENSUS_YEAR)}
    for year in SOURCE_YEARS:
        out[f"w2_{year}"] = gen(psp.generate_taxes_w2_and_1099, year=year)
        out[f"1040_{year}"] = gen(psp.generate_taxes_1040, year=year)
        out[f"acs_{year}"] = gen(psp.generate_american_community_survey, year=year)
        out[f"cps_{year}"] = gen(psp.generate_current_population_survey, year=year)
        out[f"wic_{year}"] = gen(psp.generate_women_infants_and_children, year=year)
    out["ssa"] = gen(psp.generate_social_security, year=AS_OF.year - 1)
    return out


def _line1(number: pd.Series, street: pd.Series, po_box: pd.Series | None = None) -> pd.Series:
    """'1234 main st', or 'PO BOX 12' when the street is empty and a box is given."""
    line = (number.str.strip() + " " + street.str.strip()).str.strip()
    if po_box is not None:
        box = po_box.str.strip()
        line = line.where((line != "") | (box == ""), "PO BOX " + box)
    return line


def _digits(s: pd.Series) -> pd.Series:
    return s.str.replace(r"\D", "", regex=True)


# --------------------------------------------------------------------------- files


def _write_accounts(census: pd.DataFrame, ssa: pd.DataFrame, seed: int, root: Path) -> pd.DataFrame:
    """The account export: sampled census adults with an SSN from their SSA record."""
    rng = random.Random(seed)
    adults = census[pd.to_numeric(census["age"], errors="coerce").fillna(0) >= 18]
    people = adults.drop_duplicates("simulant_id")
    chosen = people[[rng.random() < ACCOUNT_SHARE for _ in range(len(people))]].copy()
    creation = ssa[ssa["event_type"] == "creation"].drop_duplicates("simulant_id")
    chosen = chosen.merge(creation[["simulant_id", "ssn"]], on="simulant_id", how="left").fillna("")
    n = len(chosen)
    chosen["account_id"] = [f"PP{seed:03d}{i:06d}" for i in range(n)]
    placed = [dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(730)) for _ in range(n)]
    accounts = pd.DataFrame(
        {
            "account_id": chosen["account_id"],
            "first_name": chosen["first_name"],
            "middle_name": chosen["middle_initial"],
            "last_name": chosen["last_name"],
            "ssn": chosen["ssn"],
            "dob": chosen["date_of_birth"],
            "address_line1": _line1(chosen["street_number"], chosen["street_name"]),
            "address_line2": chosen["unit_number"],
            "city": chosen["city"],
            "state": chosen["state"],
            "zip": chosen["zipcode"],
            "balance": [f"{rng.uniform(50, 9000):.2f}" for _ in range(n)],
            "placed_date": [d.isoformat() for d in placed],
        }
    )
    accounts.to_csv(root / "accounts.csv", index=False)
    return chosen[["account_id", "simulant_id"]]


def _write_w2(frames: dict[str, pd.DataFrame], root: Path) -> pd.DataFrame:
    ids = []
    for year in SOURCE_YEARS:
        df = frames[f"w2_{year}"]
        rid = [f"W2-{year}-{i:06d}" for i in range(len(df))]
        pd.DataFrame(
            {
                "RECORD_ID": rid,
                "TAX_YEAR_END": f"{year}-12-31",
                "FORM": df["tax_form"],
                "EMP_FIRST": df["first_name"],
                "EMP_MI": df["middle_initial"],
                "EMP_LAST": df["last_name"],
                "EMP_SSN": df["ssn"],
                "MAIL_NUM": df["mailing_address_street_number"],
                "MAIL_STREET": df["mailing_address_street_name"],
                "MAIL_UNIT": df["mailing_address_unit_number"],
                "MAIL_PO_BOX": df["mailing_address_po_box"],
                "MAIL_CITY": df["mailing_address_city"],
                "MAIL_STATE": df["mailing_address_state"],
                "MAIL_ZIP": df["mailing_address_zipcode"],
                "EMPLOYER": df["employer_name"],
            }
        ).to_csv(root / f"w2_1099_{year}.csv", index=False)
        ids.append(
            pd.DataFrame(
                {"source": "w2_1099", "record_id": rid, "simulant_id": df["simulant_id"].values}
            )
        )
    return pd.concat(ids)


def _write_1040(frames: dict[str, pd.DataFrame], root: Path) -> pd.DataFrame:
    ids = []
    for year in SOURCE_YEARS:
        df = frames[f"1040_{year}"]
        rid = [f"F1040-{year}-{i:06d}" for i in range(len(df))]
        line1 = _line1(
            df["mailing_address_street_number"],
            df["mailing_address_street_name"],
            df["mailing_address_po_box"],
        )
        pd.DataFrame(
            {
                "RETURN_ID": rid,
                "PERIOD_END": f"{year}1231",
                "TP_FIRST": df["first_name"],
                "TP_MI": df["middle_initial"],
                "TP_LAST": df["last_name"],
                "TP_SSN": df["ssn"],
                "ADDRESS": line1,
                "APT": df["mailing_address_unit_number"],
                "CITY": df["mailing_address_city"],
                "ST": df["mailing_address_state"],
                "ZIP": df["mailing_address_zipcode"],
            }
        ).to_csv(root / f"form_1040_{year}.psv", index=False, sep="|")
        ids.append(
            pd.DataFrame(
                {"source": "form_1040", "record_id": rid, "simulant_id": df["simulant_id"].values}
            )
        )
    return pd.concat(ids)


def _write_surveys(frames: dict[str, pd.DataFrame], root: Path) -> pd.DataFrame:
    parts = []
    for year in SOURCE_YEARS:
        for name in ("acs", "cps"):
            df = frames[f"{name}_{year}"]
            parts.append(
                pd.DataFrame(
                    {
                        "RESP_ID": [f"{name.upper()}-{year}-{i:06d}" for i in range(len(df))],
                        "SURVEY_DATE": df["survey_date"].str.slice(0, 10),
                        "FIRST": df["first_name"],
                        "MI": df["middle_initial"],
                        "LAST": df["last_name"],
                        "BIRTH_DATE": df["date_of_birth"],
                        "ADDR": _line1(df["street_number"], df["street_name"]),
                        "UNIT": df["unit_number"],
                        "CITY": df["city"],
                        "STATE": df["state"],
                        "ZIP": df["zipcode"],
                        "simulant_id": df["simulant_id"].values,
                    }
                )
            )
    out = pd.concat(parts)
    out.drop(columns="simulant_id").to_csv(root / "surveys.csv", index=False)
    return pd.DataFrame(
        {"source": "surveys", "record_id": out["RESP_ID"], "simulant_id": out["simulant_id"]}
    )


def _write_wic(frames: dict[str, pd.DataFrame], root: Path) -> pd.DataFrame:
    parts = []
    for year in SOURCE_YEARS:
        df = frames[f"wic_{year}"]
        parts.append(
            pd.DataFrame(
                {
                    "PARTICIPANT": [f"WIC-{year}-{i:06d}" for i in range(len(df))],
                    "YEAR_END": f"{year}-12-31",
                    "FIRST": df["first_name"],
                    "MI": df["middle_initial"],
                    "LAST": df["last_name"],
                    "DOB": df["date_of_birth"],
                    "STREET_NO": df["street_number"],
                    "STREET": df["street_name"],
                    "UNIT": df["unit_number"],
                    "CITY": df["city"],
                    "STATE": df["state"],
                    "ZIP": df["zipcode"],
                    "simulant_id": df["simulant_id"].values,
                }
            )
        )
    out = pd.concat(parts)
    out.drop(columns="simulant_id").to_csv(root / "wic.tsv", index=False, sep="\t")
    return pd.DataFrame(
        {"source": "wic", "record_id": out["PARTICIPANT"], "simulant_id": out["simulant_id"]}
    )


DEATH_WIDTHS = (
    ("REC_ID", 10),
    ("SSN", 9),
    ("LAST_NAME", 20),
    ("FIRST_NAME", 15),
    ("MIDDLE_NAME", 15),
    ("DOD", 8),
    ("DOB", 8),
)


def _write_deaths(ssa: pd.DataFrame, root: Path) -> pd.DataFrame:
    """A death master file: the SSA dataset's death events, fixed width, no header."""
    deaths = ssa[ssa["event_type"] == "death"].reset_index(drop=True)
    rid = [f"D{i:09d}" for i in range(len(deaths))]
    cols = {
        "REC_ID": pd.Series(rid),
        "SSN": _digits(deaths["ssn"]),
        "LAST_NAME": deaths["last_name"],
        "FIRST_NAME": deaths["first_name"],
        "MIDDLE_NAME": deaths["middle_name"],
        "DOD": deaths["event_date"],
        "DOB": deaths["date_of_birth"],
    }
    lines = []
    for i in range(len(deaths)):
        lines.append(
            "".join(
                str(cols[name].iat[i])[:width].upper().ljust(width) for name, width in DEATH_WIDTHS
            )
        )
    (root / "ssa_deaths.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
    return pd.DataFrame(
        {"source": "ssa_deaths", "record_id": rid, "simulant_id": deaths["simulant_id"].values}
    )


SOURCES_YML = """\
# Source registry of a pseudopeople portfolio (bench/_independent/portfolio.py). Generated.
sources:
- name: w2_1099
  kind: person_records
  path: w2_1099_*.csv
  format: csv
  reliability: 0.85
  permissible_purpose: "{purpose}"
  record_date: TAX_YEAR_END
  columns: {{record_id: RECORD_ID, first_name: EMP_FIRST, middle_name: EMP_MI,
            last_name: EMP_LAST, ssn: EMP_SSN, street_number: MAIL_NUM, street_name: MAIL_STREET,
            unit: MAIL_UNIT, po_box: MAIL_PO_BOX, city: MAIL_CITY, state: MAIL_STATE,
            zip: MAIL_ZIP}}
- name: form_1040
  kind: person_records
  path: form_1040_*.psv
  format: psv
  reliability: 0.85
  permissible_purpose: "{purpose}"
  record_date: PERIOD_END
  date_formats: ['%Y%m%d']
  columns: {{record_id: RETURN_ID, first_name: TP_FIRST, middle_name: TP_MI, last_name: TP_LAST,
            ssn: TP_SSN, address_line1: ADDRESS, address_line2: APT, city: CITY, state: ST,
            zip: ZIP}}
- name: surveys
  kind: person_records
  path: surveys.csv
  format: csv
  reliability: 0.7
  permissible_purpose: "{purpose}"
  record_date: SURVEY_DATE
  date_formats: ['%m/%d/%Y']
  columns: {{record_id: RESP_ID, first_name: FIRST, middle_name: MI, last_name: LAST,
            dob: BIRTH_DATE, address_line1: ADDR, address_line2: UNIT, city: CITY,
            state: STATE, zip: ZIP}}
- name: wic
  kind: person_records
  path: wic.tsv
  format: tsv
  reliability: 0.7
  permissible_purpose: "{purpose}"
  record_date: YEAR_END
  date_formats: ['%m%d%Y']
  columns: {{record_id: PARTICIPANT, first_name: FIRST, middle_name: MI, last_name: LAST,
            dob: DOB, street_number: STREET_NO, street_name: STREET, unit: UNIT, city: CITY,
            state: STATE, zip: ZIP}}
- name: ssa_deaths
  kind: deceased
  path: ssa_deaths.txt
  format: fixed_width
  header: false
  widths: {widths}
  reliability: 0.98
  permissible_purpose: "Death master file: deceased-consumer identification (benchmark data)"
  record_date: '{death_file_date}'
  date_formats: ['%Y%m%d']
  columns: {{record_id: REC_ID, ssn: SSN, last_name: LAST_NAME, first_name: FIRST_NAME,
            middle_name: MIDDLE_NAME, date_of_death: DOD, dob: DOB}}
"""


# --------------------------------------------------------------------------- truth


def _truth_addresses(clean: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every un-noised (simulant, dataset, date, address) the portfolio's datasets hold."""
    rows = []

    def add(df: pd.DataFrame, dataset: str, date: pd.Series | str, prefix: str = "") -> None:
        num, street = df[f"{prefix}street_number"], df[f"{prefix}street_name"]
        box = df.get(f"{prefix}po_box")
        unit = df[f"{prefix}unit_number"]
        line = _line1(num, street, box)
        line = (
            line + " " + unit.where(unit == "", "# " + unit.str.replace(r"^\D+", "", regex=True))
        ).str.strip()
        rows.append(
            pd.DataFrame(
                {
                    "simulant_id": df["simulant_id"].values,
                    "dataset": dataset,
                    "date": date if isinstance(date, str) else date.values,
                    "line1": line.str.upper().values,
                    "city": df[f"{prefix}city"].str.upper().values,
                    "state": df[f"{prefix}state"].str.upper().values,
                    "zip": df[f"{prefix}zipcode"].values,
                }
            )
        )

    add(clean["census"], "census", f"{CENSUS_YEAR}-04-01")
    for year in SOURCE_YEARS:
        add(clean[f"w2_{year}"], f"w2_{year}", f"{year}-12-31", "mailing_address_")
        add(clean[f"1040_{year}"], f"1040_{year}", f"{year}-12-31", "mailing_address_")
        for name in ("acs", "cps"):
            df = clean[f"{name}_{year}"]
            add(df, f"{name}_{year}", df["survey_date"].str.slice(0, 10))
        add(clean[f"wic_{year}"], f"wic_{year}", f"{year}-12-31")
    out = pd.concat(rows)
    return out[(out["line1"] != "") & (out["date"] <= AS_OF.isoformat())]


def _write_truth(
    root: Path,
    accounts: pd.DataFrame,
    records: pd.DataFrame,
    noisy: dict[str, pd.DataFrame],
    clean: dict[str, pd.DataFrame],
) -> None:
    truth = root / "truth"
    truth.mkdir(exist_ok=True)
    addr = _truth_addresses(clean)
    addr["key"] = addr["line1"] + "|" + addr["zip"]
    # the latest un-noised address; ties on one date go to the address most rows give
    latest = (
        addr.groupby(["simulant_id", "date", "key", "line1", "city", "state", "zip"])
        .size()
        .reset_index(name="n")
        .sort_values(["simulant_id", "date", "n", "key"], ascending=[True, False, False, True])
        .drop_duplicates("simulant_id")
    )
    census_key = addr[addr["dataset"] == "census"].drop_duplicates("simulant_id")[
        ["simulant_id", "key"]
    ]
    # findable: some delivered row (the noised datasets kept it) was taken at the true address
    delivered = pd.concat(
        pd.DataFrame({"simulant_id": df["simulant_id"].values, "dataset": name})
        for name, df in noisy.items()
        if name != "ssa"
    ).drop_duplicates()
    known = addr.merge(delivered, on=["simulant_id", "dataset"])[["simulant_id", "key"]]
    deaths = clean["ssa"]
    dead = set(
        deaths.loc[
            (deaths["event_type"] == "death") & (deaths["event_date"] <= AS_OF.strftime("%Y%m%d")),
            "simulant_id",
        ]
    )
    t = accounts.merge(latest, on="simulant_id", how="left").fillna("")
    t = t.merge(
        census_key.rename(columns={"key": "census_key"}), on="simulant_id", how="left"
    ).fillna("")
    known_keys = set(zip(known["simulant_id"], known["key"], strict=True))
    pd.DataFrame(
        {
            "account_id": t["account_id"],
            "person_id": t["simulant_id"],
            "cur_address_line1": t["line1"],
            "cur_city": t["city"],
            "cur_state": t["state"],
            "cur_zip": t["zip"],
            "cur_phones": "",
            "cur_emails": "",
            "moved": [
                "Y" if k and k != c else "N" for k, c in zip(t["key"], t["census_key"], strict=True)
            ],
            "deceased": ["Y" if s in dead else "N" for s in t["simulant_id"]],
            "bankrupt": "N",
            "findable_address": [
                "Y" if k and (k == c or (s, k) in known_keys) else "N"
                for s, k, c in zip(t["simulant_id"], t["key"], t["census_key"], strict=True)
            ],
        }
    ).to_csv(truth / "accounts.csv", index=False)
    debtor_of = dict(zip(accounts["simulant_id"], accounts["account_id"], strict=True))
    debtor = records["simulant_id"].map(debtor_of).fillna("")
    pd.DataFrame(
        {
            "source": records["source"].values,
            "record_id": records["record_id"].values,
            "person_id": records["simulant_id"].values,
            "debtor_account_id": debtor.values,
            "related_account_id": debtor.values,
            "relation": ["self" if d else "unrelated" for d in debtor],
        }
    ).to_csv(truth / "records.csv", index=False)


def build_portfolio(
    root: Path, *, seed: int, noise: str = "default", max_rows: int | None = None
) -> Portfolio:
    """Write accounts.csv, the source extracts, sources.yml and truth/ under `root`.

    `max_rows` caps every generated dataset and generates them from the people of the sample's
    first rows only (the smoke test, see `_sample_cut`); the benchmark uses all rows of
    pseudopeople's bundled sample population.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    source = _sample_cut(root, max_rows) if max_rows else None
    noisy = _datasets(seed, _noise(noise), max_rows, source)
    clean = _datasets(seed, _noise("none"), max_rows, source)
    accounts = _write_accounts(noisy["census"], noisy["ssa"], seed, root)
    records = pd.concat(
        [
            _write_w2(noisy, root),
            _write_1040(noisy, root),
            _write_surveys(noisy, root),
            _write_wic(noisy, root),
            _write_deaths(noisy["ssa"], root),
        ]
    )
    widths = "[" + ", ".join(f"[{n}, {w}]" for n, w in DEATH_WIDTHS) + "]"
    (root / "sources.yml").write_text(
        SOURCES_YML.format(
            purpose=PERMISSIBLE,
            widths=widths,
            death_file_date=(AS_OF - dt.timedelta(days=14)).isoformat(),
        )
    )
    _write_truth(root, accounts, records, noisy, clean)
    counts = {"accounts": len(accounts), **records.groupby("source").size().to_dict()}
    return Portfolio(
        root=root,
        accounts_path=root / "accounts.csv",
        sources_path=root / "sources.yml",
        truth_dir=root / "truth",
        counts={k: int(v) for k, v in counts.items()},
    )
