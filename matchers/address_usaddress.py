"""The usaddress fallback: one raw address line at a time, for shapes the fast path rejects.

Why a separate module: worker processes import only this file (usaddress + the Pub 28 tables,
no polars, no DuckDB), which keeps process start-up cheap and avoids forking a process that
holds polars' or DuckDB's thread pools.

We call `usaddress.parse` (token, label) rather than `usaddress.tag`, because `tag` raises
`RepeatedLabelError` whenever a label reappears ("123 Main St Apt 4 Apt 5", a unit before and
after the street): from the token labels we keep the first run of each label -- the best parse
-- and never raise. Everything returned is cleaned (uppercase, no punctuation) and mapped
through Publication 28; city/state/ZIP found in the line are returned raw-cleaned and resolved
by the vectorized finishing step, which both paths share.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from skiptrace.matchers.pub28 import (
    DIRECTIONALS,
    ROUTE_TYPES,
    STATE_CODES,
    SUFFIXES,
    UNIT_DESIGNATORS,
    UNIT_WITHOUT_NUMBER,
)


class LineParts(NamedTuple):
    """Street-line parts before the city/state/ZIP checks.

    `status`: 'ok', 'blank' (no text in line 1 or 2) or 'unparsed' (text, but nothing that
    reads as a street, box, route or unit); `text` is the cleaned line, set only when unparsed,
    because it then becomes std_line1 as is.
    """

    street_number: str | None = None
    predir: str | None = None
    street_name: str | None = None
    suffix: str | None = None
    postdir: str | None = None
    unit_type: str | None = None
    unit_number: str | None = None
    po_box: str | None = None
    rural_route: str | None = None
    extra_secondary: str | None = None  # a second designator (BLDG 5 with APT 2), kept for line1
    p_city: str | None = None  # city/state/zip found inside the line (used if fields are empty)
    p_state: str | None = None
    p_zip: str | None = None
    status: str = "ok"
    text: str | None = None


PART_FIELDS: tuple[str, ...] = LineParts._fields

# ---------------------------------------------------------------------------------------------
# Text cleaning. `clean_text` must give the same result as address_fast.clean_expr on ASCII
# input (a test checks it): both delete . ' ` , pad '#' with spaces, turn other punctuation into
# spaces and collapse whitespace. Non-ASCII letters are folded to ASCII here (MUÑOZ -> MUNOZ);
# the fast path leaves them in place, so its regex rejects such rows and they come here.
# ---------------------------------------------------------------------------------------------
_DELETE = str.maketrans("", "", ".'`\u2019")
_TO_SPACE = re.compile(r"[^A-Z0-9#/\- ]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """Uppercase, ASCII, Pub 28 punctuation rules; '' for None."""
    if not value:
        return ""
    if not value.isascii():
        value = unicodedata.normalize("NFKD", value)
        value = "".join(c for c in value if not unicodedata.combining(c))
    value = value.upper().translate(_DELETE).replace("#", " # ")
    value = _TO_SPACE.sub(" ", value)
    return _SPACES.sub(" ", value).strip()


def _clean_tokens(tokens: list[str]) -> list[str]:
    """Cleaned, non-empty words of a label run (a token may clean to two words: 'APT#4')."""
    return clean_text(" ".join(tokens)).split()


def _direction(words: list[str]) -> str | None:
    """'NORTH' -> 'N', 'N E' / 'NORTH EAST' -> 'NE'; None when the words are not a directional."""
    if not words:
        return None
    if len(words) == 1:
        return DIRECTIONALS.get(words[0])
    joined = "".join(DIRECTIONALS.get(w, "?") for w in words)
    return joined if joined in DIRECTIONALS else None


_ORDINAL = re.compile(r"^(\d+)(?:ST|ND|RD|TH)$")
_STATE_AFTER_ZIP = re.compile(r"(?<=[\s,])(\d{5}(?:-\d{4})?)[\s,]+([A-Za-z]{2})\.?\s*$")

# Pre-types spelled several ways ("HWY 50", "HIGHWAY 50"): one spelling, as USPS writes them.
_PRETYPES: dict[str, str] = {
    "HWY": "HIGHWAY", "HIWAY": "HIGHWAY", "HIGHWY": "HIGHWAY", "HGWY": "HIGHWAY", "HWAY": "HIGHWAY",
    "RD": "ROAD", "RTE": "ROUTE", "RT": "ROUTE", "AVE": "AVENUE", "AV": "AVENUE",
    "CNTY": "COUNTY", "CO": "COUNTY", "ST": "STATE",
}  # fmt: skip


def _first_runs(tagged: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Label -> tokens of its first contiguous run. Later runs of a label are dropped: this is
    what makes a parse with repeated labels usable instead of an error."""
    runs: dict[str, list[str]] = {}
    closed: set[str] = set()
    last: str | None = None
    for token, label in tagged:
        if label != last and last is not None:
            closed.add(last)
        if label in closed:
            last = label
            continue
        runs.setdefault(label, []).append(token)
        last = label
    return runs


def _prepare(line1: str | None, line2: str | None) -> str:
    """The text handed to usaddress: line1 then line2 (comma-joined unless line 2 is just a
    unit), NFKD-folded, with a trailing 'ZIP ST' turned into 'ST ZIP' (the CRF was trained on
    state-then-ZIP)."""
    parts = [p.strip() for p in (line1, line2) if p and p.strip()]
    text = ", ".join(parts)
    if len(parts) == 2 and unit_from_words(clean_text(parts[1]).split()):
        text = " ".join(parts)  # "123 MAIN ST" + "APT 4": one line, as Pub 28 writes it
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    m = _STATE_AFTER_ZIP.search(text)
    if m and m.group(2).upper() in STATE_CODES:
        text = f"{text[: m.start()]}{m.group(2)} {m.group(1)}"
    return _SPACES.sub(" ", text)


_ID = r"[0-9]+[A-Za-z]?|[A-Za-z][0-9]*|[0-9]+-[0-9A-Za-z]+"
_TRAILING_UNIT = re.compile(
    rf"^(?P<rest>.*?[^\s,])[\s,]+(?:"
    rf"(?P<ut>[A-Za-z]+)\.?(?:\s*#\s*|\s+)(?P<un>{_ID})"  # APT 4, Apt. #4B, STE 200
    rf"|(?P<gt>[A-Za-z]+)\.?(?P<gn>[0-9]+[A-Za-z]?)"  # APT4B
    rf"|#\s*(?P<hn>{_ID})"  # #4, # 12
    rf"|(?P<u0>[A-Za-z]+)\.?"  # REAR, PH
    rf")[\s,]*$"
)


def split_trailing_unit(text: str) -> tuple[str, tuple[str, str | None] | None]:
    """Split a trailing secondary unit off a street line: ("123 MAIN ST", ("APT", "4")).

    Why before the CRF: a unit at the end of a line is regular, but the CRF often tags it as a
    city/state ("..., PH"), a street word ("... WAY APARTMENT H") or a PO box ("SPC 155"). Not
    split: "FL 32175" (Florida + ZIP, not floor 32175) and a no-number designator (REAR, FRONT)
    unless a suffix or directional precedes it ("123 FRONT" is Front Street).
    """
    m = _TRAILING_UNIT.match(text)
    if not m:
        return text, None
    rest = m["rest"]
    if m["hn"]:
        rest_words = clean_text(rest).split()
        if len(rest_words) < 2 or rest_words[-1] in ("BOX", "BX", "POB", "PO"):
            return text, None  # "BOX # 12": the number belongs to the box
        return rest, ("#", m["hn"].upper())
    designator, ident = (m["ut"], m["un"]) if m["ut"] else (m["gt"], m["gn"])
    if designator:
        std = UNIT_DESIGNATORS.get(designator.upper())
        if std is None or (std == "FL" and len(ident) >= 5) or len(rest.split()) < 2:
            return text, None
        return rest, (std, ident.upper())
    std = UNIT_DESIGNATORS.get(m["u0"].upper())
    last = clean_text(rest).rsplit(" ", 1)[-1]
    if std in UNIT_WITHOUT_NUMBER and (last in SUFFIXES or last in DIRECTIONALS):
        return rest, (std, None)
    return text, None


_MILITARY = re.compile(r"^(PSC|CMR|UNIT) (?:# )?([0-9]+) BOX (?:# )?([0-9]+)$")


def parse_line(line1: str | None, line2: str | None = None) -> LineParts:
    """Parse one street line (plus line 2) with usaddress into Pub 28 parts. Never raises."""
    text = _prepare(line1, line2)
    cleaned = clean_text(text)
    if not cleaned:
        return LineParts(status="blank")  # only punctuation: nothing to parse (as the fast path)
    if m := _MILITARY.match(cleaned):
        # Pub 28 military form "PSC 1234 BOX 5678" / "UNIT 2050 BOX 4190": kept whole in the
        # route column (the CRF reads it as PO BOX 5678 and drops the PSC/unit number)
        return LineParts(rural_route=f"{m[1]} {m[2]} BOX {m[3]}")
    rest, unit = split_trailing_unit(text)
    try:
        import usaddress  # local: the parent process never pays for the model when all is fast

        tagged = usaddress.parse(rest)
    except Exception:  # the CRF or tokenizer choking on odd bytes must not stop a batch
        return LineParts(status="unparsed", text=cleaned)
    parts = _assemble(_first_runs(_direction_named_street(tagged)))
    if parts.status == "unparsed":
        parts = parts._replace(text=cleaned)
    if unit is None:
        return parts
    if parts.unit_type is not None:  # "BLDG 5 APT 2": the last unit is the specific one
        first = " ".join(w for w in (parts.unit_type, parts.unit_number) if w)
        parts = parts._replace(extra_secondary=parts.extra_secondary or first)
    return parts._replace(unit_type=unit[0], unit_number=unit[1])


_DIRECTIONAL_LABELS = ("StreetNamePreDirectional", "StreetNamePostDirectional")


def _direction_named_street(tagged: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Relabel a directional that is the street's name: "123 SOUTH BLVD" is South Boulevard.

    Pub 28 reads the only word before the street type as the name when it is a directional
    (the name must not be empty). The CRF labels such a word a directional, and _assemble's
    "suffix used as a name" repair then made the type the name: "123 SOUTH BLVD" became
    "123 BLVD S", "77 SOUTH WAY" "77 S WAY", and "77 EAST BLVD" (the number tagged as the
    street name) "77 BLVD E" without a house number. Three shapes are repaired here, on the
    token order that _first_runs would lose:
    - [number] DIRECTIONAL POST-TYPE, nothing else naming the street: the directional is the
      name ("10 SOUTH BLVD N" keeps N as its post-directional);
    - DIGITS-as-name DIRECTIONAL POST-TYPE without a number: the digits are the number;
    - [number] DIRECTIONAL one-word name that is a C1 suffix, no post type ("77 SOUTH WAY").
    A directional followed by a real name ("123 S MAIN") or by two words is left alone.
    """
    labels = [label for _, label in tagged]
    if any(label in ("StreetNamePreModifier", "StreetNamePreType") for label in labels):
        return tagged
    streets = [i for i, label in enumerate(labels) if label == "StreetName"]
    posts = [i for i, label in enumerate(labels) if label == "StreetNamePostType"]

    def lone_direction(i: int) -> bool:
        """Token i is a directional label's only word, and a directional."""
        return (
            i >= 0 and labels[i] in _DIRECTIONAL_LABELS
            and (i == 0 or labels[i - 1] not in _DIRECTIONAL_LABELS)
            and _direction(_clean_tokens([tagged[i][0]])) is not None
        )  # fmt: skip

    out = list(tagged)
    if posts and lone_direction(posts[0] - 1):
        d = posts[0] - 1
        if not streets:  # "123 SOUTH BLVD"
            out[d] = (tagged[d][0], "StreetName")
        elif streets == [d - 1] and "AddressNumber" not in labels and tagged[d - 1][0].isdigit():
            out[d - 1] = (tagged[d - 1][0], "AddressNumber")  # "77 EAST BLVD"
            out[d] = (tagged[d][0], "StreetName")
    elif not posts and len(streets) == 1 and lone_direction(streets[0] - 1):
        s = streets[0]
        name = _clean_tokens([tagged[s][0]])
        if len(name) == 1 and name[0] in SUFFIXES:
            out[s - 1] = (tagged[s - 1][0], "StreetName")  # "77 SOUTH WAY"
            out[s] = (tagged[s][0], "StreetNamePostType")
    return out


_UNIT_WORDS = re.compile(
    r"^(?:(?P<ut>[A-Z]+)(?: #)?|#) (?P<un>[0-9]+[A-Z]?|[A-Z][0-9]*|[0-9]+-[0-9A-Z]+)$|^(?P<ut0>[A-Z]+)$"
)
_ROUTE_NAME = re.compile(r"^(?P<rt>[A-Z ]+?) (?P<rn>[0-9]+)$")
# Box "types" the CRF reports that are really secondary units (PMB: a private mailbox number).
_BOX_AS_UNIT: dict[str, str] = {**UNIT_DESIGNATORS, "PMB": "PMB"}


def unit_from_words(words: list[str]) -> tuple[str, str | None] | None:
    """(designator, id) when `words` are exactly one secondary unit ("APARTMENT D", "# 4",
    "REAR"), else None. Used to recover units the CRF tagged as a city, state or directional
    ("123 MAIN ST, PH" -> PH is not the Philippines)."""
    m = _UNIT_WORDS.match(" ".join(words))
    if not m:
        return None
    if m["ut0"]:
        std = UNIT_DESIGNATORS.get(m["ut0"])
        return (std, None) if std in UNIT_WITHOUT_NUMBER else None
    if m["ut"] is None:
        return "#", m["un"]
    std = UNIT_DESIGNATORS.get(m["ut"])
    return (std, m["un"]) if std else None


def _assemble(runs: dict[str, list[str]]) -> LineParts:
    """Turn label runs into Pub 28 parts, repairing the CRF's usual slips (each repair is a
    shape seen in collections data; the agreement test found most of them)."""

    def words(*labels: str) -> list[str]:
        return _words(runs, *labels)

    number = " ".join(words("AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix")) or None

    pre_words = words("StreetNamePreDirectional")
    predir = _direction(pre_words)
    name_words = words("StreetNamePreModifier")
    name_words += [_PRETYPES.get(w, w) for w in words("StreetNamePreType")]
    if pre_words and predir is None:  # "NORTH WOODS" mislabeled as a directional: keep the words
        name_words = pre_words + name_words
    name_words += words("StreetName")

    # Post type (+ post modifier, e.g. EXT): the last word is the suffix, any before it belong
    # to the name ("MAIN ST EXT" -> name MAIN ST, suffix EXT) -- the fast path does the same.
    type_words = words("StreetNamePostType", "StreetNamePostModifier")
    suffix: str | None = None
    if type_words:
        name_words += type_words[:-1]
        suffix = SUFFIXES.get(type_words[-1], type_words[-1])

    unit_type, unit_number, extra = _units(runs)
    post_words = words("StreetNamePostDirectional")
    postdir = _direction(post_words)
    if post_words and postdir is None:
        unit = unit_from_words(post_words) if unit_type is None else None
        if unit:  # "24TH WAY PH": PH tagged as a post-directional
            unit_type, unit_number = unit
        else:
            name_words += post_words

    # "11TH STREET TRLR E": TRLR is both a C1 suffix (TRAILER) and a C2 designator; after a real
    # suffix it is the designator, and what the CRF made a directional or '#' id is its number.
    if suffix == "TRLR" and len(name_words) > 1 and name_words[-1] in SUFFIXES:
        number_words = [unit_number] if unit_number else post_words
        if unit_type in (None, "#") and len(number_words) == 1:
            unit_type, unit_number, postdir = "TRLR", number_words[0], None
            suffix = SUFFIXES[name_words.pop()]

    # "MAIN AVENUE E": a bare letter after the suffix tagged as a unit id is the post-directional
    occ_raw = runs.get("OccupancyIdentifier", [])
    if (
        postdir is None and unit_type == "#" and unit_number in DIRECTIONALS and suffix
        and "#" not in occ_raw and "OccupancyType" not in runs
    ):  # fmt: skip
        postdir, unit_type, unit_number = DIRECTIONALS[unit_number], None, None
    # "BEACH ROAD." tagged as name or pre-types: a trailing C1 word is the suffix ("AVENUE B"
    # keeps its pre-type: B is not a suffix)
    if suffix is None and number and len(name_words) > 1 and name_words[-1] in SUFFIXES:
        suffix = SUFFIXES[name_words.pop()]

    if not name_words and predir is not None and (suffix or postdir):
        name_words, predir = pre_words, None  # "123 NORTH ST": the directional is the name
    if not name_words and suffix and type_words:
        name_words, suffix = type_words[-1:], None  # "123 PARK": a suffix word used as a name

    p_city_words, p_state_words = words("PlaceName"), words("StateName")
    p_zip = " ".join(runs.get("ZipCode", [])).strip(" ,;") or None
    if not p_state_words and "CountryName" in runs:  # the model tags a state after ZIP as country
        country = words("CountryName")
        p_state_words = country if " ".join(country) in STATE_CODES else []
    if unit_type is None and p_zip is None and (p_city_words or p_state_words):
        unit = unit_from_words(p_city_words + p_state_words)
        if unit:  # "123 MAIN ST, APARTMENT F": the comma made the CRF see a city and state
            unit_type, unit_number = unit
            p_city_words, p_state_words = [], []

    po_box, rural_route = None, None
    box_type = words("USPSBoxType")
    box_id = [w for w in words("USPSBoxID") if w != "#"]
    group_type = words("USPSBoxGroupType")
    group_id = [w for w in words("USPSBoxGroupID") if w != "#"]
    if box_type and not box_id:  # "POB 12": the id tagged as a unit number or a ZIP
        if unit_number and unit_type in (None, "#"):
            box_id, unit_type, unit_number = [unit_number], None, None
        elif p_zip and not (p_city_words or p_state_words) and p_zip.isdigit():
            box_id, p_zip = [p_zip], None
    route_name = _ROUTE_NAME.match(" ".join(name_words)) if number is None else None
    if route_name and box_id and route_name["rt"] in ROUTE_TYPES and not group_type:
        group_type, group_id = [route_name["rt"]], [route_name["rn"]]  # "RURAL ROUTE 10 BOX 2"
        name_words, suffix = [], None
    if group_type and not group_id and box_id and box_type == []:
        group_id, box_id = box_id, []  # "RR 2": the route number tagged as a box id
    if group_type or group_id:
        route = ROUTE_TYPES.get(" ".join(group_type), "RR")
        rural_route = " ".join([route, *group_id, *(["BOX", *box_id] if box_id else [])])
    elif box_id and " ".join(box_type) in _BOX_AS_UNIT and unit_type is None:
        # "POPLAR ST SPC 155" / "PMB 12": a secondary unit, not a post office box
        unit_type, unit_number = _BOX_AS_UNIT[" ".join(box_type)], " ".join(box_id)
    elif box_id:
        po_box = " ".join(box_id)

    name = " ".join(name_words) or None
    status = "ok" if (number or name or po_box or rural_route or unit_type) else "unparsed"
    return LineParts(
        number, predir, name, suffix, postdir, unit_type, unit_number, po_box, rural_route,
        extra, " ".join(p_city_words) or None, " ".join(p_state_words) or None, p_zip, status,
    )  # fmt: skip


def _words(runs: dict[str, list[str]], *labels: str) -> list[str]:
    """Cleaned words of the first runs of `labels`, in the order given."""
    out: list[str] = []
    for label in labels:
        out.extend(_clean_tokens(runs.get(label, [])))
    return out


def _units(runs: dict[str, list[str]]) -> tuple[str | None, str | None, str | None]:
    """(unit_type, unit_number, extra_secondary) from occupancy and subaddress labels.

    Pub 28: a known designator replaces '#' ("APT #4" -> "APT 4"); '#' stays as the designator
    only when none is given ("#4" -> "# 4"); a bare identifier gets '#' too, because its
    designator is unknown. Designators that need no number (REAR, PH) may stand alone.
    """
    occ_type, occ_id = _words(runs, "OccupancyType"), _words(runs, "OccupancyIdentifier")
    sub_type, sub_id = _words(runs, "SubaddressType"), _words(runs, "SubaddressIdentifier")
    if not occ_type and not occ_id:
        occ_type, occ_id, sub_type, sub_id = sub_type, sub_id, [], []
    unit_type, unit_number = _unit(occ_type, occ_id)
    extra = None
    if sub_type or sub_id:
        st, sn = _unit(sub_type, sub_id)
        extra = " ".join(w for w in (st, sn) if w) or None
    return unit_type, unit_number, extra


def _unit(type_words: list[str], id_words: list[str]) -> tuple[str | None, str | None]:
    """One designator + identifier pair, normalized."""
    hashed = "#" in id_words or "#" in type_words
    ids = [w for w in id_words if w != "#"]
    types = [w for w in type_words if w != "#"]
    # "APARTMENT E" / "SPC B" / "REAR" all tagged as identifiers: the first is the designator
    if (
        not types
        and ids
        and ids[0] in UNIT_DESIGNATORS
        and (len(ids) > 1 or UNIT_DESIGNATORS[ids[0]] in UNIT_WITHOUT_NUMBER)
    ):
        types, ids = ids[:1], ids[1:]
    if types:
        joined = " ".join(types)
        unit_type: str | None = UNIT_DESIGNATORS.get(joined, UNIT_DESIGNATORS.get(types[0], joined))
    else:
        unit_type = "#" if (ids or hashed) else None
    unit_number = " ".join(ids) or None
    if unit_type == "FL" and unit_number and (m := _ORDINAL.match(unit_number)):
        unit_number = m.group(1)  # "2ND FLOOR" -> "FL 2"
    if unit_type == "#" and unit_number is None:
        return None, None  # a lone '#' carries nothing
    return unit_type, unit_number


def assemble_tagged(tagged: list[tuple[str, str]]) -> LineParts:
    """Pub 28 parts from (token, usaddress label) pairs -- the CRF's or hand-made gold labels
    (the corpus test normalizes usaddress's labeled data through this same function)."""
    return _assemble(_first_runs(tagged))


def parse_many(rows: list[tuple[str | None, str | None]]) -> list[LineParts]:
    """Parse a chunk of (line1, line2) pairs in this process (workers run it via _serve)."""
    return [parse_line(l1, l2) for l1, l2 in rows]


def _serve() -> None:
    """Worker protocol: a JSON list of [line1, line2] on stdin -> a JSON list of parts rows."""
    import json
    import sys

    pairs = json.load(sys.stdin)
    json.dump([list(parse_line(l1, l2)) for l1, l2 in pairs], sys.stdout)


if __name__ == "__main__":
    _serve()
