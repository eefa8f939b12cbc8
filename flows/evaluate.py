"""Score a run's exports against the synthetic generator's ground truth.

Used by `skiptrace demo`, `skiptrace calibrate` and the benchmarks. A contact is *correct* when
it reaches the account holder now: an address equal to the person's current address (same ZIP5
and street number, street name agreeing after standardization), a phone among the person's
current phones, an email among their current emails.
"""

from __future__ import annotations

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
    from matchers.address import standardize_frame

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
    )


def label_contacts(contacts: pl.DataFrame, truth_dir: Path) -> pl.DataFrame:
    """Add a boolean `correct` to every debtor contact row (address, phone or email)."""
    from rapidfuzz.distance import JaroWinkler

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
        lambda s: (
            bool(s["street_name"] and s["t_street"])
            and JaroWinkler.similarity(s["street_name"], s["t_street"]) >= STREET_JW_MIN
        ),
        return_dtype=pl.Boolean,
    )
    phone10 = pl.col("phone").cast(pl.String).str.replace_all(r"\D", "").str.slice(-10)
    return c.with_columns(
        pl.when(pl.col("contact_type") == "address")
        .then(
            (pl.col("zip").cast(pl.String).str.slice(0, 5) == pl.col("t_zip5"))
            & (pl.col("street_number").cast(pl.String) == pl.col("t_number"))
            & street_ok
        )
        .when(pl.col("contact_type") == "phone")
        .then(pl.col("t_phones").list.contains(phone10))
        .otherwise(
            pl.col("t_emails").list.contains(pl.col("email").cast(pl.String).str.to_lowercase())
        )
        .fill_null(False)
        .alias("correct")
    ).drop("t_number", "t_street", "t_zip5", "t_phones", "t_emails")


def expected_calibration_error(
    confidence: pl.Series, correct: pl.Series, bins: int = 10
) -> tuple[float, list[dict[str, Any]]]:
    """ECE over equal-width confidence bins, and the reliability table behind it."""
    df = pl.DataFrame({"p": confidence.cast(pl.Float64), "y": correct.cast(pl.Float64)})
    if df.height == 0:
        return 0.0, []
    df = df.with_columns((pl.col("p") * bins).floor().clip(0, bins - 1).cast(pl.Int32).alias("bin"))
    table = (
        df.group_by("bin")
        .agg(
            pl.len().alias("n"),
            pl.col("p").mean().alias("mean_confidence"),
            pl.col("y").mean().alias("accuracy"),
        )
        .sort("bin")
        .with_columns((pl.col("bin") / bins).alias("lo"), ((pl.col("bin") + 1) / bins).alias("hi"))
    )
    total = df.height
    ece = float((table["n"] / total * (table["mean_confidence"] - table["accuracy"]).abs()).sum())
    return ece, table.select("lo", "hi", "n", "mean_confidence", "accuracy").to_dicts()


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
    ece, table = expected_calibration_error(labeled["confidence"], labeled["correct"])
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
    truth = pl.read_csv(truth_dir / "records.csv", infer_schema=False).filter(
        pl.col("debtor_account_id").fill_null("") != ""
    )
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
