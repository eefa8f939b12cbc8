"""The match stage's settings and the matcher's content version.

Apart from `link` so that the modules `link` calls (incremental planning, the Dask comparator)
can name the settings without importing `link` back.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, TypeAdapter, model_validator
from pydantic.dataclasses import dataclass

from skiptrace import sql
from skiptrace.matchers.versioning import content_version

MATCHER_VERSION = "skiptrace-fs/1"


@dataclass(config=ConfigDict(extra="forbid"))
class MatchSettings:
    """Knobs of one link run; stored with the run (match_run.settings).

    Declared once, here: each field's default, range and description. The refresh's run
    settings (`RefreshParams`), and through them the `run` / `serve` options and the Prefect
    parameters, take the ones users may override (threshold and the two block caps) from these
    fields. A pydantic dataclass rather than a BaseModel so that callers keep what a dataclass
    gives them (`dataclasses.asdict`/`replace`/`fields`, keyword construction), while every
    construction is validated: a threshold of 5 is refused where it is written, not deep in a
    run. The JSON stored with a run keeps the same keys (the incremental cache compares them).

    Why these defaults:

    threshold 0.9: the posteriors are bimodal (true pairs at weights of +20..+60, the closest
      non-matches below 0), so the threshold only decides the few pairs whose evidence
      conflicts. On FEBRL4 precision is 1.0 from 0.2 to 0.999 and F1 moves little (with SSN
      0.9998 at 0.2, 0.9995 at 0.9, 0.9991 at 0.99; without SSN 0.9957 / 0.9917 / 0.9884,
      guards off); on the project's synthetic portfolio (households, namesakes) debtor
      precision is 99.96%. The errors are not symmetric: a wrong link is an FDCPA third-party disclosure, a
      missed one costs a contact that the review queue (review_floor) still shows. 0.9 — "at
      most 1 in 10 of these conflicting links wrong, under the model" — keeps one-typo pairs and
      gives up the conflicting ones; 0.99 would start dropping records with a missing SSN.
    review_floor 0.2: pairs between floor and threshold are kept as role 'rejected' for a human
      review queue; below it they are not stored (thousands of near-zero pairs per account).
    block_cap 20,000: cap of the passes keyed on an identifier or a whole address (SSN, SSN
      last four + DOB, phone, email, address, house number + ZIP5): a block larger than this
      (left rows x right rows) is skipped and reported. Wide, because a big block there is one person with many
      records or one building, and its pairs matter; it only stops degenerate keys (a
      placeholder SSN or phone shared by thousands).
    name_block_cap 100: cap of the passes keyed on names, places and dates of birth (surname +
      initial + ZIP3, name nationwide, DOB + a name, DOB + ZIP3, street + city, ...). Their
      blocks grow with the square of a common value's frequency and hold namesakes: on 100k
      generated accounts, blocks over 100 pairs made 72% of all candidates and 0.01% of the
      links (docs/performance.md). A person with several records is still found by the
      identifying passes at the wide cap.
    em_max_iter 100: EM on the pattern table converges in 4-25 iterations (FEBRL4, synthetic
      portfolios); the cap only stops pathological inputs.
    u_sample_pairs 1,000,000: random pairs for u (Splink's default order); u of an agreement
      level with frequency 1e-5 is then measured from ~10 pairs, enough for stable weights.
    match_policy 'collections': what the links are for. 'collections' (the default) applies every
      wrong-party guard (matchers/guards.py): in collections a wrong link is a third-party
      disclosure and a call to the wrong person, so a father and son, spouses or a namesake at
      one address are kept apart even when the scores would link them, and sent to review.
      'dedup' is plain deduplication of one population (a data set without households, or the
      same people listed twice, as FEBRL): no guard applies and the scores alone decide. Never
      the setting for a collections portfolio (docs/matching_policy.md).
    guards: names of the wrong-party guards to apply (None = those of the match policy).
      Naming them is for benchmarks that study one guard at a time, never production.
    ssn_placeholder_accounts 3: an SSN carried by more accounts than this under names that
      disagree is a placeholder (a collections system's filler, one made-up number, echoed back
      by vendors), not a person's number: the matcher treats it as missing on every account and
      record carrying it (sql/match/shared_ssn.sql) and the run warns. Left as an SSN, an exact
      agreement on it taught the model that a different surname and a date of birth decades
      apart are what a match looks like (an audit case of 134 such accounts: last name
      different -12.0 -> -0.43). Above 3 because a real person placed by several creditors
      carries one SSN on two or three accounts, under one name (those accounts are one
      identity: a record of that person is the debtor record of each of them); a placeholder
      on three accounts or fewer misleads the model by a few pairs at most.
    common_name_dob_chance 0.01: a full name is "very common" for the guard
      'common_name_dob_only' (matchers/guards.py) when the expected number of its other bearers
      born on a given day reaches this: its distinct dated people among the run's records times
      the chance that two people of the run share a date of birth (sql/match/common_name.sql).
      There a name and DOB agreement with nothing else personal (no SSN, street address, phone
      or email) is held for review. The DOB's weight (about 15 bits) is priced for a random
      pair; an audit put 1,000 JOSE GARCIA rows in Texas next to 500 accounts of the name (812
      dated people, 0.059 expected) and 8 strangers born an account's day were linked at 0.95
      and above. At 0.01 a name needs about 120 dated people where dates are as spread as the
      generated portfolios' (a shared date 1 in 12,000 pairs); the commonest name of the
      auditor's g2k portfolio (JAMES SMITH, 21 people) is at 0.0018.
    contact_placeholder_debtors 5: a phone number or email on the accounts of more than this
      many different debtors (told apart by surname and given name) is a placeholder (the
      agency's own number typed where the consumer's was unknown, a switchboard,
      none@none.com), not a contact of any of them: the matcher treats it as missing on every
      account and record carrying it (sql/match/shared_contacts.sql) and the run warns. Left in,
      it proposed and scored strangers as sharing a phone or an email (an audit case of 200
      accounts on one number and 200 on one email: the weight of a real shared phone down
      from +13.2 to +4.4 bits, of an email from +13.4 to +4.5). 5 is resolution's limit for
      the same values in its output (ResolveSettings.placeholder_debtors): a family's landline
      is on two or three of the family's accounts. Not addresses: many debtors at one address
      is also their real home (a dormitory, a nursing home), where it is evidence.
    household_max_persons 10: a dwelling (the street address with the account's unit, or
      with none) carried by more than this many different debtors' accounts (told apart by
      surname and given name) is not one household's but a group quarters (a dormitory, a
      nursing home, a prison) or an office keyed as their address (a creditor's suite): there
      a record that shares only the address (no phone or email, no given name, DOB or SSN
      agreement) is a stranger, neither a household member nor a lead (guard
      'shared_building_only', role rejected; sql/match/crowded_dwelling.sql), unless it
      carries the debtor's surname and that surname is rare there (crowded_surname_chance).
      The address still counts for matching the debtor. 10 because a large family is up to
      about ten people, and a family of ten with every member a debtor of one portfolio is
      already beyond what a portfolio holds (on pseudopeople's seed 11 the most crowded
      addresses after its 6 group quarters, 57-74 debtors each, hold 5; the generated demo
      portfolio puts each account at an address of its own).
    crowded_surname_chance 0.05: at such an address a shared surname says "relative" only when
      the expected number of the address's debtors bearing it by chance (their number times
      the surname's share of the run's names) is below this: among 70 dormitory residents a
      SMITH or a PEREZ is to expect (0.2-0.7), a KAUFMAN or a WOODHOUSE is not (0.01). 1 in
      20: a same-surname stranger then outnumbers a relative only where relatives are rarer
      than that among a group quarters' residents, and the error kept is a lost lead, not a
      stranger told about a debt. On pseudopeople's seed 11 it takes 188 of the 229
      same-surname household associates at its group quarters out.
    """

    threshold: float = Field(
        default=0.9,
        gt=0.0,
        le=1.0,
        description="Link probability threshold: a pair at or above it is linked (default "
        "0.9). Keep it the same from run to run: a change forces a full rebuild.",
    )
    review_floor: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Pairs between this and the threshold are kept as 'rejected' for review.",
    )
    block_cap: int = Field(
        default=20_000,
        ge=1,
        description="Skip blocks of more than N candidate pairs in the blocking passes keyed on "
        "SSN, phone, email and address (default 20,000; docs/performance.md).",
    )
    name_block_cap: int = Field(
        default=100,
        ge=1,
        description="Cap of the blocking passes keyed on names, places and dates of birth "
        "(surname + ZIP3, name nationwide, DOB + name, street + city ...): their big blocks "
        "are namesakes (default 100; 50 for a million accounts, docs/performance.md).",
    )
    em_max_iter: int = Field(default=100, ge=1, description="Cap of EM iterations.")
    u_sample_pairs: int = Field(
        default=1_000_000, ge=1, description="Random pairs sampled to estimate u."
    )
    seed: int = Field(default=42, description="Seed of the u sample.")
    reuse_params_from: str | None = Field(
        default=None, description="Run whose stored model parameters this run reuses."
    )
    match_policy: Literal["collections", "dedup"] = Field(
        default="collections",
        description="collections (default): every wrong-party guard (father/son, spouses, "
        "namesakes) holds links apart; dedup: plain deduplication without them, for data with "
        "no households (docs/matching_policy.md). Never dedup for a collections portfolio.",
    )
    guards: tuple[str, ...] | None = Field(
        default=None, description="Wrong-party guards to apply (None = the match policy's)."
    )
    ssn_placeholder_accounts: int = Field(
        default=3,
        ge=1,
        description="An SSN on more accounts than this, under names that disagree, is read as "
        "a placeholder and treated as missing (default 3).",
    )
    contact_placeholder_debtors: int = Field(
        default=5,
        ge=1,
        description="A phone number or email on the accounts of more than N different debtors "
        "is read as a placeholder and treated as missing in matching (default 5).",
    )

    household_max_persons: int = Field(
        default=10,
        ge=1,
        description="A dwelling (address and unit) on the accounts of more than N different "
        "debtors is a group quarters, not a household: sharing only it makes no associate "
        "(default 10; docs/matching_policy.md).",
    )

    crowded_surname_chance: float = Field(
        default=0.05,
        gt=0.0,
        description="At a crowded address (household_max_persons), a surname whose expected "
        "bearers among its debtors by chance reach this is no sign of a relative (default "
        "0.05; docs/matching_policy.md).",
    )

    common_name_dob_chance: float = Field(
        default=0.01,
        gt=0.0,
        description="A full name whose dated bearers among the records, times u(DOB exact), "
        "reach this is very common: its name + DOB agreement alone is held for review "
        "(default 0.01; docs/matching_policy.md).",
    )

    @model_validator(mode="after")
    def _floor_below_threshold(self) -> MatchSettings:
        if self.review_floor > self.threshold:
            raise ValueError("review_floor must be in [0, threshold]")
        return self

    def enabled_guards(self) -> tuple[str, ...] | None:
        """The guards this run applies: those named, else the policy's (None = all, () = none)."""
        if self.guards is not None:
            return self.guards
        return None if self.match_policy == "collections" else ()

    def validate(self) -> None:
        """Re-check the current values (fields can be assigned after construction); raises a
        pydantic ValidationError, a ValueError, naming the field."""
        TypeAdapter(MatchSettings).validate_python(dataclasses.asdict(self))


@cache
def matcher_version() -> str:
    """Version string that changes whenever the matcher's SQL, levels, model or guards change, or
    DuckDB (whose jaro-winkler and hash the comparisons and blocks use): an auditor can tell two
    runs scored by different code apart, and the incremental cache is dropped on a change.

    Computed once per process, as content_version asks of its callers: hashing the 40-odd files
    took about 14 ms of CPU, twice per link call (5% of linking a few hundred records). The
    process runs the code it loaded at start and the SQL that `sql.load` read once (cached too),
    so a file changed later is not what it runs either."""
    here = Path(__file__).resolve().parent
    modules = ("blocking", "compare", "fellegi_sunter", "guards", "incremental", "link")
    files = [
        *sorted((sql.SQL_DIR / "match").glob("*.sql")),
        sql.SQL_DIR / "standardize" / "unit_number.sql",  # the units the household guards read
        *(here / f"{m}.py" for m in modules),
    ]
    return content_version(MATCHER_VERSION, files, ("duckdb",))
