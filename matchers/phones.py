"""Phone standardization: E.164, validity, extension, line type, area code, time zone.

Why: the same number arrives as "(212) 736-5000", "2127365000", "+1 212.736.5000 x12" from
different sources; contact keys and phone blocking need one form (E.164). Collections rules add
two needs: the line type (TCPA: autodialed calls to mobiles need consent) and the time zone
(Reg F 1006.6(b)(1): no calls before 8 a.m. / after 9 p.m. at the consumer's location).

* phonenumbers (region US) does the parsing and validation: hand-written NANP rules miss too
  much. Invalid numbers are *flagged* (``valid=False``) and keep their E.164 when parseable,
  never dropped: the resolver may still want to show them as bad on file.
* ``number_type`` comes from phonenumbers. For US numbers it is almost always
  ``fixed_or_mobile`` (the numbering plan does not tell), so a vendor's line-type code wins
  where one is given: ``normalize_line_type`` maps vendor codes. The cache is keyed by the raw
  string only, so it holds the phonenumbers type; the source code is applied per row downstream
  with ``line_type(code, number_type)`` (same rule as ``standardize_phone(raw, phone_type)``).
* ``time_zone`` is the IANA zone of the number's geography when phonenumbers knows exactly one
  (Alaska's 907 spans two zones -> NULL; toll-free spans all -> NULL).
* Some numbers phonenumbers calls valid are never a consumer's line, and a contact on one is a
  wasted (900: a charged) call: premium rate (900, caller pays; type ``premium_rate``), NANP
  personal-communication codes (5XX: 500, 533, 544, ...; type ``personal_number``) and the
  fictional 555-0100..555-0199 of any area code (films, examples, test data). All three are
  ``valid=False``, so no contact, block or match uses them (`_NOT_DIALABLE`, `_fictional`).

phonenumbers costs ~100 us a number through its public API; ``standardize_phones`` therefore
(1) runs only over distinct strings missing from ``std_phone_cache``, (2) parses each distinct
*number* once (many raw spellings share one), (3) builds the number object directly for plain
10/11-digit NANP spellings instead of calling ``parse``, and (4) asks phonenumbers for the type
once, which also answers validity, and for the zone only when valid.

At scale (millions of distinct numbers) even one phonenumbers call per number is minutes, so
the batch path (``standardize_phone_frame``) goes further for plain NANP spellings, which are
nearly all of them: the spelling is parsed with a polars regex (no Python per row), and validity,
type and time zone are looked up per *NANP prefix* (NPA-NXX, or NPA-NXX-X where the metadata
needs it), not per number. That is exact, not an approximation: ``_nanp_key_length`` reads
phonenumbers' own patterns and time-zone table and proves that, for 10-digit national numbers,
nothing after that prefix can change the answer (it falls back to per-number otherwise). Other
spellings (extensions, letters, other countries) keep the per-string path.
Per prefix, the common answer (a US fixed-line or mobile number) is itself decided in polars:
phonenumbers' own US patterns, run as regexes over all prefixes at once, and its time-zone table
by longest prefix; only the other prefixes (other +1 regions, toll-free, invalid) call
phonenumbers. At 100k accounts that took the phone frame from 4.2 s to about 1 s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import phonenumbers
import polars as pl
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as pn_timezone

from skiptrace import sql
from skiptrace.matchers.standardize import drop_stale_rows, replace_in_cache
from skiptrace.matchers.versioning import content_version

__all__ = [
    "LINE_TYPE_CODES",
    "PhoneParts",
    "area_code_zones",
    "line_type",
    "normalize_line_type",
    "phone_std_version",
    "register_line_type_macros",
    "standardize_phone",
    "standardize_phones",
]


@dataclass(frozen=True, slots=True)
class PhoneParts:
    """One standardized phone: the columns of ``std_phone_cache``."""

    phone_raw: str
    e164: str | None
    valid: bool
    extension: str | None
    area_code: str | None
    #: mobile | landline | voip | toll_free | fixed_or_mobile | premium_rate | personal_number
    #: | unknown
    number_type: str
    time_zone: str | None


# Vendor / collections-system line-type codes. Only codes that state a *line type* are mapped.
# HOME, WORK, FAX, OTHER describe a use, not the line: a "home" number can be a mobile, and
# treating it as a landline would skip TCPA consent; those map to None (use phonenumbers').
# Single letters other than M/L/V/C are not mapped: W and T mean "work" and "text" elsewhere.
LINE_TYPE_CODES: dict[str, str] = {
    "M": "mobile", "MOBILE": "mobile", "CELL": "mobile", "CELLULAR": "mobile", "C": "mobile",
    "WIRELESS": "mobile", "CELL PHONE": "mobile", "MOBILE PHONE": "mobile",
    "L": "landline", "LANDLINE": "landline", "LAND": "landline", "LANDLINE PHONE": "landline",
    "LAND LINE": "landline", "FIXED": "landline", "FIXED LINE": "landline",
    "WIRELINE": "landline", "POTS": "landline",
    "V": "voip", "VOIP": "voip", "INTERNET": "voip",
    "TF": "toll_free", "TOLLFREE": "toll_free", "TOLL FREE": "toll_free",
}  # fmt: skip

_NUMBER_TYPES: dict[int, str] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
}
#: Types phonenumbers calls valid that reach no consumer's line: flagged invalid, type kept.
_NOT_DIALABLE = frozenset({"premium_rate", "personal_number"})
_GEOGRAPHIC = frozenset({"mobile", "landline", "fixed_or_mobile"})

# "(212) 736-5000", "212.736.5000", "+1 212 736 5000", "12127365000": no letters, no extension.
_PLAIN_NANP = re.compile(
    r"^\s*(?:\+?\s*1[\s.\-]*)?\(?\s*([2-9]\d{2})\s*\)?[\s.\-/]*(\d{3})[\s.\-]*(\d{4})\s*$"
)
# A 10/11-digit number that went through a spreadsheet as a float: "2127365000.0".
_FLOAT_ARTIFACT = re.compile(r"^\s*(1?\d{10})\.0+\s*$")


def _fictional(country_code: int | None, national: str) -> bool:
    """555-0100..555-0199 (any NANP area code): reserved for fiction, never assigned. Decided on
    the whole number, not the NPA-NXX prefix `_facts` works per (212-555-1212 is real)."""
    return country_code == 1 and len(national) == _NATIONAL_LENGTH and national[3:8] == "55501"


def normalize_line_type(code: str | None) -> str | None:
    """Vendor line-type code -> mobile | landline | voip | toll_free, else None.

    Case and surrounding space are ignored; "toll-free" and "toll free" are the same code.
    """
    if code is None:
        return None
    key = " ".join(code.strip().upper().replace("-", " ").replace("_", " ").split())
    return LINE_TYPE_CODES.get(key) or LINE_TYPE_CODES.get(key.replace(" ", ""))


def line_type(code: str | None, number_type: str | None) -> str:
    """The line type a contact carries: the source's code when it states one, else the cache's."""
    return normalize_line_type(code) or number_type or "unknown"


def register_line_type_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Install ``line_type_code(code)`` / ``line_type(code, number_type)`` as temp macros.

    The set-based stages need the same rule in SQL; the macros live in
    sql/standardize/phones_line_type.sql and a test keeps them equal to this module's map.
    """
    sql.run(con, "standardize/phones_line_type.sql")


def _to_number(raw: str) -> PhoneNumber | None:
    """A PhoneNumber for ``raw`` (fast path for plain NANP spellings), None when unparseable."""
    m = _PLAIN_NANP.match(raw)
    if m:
        return PhoneNumber(
            country_code=1, national_number=int(m.group(1) + m.group(2) + m.group(3))
        )
    m = _FLOAT_ARTIFACT.match(raw)
    if m:
        raw = m.group(1)
    try:
        return phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return None


_Facts = tuple[str, bool, str | None, str, str | None]


@lru_cache(maxsize=262144)
def _facts(country_code: int, national_number: int, leading_zeros: int) -> _Facts:
    """(e164, valid, area_code, number_type, time_zone) of one number: the expensive part.

    Keyed by the number alone (not the raw spelling, not the extension), so each distinct
    number pays for phonenumbers once per process.
    """
    num = PhoneNumber(
        country_code=country_code,
        national_number=national_number,
        italian_leading_zero=True if leading_zeros else None,
        number_of_leading_zeros=leading_zeros or None,
    )
    e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
    national = str(national_number)
    area_code = national[:3] if country_code == 1 and len(national) == 10 else None
    # number_type() is UNKNOWN exactly when is_valid_number() is False (both resolve the region
    # and test the same patterns), so one call answers both: the region scan is the costly part.
    pn_type = phonenumbers.number_type(num)
    if pn_type == PhoneNumberType.UNKNOWN:
        return e164, False, area_code, "unknown", None
    ntype = _NUMBER_TYPES.get(pn_type, "unknown")
    if ntype in _NOT_DIALABLE:
        return e164, False, area_code, ntype, None
    if ntype in _GEOGRAPHIC:
        zones = pn_timezone.time_zones_for_geographical_number(num)
    else:
        zones = pn_timezone.time_zones_for_number(num)
    zone = zones[0] if len(zones) == 1 and zones[0] != pn_timezone.UNKNOWN_TIMEZONE else None
    return e164, True, area_code, ntype, zone


def standardize_phone(raw: str, phone_type: str | None = None) -> PhoneParts:
    """Standardize one phone string; ``phone_type`` (a vendor code) overrides the line type."""
    num = _to_number(raw) if raw and raw.strip() else None
    override = normalize_line_type(phone_type)
    if num is None or not num.national_number:
        return PhoneParts(raw, None, False, None, None, override or "unknown", None)
    zeros = (num.number_of_leading_zeros or 1) if num.italian_leading_zero else 0
    e164, valid, area_code, ntype, zone = _facts(num.country_code, num.national_number, zeros)
    if _fictional(num.country_code, str(num.national_number)):
        valid, ntype, zone = False, "unknown", None
    return PhoneParts(
        phone_raw=raw,
        e164=e164,
        valid=valid,
        extension=num.extension or None,
        area_code=area_code,
        number_type=override or ntype,
        time_zone=zone,
    )


# --- batch path: vectorized parse, facts per NANP prefix ----------------------------------------

# _PLAIN_NANP with ASCII classes, for polars (Rust regex: \d and \s would be Unicode there). A
# string this matches is matched by _PLAIN_NANP with the same groups; the rest (Unicode digits
# or spaces included) takes the per-string path, so both paths give the same answer.
_PLAIN_NANP_ASCII = (
    r"^[ \t\n\r\f\v]*(?:\+?[ \t\n\r\f\v]*1[ \t\n\r\f\v.\-]*)?\(?[ \t\n\r\f\v]*([2-9][0-9]{2})"
    r"[ \t\n\r\f\v]*\)?[ \t\n\r\f\v.\-/]*([0-9]{3})[ \t\n\r\f\v.\-]*([0-9]{4})[ \t\n\r\f\v]*$"
)
_NATIONAL_LENGTH = 10
_DESCS = (
    "general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail", "no_international_dialling",
)  # fmt: skip


def _pattern_depth(pattern: str) -> int:
    """How many leading digits can decide whether a digits-only string fully matches `pattern`:
    the furthest position of any element other than \\d (or a repeat of \\d), over all paths.
    Conservative (an upper bound); raises ValueError on a construct it does not model."""
    from re import _constants as C  # type: ignore[attr-defined]  # private, stable since 3.11
    from re import _parser as P  # type: ignore[attr-defined]

    big = 1 << 20
    any_digit = [(C.CATEGORY, C.CATEGORY_DIGIT)]

    def walk(items: object, hi: int) -> tuple[int, int, int]:
        """(min length, max end offset, depth) of `items` starting at max offset `hi`."""
        lo_len, depth = 0, 0
        for op, av in items:  # type: ignore[attr-defined]
            if op in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY):
                if not (op == C.IN and av == any_digit):
                    depth = max(depth, hi + 1)
                lo_len, hi = lo_len + 1, hi + 1
            elif op == C.SUBPATTERN:
                n, hi, d = walk(av[-1], hi)
                lo_len, depth = lo_len + n, max(depth, d)
            elif op == C.BRANCH:
                outs = [walk(b, hi) for b in av[1]]
                lo_len += min(o[0] for o in outs)
                hi = max(o[1] for o in outs)
                depth = max([depth] + [o[2] for o in outs])
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                mn, mx, sub = av
                n1, h1, d1 = walk(sub, 0)
                mx = big if mx == C.MAXREPEAT else mx
                if d1:
                    depth = max(depth, hi + mx * h1)
                lo_len, hi = lo_len + mn * n1, hi + mx * h1
            elif op == C.AT:
                continue
            else:
                raise ValueError(f"unmodelled regex construct {op}")
        return lo_len, hi, depth

    return walk(P.parse(pattern), 0)[2]


@cache
def _nanp_key_length() -> dict[str, int]:
    """Prefix length (of the 10-digit national number) that decides validity, type and time
    zone, per area code; area codes not listed use the "" entry. 10 means "per number".

    Derived from phonenumbers' metadata, not hard-coded: the depth of every NANP region's
    patterns, of the leading-digit rules that pick the region, and of the +1 time-zone prefixes.
    """
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE
    from phonenumbers.tzdata import TIMEZONE_DATA

    try:
        tz_depth = max(len(k) for k in TIMEZONE_DATA if k.startswith("1")) - 1
        region_depth: dict[str, int] = {}
        deep_areas: set[str] = set()
        shallow = tz_depth
        for region in COUNTRY_CODE_TO_REGION_CODE[1]:
            md = phonenumbers.PhoneMetadata.metadata_for_region(region)
            if md is None:
                return {"": _NATIONAL_LENGTH}
            depth = 0
            for name in _DESCS:
                desc = getattr(md, name, None)
                if desc is not None and desc.national_number_pattern:
                    depth = max(depth, _pattern_depth(desc.national_number_pattern))
            region_depth[region] = depth
            if md.leading_digits is None:
                shallow = max(shallow, depth)  # tried on every number without a leading match
            else:
                lead = _pattern_depth(md.leading_digits)
                if lead > 4:
                    return {"": _NATIONAL_LENGTH}
                shallow = max(shallow, lead)
                if depth > 6:
                    rx = re.compile(md.leading_digits)
                    deep_areas |= {
                        f"{a}" for a in range(200, 1000)
                        if any(rx.match(f"{a}{d}000000") for d in range(10))
                    }  # fmt: skip
        if shallow > 6:
            return {"": min(_NATIONAL_LENGTH, max(shallow, *region_depth.values()))}
        deep = min(_NATIONAL_LENGTH, max(region_depth.values()))
        return {"": 6} | dict.fromkeys(sorted(deep_areas), max(deep, 6))
    except (ValueError, TypeError, AttributeError):
        return {"": _NATIONAL_LENGTH}


_FACT_SCHEMA = {
    "_key": pl.String, "valid": pl.Boolean, "number_type": pl.String, "time_zone": pl.String,
}  # fmt: skip

#: phonenumbers' order of type tests (`_number_type_helper`): the first matching desc wins.
_TYPE_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL),
)  # fmt: skip


def _desc_matches(national: pl.Expr, desc: object) -> pl.Expr:
    """phonenumbers' `_is_number_matching_desc` for 10-digit national numbers, as a polars
    expression: the desc's possible lengths admit 10 and its pattern matches the whole number."""
    pattern = getattr(desc, "national_number_pattern", None) if desc is not None else None
    lengths = getattr(desc, "possible_length", None) or ()
    if not pattern or (lengths and _NATIONAL_LENGTH not in lengths):
        return pl.lit(False)
    return national.str.contains(f"^(?:{pattern})$")


def _us_geographic(national: pl.Expr) -> pl.Expr | None:
    """True where phonenumbers' `number_type` would say a US fixed line and/or mobile number.

    `region_code_for_number` tries the +1 regions in order; the US comes first and, having no
    leading-digits rule, takes every number its own patterns type, so a number the US patterns
    type as fixed line or mobile is a US number of that type, whatever the other regions say.
    None when the metadata is not shaped that way (then every prefix takes the per-number path).
    """
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    regions = COUNTRY_CODE_TO_REGION_CODE.get(1, ())
    md = phonenumbers.PhoneMetadata.metadata_for_region("US", None)
    if not regions or regions[0] != "US" or md is None or md.leading_digits is not None:
        return None
    earlier = [_desc_matches(national, getattr(md, name, None)) for name, _ in _TYPE_ORDER]
    fixed = _desc_matches(national, md.fixed_line)
    geographic = fixed
    if not md.same_mobile_and_fixed_line_pattern:
        geographic = fixed | _desc_matches(national, md.mobile)
    return _desc_matches(national, md.general_desc) & ~pl.any_horizontal(earlier) & geographic


def _us_geographic_type() -> str:
    """The skiptrace type of a US fixed-line/mobile number (phonenumbers cannot tell them apart
    when the two patterns are the same, which is the US case: fixed_or_mobile)."""
    md = phonenumbers.PhoneMetadata.metadata_for_region("US", None)
    same = md is not None and md.same_mobile_and_fixed_line_pattern
    return _NUMBER_TYPES[PhoneNumberType.FIXED_LINE_OR_MOBILE if same else PhoneNumberType.UNKNOWN]


def _prefix_zones(e164_digits: str, shortest: int) -> tuple[str, ...] | None:
    """The zones of the longest prefix of the E.164 digits, no shorter than `shortest` digits,
    in phonenumbers' time-zone table (None: no such prefix)."""
    from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

    for n in range(TIMEZONE_LONGEST_PREFIX, shortest - 1, -1):
        if e164_digits[:n] in TIMEZONE_DATA:
            return tuple(TIMEZONE_DATA[e164_digits[:n]])
    return None


@lru_cache(maxsize=262144)
def _geographic_zone(e164_digits: str) -> str | None:
    """`time_zones_for_geographical_number` reduced to the one zone `_facts` keeps: the longest
    prefix of the E.164 digits in phonenumbers' time-zone table, when it names exactly one."""
    zones = _prefix_zones(e164_digits, 1) or (pn_timezone.UNKNOWN_TIMEZONE,)
    return zones[0] if len(zones) == 1 and zones[0] != pn_timezone.UNKNOWN_TIMEZONE else None


@lru_cache(maxsize=65536)
def area_code_zones(e164: str) -> tuple[str, ...]:
    """Every zone of a NANP number's area code (or exchange), as phonenumbers' time-zone table
    gives its longest known prefix. Reg F 1006.6(b)(1) asks for hours convenient in every
    location the information indicates, and a number whose area code spans zones has no zone
    of its own (`time_zone` is blank: Alaska's 907 is Anchorage and Adak time) but still says
    the consumer may be in one of these. Empty when the table knows no prefix longer than the
    country code (toll-free, an unassigned area code) or the number is not NANP: the number
    then says nothing about where the consumer is."""
    digits = e164.removeprefix("+")
    if not digits.startswith("1"):
        return ()
    zones = _prefix_zones(digits, 2) or ()
    return tuple(z for z in zones if z != pn_timezone.UNKNOWN_TIMEZONE)


def _prefix_facts(prefixes: list[str]) -> pl.DataFrame:
    """valid, number_type, time_zone of each NANP national-number prefix (via one member).

    The common case, a US fixed-line/mobile prefix, is decided by phonenumbers' own US patterns
    run as polars regexes over all prefixes at once (`_us_geographic`), its zone by the same
    longest-prefix lookup phonenumbers does; every other prefix (other regions, toll-free,
    invalid) asks phonenumbers itself. Same answers as `_facts` per prefix, a test holds them
    equal over the whole numbering plan; at 100k accounts ~180k prefixes, most of them US.
    """
    keys = pl.DataFrame({"_key": prefixes}, schema={"_key": pl.String})
    national = pl.col("_key").str.pad_end(_NATIONAL_LENGTH, "0")
    us = _us_geographic(national)
    if us is None:
        fast_keys: list[str] = []
        slow_keys = prefixes
    else:
        flagged = keys.with_columns(us.alias("_us"))
        fast_keys = flagged.filter(pl.col("_us"))["_key"].to_list()
        slow_keys = flagged.filter(~pl.col("_us"))["_key"].to_list()
    ntype = _us_geographic_type() if fast_keys else "unknown"
    rows = [
        (key, True, ntype, _geographic_zone("1" + key.ljust(_NATIONAL_LENGTH, "0")))
        for key in fast_keys
    ]
    for key in slow_keys:
        _, valid, _, slow_type, zone = _facts(1, int(key.ljust(_NATIONAL_LENGTH, "0")), 0)
        rows.append((key, valid, slow_type, zone))
    return pl.DataFrame(rows, schema=_FACT_SCHEMA, orient="row")


def standardize_phone_frame(raw: pl.Series) -> pl.DataFrame:
    """``standardize_phone`` over a column of raw strings: one row per input row, in order, the
    columns of ``std_phone_cache``. Same results as the per-string function (a test holds them
    equal); plain NANP spellings are parsed by polars and their facts looked up per prefix."""
    raw = raw.cast(pl.String).rename("phone_raw")
    df = pl.DataFrame(raw).with_row_index("_i")
    g = pl.col("phone_raw").str.extract_groups(_PLAIN_NANP_ASCII)
    df = df.with_columns(
        pl.concat_str(g.struct.field("1"), g.struct.field("2"), g.struct.field("3")).alias(
            "_national"
        )
    )
    plain = df.filter(pl.col("_national").is_not_null())
    other = df.filter(pl.col("_national").is_null())
    lengths = _nanp_key_length()
    default_len = lengths[""]
    area = pl.col("_national").str.slice(0, 3)
    deep = {a: n for a, n in lengths.items() if a}
    key_len = (
        area.replace_strict(deep, default=default_len, return_dtype=pl.Int64)
        if deep
        else pl.lit(default_len, pl.Int64)
    )
    plain = plain.with_columns(pl.col("_national").str.slice(0, key_len).alias("_key"))
    facts = _prefix_facts(plain["_key"].unique().sort().to_list())
    # `_fictional` per number: the prefix facts cannot tell 555-0123 from 555-1212
    fictional = pl.col("_national").str.slice(3, 5) == "55501"
    fast = plain.join(facts, on="_key", how="left").select(
        "_i",
        "phone_raw",
        ("+1" + pl.col("_national")).alias("e164"),
        pl.col("valid") & ~fictional,
        pl.lit(None, pl.String).alias("extension"),
        area.alias("area_code"),
        pl.when(fictional).then(pl.lit("unknown")).otherwise("number_type").alias("number_type"),
        pl.when(fictional).then(None).otherwise("time_zone").alias("time_zone"),
    )
    slow_rows = [standardize_phone(r) for r in other["phone_raw"].to_list()]
    slow = pl.DataFrame(
        {c: [getattr(r, c) for r in slow_rows] for c in _CACHE_COLUMNS}, schema=_CACHE_SCHEMA
    ).with_columns(other["_i"])
    return pl.concat([fast, slow], how="diagonal").sort("_i").select(_CACHE_COLUMNS)


_CACHE_COLUMNS = (
    "phone_raw",
    "e164",
    "valid",
    "extension",
    "area_code",
    "number_type",
    "time_zone",
)
_CACHE_SCHEMA = {c: (pl.Boolean if c == "valid" else pl.String) for c in _CACHE_COLUMNS}


#: What determines a std_phone_cache row: this module (spelling rules, the per-prefix proof),
#: the SQL that picks the raw strings, and phonenumbers, whose metadata decides validity, line
#: type and time zone and changes with every release. The line-type macros are not included:
#: they are applied downstream per row and never stored in the cache.
PHONE_STD_SOURCES: tuple[Path, ...] = (
    Path(__file__).resolve(),
    sql.SQL_DIR / "standardize" / "phones_pending.sql",
)
PHONE_STD_PACKAGES: tuple[str, ...] = ("phonenumbers",)


@cache
def phone_std_version() -> str:
    """Version of the phone standardizer, stamped on every std_phone_cache row (see
    matchers.versioning.content_version); cached per process."""
    return content_version("phone", PHONE_STD_SOURCES, PHONE_STD_PACKAGES)


def standardize_phones(con: duckdb.DuckDBPyConnection) -> int:
    """Standardize every current phone string that ``std_phone_cache`` lacks for this
    standardizer version, replacing the rows other versions wrote; returns how many.

    Reads the accounts' four phone columns (attorney phone included: the resolver routes
    represented consumers to it), source records' phones and source contacts' phones.
    """
    version = phone_std_version()
    pending = sql.query(con, "standardize/phones_pending.sql", version=version)
    if pending.height == 0:
        drop_stale_rows(con, "std_phone_cache", version)
        return 0
    frame = standardize_phone_frame(pending["phone_raw"])
    con.register("_new_std_phones", frame)
    try:
        replace_in_cache(con, "std_phone_cache", version, "_new_std_phones")
    finally:
        con.unregister("_new_std_phones")
    return frame.height
