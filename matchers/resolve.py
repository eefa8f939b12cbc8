"""Resolve each account's best current contacts: candidates -> contact points -> confidence.

Reads the run's `match_pairs`, the current source contacts and the account file; writes
`contact_points` (one row per distinct address / phone / email per account and role),
`contact_support` (every piece of evidence behind each point) and `account_flags` (deceased,
bankruptcy, moved, SCRA military status). The work is set-based SQL in `sql/resolve/NN_*.sql`,
run in order over temp tables; this module sets the run's parameters, generates the model's SQL
from the shipped coefficients and runs the steps. Why each step exists is written at the top of its SQL file:

00 macros           address key, unit / street comparison used identically everywhere (phone
                    line types: the shared macros of matchers.phones)
00b outcomes        collectors' latest outcome per contact; each source's reliability updated
                    from the outcomes on the contacts it supported (beta prior = registry value)
01 links            debtor and associate links (+ vendor rows keyed to the account that the
                    matcher never saw)
01b cache dirty     per-account digest of links and on-file contacts; the accounts whose
                    evidence must be recomputed (all of them in a full resolve)
02 evidence         contacts of linked records, third parties kept apart, the on-file contacts
03 standardize      through std_address_cache / std_phone_cache / email_norm (dirty accounts)
03b cache evidence  + the clean accounts' cached rows; probabilities, reliability joined back
04 ncoa             which moves apply (I: the person; F: the household with that surname)
04b / 05c           accounts whose NCOA forwards changed join the dirty ones for variants;
                    the others' variants and cluster labels are carried from the cache
05 variants         address spellings one slip apart (same street by Jaro-Winkler or one
                    typing slip, the same unit number); 05a clusters them around the
                    best-supported spelling (slips do not chain); 05b unit-less spellings
                    join the one unit on their street, and partial ones (no house number,
                    or no street) the one complete address they are a part of
06 keys             integer keys of the variants and contact points; the evidence with them
06 clusters         consensus spelling, support, recency, negative evidence per contact point
                    (superseded / succeeded by a newer residence, NCOA moved away); the
                    addresses of many debtors who mostly live elsewhere (rs_crowded), judged
                    once here: they supersede nothing, and 08 ranks them last
07 score            factors -> features -> logistic score -> calibrated probability; how many
                    debtors hold each phone and email (placeholders)
08 finalize         status, rank (a building without its apartment right after the unit;
                    an address of many debtors who mostly live elsewhere after the account's
                    other addresses), the zones the consumer may be in, reasons in words
08b outcomes        right-party confirms; wrong number / returned mail lower the contact for the
                    account and, less, for the household's other accounts; ranks recomputed
08c withhold        placeholders (a number or email of many debtors) and the points beyond
                    max_emitted per account, type and role: kept, not exported (status suppressed)
09 write / 10 flags the run's rows, replacing any earlier attempt of the same run (and the
                    input files its support cites, for input_file_usage)
10b scra            SCRA military status: active duty or the year after it, stale, disputed
11 cache write      the evidence cache rewritten in the same transaction (migration 050)

Steps 02, 03, 05-05b are the evidence part: incremental per account (matchers/resolve_cache.py,
docs/scaling.md "Incremental resolve"); 06-10 the scoring part, for every account every run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from skiptrace import sql
from skiptrace.matchers.compare import register_unit_macro
from skiptrace.matchers.confidence import (
    ConfidenceModel,
    feature_columns_sql,
    feature_list_sql,
    feature_names,
    load_model,
)
from skiptrace.matchers.phones import register_line_type_macros
from skiptrace.matchers.resolve_cache import plan_resolve
from skiptrace.matchers.time_zones import register_time_zone_tables

log = logging.getLogger("skiptrace.resolve")
RESOLVE_DIR = "resolve"
#: bound on the rounds of the address-variant clustering (sql/resolve/05a_centers.sql)
CENTER_ROUNDS = 256


@dataclass(frozen=True)
class ResolveSettings:
    """Knobs of resolution. Defaults are what the shipped confidence model was fitted with."""

    #: match probability given to vendor rows keyed to the account that the matcher never scored
    vendor_keyed_p: float = 0.90
    #: probability that a family (F) NCOA move of a same-surname household member includes the debtor
    family_move_p: float = 0.85
    #: ... which it can only when the debtor was reported at its old address no more than this
    #: many days before the move took effect (sql/resolve/04_ncoa.sql): the span in which an
    #: on-file address still counts as confirmed (confirm_max_years)
    family_move_current_days: int = 1096
    #: reliability assumed for a file without one (registry requires it; defensive only)
    default_reliability: float = 0.70
    #: street-name Jaro-Winkler at or above which two spellings are the same street
    street_jw: float = 0.90
    #: a newer address supersedes only if match x reliability of its best record reaches this
    superseding_min: float = 0.50
    #: ... and it is newer by more than this many days
    superseded_days: int = 30
    #: an address whose residence began later (first seen) than another's, and that is last seen
    #: no more than this many days before it, *succeeds* it (last-seen dates lag a move)
    succeeded_window_days: int = 180
    #: ... but a single one-date record does not succeed an address that at least this many
    #: independent sources report on or after that record's date (one report against several
    #: is a conflict, most often a mistyped or misattributed record, not a move: issue 16)
    succession_contradicting_sources: int = 2
    #: evidence this long after an NCOA move effective date means the person is back; shorter
    #: gaps are the months a vendor / bureau keeps reporting an address after a move
    moved_back_days: int = 180
    #: 'confirmed' needs independent support no older than this (years)
    confirm_max_years: float = 3.0
    #: a building address reported without its apartment, beside the same building with one,
    #: supports the unit's point (it neither supersedes nor succeeds it: 06_clusters.sql) and
    #: ranks right after it (sql/resolve/08_finalize.sql), unless it was first
    #: reported more than this many days after that unit's last report: the unit is then stale
    #: and the bare report the newer evidence (the person may have moved within the building)
    unit_stale_days: int = 365
    #: ... and only after a unit at or above this confidence: 0.30 is the import files' default
    #: verify band, below which an address is held for verification, not mailed
    unit_follow_floor: float = 0.30
    #: Reg F 1006.6(b)(1): a current debtor address (not one the consumer left) with at least
    #: this confidence is a place the consumer may be, so its zone joins the best-ranked
    #: address's and the phones' calling window must fit both (sql/resolve/08_finalize.sql).
    #: 0.30 is the default verify band of the import files: an address below it is held for
    #: verification, not acted on, so it is not yet information about where the consumer is;
    #: at or above it, a second current address in another zone is (a 0.98 New York address
    #: behind a 0.995 Los Angeles one once left calls until midnight in New York)
    calling_zone_floor: float = 0.30
    #: a record of the same person dated more than this many days after a date of death makes
    #: the death unverified (sql/resolve/10_flags.sql). The grace covers what is normally dated
    #: after a death without the person living on: the final pay and tax records of the year,
    #: a bureau's last refresh, estate activity in the decedent's name.
    death_activity_grace_days: int = 120
    #: ... and multiplies its confidence by this: below 0.8 the account is held for
    #: verification instead of routed to the estate (matchers/rules/default_rules.yml)
    death_activity_factor: float = 0.6
    #: a bankruptcy or death record held for review (not linked) holds the account pending
    #: review from this match probability on, when the record's address is the account's or
    #: the SSN's last four agree (sql/resolve/10_flags.sql, docs/compliance.md). 0.20 is the
    #: matcher's review floor: no pair below it is kept, so every held pair with that evidence
    #: counts; the evidence, not the probability, keeps namesakes elsewhere out
    possible_link_floor: float = 0.20
    #: an SCRA military status (DMDC) whose status date is more than this many days before the
    #: as-of date is stale: a "not on active duty" that old is reported, not trusted
    #: (sql/resolve/10b_scra.sql). DMDC certificates are usually refreshed monthly
    scra_fresh_days: int = 31
    #: days after leaving active duty during which the account is still treated as protected:
    #: DMDC's "left active duty within 367 days" window, protection continuing for a year
    scra_tail_days: int = 367
    #: weight, in pseudo-outcomes, of the registry's reliability against collectors' outcomes
    outcome_strength: float = 20.0
    #: a right-party contact is confirmed with at least this confidence
    outcome_confirmed: float = 0.95
    #: confidence kept by a contact collectors reported bad for the account (wrong number ...)
    outcome_bad_factor: float = 0.10
    #: ... and by the same contact on the household's other accounts
    outcome_household_factor: float = 0.50
    #: a phone or email held by more than this many distinct debtors (accounts' debtors told
    #: apart by standardized name: one person's several accounts count once) is a placeholder
    #: or a shared line (a vendor's 713-555-5555 on every row, a business switchboard), nobody's
    #: own: confidence 0, withheld from every export, and a run warning (07_score.sql, 08c).
    #: A family's landline is on two or three of the family's accounts; 5 leaves room for a
    #: large household and stops what a source reports for dozens or thousands of debtors
    placeholder_debtors: int = 5
    #: a debtor address (the street address with its unit: each apartment is a dwelling of its
    #: own) reported for more than this many distinct debtors (told apart as placeholder_debtors
    #: tells them) is checked for whether those debtors' own evidence places them there
    #: (06_clusters.sql, rs_crowded; docs/confidence.md "An address of many debtors"). 10, as
    #: the matcher's household_max_persons: a large family is up to about ten people
    crowded_address_debtors: int = 10
    #: ... and when, of more than that many of them whose own records place them somewhere,
    #: fewer than this share are last reported there (a creditor's office keyed or echoed into
    #: their files: 30 of 317, 9%, in an audit case; a group quarters' residents: 76-93% on
    #: pseudopeople's seed 11), it supersedes none of the account's other addresses, ranks
    #: after them and has a confidence of at most that share. 0.5: an address where most of its
    #: debtors do not live is, for any one of them, more likely not a home than a home
    crowded_placed_share: float = 0.5
    #: contact points of one type (address, phone, email) and role emitted per account: the
    #: best-ranked this many; the rest are withheld (status suppressed, reason 'WITHHELD: ...'),
    #: kept in contact_points for explain and lineage (08c_withhold.sql). A debtor traced by 300
    #: records had 302 phones exported; a dialer or a letter run works the first few
    max_emitted: int = 10
    #: contact points written per sorted chunk (09_write_chunks.sql): bounds the sort that
    #: keeps contact_points / contact_support clustered by account; the rows do not depend on it
    write_chunk_rows: int = 1_000_000
    #: keep the rs_* temp tables after the run (debugging)
    keep_temp: bool = False


@dataclass
class ResolveResult:
    """Counts of what resolution wrote for the run (all plain scalars: go to run_summary)."""

    run_id: str
    as_of: str
    model_version: str
    contact_points: int = 0
    debtor_contacts: int = 0
    third_party_contacts: int = 0
    accounts_with_contacts: int = 0
    addresses: int = 0
    phones: int = 0
    emails: int = 0
    new: int = 0
    confirmed: int = 0
    on_file: int = 0
    support_rows: int = 0
    flags_deceased: int = 0
    flags_deceased_disputed: int = 0
    flags_bankruptcy: int = 0
    flags_moved: int = 0
    #: placeholders withheld (07, 08c): distinct phone numbers and emails held by more than
    #: ResolveSettings.placeholder_debtors debtors, the accounts they were withheld on, and the
    #: most debtors one of them was reported for
    placeholder_phones: int = 0
    placeholder_emails: int = 0
    placeholder_accounts: int = 0
    placeholder_max_debtors: int = 0
    #: contact points withheld beyond ResolveSettings.max_emitted per account, type and role
    withheld_beyond_cap: int = 0
    #: how the evidence part was computed (resolve_increments has the full row)
    mode: str = "full"
    mode_reason: str = ""
    accounts_dirty: int = 0
    evidence_seconds: float = 0.0
    scoring_seconds: float = 0.0
    seconds: float = 0.0
    #: seconds per SQL step (not a plain scalar: kept out of run_summary, shown by bench/scale.py)
    step_seconds: dict[str, float] = field(default_factory=dict)


def _file(name: str) -> str:
    return f"{RESOLVE_DIR}/{name}"


def resolve_contacts(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    as_of: dt.date,
    *,
    settings: ResolveSettings | None = None,
    model: ConfidenceModel | str | Path | None = None,
    rules: Path | None = None,
    full_rebuild: bool = False,
) -> ResolveResult:
    """Build the run's contact points, their support and the account flags.

    Idempotent per run: an earlier attempt's rows for `run_id` are replaced. The evidence part
    is recomputed only for the accounts whose links, records or on-file contacts changed since
    the cached state (matchers/resolve_cache.py decides full or incremental; `rules` is the
    suppression rules file, part of the cache's key); scoring covers every account.
    """
    started = time.perf_counter()
    settings = settings or ResolveSettings()
    if not isinstance(model, ConfidenceModel):
        model = load_model(model)
    # The run's values, bound as named $parameters; each step names the ones its file reads.
    street_jw = float(settings.street_jw)
    reliability = float(settings.default_reliability)

    timings: dict[str, float] = {}

    def run(name: str, text_or_file: str, **params: object) -> None:
        t0 = time.perf_counter()
        sql.run(con, text_or_file, **params)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0

    register_line_type_macros(con)  # the one line-type rule (TCPA: HOME is not a landline)
    register_unit_macro(con)  # the one unit-number rule (rs_unit), shared with the matcher
    run("00_macros", _file("00_macros.sql"))
    run("00_macros", "outcomes/vocabulary.sql")  # the outcome lists, shared with all readers
    run("00_macros", "outcomes/latest.sql")  # latest_contact_outcomes, shared with suppress
    plan = plan_resolve(con, settings, model, rules=rules, full_rebuild=full_rebuild)
    evidence_rows = _evidence_part(con, run, plan.incremental, run_id, as_of, settings, timings)
    evidence_seconds = time.perf_counter() - started

    def release(*tables: str) -> None:
        """Drop temp tables no later step reads (kept with `keep_temp`, for debugging)."""
        if not settings.keep_temp:
            for table in tables:
                con.execute(f"DROP TABLE IF EXISTS {table}")

    # Resolve's temp tables outgrow the memory limit at scale (about 20 GB at 1M accounts
    # against a 5 GB limit): each is dropped once its last reader has run, so the steps
    # after it spill less.
    release("rs_ev0", "rs_ev_ncoa", "rs_ncoa_recs", "rs_acct_last", "rs_uedge", "rs_vcen")
    run("06_keys", _file("06_keys.sql"))
    release("rs_evs")
    run(
        "06_clusters",
        _file("06_clusters.sql"),
        default_reliability=reliability,
        street_jw=street_jw,
        superseding_min=float(settings.superseding_min),
        superseded_days=int(settings.superseded_days),
        succeeded_window_days=int(settings.succeeded_window_days),
        succession_contradicting_sources=int(settings.succession_contradicting_sources),
        moved_back_days=int(settings.moved_back_days),
        unit_stale_days=int(settings.unit_stale_days),
        crowded_debtors=int(settings.crowded_address_debtors),
        crowded_placed_share=float(settings.crowded_placed_share),
    )
    release("rs_var", "rs_lab", "rs_ncoa_back")
    run(
        "07_score",
        sql.render(
            _file("07_score.sql"),
            features=feature_columns_sql(),
            z=model.z_sql(),
            p=model.p_sql("zz.z"),
        ),
        as_of=as_of,
        placeholder_debtors=int(settings.placeholder_debtors),
    )
    release("rs_cs", "rs_neg", "rs_phone_info")
    run(
        "08_finalize",
        _file("08_finalize.sql"),
        confirm_max_years=float(settings.confirm_max_years),
        zone_floor=float(settings.calling_zone_floor),
        unit_stale_days=int(settings.unit_stale_days),
        unit_follow_floor=float(settings.unit_follow_floor),
    )
    release("rs_scored", "rs_final_rank", "rs_account_tz", "rs_phone_tz", "rs_crowded")
    run(
        "08b_outcomes",
        _file("08b_outcomes.sql"),
        outcome_confirmed=float(settings.outcome_confirmed),
        outcome_bad_factor=float(settings.outcome_bad_factor),
        outcome_household_factor=float(settings.outcome_household_factor),
        unit_follow_floor=float(settings.unit_follow_floor),
    )
    run("08c_withhold", _file("08c_withhold.sql"), max_emitted=int(settings.max_emitted))

    write_sql = sql.render(_file("09_write.sql"), feature_list=feature_list_sql())
    t0 = time.perf_counter()
    chunks = write_chunks(con, settings.write_chunk_rows)
    timings["09_write_chunks"] = time.perf_counter() - t0
    # One transaction: the contact points, their support, the flags and the evidence cache of
    # the run land together or not at all. It begins here, after scoring: a table dropped
    # inside a transaction keeps its memory until the commit (a rollback would need it), so a
    # transaction begun earlier, to write each table as soon as its inputs exist and free them,
    # made a full resolve at 1M slower (docs/performance.md, sixteenth session).
    with sql.transaction(con):
        run("09_write", _file("09_write_clear.sql"), run_id=run_id, input_names=feature_names())
        for after, upto in chunks:
            run(
                "09_write",
                write_sql,
                run_id=run_id,
                model_version=model.version,
                after=after,
                upto=upto,
            )
        run("09_write", _file("09_write_files.sql"), run_id=run_id)
        run(
            "10_flags",
            _file("10_flags.sql"),
            run_id=run_id,
            as_of=as_of,
            death_grace_days=int(settings.death_activity_grace_days),
            death_activity_factor=float(settings.death_activity_factor),
            possible_floor=float(settings.possible_link_floor),
            default_reliability=float(settings.default_reliability),
        )
        run(
            "10b_scra",
            _file("10b_scra.sql"),
            run_id=run_id,
            as_of=as_of,
            scra_fresh_days=int(settings.scra_fresh_days),
            scra_tail_days=int(settings.scra_tail_days),
            default_reliability=float(settings.default_reliability),
        )
        run(
            "11_cache_write",
            _file("11_cache_write.sql"),
            incremental=plan.incremental,
            run_id=run_id,
            state_key=plan.state_key,
        )
    scoring_seconds = time.perf_counter() - started - evidence_seconds
    increment = sql.rows(
        con,
        _file("cache_increment.sql"),
        run_id=run_id,
        mode="incremental" if plan.incremental else "full",
        reason=plan.reason,
        base_run_id=plan.base_run_id,
        evidence_rows_total=evidence_rows,
        evidence_seconds=round(evidence_seconds, 3),
        scoring_seconds=round(scoring_seconds, 3),
    )[0]
    log.info(
        "resolve %s: %s (%s): evidence of %d of %d accounts recomputed (variants %d),"
        " evidence %.1f s, scoring %.1f s",
        run_id,
        "incremental" if plan.incremental else "full",
        plan.reason,
        increment["accounts_dirty"],
        increment["accounts"],
        increment["accounts_variants_dirty"],
        evidence_seconds,
        scoring_seconds,
    )

    result = _summarize(con, run_id, as_of, model)
    result.mode = "incremental" if plan.incremental else "full"
    result.mode_reason = plan.reason
    result.accounts_dirty = int(increment["accounts_dirty"])
    result.evidence_seconds = round(evidence_seconds, 3)
    result.scoring_seconds = round(scoring_seconds, 3)
    result.step_seconds = {k: round(v, 3) for k, v in timings.items()}
    if not settings.keep_temp:
        drop_temp_tables(con)
    result.seconds = round(time.perf_counter() - started, 3)
    log.debug(
        "resolve %s step seconds: %s",
        run_id,
        ", ".join(f"{k}={v:.2f}" for k, v in timings.items()),
    )
    return result


def _evidence_part(
    con: duckdb.DuckDBPyConnection,
    run: Callable[..., None],
    incremental: bool,
    run_id: str,
    as_of: dt.date,
    settings: ResolveSettings,
    timings: dict[str, float],
) -> int:
    """Steps 00b-05c: every account's links, standardized evidence and address variants, the
    dirty accounts' computed, the others' carried from the cache (all of them computed in a full
    resolve: the same statements with nothing carried). Returns the number of evidence rows
    before NCOA forwards (for resolve_increments)."""
    street_jw = float(settings.street_jw)
    reliability = float(settings.default_reliability)
    run(
        "00b_outcomes",
        _file("00b_outcomes.sql"),
        run_id=run_id,
        as_of=as_of,
        outcome_strength=float(settings.outcome_strength),
    )
    run(
        "01_links",
        _file("01_links.sql"),
        run_id=run_id,
        as_of=as_of,
        vendor_keyed_p=float(settings.vendor_keyed_p),
        default_reliability=reliability,
    )
    run("01b_cache_dirty", _file("01b_cache_dirty.sql"), incremental=incremental)
    run("02_evidence", _file("02_evidence.sql"))
    std_query = sql.load(_file("03_standardize.sql"))
    con.execute("CREATE OR REPLACE TEMP VIEW rs_ev_in AS SELECT * FROM rs_ev0")
    run("03_standardize", f"CREATE OR REPLACE TEMP TABLE rs_evs_new AS {std_query}")
    run("03b_cache_evidence", _file("03b_cache_evidence.sql"), incremental=incremental)
    evidence_rows = int(sql.scalar(con, "SELECT count(*) FROM rs_evs") or 0)
    run(
        "04_ncoa",
        _file("04_ncoa.sql"),
        as_of=as_of,
        default_reliability=reliability,
        family_p=float(settings.family_move_p),
        family_current_days=int(settings.family_move_current_days),
        superseding_min=float(settings.superseding_min),
        moved_back_days=int(settings.moved_back_days),
        street_jw=street_jw,
    )
    con.execute("CREATE OR REPLACE TEMP VIEW rs_ev_in AS SELECT * FROM rs_ev_ncoa")
    # Most runs apply no NCOA forward: the standardization statement is then skipped, not run
    # over nothing. Its planning alone (the address and phone rules it expands) took 40 ms of
    # CPU, 5-7% of a resolve of a handful of accounts; inserting no rows changes nothing.
    if sql.scalar(con, "SELECT count(*) FROM (SELECT 1 FROM rs_ev_ncoa LIMIT 1)"):
        run(
            "03_standardize_ncoa",
            f"INSERT INTO rs_evs BY NAME SELECT * EXCLUDE (c_last_seen) FROM ({std_query})",
        )
    run("04b_cache_variants_dirty", _file("04b_cache_variants_dirty.sql"), incremental=incremental)

    t0 = time.perf_counter()
    register_time_zone_tables(con)
    timings["time_zones"] = time.perf_counter() - t0

    run("05_variants", _file("05_variants.sql"), street_jw=street_jw)
    # Rounds of the clustering around centers: each places at least the best-ranked unplaced
    # variant of every account with one, and a handful place everything (the 300 one-keystroke
    # neighbours of the audit's heavily traced debtor took 9). What the bound leaves unplaced
    # stays a point of its own (05a_labels.sql).
    for _ in range(CENTER_ROUNDS):
        run("05a_centers", _file("05a_centers.sql"))
        if not sql.scalar(con, "SELECT count(*) FROM rs_vcen WHERE state = 'u'"):
            break
    run("05a_labels", _file("05a_labels.sql"))
    run("05b_attach_unitless", _file("05b_attach_unitless.sql"), street_jw=street_jw)
    run("05b_attach_partial", _file("05b_attach_partial.sql"), street_jw=street_jw)
    run("05c_cache_variants", _file("05c_cache_variants.sql"), incremental=incremental)
    return evidence_rows


def write_chunks(
    con: duckdb.DuckDBPyConnection, chunk_rows: int
) -> list[tuple[str | None, str | None]]:
    """(after, upto] account-id ranges of about `chunk_rows` contact points each, ascending.

    The first range is open below and the last open above (None), so together they cover
    every account of rs_final and rs_evc whatever the bounds are.
    """
    uppers = [r["upto"] for r in sql.rows(con, _file("09_write_chunks.sql"), chunk_rows=chunk_rows)]
    bounds: list[str | None] = [None, *uppers[:-1], None]
    return list(itertools.pairwise(bounds))


def _summarize(
    con: duckdb.DuckDBPyConnection, run_id: str, as_of: dt.date, model: ConfidenceModel
) -> ResolveResult:
    counts = sql.rows(con, _file("summary.sql"), run_id=run_id)[0]
    flags = dict(
        con.execute(
            "SELECT flag, count(*) FROM account_flags WHERE run_id = $run_id GROUP BY flag",
            {"run_id": run_id},
        ).fetchall()
    )
    support = sql.scalar(
        con, "SELECT count(*) FROM contact_support WHERE run_id = $run_id", run_id=run_id
    )
    result = ResolveResult(
        run_id=run_id,
        as_of=as_of.isoformat(),
        model_version=model.version,
        support_rows=int(support or 0),
        flags_deceased=int(flags.get("deceased", 0)),
        flags_deceased_disputed=int(flags.get("deceased_disputed", 0)),
        flags_bankruptcy=int(flags.get("bankruptcy", 0)),
        flags_moved=int(flags.get("moved", 0)),
    )
    withheld = sql.rows(con, _file("withheld_summary.sql"))[0]
    for name, value in {**counts, **withheld}.items():
        # the summary files' columns are ResolveResult's count fields
        if name not in ResolveResult.__dataclass_fields__:
            raise KeyError(f"resolve summary column {name!r} is not a ResolveResult field")
        setattr(result, name, int(value or 0))
    return result


_TEMP_TABLES = (
    "rs_links", "rs_acct_digest", "rs_dirty", "rs_ev0", "rs_evs_new", "rs_evs", "rs_ncoa_digest",
    "rs_vdirty", "rs_var_new", "rs_ncoa_recs", "rs_acct_last", "rs_ncoa_apply", "rs_ev_ncoa",
    "rs_var", "rs_uedge", "rs_lab", "rs_vcen", "rs_evc", "rs_ncoa_back", "rs_rep",
    "rs_phone_info", "rs_cs", "rs_neg", "rs_scored", "rs_final", "rs_zip_tz", "rs_city_tz",
    "rs_state_tz", "rs_area_tz", "rs_tz_off", "rs_outcome_last", "rs_source_reliability",
    "rs_outcome_household", "rs_outcome_hit", "rs_outcome_rerank", "rs_final_rank",
    "rs_account_tz", "rs_phone_tz", "rs_tp_own", "rs_vk", "rs_pt", "rs_src", "rs_src_names",
    "rs_joint", "rs_link_threshold", "rs_shared", "rs_crowded",
)  # fmt: skip


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Free the intermediate tables (they can be large on a big portfolio)."""
    con.execute("DROP VIEW IF EXISTS rs_ev_in")
    for t in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {t}")
