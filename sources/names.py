"""Split a single full-name column into first / middle / last / suffix, set-based in SQL.

Collections systems often export the debtor as one field, either `First M Last Jr` or the
legacy `LAST, FIRST M` (sometimes `LAST JR, FIRST M` or `LAST FIRST M` without the comma).
Ingestion splits it so the account and source sides both carry name parts; `full_name` is kept
as delivered, and the names stage (nameparser, over distinct values) remains the authority for
hard cases. The split here is deliberately simple and predictable:

* `last_first`: the family name is everything before the first comma (so compound surnames
  like `DE LA CRUZ, MARIA` survive); after it come the given name and middle names.
* `first_last`: first token, last token (plus a preceding particle: DE, VAN, LA, ...), the
  rest is middle.
* `auto`: a comma means `last_first`, unless what follows it is only a suffix (`John Smith, Jr`).

A trailing generational suffix (JR, SR, II, III, IV) is split off either side. `V` is not
treated as a suffix: in `SMITH, JOHN V` it is far more often a middle initial.
"""

from __future__ import annotations

from typing import Literal

from skiptrace.sources.validate import Stage

SUFFIXES = ("JR", "SR", "II", "III", "IV", "2ND", "3RD")
PARTICLES = (
    "DE",
    "DEL",
    "DELA",
    "DA",
    "DI",
    "DU",
    "LA",
    "LE",
    "VAN",
    "VON",
    "DOS",
    "DAS",
    "ST",
    "MC",
)
PARTICLE_PAIRS = (("DE", "LA"), ("DE", "LOS"), ("DE", "LAS"), ("VAN", "DER"), ("VAN", "DEN"))

NameOrder = Literal["first_last", "last_first", "auto"]


def _toks(expr: str) -> str:
    """Whitespace/comma separated tokens of a text, empty ones dropped."""
    return (
        f"list_filter(string_split(regexp_replace(coalesce({expr}, ''), '[\\s,]+', ' ', 'g'), ' '),"
        " lambda t: t <> '')"
    )


def _is_suffix(tok: str) -> str:
    inner = ", ".join(f"'{s}'" for s in SUFFIXES)
    return f"coalesce(upper(replace({tok}, '.', '')) IN ({inner}), false)"


def _upper_in(tok: str, values: tuple[str, ...]) -> str:
    inner = ", ".join(f"'{v}'" for v in values)
    return f"coalesce(upper(replace({tok}, '.', '')) IN ({inner}), false)"


def add_name_split(stage: Stage, full: str, order: NameOrder) -> dict[str, str]:
    """Derive name parts from the full-name alias `full`; returns SQL per output field."""
    n = stage.derive(f"regexp_replace(trim({full}), '\\s+', ' ', 'g')")
    comma = stage.derive(f"strpos({n}, ',')", level=1)
    tail = stage.derive(
        f"CASE WHEN strpos({n}, ',') > 0 THEN trim(substr({n}, strpos({n}, ',') + 1)) END", level=1
    )
    if order == "last_first":
        lf = "true"
    elif order == "first_last":
        lf = "false"
    else:
        lf = f"({comma} > 0 AND NOT {_is_suffix(tail)})"
    is_lf = stage.derive(lf, level=2)
    head = stage.derive(
        f"CASE WHEN {is_lf} THEN (CASE WHEN {comma} > 0 THEN {_toks(f'left({n}, {comma} - 1)')} "
        f"ELSE list_slice({_toks(n)}, 1, 1) END) END",
        level=3,
    )
    given = stage.derive(
        f"CASE WHEN {is_lf} THEN (CASE WHEN {comma} > 0 THEN {_toks(tail)} "
        f"ELSE list_slice({_toks(n)}, 2, 1000) END) ELSE {_toks(n)} END",
        level=3,
    )
    g_suf = stage.derive(f"len({given}) > 1 AND {_is_suffix(f'{given}[-1]')}", level=4)
    h_suf = stage.derive(f"{is_lf} AND len({head}) > 1 AND {_is_suffix(f'{head}[-1]')}", level=4)
    g2 = stage.derive(
        f"CASE WHEN {g_suf} THEN list_slice({given}, 1, len({given}) - 1) ELSE {given} END", level=5
    )
    h2 = stage.derive(
        f"CASE WHEN {h_suf} THEN list_slice({head}, 1, len({head}) - 1) ELSE {head} END", level=5
    )
    # first_last: how many trailing tokens form the surname (particles join it).
    pair = " OR ".join(
        f"({_upper_in(f'{g2}[-3]', (a,))} AND {_upper_in(f'{g2}[-2]', (b,))})"
        for a, b in PARTICLE_PAIRS
    )
    k = stage.derive(
        f"CASE WHEN len({g2}) >= 4 AND ({pair}) THEN 3 "
        f"WHEN len({g2}) >= 3 AND {_upper_in(f'{g2}[-2]', PARTICLES)} THEN 2 ELSE 1 END",
        level=6,
    )
    return {
        "first_name": f"CASE WHEN {is_lf} OR len({g2}) >= 2 THEN nullif({g2}[1], '') END",
        "middle_name": (
            f"nullif(array_to_string(CASE WHEN {is_lf} THEN list_slice({g2}, 2, 1000) "
            f"ELSE list_slice({g2}, 2, len({g2}) - {k}) END, ' '), '')"
        ),
        "last_name": (
            f"nullif(array_to_string(CASE WHEN {is_lf} THEN {h2} "
            f"ELSE list_slice({g2}, len({g2}) - {k} + 1, len({g2})) END, ' '), '')"
        ),
        "suffix": (
            f"upper(replace(CASE WHEN {g_suf} THEN {given}[-1] WHEN {h_suf} THEN {head}[-1] END, '.', ''))"
        ),
    }


#: Titles that make "MR AND MRS JOHN SMITH" one named person, not two.
_JOINT_TITLES = ("MR", "MRS", "MS", "MISS", "DR")


def joint_second_name_sql(stage: Stage, full: str | None) -> str | None:
    """SQL for the second person of a joint full name (a joint bankruptcy petition), or NULL.

    `LAST, FIRST1 [M] & FIRST2 [M]` gives `FIRST2 [M] LAST` (the shared surname); `FIRST1 [LAST1]
    AND FIRST2 LAST2` gives `FIRST2 LAST2`; `FIRST1 LAST & FIRST2` gives `FIRST2 LAST`. The
    separators are '&' (spaced or not), 'AND' and '+', as matchers/names.py reads them (it keeps
    the first person). `MR AND MRS JOHN SMITH` names one person: NULL. The result is a full name
    for the name standardizer; `full` is the alias of the full-name field.
    """
    if full is None:
        return None
    n = stage.derive(f"upper(regexp_replace(trim({full}), '\\s+', ' ', 'g'))")
    sep = "(?:\\s*&\\s*|\\s+(?:AND|\\+)\\s+)"
    comma_re = f"^([^,&+]+?)\\s*,\\s*([^,&+]+?){sep}([^,&+]+)$"
    plain_re = f"^([^,&+]+?){sep}([^,&+]+)$"
    titles = ", ".join(f"'{t}'" for t in _JOINT_TITLES)
    head = f"regexp_extract({n}, '{plain_re}', 1)"
    tail = f"trim(regexp_extract({n}, '{plain_re}', 2))"
    head_tokens = f"string_split(trim({head}), ' ')"
    return stage.derive(
        f"CASE WHEN regexp_full_match({n}, '{comma_re}') "
        f"THEN trim(regexp_extract({n}, '{comma_re}', 3)) || ' ' "
        f"|| trim(regexp_extract({n}, '{comma_re}', 1)) "
        f"WHEN NOT regexp_full_match({n}, '{plain_re}') THEN NULL "
        f"WHEN list_bool_and(list_transform({head_tokens}, lambda t: replace(t, '.', '') IN ({titles}))) "
        "THEN NULL "
        f"WHEN NOT contains({tail}, ' ') AND len({head_tokens}) >= 2 "
        f"THEN {tail} || ' ' || {head_tokens}[-1] "
        f"ELSE {tail} END",
        level=1,
    )
