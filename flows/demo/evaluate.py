"""Score a run's exports against the synthetic generator's ground truth.

Used by `skiptrace demo`, `skiptrace calibrate` and the benchmarks. A contact is *correct* when
it reaches the account holder now: an address equal to the person's current address (same ZIP5
and street number, street name agreeing after standardization up to one typing slip, units not
contradicting each other; for a PO box, same ZIP5 and box number), a phone among the person's current phones, an
email among their current emails.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

STREET_JW_MIN = 0.9


@dataclass
class Scores:
    accounts: int
    address_emitted: int
    address_correct: int
    address_precision: float
    address_recall: float  # over accounts whose current address is findable in the sources
    address_hc_emitted: int  # rank-1 addresses with confidence >= 0.9
    address_hc_precision: float
    phone_emitted: int
    phone_precision: float
    phone_recall: float  # over accounts with a current phone present in some source
    match_precision: float
    match_recall: float
    match_f1: float
    ece: float
    reliability: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _truth_addresses(truth: pl.DataFrame) -> pl.DataFrame:
    """Standardize the true current addresses with the same code as the pipeline."""
    from skiptrace.matchers.address import standardize_frame

    raw = truth.select(
        pl.col("account_id"),
        pl.col("cur_address_line1").alias("line1"),
        pl.lit(None, dtype=pl.String).alias("line2"),
        pl.col("cur_city").alias("city"),
        pl.col("cur_state").alias("state"),
        pl.col("cur_zip").cast(pl.String).alias("zip"),
    ).with_columns(
        pl.concat_str(
            [pl.col(c).fill_null("") for c in ("line1", "line2", "city", "state", "zip")],
            separator="|",
        ).alias("addr_raw")
    )
    std = standardize_frame(
        raw.select("addr_raw", "line1", "line2", "city", "state", "zip").unique()
    )
    return raw.join(std, on="addr_raw", how="left").select(
        "account_id",
        pl.col("street_number").alias("t_number"),
        pl.col("street_name").alias("t_street"),
        pl.col("zip5").alias("t_zip5"),
        pl.col("city").alias("t_city"),
        pl.col("state").alias("t_state"),
        _unit_norm(pl.col("unit_number")).alias("t_unit"),
        _box_norm(pl.col("po_box")).alias("t_box"),
    )


#: A leading unit designator left in a unit number ('NO 502', 'APRT NO 157', 'U 20'): USPS
#: Publication 28 designators and common spellings. Twin of SQL `rs_unit` (resolve macros).
UNIT_DESIGNATOR = (
    r"^\s*(?:(?:APARTAMENTO|APARTMENT|APTMNT|APTO|APRT|APT|AP|UNIT|UNT|UN|U|NUMBER|NUM|NBR|NR|NO"
    r"|SUITE|STE|ROOM|RM)[\s.#]+)+([A-Z0-9])"
)


def _unit_norm(col: pl.Expr) -> pl.Expr:
    """A unit number as compared everywhere: a leading designator dropped ('NO 502' is unit
    502: the designator is not the apartment), alphanumerics only, no leading zeros ('04' = '4')."""
    u = col.cast(pl.String).str.to_uppercase().str.replace(UNIT_DESIGNATOR, "${1}")
    u = u.str.replace_all(r"[^A-Z0-9]", "")
    u = u.str.replace(r"^0+", "")
    return pl.when(u == "").then(None).otherwise(u)


def _box_norm(col: pl.Expr) -> pl.Expr:
    """A PO box number: digits and letters only, no leading zeros."""
    return _unit_norm(col)


#: The box number of a standardized PO box line ('PO BOX 17863').
_PO_BOX_LINE = r"^\s*PO\s+BOX\s+([A-Z0-9-]+)"


def same_street_name(a: str | None, b: str | None) -> bool:
    """Two standardized street names name the same street (twin of SQL `rs_same_name`).

    Jaro-Winkler >= 0.9, or one typing slip (Damerau-Levenshtein 1, same first character, at
    least three characters): sources mistype street names ('JOOHNSON', 'PTNE', 'OKA'), and a
    one-letter slip at the right number and ZIP is still the person's address (mail is
    delivered there; the generator's truth counts the address entity, whatever its spelling).
    Names differing only in their digits are different numbered streets ('14TH' / '15TH').
    """
    from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

    if not a or not b:
        return False
    digits_a, digits_b = re.sub(r"[^0-9]", "", a), re.sub(r"[^0-9]", "", b)
    if digits_a != digits_b and re.sub(r"[0-9]", "", a) == re.sub(r"[0-9]", "", b):
        return False
    if JaroWinkler.similarity(a, b) >= STREET_JW_MIN:
        return True
    return a[0] == b[0] and max(len(a), len(b)) >= 3 and DamerauLevenshtein.distance(a, b) <= 1


def label_contacts(contacts: pl.DataFrame, truth_dir: Path) -> pl.DataFrame:
    """Add a boolean `correct` to every debtor contact row (address, phone or email)."""
    truth = pl.read_csv(truth_dir / "accounts.csv", infer_schema=False)
    taddr = _truth_addresses(truth)
    phones = truth.select(
        "account_id", pl.col("cur_phones").fill_null("").str.split(";").alias("t_phones")
    )
    emails = truth.select(
        "account_id",
        pl.col("cur_emails").fill_null("").str.to_lowercase().str.split(";").alias("t_emails"),
    )
    c = (
        contacts.with_columns(pl.col("account_id").cast(pl.String))
        .join(taddr, on="account_id", how="left")
        .join(phones, on="account_id", how="left")
        .join(emails, on="account_id", how="left")
    )
    street_ok = pl.struct("street_name", "t_street").map_elements(
        lambda s: same_street_name(s["street_name"], s["t_street"]),
        return_dtype=pl.Boolean,
    )
    phone10 = pl.col("phone").cast(pl.String).str.replace_all(r"\D", "").str.slice(-10)
    # the same place: the same ZIP5, or (no ZIP on either side: blank or a placeholder such as
    # 00000, which the standardizer reads as none) the same city and state, as resolution keys it
    zip5 = pl.col("zip").cast(pl.String).str.slice(0, 5)
    city = pl.col("city").cast(pl.String) if "city" in c.columns else pl.lit(None, pl.String)
    state = pl.col("state").cast(pl.String) if "state" in c.columns else pl.lit(None, pl.String)
    zip_ok = (zip5 == pl.col("t_zip5")).fill_null(False) | (
        zip5.is_null()
        & pl.col("t_zip5").is_null()
        & (city.str.to_uppercase() == pl.col("t_city"))
        & (state.str.to_uppercase() == pl.col("t_state"))
    ).fill_null(False)
    # units: equal, or one side has none (what resolution treats as the same address); a
    # different apartment in the same building does not reach the person
    unit = _unit_norm(pl.col("unit")) if "unit" in c.columns else pl.lit(None, dtype=pl.String)
    unit_ok = unit.is_null() | pl.col("t_unit").is_null() | (unit == pl.col("t_unit"))
    # a PO box has no street number or name: it is the same box when the box numbers agree
    if "address_line1" in c.columns:
        box = _box_norm(
            pl.col("address_line1").cast(pl.String).str.to_uppercase().str.extract(_PO_BOX_LINE, 1)
        )
    else:
        box = pl.lit(None, dtype=pl.String)
    street_match = (pl.col("street_number").cast(pl.String) == pl.col("t_number")) & street_ok
    box_match = box.is_not_null() & (box == pl.col("t_box"))
    return c.with_columns(
        pl.when(pl.col("contact_type") == "address")
        .then(zip_ok & ((street_match & unit_ok) | box_match))
        .when(pl.col("contact_type") == "phone")
        .then(pl.col("t_phones").list.contains(phone10))
        .otherwise(
            pl.col("t_emails").list.contains(pl.col("email").cast(pl.String).str.to_lowercase())
        )
        .fill_null(False)
        .alias("correct")
    ).drop(
        "t_number",
        "t_street",
        "t_zip5",
        "t_city",
        "t_state",
        "t_unit",
        "t_box",
        "t_phones",
        "t_emails",
    )


def score_run(run_dir: Path, truth_dir: Path) -> Scores:
    """Precision/recall of the rank-1 address and phone, match P/R/F1 and calibration."""
    contacts = pl.read_csv(run_dir / "contacts.csv", infer_schema=False).with_columns(
        pl.col("rank").cast(pl.Int64), pl.col("confidence").cast(pl.Float64)
    )
    labeled = label_contacts(contacts, truth_dir)
    truth = pl.read_csv(truth_dir / "accounts.csv", infer_schema=False)
    n_accounts = truth.height

    top_addr = labeled.filter((pl.col("contact_type") == "address") & (pl.col("rank") == 1))
    findable = truth.filter(pl.col("findable_address") == "Y")["account_id"]
    addr_correct = int(top_addr["correct"].sum())
    addr_recall_hits = top_addr.filter(
        pl.col("correct") & pl.col("account_id").is_in(findable.implode())
    ).height
    hc = top_addr.filter(pl.col("confidence") >= 0.9)

    top_phone = labeled.filter((pl.col("contact_type") == "phone") & (pl.col("rank") == 1))
    has_phone = truth.filter(pl.col("cur_phones").fill_null("") != "")["account_id"]
    phone_hits = top_phone.filter(
        pl.col("correct") & pl.col("account_id").is_in(has_phone.implode())
    ).height

    mp, mr, mf = _match_scores(run_dir, truth_dir)
    from skiptrace.matchers.calibrate import (
        reliability_table,  # one ECE definition for fit and demo
    )

    ece, table = reliability_table(labeled["confidence"], labeled["correct"])
    return Scores(
        accounts=n_accounts,
        address_emitted=top_addr.height,
        address_correct=addr_correct,
        address_precision=_ratio(addr_correct, top_addr.height),
        address_recall=_ratio(addr_recall_hits, findable.len()),
        address_hc_emitted=hc.height,
        address_hc_precision=_ratio(int(hc["correct"].sum()), hc.height),
        phone_emitted=top_phone.height,
        phone_precision=_ratio(int(top_phone["correct"].sum()), top_phone.height),
        phone_recall=_ratio(phone_hits, has_phone.len()),
        match_precision=mp,
        match_recall=mr,
        match_f1=mf,
        ece=ece,
        reliability=table,
    )


def _match_scores(run_dir: Path, truth_dir: Path) -> tuple[float, float, float]:
    """Debtor links vs truth: a link is right when the record describes that account's debtor."""
    matches = pl.read_csv(run_dir / "matches.csv", infer_schema=False).filter(
        pl.col("role") == "debtor"
    )
    records = pl.read_csv(truth_dir / "records.csv", infer_schema=False)
    truth = records.filter(pl.col("debtor_account_id").fill_null("") != "")
    # Deliberately malformed rows carry no expected link. Those with a bad SSN or date now load
    # (the field is NULLed, issue 15) and may link to their own debtor: scored neither way.
    malformed = records.filter(pl.col("relation") == "malformed").select("source", "record_id")
    matches = matches.join(malformed, on=["source", "record_id"], how="anti")
    # Only sources that appear in the truth (all generated ones) are scored.
    truth_pairs = truth.select(
        "source", "record_id", pl.col("debtor_account_id").alias("account_id")
    ).unique()
    predicted = matches.select("source", "record_id", "account_id").unique()
    tp = predicted.join(truth_pairs, on=["source", "record_id", "account_id"], how="inner").height
    precision = _ratio(tp, predicted.height)
    recall = _ratio(tp, truth_pairs.height)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _ratio(a: int | float, b: int | float) -> float:
    return float(a) / float(b) if b else 0.0
