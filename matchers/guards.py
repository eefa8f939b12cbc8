"""Wrong-party guards: explicit, named rules that stop a pair from being linked as the debtor.

Why rules on top of a probability: Fellegi-Sunter adds up independent evidence, and the people
most likely to be confused with a debtor are exactly the ones who share most of it — a father
and son (same name, same address), a spouse (same surname, address, phone), a roommate. Calling
or writing to them about the debt is a third-party disclosure (FDCPA 1692b / Reg F 1006.10), so a
pattern that describes *another member of the household* must never become role 'debtor',
however high its score. A household guard makes the pair role 'associate': its contacts may
still be used as third-party location contacts, kept apart from the debtor's own.

Five rules make a pair role 'rejected' instead: kept for review when it scores above the review
floor, never the debtor, and not a location contact either (a namesake or a neighbour is nobody's
contact).
- 'generation_ambiguous': a row with the name and a generational suffix on one side only (no
  suffix next to the JR/SR account, or a JR/SR row next to an account without one) and no SSN
  or DOB agreement could describe either generation: the suffix itself says another
  generation carries the name. With an account that has no SSN or DOB (or a source whose
  placeholders were nulled), the father's credit-header row agrees on name and address only;
  on the auditor's runs about one such link in four was the father's or the son's. An NCOA
  move (`move_record`: a change of address filed under the name at an address of the mailing
  list, name and address only) is held only on an account whose candidates show another
  generation with the debtor's name: a pair of the account fired suffix_conflict,
  dob_conflict_same_address or ssn_conflict_same_address, or, record against record, the
  account row and its candidates of the name at its street address carry two different
  suffixes (JR and SR) or DOBs a generation apart (sql/match/generation_records.sql; no pair
  guard can fire on an account without SSN, DOB or suffix). A JR debtor's bare NCOA move where
  nothing shows an SR is the debtor's move: held on the suffix alone, the generated 100k lost
  some 500 of them (their letters went to the old address), and such moves linked where
  nothing showed another generation were another person's 15 times in 518 there, where bare
  credit-header rows were 10 in 41 (and 20 in 59 on the auditor's placeholder case). Where a
  pair guard dated the other generation (a suffix conflict, a DOB a generation off at the
  address), a row with no suffix, SSN or DOB on either side is held too (the father's NCOA
  move, his bankruptcy filing); the records' own evidence does not hold such rows: on an
  account without SSN or DOB that is every row, and split_identities.sql tells them apart
  after scoring.
  Post-scoring (matchers/link.py, hold_split_identities), a debtor link on the minority side of
  an account whose linked records carry two people's SSNs or DOBs a generation apart is held
  under this name as well.
- 'ssn_conflict_other_given_name': both SSNs present and disagreeing and the given names not
  the same name (a near spelling such as DANIEL / DANIELLE, or another name): a sibling or a
  namesake, whatever the DOB and the address say, where the other name has records of its own
  or the SSN is another one (not a typo), the given name only similar and the DOB not exact
  (ELIZABETH for ELIJAH; in the debtor's dwelling that pattern is 'spouse_pattern'). Not a
  household rule: the record may be anybody's, so it is kept for review, not used as a
  third-party contact.
- 'uncorroborated_name_match': a namesake in the same ZIP is far more common than independence
  between name and place predicts (and than term frequencies can price in), so a name match
  corroborated by nothing personal — no DOB, SSN, street address, phone, email or echoed
  account key — is never linked as the debtor.
- 'common_name_dob_only': the name and the date of birth agree and nothing else personal
  does (no SSN, street address, phone, email or echoed key), on an account whose full name is
  very common among the run's records (sql/match/common_name.sql). The DOB's weight is priced
  for a random pair, about 15 bits; among the 812 people of a name on an audit portfolio (500
  JOSE GARCIA accounts in Texas, 1,000 credit-header rows of the name) one account in 17 is to
  expect a stranger born its day, and the name's own weight is overstated too (the term
  frequencies price given name and surname apart, and JOSE goes with GARCIA): 8 strangers
  were linked at 0.95 and above, with no SSN or another one, and another address. Held for a
  reviewer, not dropped: the debtor's own row that moved and lost its SSN looks the same. A
  linked record of the account carrying the pair's street address or SSN releases it
  (link.corroborate_by_linked_records).
- 'shared_building_only': the same street address in another unit (or a unit on one side only),
  nothing else shared and nothing personal agreeing: a neighbour in the debtor's building (see
  "same dwelling" below).

Each guard is a predicate over the comparison levels of a pair (see matchers/compare.py), so a
decision can be replayed and explained from `match_pairs.levels` alone (the contextual
'generation_ambiguous' also needs to know whether the account's household showed another
generation: `household=True`; the dwelling rules whether the two units agree, compare.sql's
`same_unit`). Guards are evaluated in the order of GUARDS; the first that fires
is recorded in `match_pairs.guard`.

Shared notions:
- "same name": surname exact / jaro-winkler >= 0.92, and a similar given name: exact, nickname,
  swapped with the surname or jaro-winkler >= 0.80 (a JR carries his father's given name; a
  variant spelling is still that name); for the suffix rule a missing given name also counts;
- "given name differs": both present, level 'different' or 'crossed' (one side's given name is
  the other's surname: not a nickname, not a near spelling);
- "DOB conflict": both present and level 'different' or 'near years' — not exact, not a
  day/month transposition, not a one-component typo and not the same year; a transposition
  (dob_ambiguous parses) or a typo is a data error of the same person (so is an unreadable date
  one keystroke from the other side's, `dob_unread`: level 'one component', compare.sql);
- "generation gap": a DOB conflict of 15 years or more (level 'different',
  compare.GENERATION_GAP_DAYS). A father and son, or a mother and daughter, are a generation
  apart; two dates closer than that cannot be parent and child (births to parents under 15 are
  about one in a thousand), and siblings or cousins do not share a full name. So the same full
  name at the same address with a DOB conflict under 15 years, no generational suffix on either
  side alone and no differing middle initial, is the same person with a wrong date (a keying or
  OCR error, a date replaced by a vendor's default) and 'dob_conflict_same_address' lets it be
  scored. The other household rules (spouse, shared contact, SSN conflict) take any DOB
  conflict: a spouse is usually within a few years of the debtor;
- "same given name": exact, nickname-canonical or swapped with the surname. A near spelling
  (jaro-winkler >= 0.80 or one keystroke) is not the same name for the rules on siblings:
  DANIEL / DANIELLE, ERIC / ERICA, PAUL / PAULA are brothers and sisters as often as
  typos. "Clearly another given name": level 'different' (not a near spelling, nickname or a
  name crossed with the surname). A given name reduced to an initial is 'different' at the
  level too (K / KAREN): the levels cannot tell it apart, so such a record is held where a rule
  needs a clearly other given name, and a reviewer approves it;
- "near given name": level jaro-winkler (>= 0.80, or one keystroke): MARK / MARY, PAUL / PAULA,
  LILY / LILEY. It is the same name for the generation rules (a JR carries his father's name,
  misspelt or not) and the rest decides whether it is a typo: the same SSN (hash or last four,
  or one keystroke off) or an agreeing DOB (two of year/month/day, or day and month swapped)
  makes it the debtor's typo; in the debtor's dwelling, with no SSN agreement and a DOB on both
  sides that disagrees (another date under 15 years off, or the same year only), it is a
  spouse or a sibling ('spouse_pattern'): a typo in the given name and a wrong DOB are two
  slips on one record, a spouse born a few years apart is none. With no DOB on one side the
  near name is read as the debtor's (a W-2 or a tax form carries no DOB, and one typo is the
  common case). The data carries no sex that would tell MARK from MARY;
- "SSN agrees": the HMAC is equal, the last four are equal, or the last four are one keystroke
  apart (one digit or an adjacent transposition: a typo of the same SSN; a father's, spouse's
  or roommate's SSN is that close to the debtor's only by chance, about 4 times in 1,000).
  "The same SSN" leaves the last one out: one digit off is no corroboration of a name match
  (another person's last four are that close 4 times in 1,000, not rare among the namesakes
  of one ZIP) and does not tell siblings apart (SSNs are issued in sequence: a twin's is often
  the next one). The level keeps its scored weight either way, and cannot tell whether both
  full hashes were present; a last four alone would say no more. SSN agreement exempts a
  pair from the DOB, spouse and shared-contact rules (a father and son, spouses, roommates
  never share an SSN), the same SSN from the sibling rules, never from the suffix rule (credit headers do mix up JR/SR files under one SSN; staying
  off the wrong party is the safer error), and not when the given name is clearly another one,
  the middle initials do not agree and the DOB does not agree ('ssn_shared_other_given_name':
  SSNs do get copied within a household, onto a spouse's tax form or a relative's credit file;
  a middle initial that agrees, or a DOB that does, keeps the pair scored);
- "same dwelling": the same street address (street level or better) and the same unit, or no
  unit on either side (`same_unit`, compare.sql: not a level, the unit numbers compared by
  sql/standardize/unit_number.sql). A household lives in one dwelling, not one building: with
  the street address alone, an apartment complex put every neighbour of the debtor in the
  debtor's household (an audit mapped a portfolio into one complex: 7,265 neighbours labelled
  spouse, 6,029 associates). A unit on one side only cannot say which apartment the record is
  in, so it is not the same dwelling either. The rules on another generation with the debtor's
  name (suffix, DOB and SSN conflicts) still read the street address ("same address"): a
  same-name record a generation off in the debtor's building is held apart whatever its unit.
  A dwelling (the street address with its unit, or with none) on the accounts of more debtors
  than a household holds (`crowded`, sql/match/crowded_dwelling.sql,
  MatchSettings.household_max_persons) is a group quarters (a dormitory, a nursing home, a
  prison) or an office keyed as many people's address (a creditor's suite): there only a
  record with the debtor's surname shares the dwelling, and only a surname too rare to be
  shared there by chance (MatchSettings.crowded_surname_chance; a pseudopeople portfolio made
  some 250 residents of its group quarters each other's household members, an audit case 180
  strangers at a creditor's office suite on 150 accounts);
- "shares a contact": the same dwelling, a shared phone or the same email;
- "shares the building only": the same street address, not the same dwelling, and no phone or
  email in common: a neighbour, who is no household member and no lead, and never the debtor
  when nothing personal agrees ('shared_building_only', role rejected);
- "corroborated": DOB agrees at least in two of year/month/day, the same SSN (hash or last4;
  not a last four one keystroke apart, see "SSN agrees": a namesake in the same ZIP with no DOB
  and a last four one digit off is not corroborated), the street address partly
  agrees, a phone or the email is shared, or the record echoes the account key (vendor
  returns: `echoed` column, when present). A name match can also be corroborated by the
  account's own linked records (`link.corroborate_by_linked_records`): the record carries the
  address or the SSN of a record already linked to the debtor on its own evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from skiptrace.matchers.compare import (
    ADDR_PARTIAL,
    ADDR_STREET,
    DOB_DIFFERENT,
    DOB_EXACT,
    DOB_NEAR_YEARS,
    DOB_ONE_COMPONENT,
    DOB_SAME_YEAR,
    EMAIL_EXACT,
    FIRST_CROSSED,
    FIRST_DIFFERENT,
    FIRST_JW80,
    FIRST_JW92,
    FIRST_SWAPPED,
    LAST_JW80,
    LAST_JW92,
    MIDDLE_DIFFERENT,
    MIDDLE_EQUAL,
    NO_DATA,
    PHONE_SHARED,
    SSN_DIFFERENT,
    SSN_LAST4,
    SSN_LAST4_NEAR,
    SUFFIX_CONFLICT,
    SUFFIX_ONE_MISSING,
)


@dataclass(frozen=True)
class Guard:
    """A named wrong-party rule: `predicate` builds a polars boolean over level columns; `role`
    is what the pair becomes ('associate' for household / third parties, 'rejected' otherwise)."""

    name: str
    description: str
    predicate: Callable[[], pl.Expr]
    role: str = "associate"
    #: a second condition under which the rule also fires, only for accounts where another
    #: same-name generation was seen (apply_guards' second pass); None: the pair alone decides
    in_household: Callable[[], pl.Expr] | None = None

    @property
    def needs_household(self) -> bool:
        """Whether part of the rule fires only in a household with another generation."""
        return self.in_household is not None


def _lvl(name: str) -> pl.Expr:
    return pl.col(name)


def _echoed() -> pl.Expr:
    """The record echoes this account's key; frames without the column (patterns) say no."""
    return pl.col("echoed").fill_null(False)


def _surname_agrees() -> pl.Expr:
    """Surname exact or jaro-winkler >= 0.92."""
    return _lvl("last_name") >= LAST_JW92


def _surname_close() -> pl.Expr:
    """Surname agrees or is close (jaro-winkler >= 0.80 or a shared surname token): enough next
    to a generational suffix, which a misspelt surname does not change (HARBURY JR is not
    HKRBURY SR's son by another family)."""
    return _lvl("last_name") >= LAST_JW80


def _given_agrees() -> pl.Expr:
    """Given name exact, nickname-canonical, swapped-with-surname or jaro-winkler >= 0.92."""
    return _lvl("first_name") >= FIRST_JW92


def _given_similar() -> pl.Expr:
    """Given name agrees or is a close variant (jaro-winkler >= 0.80)."""
    return _lvl("first_name") >= FIRST_JW80


def _given_differs() -> pl.Expr:
    """Both present and different; a given name equal to the other side's surname ('crossed')
    is still a different given name here: the guards do not take it as identity."""
    return _lvl("first_name").is_in([FIRST_DIFFERENT, FIRST_CROSSED])


def _given_not_agreeing() -> pl.Expr:
    """No evidence the given names are the same person's: different (or only crossed with the
    surname, common for names like THOMAS or JAMES), or missing on a side."""
    return _lvl("first_name") <= FIRST_CROSSED


def _dob_conflict() -> pl.Expr:
    """Both DOBs present and different at any distance (see "DOB conflict" above)."""
    return _lvl("dob").is_in([DOB_DIFFERENT, DOB_NEAR_YEARS])


def _same_person_wrong_dob() -> pl.Expr:
    """A DOB conflict that cannot be another generation of the same full name: under 15 years
    apart, the given name agrees (not merely similar), no generational suffix on one side only
    (the suffix_conflict rule takes JR vs SR) and the middle initials do not differ (see
    "generation gap" above). A given name only one keystroke off is not another generation
    either, but in the debtor's dwelling it is a spouse or sibling ('spouse_pattern', "near
    given name" above)."""
    return (
        (_lvl("dob") == DOB_NEAR_YEARS)
        & _given_agrees()
        & (_lvl("suffix") != SUFFIX_ONE_MISSING)
        & (_lvl("suffix") != SUFFIX_CONFLICT)
        & (_lvl("middle_initial") != MIDDLE_DIFFERENT)
    )


def _dob_not_agreeing() -> pl.Expr:
    """DOB different or missing; 'same year only' is not agreement either."""
    return _lvl("dob") < DOB_ONE_COMPONENT


def _given_same() -> pl.Expr:
    """The same given name: exact, nickname-canonical or swapped with the surname. A near
    spelling (DANIEL / DANIELLE, ERIC / ERICA, JOHN / JONATHAN) is not: brothers and sisters
    carry such pairs."""
    return _lvl("first_name") >= FIRST_SWAPPED


def _given_clearly_other() -> pl.Expr:
    """Both given names present and unrelated: not exact, nickname, near spelling or crossed
    with the surname (MARK / MATTHEW, PAUL / MARY)."""
    return _lvl("first_name") == FIRST_DIFFERENT


def _dob_agrees() -> pl.Expr:
    """Both DOBs present and at least two of year/month/day agree (or day and month swapped)."""
    return _lvl("dob") >= DOB_ONE_COMPONENT


def _ssn_agrees() -> pl.Expr:
    """Exact hash, last4 equal, or last4 one keystroke apart (see "SSN agrees" in the module
    docstring): the generation and household rules."""
    return _lvl("ssn") >= SSN_LAST4_NEAR


def _ssn_same() -> pl.Expr:
    """Exact hash or last4 equal, not one keystroke apart: corroboration of a name match and the
    sibling rules (see "SSN agrees" in the module docstring)."""
    return _lvl("ssn") >= SSN_LAST4


def _ssn_disagrees() -> pl.Expr:
    """Both SSNs present and not the same: different, or the last four one keystroke apart."""
    return (_lvl("ssn") >= SSN_DIFFERENT) & ~_ssn_same()


def _other_name_other_ssn() -> pl.Expr:
    """Both SSNs present and different (not one keystroke apart), a given name that is only
    similar or another one (not exact, nickname, swapped or one keystroke: level jaro-winkler
    >= 0.80 at most, both present) and a DOB that does not agree exactly (ELIZABETH for
    ELIJAH, same birth year, her own SSN). Two independent slips on one record of the debtor
    (an SSN and a given name) next to an inexact DOB are far rarer than a spouse or sibling
    whose name resembles the debtor's; the Jaro-Winkler level alone counts as a similar given
    name for the generation rules, so without this such a pair escaped every household rule."""
    return (
        (_lvl("ssn") == SSN_DIFFERENT)
        & _lvl("first_name").is_in([FIRST_DIFFERENT, FIRST_CROSSED, FIRST_JW80])
        & (_lvl("dob") != DOB_EXACT)
    )


def _near_name_other_dob() -> pl.Expr:
    """A given name only near the debtor's (one keystroke or jaro-winkler >= 0.80, not exact, a
    nickname or a swap: MARK / MARY, PAUL / PAULA), a date of birth on both sides that does not
    agree (another date, or the same year only) and no SSN agreement. Spouses and siblings carry
    such names as often as a typo does, and a typo of the debtor's given name next to a wrong
    date of birth is two slips on one record, where a spouse born a few years apart is none:
    without this the near name counted as the debtor's for every household rule and the DOB
    under 15 years apart was read as a wrong date of the same person, so the debtor's wife MARY
    at his address, sharing his phone, was linked as MARK (see "near given name" above)."""
    return (
        _lvl("first_name").is_in([FIRST_JW80, FIRST_JW92])
        & _lvl("dob").is_in([DOB_DIFFERENT, DOB_NEAR_YEARS, DOB_SAME_YEAR])
        & ~_ssn_agrees()
    )


def _generation_open() -> pl.Expr:
    """No agreement that rules out the other generation of a one-sided suffix: the SSN does not
    agree (missing or another one) and the DOB is missing or a generation off. A DOB under 15
    years from the debtor's is not another generation (see "generation gap") and is scored."""
    return ~_ssn_agrees() & _lvl("dob").is_in([NO_DATA, DOB_DIFFERENT])


def _corroborated() -> pl.Expr:
    """Something personal beyond the name agrees (see the module docstring)."""
    return (
        _dob_agrees()
        | _ssn_same()
        | (_lvl("address") >= ADDR_PARTIAL)
        | (_lvl("phone") == PHONE_SHARED)
        | (_lvl("email") == EMAIL_EXACT)
    )


def _other_person() -> pl.Expr:
    """The record's given name (not the debtor's) is a person with records of their own: another
    record with that given name and the surname shares this record's SSN or street address, or
    is a candidate of the account at the account's address (sql/match/second_person.sql,
    column `other_person`; frames without it say no)."""
    return pl.col(OTHER_PERSON).fill_null(False)


def _move_record() -> pl.Expr:
    """The record is an NCOA move: a change of address filed under the name at the debtor's
    address of record, which never carries an SSN, a DOB and often no suffix (column
    `move_record`, matchers/link.py; frames without it say no)."""
    return pl.col(MOVE_RECORD).fill_null(False)


def _one_sided_suffix_open() -> pl.Expr:
    """The name (surname close, given name similar), a generational suffix on one side only,
    and no SSN or DOB agreement that rules out the other generation."""
    return (
        _surname_close()
        & _given_similar()
        & (_lvl("suffix") == SUFFIX_ONE_MISSING)
        & _generation_open()
    )


def _common_name() -> pl.Expr:
    """The account's full name is very common among the run's records: its distinct dated
    bearers times u(DOB exact) reach MatchSettings.common_name_dob_chance
    (sql/match/common_name.sql, column `common_name`; frames without it say no)."""
    return pl.col(COMMON_NAME).fill_null(False)


def _only_the_dob_corroborates() -> pl.Expr:
    """The DOB agrees and nothing else personal does: not the same SSN (a different or missing
    one, or a last four one keystroke off), not the street address (house number and street in
    the same place; the same street name in the town, or the house number alone, is no
    evidence among a name's many bearers), no shared phone or email, no echoed account key."""
    return (
        _dob_agrees()
        & ~_ssn_same()
        & ~_same_address()
        & (_lvl("phone") != PHONE_SHARED)
        & (_lvl("email") != EMAIL_EXACT)
        & ~_echoed()
    )


def _generation_dated() -> pl.Expr:
    """The account's other generation is dated: a suffix conflict or a DOB a generation off
    at the address, not only another SSN next to a missing DOB (see 'generation_ambiguous')."""
    return pl.col(_HOUSEHOLD).fill_null(0) >= _DATED


def _same_address() -> pl.Expr:
    """The same street address (number and street, same place), whatever the units say: the
    building. The generation rules read it (see "same dwelling" in the module docstring)."""
    return _lvl("address") >= ADDR_STREET


def _same_dwelling() -> pl.Expr:
    """The same street address and the same unit, or no unit on either side: one household's
    dwelling (see "same dwelling" in the module docstring). Frames without the `same_unit`
    column (level patterns) read as the same unit. At a crowded address (`crowded`: more
    debtors than a household holds, MatchSettings.household_max_persons) only a record with
    the debtor's surname shares the dwelling, and only when that surname is rare enough there
    not to be shared by chance (MatchSettings.crowded_surname_chance): a stranger in a
    dormitory or a nursing home is no household member."""
    crowded = pl.col(CROWDED).fill_null(CROWDED_NO)
    stranger = (crowded == CROWDED_COMMON_SURNAME) | (
        (crowded == CROWDED_RARE_SURNAME) & ~_surname_agrees()
    )
    return _same_address() & pl.col(SAME_UNIT).fill_null(True) & ~stranger


def _shares_contact() -> pl.Expr:
    return _same_dwelling() | (_lvl("phone") == PHONE_SHARED) | (_lvl("email") == EMAIL_EXACT)


def _no_identity_agreement() -> pl.Expr:
    """No given-name, DOB or SSN agreement (a shared surname is family, not identity)."""
    return _given_not_agreeing() & _dob_not_agreeing() & ~_ssn_agrees()


GUARDS: tuple[Guard, ...] = (
    Guard(
        "suffix_conflict",
        "Generational suffixes conflict (JR vs SR, II vs III) on the same name: father/son or "
        "another generation, not the debtor.",
        lambda: (
            (_lvl("suffix") == SUFFIX_CONFLICT)
            & _surname_close()
            & (_given_similar() | (_lvl("first_name") == NO_DATA))
        ),
    ),
    Guard(
        "dob_conflict_same_address",
        "Same name at the same address with a different date of birth (not a transposition or "
        "typo) and no SSN agreement: another person of the household (father/son). Not when "
        "the dates are under 15 years apart at an agreeing full name with no one-sided suffix "
        "and no differing middle initial: not a generation, a wrong date of the same person.",
        lambda: (
            _surname_agrees()
            & _given_similar()
            & _same_address()
            & _dob_conflict()
            & ~_ssn_agrees()
            & ~_same_person_wrong_dob()
        ),
    ),
    Guard(
        "ssn_conflict_same_address",
        "Same name at the same address with a different SSN (not a one-keystroke typo of the last "
        "four) and a DOB that is missing or a generation off: another person of the household "
        "(father/son).",
        lambda: (
            _surname_agrees()
            & _given_similar()
            & _same_address()
            & (_lvl("ssn") == SSN_DIFFERENT)
            & ((_lvl("dob") == NO_DATA) | _dob_conflict())
        ),
    ),
    Guard(
        "spouse_pattern",
        "Same surname and dwelling (street address and unit), different given name and date of "
        "birth, no SSN agreement; or another SSN (not one keystroke off), a given name only "
        "similar (ELIZABETH / ELIJAH) or another one, and a date of birth that does not agree "
        "exactly; or, with no SSN agreement, a given name only near the debtor's (MARK / MARY, "
        "one keystroke apart) next to a date of birth that disagrees (another date, or the same "
        "year only): a relative or other member of the debtor's household. A spouse is one of "
        "them, but nothing here says which: the pair is labelled a household member, never "
        "'spouse' (FDCPA 1692c(d) lets a collector discuss the debt with a spouse; only a "
        "source that names the spouse says so).",
        lambda: (
            _surname_agrees()
            & _same_dwelling()
            & (
                (_given_differs() & _dob_conflict() & ~_ssn_agrees())
                | _other_name_other_ssn()
                | _near_name_other_dob()
            )
        ),
    ),
    Guard(
        "ssn_shared_other_given_name",
        "The SSN agrees, but the given name is clearly another one (not a nickname, near "
        "spelling or swap), the middle initials do not agree and the date of birth does not "
        "agree (different, missing or the same year only), and either the middle initials "
        "differ or the other given name has records of its own (a second person): a relative "
        "or spouse credited with the debtor's SSN (a mixed file, an SSN copied within a "
        "household), not the debtor. A DOB conflict alone does not count: a debtor's own record "
        "with a replaced given name and a mistyped DOB looks the same.",
        lambda: (
            _ssn_agrees()
            & _surname_agrees()
            & _given_clearly_other()
            & (_lvl("middle_initial") != MIDDLE_EQUAL)
            & _dob_not_agreeing()
            & ((_lvl("middle_initial") == MIDDLE_DIFFERENT) | _other_person())
        ),
    ),
    Guard(
        "shared_contact_only",
        "Shares only a dwelling (street address and unit), phone or email: no given-name, DOB or "
        "SSN agreement (a shared surname is family, not identity). A third party (roommate, "
        "relative), never the debtor.",
        lambda: _shares_contact() & _no_identity_agreement(),
    ),
    Guard(
        "shared_building_only",
        "Shares only the street address, in another unit (or a unit on one side only, or at "
        "a group quarters under another surname), and no phone or email: no given-name, DOB "
        "or SSN agreement. A neighbour in the building, not a household member or a lead, and "
        "never the debtor (role rejected).",
        lambda: _same_address() & ~_same_dwelling() & _no_identity_agreement(),
        role="rejected",
    ),
    Guard(
        "other_given_name_same_address",
        "Same surname and address, not the same SSN, no agreeing middle initial, and another "
        "given name: clearly another one (MARK / MATTHEW), or a near spelling (DANIEL / "
        "DANIELLE, ERIC / ERICA) next to a different SSN or one a digit off. Whatever the date "
        "of birth says: twins and siblings of one birthday share it. A brother, sister or "
        "other household member, not the debtor.",
        lambda: (
            _surname_agrees()
            & _same_address()
            & ~_ssn_same()
            & (_lvl("middle_initial") != MIDDLE_EQUAL)
            & (_given_clearly_other() | (~_given_same() & _ssn_disagrees()))
            & _other_person()
        ),
    ),
    Guard(
        "ssn_conflict_other_given_name",
        "Both SSNs present and not the same (different, or the last four one keystroke apart), "
        "no agreeing middle initial, and the given names are not the same name "
        "(a near spelling or another name), where that name has records of its own or the "
        "SSN is another one, the given name only similar and the DOB not exact: another "
        "person whose name resembles the debtor's (a sibling who moved, a namesake), not the "
        "debtor (role rejected).",
        lambda: (
            _surname_agrees()
            & _ssn_disagrees()
            & ~_given_same()
            & (_lvl("middle_initial") != MIDDLE_EQUAL)
            & (_other_person() | _other_name_other_ssn())
        ),
        role="rejected",
    ),
    Guard(
        "generation_ambiguous",
        "A generational suffix on one side only (the account's JR next to a row without one, "
        "or the reverse: the suffix says another generation carries the name) and no SSN or "
        "DOB agreement; for an NCOA move (name and address only) only on an account whose "
        "candidates show another generation with the debtor's name (a pair fired "
        "suffix_conflict, dob_conflict_same_address or ssn_conflict_same_address, or its "
        "records of the name at its address carry two suffixes or DOBs a generation apart); "
        "where a pair dated that generation by a suffix or a DOB, a row with no suffix, SSN "
        "or DOB on either side; or a row on the minority side of the account's linked records "
        "that carry two people's SSNs or DOBs: it could be either generation, so it is not "
        "linked as the debtor (role rejected).",
        lambda: _one_sided_suffix_open() & ~_move_record(),
        role="rejected",
        in_household=lambda: (
            _one_sided_suffix_open()
            | (
                _surname_agrees()
                & _given_similar()
                & (_lvl("dob") == NO_DATA)
                & (_lvl("suffix") == NO_DATA)
                & (_lvl("ssn") == NO_DATA)
                & _generation_dated()
            )
        ),
    ),
    Guard(
        "common_name_dob_only",
        "The name agrees and so does the date of birth, but nothing else personal (no SSN, "
        "street address, phone, email or echoed account key), and the account's full name is "
        "very common among the run's records (so many dated bearers that one sharing a given "
        "date by chance is to be expected, MatchSettings.common_name_dob_chance): possibly a "
        "namesake born the same day, held for review (role rejected).",
        lambda: _surname_agrees() & _given_agrees() & _only_the_dob_corroborates() & _common_name(),
        role="rejected",
    ),
    Guard(
        "uncorroborated_name_match",
        "The name agrees but nothing personal does (no DOB, SSN, street address, phone, email or "
        "echoed account key): possibly a namesake, never linked as the debtor (role rejected).",
        lambda: _surname_agrees() & _given_agrees() & ~_corroborated() & ~_echoed(),
        role="rejected",
    ),
)
ROLE_OF: Mapping[str, str] = {g.name: g.role for g in GUARDS}
# guards whose firing shows a same-name member of another generation in the account's household
GENERATION_EVIDENCE = ("suffix_conflict", "dob_conflict_same_address", "ssn_conflict_same_address")
# the evidence that dates the other generation (a suffix, or a DOB a generation off): what a row
# with no suffix on either side, no SSN and no DOB needs before it is held ('generation_ambiguous')
DATED_GENERATION_EVIDENCE = ("suffix_conflict", "dob_conflict_same_address")
#: The column sql/match/second_person.sql's flag is read from (see _other_person).
OTHER_PERSON = "other_person"
#: The column of the flag that the record is an NCOA move (a change of address, name and
#: address only; see _move_record).
MOVE_RECORD = "move_record"
#: The column sql/match/common_name.sql's flag is read from (see _common_name).
COMMON_NAME = "common_name"
#: The column of compare.sql's flag that the two addresses name one unit, or neither names one
#: (see _same_dwelling).
SAME_UNIT = "same_unit"
#: The column of sql/match/crowded_dwelling.sql's flag: the account's dwelling (address and
#: unit, or no unit) is on the accounts of more debtors than a household holds (see _same_dwelling). Its values: not
#: crowded; crowded, and the account's surname is rare enough there to say family; crowded, and
#: a bearer of the account's surname is to expect there by chance.
CROWDED = "crowded"
CROWDED_NO, CROWDED_RARE_SURNAME, CROWDED_COMMON_SURNAME = 0, 1, 2

BY_NAME: Mapping[str, Guard] = {g.name: g for g in GUARDS}


def _chosen(enabled: tuple[str, ...] | None) -> list[Guard]:
    names = tuple(g.name for g in GUARDS) if enabled is None else tuple(enabled)
    unknown = set(names) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown guard(s): {sorted(unknown)}; known: {sorted(BY_NAME)}")
    return [g for g in GUARDS if g.name in names]


def guard_expr(
    enabled: tuple[str, ...] | None = None, *, household: pl.Expr | None = None
) -> pl.Expr:
    """One polars expression naming the first guard that fires, else NULL.

    `enabled` restricts the rule set (None = all); unknown names raise, so a typo in settings
    cannot silently switch a guard off. `household` (a boolean expression) says where the
    contextual part of a guard (`Guard.in_household`) may fire; without it only the part that
    reads the pair alone does.
    """
    rules: list[tuple[str, pl.Expr]] = []
    for g in _chosen(enabled):
        cond = g.predicate().fill_null(False)
        if g.in_household is not None and household is not None:
            cond = cond | (g.in_household().fill_null(False) & household)
        rules.append((g.name, cond))
    if not rules:
        return pl.lit(None, dtype=pl.String).alias("guard")
    chained: Any = pl.when(rules[0][1]).then(pl.lit(rules[0][0]))
    for name, cond in rules[1:]:
        chained = chained.when(cond).then(pl.lit(name))
    return chained.otherwise(pl.lit(None, dtype=pl.String)).alias("guard")


def apply_guards(
    levels: pl.DataFrame,
    enabled: tuple[str, ...] | None = None,
    *,
    generation_accounts: pl.Series | None = None,
    dated_accounts: pl.Series | None = None,
    record_generations: pl.Series | None = None,
) -> pl.Series:
    """Guard name per row of a frame holding the comparison level columns (NULL = none fired).

    With an `account_id` column, a second pass lets the contextual guards fire for accounts
    where another generation with the debtor's name was seen. The pair guards show it
    (GENERATION_EVIDENCE) among the frame's own rows, or, when the frame is one chunk of the
    candidates, in `generation_accounts` (`generation_patterns` over every candidate;
    `dated_accounts` the ones of them whose evidence dates the generation,
    DATED_GENERATION_EVIDENCE). Why the second form: an account's pairs spread over the
    chunks, which split on the record, and a father found in one chunk must still hold back
    the ambiguous record in another. `record_generations`: the accounts whose candidate
    records at the account's address show another generation record against record, two
    suffixes or DOBs a generation apart (sql/match/generation_records.sql), which no pair
    guard sees on an account without SSN, DOB or suffix. They hold an NCOA move with a
    one-sided suffix, not a row with no suffix, SSN or DOB on either side: on an account
    without SSN or DOB that is every row, and split_identities.sql tells those apart record
    against record after scoring.
    """
    if "echoed" not in levels.columns:
        levels = levels.with_columns(pl.lit(False).alias("echoed"))
    if OTHER_PERSON not in levels.columns:
        levels = levels.with_columns(pl.lit(False).alias(OTHER_PERSON))
    if MOVE_RECORD not in levels.columns:
        levels = levels.with_columns(pl.lit(False).alias(MOVE_RECORD))
    if SAME_UNIT not in levels.columns:
        levels = levels.with_columns(pl.lit(True).alias(SAME_UNIT))
    if COMMON_NAME not in levels.columns:
        levels = levels.with_columns(pl.lit(False).alias(COMMON_NAME))
    if CROWDED not in levels.columns:
        levels = levels.with_columns(pl.lit(CROWDED_NO, dtype=pl.Int8).alias(CROWDED))
    first = guard_expr(enabled)
    if "account_id" not in levels.columns or not household_guards(enabled):
        return _per_pattern(levels, first)
    accounts, dated, out = generation_accounts, dated_accounts, None
    if accounts is None:  # the first pass finds the generations among the frame's own rows
        out = _per_pattern(levels, first)
        accounts = levels.filter(out.is_in(GENERATION_EVIDENCE))["account_id"].unique()
        dated = levels.filter(out.is_in(DATED_GENERATION_EVIDENCE))["account_id"].unique()
    if dated is None:
        dated = accounts.clear()
    if record_generations is not None and record_generations.len():
        accounts = pl.concat(
            [accounts, record_generations.cast(accounts.dtype).alias(accounts.name)]
        )
    if not accounts.len():
        return out if out is not None else _per_pattern(levels, first)
    if out is None:
        out = _per_pattern(levels, first)
    # the contextual part of a guard fires only on the rows of an account where another
    # generation was seen (household >= 1); on every other row the second pass's expression is
    # the first's, so those rows keep the first pass's guard and only the seen accounts' rows
    # are judged again. Why: the second pass over every candidate cost as much as the first
    # (docs/performance.md, "The wrong-party steps"), for the few rows it can change.
    account = pl.col("account_id")
    seen = levels.select(
        account.is_in(pl.concat([accounts, dated.cast(accounts.dtype)]).unique().implode())
    ).to_series()
    rows = seen.arg_true()
    if not rows.len():
        return out
    household = (
        pl.when(account.is_in(dated.implode()))
        .then(pl.lit(_DATED))
        .when(account.is_in(accounts.implode()))
        .then(pl.lit(1))
        .otherwise(pl.lit(0))
        .cast(pl.Int8)
        .alias(_HOUSEHOLD)
    )
    again = _per_pattern(
        levels[rows].with_columns(household),
        pl.coalesce(first, guard_expr(enabled, household=pl.col(_HOUSEHOLD) >= 1)),
    )
    return out.clone().scatter(rows, again)


#: The column `apply_guards` puts the household flag in for its second pass: 0 no other
#: generation seen for the account, 1 one seen (GENERATION_EVIDENCE), _DATED one dated by a
#: suffix or a DOB (DATED_GENERATION_EVIDENCE).
_HOUSEHOLD = "_household"
_DATED = 2
#: Bits per column of a pattern key (`_per_pattern`): a level, the echo, unit or household flag
#: is an integer in [0, _NULL_CODE), NULL takes _NULL_CODE. Four bits: the highest level is 7.
_KEY_BITS = 4
_NULL_CODE = (1 << _KEY_BITS) - 1
#: Columns one unsigned 64-bit key holds (16 of four bits); more columns take more keys.
_KEY_COLUMNS = 64 // _KEY_BITS


def _per_pattern(frame: pl.DataFrame, expr: pl.Expr) -> pl.Series:
    """`expr` (a guard expression) for every row of `frame`, evaluated once per distinct pattern.

    Why: a guard expression reads only the level columns, the echo flag and the household flag,
    and a run's candidates repeat a few thousand patterns of them (17.4M candidates at 1M
    accounts). The when/then chain over every row took 9 s of the 1M match stage; each row's
    columns packed into integer keys (16 columns to a key), the chain runs once per pattern and
    the rows take their pattern's result (`replace_strict` with one key, a join on the keys with
    more: a guard reading a seventeenth column must not fall back to the row-by-row chain). A
    frame whose columns are not integer codes (not integers or booleans, or a level outside
    [0, 15)) is evaluated row by row, with the same result."""
    columns = sorted(set(expr.meta.root_names()))
    fits = (
        len(columns) > 0
        and frame.height > 0
        and all(
            c in frame.schema and (frame.schema[c].is_integer() or frame.schema[c] == pl.Boolean)
            for c in columns
        )
    )
    if fits:
        # each column's own min and max (a boolean's are False / True): one select of cast
        # columns took ten times as long on the 100k candidates
        bounds: list[Any] = [b for c in columns for b in (frame[c].min(), frame[c].max())]
        fits = all(b is None or 0 <= b < _NULL_CODE for b in bounds)
    if not fits:
        return _broadcast(frame.select(expr).to_series(), frame.height)
    keys = _pattern_keys(frame, columns)
    names = keys.columns
    patterns = frame.select(columns).with_columns(keys).unique(subset=names)
    judged = patterns.select(*names, _broadcast(patterns.select(expr).to_series(), patterns.height))
    if len(names) == 1:
        return (
            keys[names[0]]
            .replace_strict(judged[names[0]], judged["guard"], return_dtype=pl.String)
            .alias("guard")
        )
    return keys.join(judged, on=names, how="left", maintain_order="left")["guard"]


def _pattern_keys(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The columns' codes packed into UInt64 keys `_key0`, `_key1`, ..., _KEY_COLUMNS to a key:
    code (NULL as _NULL_CODE) << (_KEY_BITS * position in its key).

    The codes are in [0, _NULL_CODE) (`_per_pattern` checks the bounds first). Packed in numpy
    into one buffer per key, each column read as UInt8: as a polars expression (a cast to
    UInt64, a product and a sum per column) every step was a fresh 8-byte column, 0.18 s of CPU
    and 55-66k page faults for the 1.2M candidates of the generated 100k, 15 columns."""
    keys = {}
    scratch = np.empty(frame.height, dtype=np.uint64)
    for k, start in enumerate(range(0, len(columns), _KEY_COLUMNS)):
        key = np.zeros(frame.height, dtype=np.uint64)
        for i, c in enumerate(columns[start : start + _KEY_COLUMNS]):
            codes = frame[c].cast(pl.UInt8).fill_null(_NULL_CODE).to_numpy()
            np.copyto(scratch, codes, casting="unsafe")
            np.left_shift(scratch, np.uint64(_KEY_BITS * i), out=scratch)
            np.bitwise_or(key, scratch, out=key)
        keys[f"_key{k}"] = key
    return pl.DataFrame(keys, schema={n: pl.UInt64 for n in keys})


def household_guards(enabled: tuple[str, ...] | None = None) -> bool:
    """Whether a chosen guard fires only in a household with another same-name generation."""
    return any(g.needs_household for g in _chosen(enabled))


def generation_patterns(
    patterns: pl.DataFrame, enabled: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """The rows of `patterns` (distinct `echoed` + level columns) whose first-pass guard is
    evidence of another generation (GENERATION_EVIDENCE), with a column `dated`: the evidence
    dates it (DATED_GENERATION_EVIDENCE).

    The evidence guards read a pair's levels and echo flag only (they come before the rules
    that read `other_person`), so this is the same test apply_guards' first pass makes per
    pair, made once per distinct pattern (a few thousand of them)."""
    if patterns.is_empty():
        return patterns.with_columns(pl.lit(False).alias("dated"))
    frame = patterns.with_columns(
        pl.lit(False).alias(OTHER_PERSON),
        pl.lit(False).alias(MOVE_RECORD),
        pl.lit(True).alias(SAME_UNIT),
        pl.lit(False).alias(COMMON_NAME),
        pl.lit(CROWDED_NO, dtype=pl.Int8).alias(CROWDED),
    )
    first = _broadcast(frame.select(guard_expr(enabled)).to_series(), patterns.height)
    return patterns.with_columns(first.is_in(DATED_GENERATION_EVIDENCE).alias("dated")).filter(
        first.is_in(GENERATION_EVIDENCE)
    )


def _broadcast(series: pl.Series, height: int) -> pl.Series:
    """A literal NULL result (no guard enabled) as a column of `height` NULLs."""
    if series.len() != height:
        return pl.Series("guard", [None] * height, dtype=pl.String)
    return series.alias("guard")


def evaluate(
    levels: Mapping[str, int],
    enabled: tuple[str, ...] | None = None,
    *,
    echoed: bool = False,
    household: bool = False,
    dated: bool = False,
    other_person: bool = False,
    move_record: bool = False,
    same_unit: bool = True,
    common_name: bool = False,
    crowded: int = CROWDED_NO,
) -> str | None:
    """The guard that fires for one pair's levels (used by explain_pair), else None.

    household=True: the account's household showed another same-name generation; dated=True:
    by a suffix or a DOB (see 'generation_ambiguous'). other_person=True: the record's other
    given name has records of its own (sql/match/second_person.sql). move_record=True: the
    record is an NCOA move (see 'generation_ambiguous'). same_unit=False: the two
    addresses name different units, or only one names a unit (compare.sql). common_name=True:
    the account's full name is very common among the records (sql/match/common_name.sql).
    crowded: whether the account's address is a group quarters, and whether the account's
    surname is common there (CROWDED_*, sql/match/crowded_dwelling.sql).
    """
    frame = pl.DataFrame({k: [int(v)] for k, v in levels.items()}).with_columns(
        pl.lit(echoed).alias("echoed"),
        pl.lit(other_person).alias(OTHER_PERSON),
        pl.lit(move_record).alias(MOVE_RECORD),
        pl.lit(same_unit).alias(SAME_UNIT),
        pl.lit(common_name).alias(COMMON_NAME),
        pl.lit(crowded, dtype=pl.Int8).alias(CROWDED),
        pl.lit(_DATED if household and dated else int(household)).alias(_HOUSEHOLD),
    )
    expr = guard_expr(enabled, household=pl.lit(True) if household else None)
    return _broadcast(frame.select(expr).to_series(), 1)[0]
