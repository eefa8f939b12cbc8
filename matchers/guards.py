"""Wrong-party guards: explicit, named rules that stop a pair from being linked as the debtor.

Why rules on top of a probability: Fellegi-Sunter adds up independent evidence, and the people
most likely to be confused with a debtor are exactly the ones who share most of it — a father
and son (same name, same address), a spouse (same surname, address, phone), a roommate. Calling
or writing to them about the debt is a third-party disclosure (FDCPA 1692b / Reg F 1006.10), so a
pattern that describes *another member of the household* must never become role 'debtor',
however high its score. A household guard makes the pair role 'associate': its contacts may
still be used as third-party location contacts, kept apart from the debtor's own.

One more rule covers the opposite case, a *stranger* who shares the debtor's name: a namesake in
the same ZIP is far more common than independence between name and place predicts (and than
term frequencies can price in), so a name match corroborated by nothing personal — no DOB, SSN,
street address, phone, email or echoed account key — is never linked as the debtor. That pair
becomes role 'rejected' (kept for review when it scores above the review floor), not
'associate': a namesake is nobody's location contact.

Each guard is a predicate over the comparison levels of a pair (see matchers/compare.py), so a
decision can be replayed and explained from `match_pairs.levels` alone. Guards are evaluated in
the order of GUARDS; the first that fires is recorded in `match_pairs.guard`.

Shared notions:
- "same name": surname exact / jaro-winkler >= 0.92, and a similar given name: exact, nickname,
  swapped with the surname or jaro-winkler >= 0.80 (a JR carries his father's given name; a
  variant spelling is still that name); for the suffix rule a missing given name also counts;
- "given name differs": both present, level 'different' (not a nickname, not a near spelling);
- "DOB conflict": both present and level 'different' — not exact, not a day/month transposition,
  not a one-component typo and not the same year; a transposition (dob_ambiguous parses) or a
  typo is a data error of the same person, while a father and son are a generation apart;
- "SSN agrees": the HMAC is equal, the last four are equal, or the last four are one keystroke
  apart (one digit or an adjacent transposition: a typo of the same SSN; another person's SSN is
  that close by chance about 4 times in 1,000). SSN agreement exempts a pair from the DOB, spouse
  and shared-contact rules (a father and son, spouses, roommates never share an SSN), never from
  the suffix rule (credit headers do mix up JR/SR files under one SSN; staying off the wrong
  party is the safer error);
- "shares a contact": same address (street level or better), a shared phone or the same email;
- "corroborated": DOB agrees at least in two of year/month/day, SSN last4 (or hash) agrees, the
  street address partly agrees, a phone or the email is shared, or the record echoes the
  account key (vendor returns: `echoed` column, when present).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from matchers.compare import (
    ADDR_PARTIAL,
    ADDR_STREET,
    DOB_DIFFERENT,
    DOB_ONE_COMPONENT,
    EMAIL_EXACT,
    FIRST_DIFFERENT,
    FIRST_JW80,
    FIRST_JW92,
    LAST_JW92,
    NO_DATA,
    PHONE_SHARED,
    SSN_DIFFERENT,
    SSN_LAST4,
    SSN_LAST4_NEAR,
    SUFFIX_CONFLICT,
)


@dataclass(frozen=True)
class Guard:
    """A named wrong-party rule: `predicate` builds a polars boolean over level columns; `role`
    is what the pair becomes ('associate' for household / third parties, 'rejected' otherwise)."""

    name: str
    description: str
    predicate: Callable[[], pl.Expr]
    role: str = "associate"


def _lvl(name: str) -> pl.Expr:
    return pl.col(name)


def _echoed() -> pl.Expr:
    """The record echoes this account's key; frames without the column (patterns) say no."""
    return pl.col("echoed").fill_null(False)


def _surname_agrees() -> pl.Expr:
    """Surname exact or jaro-winkler >= 0.92."""
    return _lvl("last_name") >= LAST_JW92


def _given_agrees() -> pl.Expr:
    """Given name exact, nickname-canonical, swapped-with-surname or jaro-winkler >= 0.92."""
    return _lvl("first_name") >= FIRST_JW92


def _given_similar() -> pl.Expr:
    """Given name agrees or is a close variant (jaro-winkler >= 0.80)."""
    return _lvl("first_name") >= FIRST_JW80


def _given_differs() -> pl.Expr:
    return _lvl("first_name") == FIRST_DIFFERENT


def _given_not_agreeing() -> pl.Expr:
    """No evidence the given names are the same person's: different, or missing on a side."""
    return (_lvl("first_name") == FIRST_DIFFERENT) | (_lvl("first_name") == NO_DATA)


def _dob_conflict() -> pl.Expr:
    return _lvl("dob") == DOB_DIFFERENT


def _dob_not_agreeing() -> pl.Expr:
    """DOB different or missing; 'same year only' is not agreement either."""
    return _lvl("dob") < DOB_ONE_COMPONENT


def _ssn_agrees() -> pl.Expr:
    """Exact hash, last4 equal, or last4 one keystroke apart (see the module docstring)."""
    return _lvl("ssn") >= SSN_LAST4_NEAR


def _corroborated() -> pl.Expr:
    """Something personal beyond the name agrees (see the module docstring)."""
    return (
        (_lvl("dob") >= DOB_ONE_COMPONENT)
        | (_lvl("ssn") >= SSN_LAST4)
        | (_lvl("address") >= ADDR_PARTIAL)
        | (_lvl("phone") == PHONE_SHARED)
        | (_lvl("email") == EMAIL_EXACT)
    )


def _same_address() -> pl.Expr:
    return _lvl("address") >= ADDR_STREET


def _shares_contact() -> pl.Expr:
    return _same_address() | (_lvl("phone") == PHONE_SHARED) | (_lvl("email") == EMAIL_EXACT)


GUARDS: tuple[Guard, ...] = (
    Guard(
        "suffix_conflict",
        "Generational suffixes conflict (JR vs SR, II vs III) on the same name: father/son or "
        "another generation, not the debtor.",
        lambda: (
            (_lvl("suffix") == SUFFIX_CONFLICT)
            & _surname_agrees()
            & (_given_similar() | (_lvl("first_name") == NO_DATA))
        ),
    ),
    Guard(
        "dob_conflict_same_address",
        "Same name at the same address with a different date of birth (not a transposition or "
        "typo) and no SSN agreement: another person of the household (father/son).",
        lambda: (
            _surname_agrees()
            & _given_similar()
            & _same_address()
            & _dob_conflict()
            & ~_ssn_agrees()
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
        "Same surname and address, different given name and date of birth, no SSN agreement: "
        "a spouse or relative living with the debtor.",
        lambda: (
            _surname_agrees()
            & _same_address()
            & _given_differs()
            & _dob_conflict()
            & ~_ssn_agrees()
        ),
    ),
    Guard(
        "shared_contact_only",
        "Shares only an address, phone or email: no given-name, DOB or SSN agreement (a shared "
        "surname is family, not identity). A third party (roommate, relative), never the debtor.",
        lambda: _shares_contact() & _given_not_agreeing() & _dob_not_agreeing() & ~_ssn_agrees(),
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

BY_NAME: Mapping[str, Guard] = {g.name: g for g in GUARDS}


def guard_expr(enabled: tuple[str, ...] | None = None) -> pl.Expr:
    """One polars expression naming the first guard that fires, else NULL.

    `enabled` restricts the rule set (None = all); unknown names raise, so a typo in settings
    cannot silently switch a guard off.
    """
    names = tuple(g.name for g in GUARDS) if enabled is None else tuple(enabled)
    unknown = set(names) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown guard(s): {sorted(unknown)}; known: {sorted(BY_NAME)}")
    chosen = [g for g in GUARDS if g.name in names]
    if not chosen:
        return pl.lit(None, dtype=pl.String).alias("guard")
    expr = pl.when(chosen[0].predicate().fill_null(False)).then(pl.lit(chosen[0].name))
    for g in chosen[1:]:
        expr = expr.when(g.predicate().fill_null(False)).then(pl.lit(g.name))
    return expr.otherwise(pl.lit(None, dtype=pl.String)).alias("guard")


def apply_guards(levels: pl.DataFrame, enabled: tuple[str, ...] | None = None) -> pl.Series:
    """Guard name per row of a frame holding the comparison level columns (NULL = none fired)."""
    if "echoed" not in levels.columns:
        levels = levels.with_columns(pl.lit(False).alias("echoed"))
    out = levels.select(guard_expr(enabled)).to_series()
    if out.len() != levels.height:  # no guard enabled: a literal NULL, broadcast it
        out = pl.Series("guard", [None] * levels.height, dtype=pl.String)
    return out


def evaluate(
    levels: Mapping[str, int], enabled: tuple[str, ...] | None = None, *, echoed: bool = False
) -> str | None:
    """The guard that fires for one pair's levels (used by explain_pair), else None."""
    frame = pl.DataFrame({k: [int(v)] for k, v in levels.items()}).with_columns(
        pl.lit(echoed).alias("echoed")
    )
    return apply_guards(frame, enabled)[0]
