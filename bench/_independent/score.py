"""The figures of the independent benchmark, one definition for skiptrace and the baseline.

Addresses are labelled with the demo scorer's own rule (`flows.demo.evaluate.label_contacts`:
same ZIP5, same street number, same street name up to one typing slip, units not
contradicting; or the same PO box), against the truth the portfolio builder wrote:

* rank-1 address precision = right rank-1 addresses / accounts with a rank-1 address;
  accounts whose true address has no house number (pseudopeople has some) are left out;
* recall = right rank-1 addresses of accounts whose current address some input carries
  (`findable_address`) / those accounts; the same two restricted to confidence >= 0.9;
* ECE and a reliability table of the confidence of every emitted debtor contact (of the
  accounts the address figures keep)
  (`matchers.calibrate.reliability_table`, the project's one ECE definition);
* debtor links: a (record, account) link is right when the record's simulant is the
  account's; recall over every record of an account's simulant in the delivered files;
* deceased: an account flagged deceased, against a death event up to the as-of date in
  the un-noised SSA data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

HIGH_CONFIDENCE = 0.9


#: The death file's source name (bench/_independent/portfolio.py).
DEATH_SOURCE = "ssa_deaths"


def _ratio(a: float, b: float) -> float:
    return round(float(a) / float(b), 4) if b else 0.0


def _pr(tp: int, predicted: int, actual: int) -> dict[str, Any]:
    p, r = _ratio(tp, predicted), _ratio(tp, actual)
    f1 = round(2 * p * r / (p + r), 4) if p + r else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": f1,
        "tp": tp,
        "predicted": predicted,
        "actual": actual,
    }


def _unscorable(truth_dir: Path) -> pl.DataFrame:
    """Accounts whose true address has no house number (left out of address figures and ECE)."""
    truth = pl.read_csv(truth_dir / "accounts.csv", infer_schema=False)
    return truth.filter(
        ~pl.col("cur_address_line1").fill_null("").str.contains(r"^\s*(\d|PO BOX)")
    ).select("account_id")


def address_scores(labeled: pl.DataFrame, truth_dir: Path) -> dict[str, Any]:
    """Rank-1 address precision / recall, all and at confidence >= 0.9."""
    truth = pl.read_csv(truth_dir / "accounts.csv", infer_schema=False)
    # pseudopeople's own population has addresses without a house number ('WINSLOW DR'): no
    # emitted address can be scored right against those, so their accounts are left out of
    # the address figures of both systems (and counted)
    scorable = truth.filter(
        pl.col("cur_address_line1").fill_null("").str.contains(r"^\s*(\d|PO BOX)")
    )
    keep = set(scorable["account_id"].to_list())
    findable = set(scorable.filter(pl.col("findable_address") == "Y")["account_id"].to_list())
    top = labeled.filter(
        (pl.col("contact_type") == "address")
        & (pl.col("rank") == 1)
        & pl.col("account_id").is_in(list(keep))
    )
    out: dict[str, Any] = {
        "accounts": truth.height,
        "unscorable_truth_without_house_number": truth.height - len(keep),
        "findable": len(findable),
    }
    for name, frame in (
        ("all", top),
        ("hc", top.filter(pl.col("confidence").fill_nan(None).fill_null(-1.0) >= HIGH_CONFIDENCE)),
    ):
        right = frame.filter(pl.col("correct"))
        hits = right.filter(pl.col("account_id").is_in(list(findable))).height
        out[name] = {
            "emitted": frame.height,
            "correct": right.height,
            "precision": _ratio(right.height, frame.height),
            "recall": _ratio(hits, len(findable)),
        }
    return out


def link_scores(predicted: pl.DataFrame, truth_dir: Path) -> dict[str, Any]:
    """Debtor links (source, record_id, account_id) against truth/records.csv."""
    truth = (
        pl.read_csv(truth_dir / "records.csv", infer_schema=False)
        .filter(pl.col("debtor_account_id").fill_null("") != "")
        .select("source", "record_id", pl.col("debtor_account_id").alias("account_id"))
        .unique()
    )
    pred = predicted.select("source", "record_id", "account_id").unique()
    tp = pred.join(truth, on=["source", "record_id", "account_id"], how="inner").height
    return _pr(tp, pred.height, truth.height)


def deceased_scores(flagged: set[str], truth_dir: Path) -> dict[str, Any]:
    """Precision / recall of deceased flags over every dead account holder, plus recall over the
    findable ones: those with at least one death row of theirs in the delivered death file
    (noise omits some rows, and no system can flag a death nobody reported)."""
    truth = pl.read_csv(truth_dir / "accounts.csv", infer_schema=False)
    dead = set(truth.filter(pl.col("deceased") == "Y")["account_id"].to_list())
    records = pl.read_csv(truth_dir / "records.csv", infer_schema=False)
    reported = set(
        records.filter(pl.col("source") == DEATH_SOURCE)["debtor_account_id"].drop_nulls().to_list()
    )
    findable = dead & reported
    out = _pr(len(flagged & dead), len(flagged), len(dead))
    out["findable"] = len(findable)
    out["recall_findable"] = _ratio(len(flagged & findable), len(findable))
    return out


def skiptrace_scores(run_dir: Path, truth_dir: Path) -> tuple[dict[str, Any], pl.DataFrame]:
    """Every figure of one `skiptrace run` output folder; also the labelled contacts."""
    from skiptrace.flows.demo.evaluate import label_contacts
    from skiptrace.matchers.calibrate import reliability_table

    contacts = pl.read_csv(run_dir / "contacts.csv", infer_schema=False).with_columns(
        pl.col("rank").cast(pl.Int64), pl.col("confidence").cast(pl.Float64)
    )
    labeled = label_contacts(contacts, truth_dir)
    scorable = labeled.join(_unscorable(truth_dir), on="account_id", how="anti")
    ece, table = reliability_table(scorable["confidence"], scorable["correct"])
    matches = pl.read_csv(run_dir / "matches.csv", infer_schema=False).filter(
        pl.col("role") == "debtor"
    )
    flags = pl.read_csv(run_dir / "account_flags.csv", infer_schema=False)
    dead = set(flags.filter(pl.col("flag") == "deceased")["account_id"].to_list())
    return (
        {
            "address": address_scores(labeled, truth_dir),
            "ece": round(float(ece), 4),
            "reliability": table,
            "links": link_scores(matches, truth_dir),
            "deceased": deceased_scores(dead, truth_dir),
        },
        labeled,
    )


def labeled_factors(db: Path, run_id: str, truth_dir: Path) -> pl.DataFrame:
    """The run's emitted debtor contacts with the confidence model's inputs, labelled.

    What `skiptrace calibrate --fit --labeled FILE` fits on: the feature columns come from the
    database the run left (contacts.csv has none), the labels from the same rule as every
    figure here; accounts whose true address has no house number are left out, as from the
    figures (no address could be scored right for them).
    """
    from skiptrace import sql
    from skiptrace.flows.demo.evaluate import label_contacts
    from skiptrace.matchers.calibrate import contact_frame

    con = sql.connect(db, read_only=True)
    try:
        frame = contact_frame(con, run_id)
    finally:
        con.close()
    labeled = label_contacts(frame, truth_dir)
    return labeled.join(_unscorable(truth_dir), on="account_id", how="anti")


def rescored_figures(
    labeled: pl.DataFrame, confidence: pl.Series, truth_dir: Path
) -> dict[str, Any]:
    """ECE and rank-1 address figures of a labelled factor frame under another confidence.

    Ranks are re-derived as resolution orders them (sql/resolve/08b_outcomes.sql, no collector
    outcomes here): an address that cannot be mailed after the complete ones, then confidence,
    then the latest evidence, then the key. So a model can be judged on a portfolio without
    re-running it, and without that portfolio having been fitted on.
    """
    from skiptrace.matchers.calibrate import reliability_table

    blank = pl.col("street_number").fill_null("").str.strip_chars().eq("") | pl.col(
        "street_name"
    ).fill_null("").str.strip_chars().eq("")
    box = pl.col("address_line1").fill_null("").str.to_uppercase().str.starts_with("PO BOX")
    frame = labeled.with_columns(
        confidence.alias("confidence"),
        ((pl.col("contact_type") == "address") & blank & ~box).alias("__unmailable"),
    ).sort(
        ["__unmailable", "confidence", "last_seen", "contact_key"],
        descending=[False, True, True, False],
        nulls_last=True,
    )
    frame = frame.with_columns(
        (pl.int_range(0, pl.len()).over("account_id", "contact_type") + 1).alias("rank")
    ).drop("__unmailable")
    ece, table = reliability_table(frame["confidence"], frame["correct"])
    by_type = {
        t: round(reliability_table(sub["confidence"], sub["correct"])[0], 4)
        for (t,), sub in frame.group_by("contact_type")
    }
    return {
        "ece": round(ece, 4),
        "ece_by_type": by_type,
        "reliability": table,
        "address": address_scores(frame, truth_dir),
    }
