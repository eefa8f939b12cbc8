"""USPS Publication 28 tables: street suffixes (C1), secondary unit designators (C2),
directionals, state codes (B) and the box/route words.

Both standardization paths (the vectorized fast path and the usaddress fallback) read these
tables, so the two paths cannot drift apart on what "AVENUE" or "SUITE" becomes. Keys and values
are uppercase with punctuation removed, i.e. they are matched against *cleaned* tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

# --- C1: street suffixes ------------------------------------------------------------------
# USPS standard abbreviation -> every spelling C1 lists for it (primary name, common
# abbreviations). The standard abbreviation itself is added below, so "ST" -> "ST".
_SUFFIX_VARIANTS: Final[dict[str, tuple[str, ...]]] = {
    "ALY": ("ALLEY", "ALLEE", "ALLY"),
    "ANX": ("ANEX", "ANNEX", "ANNX"),
    "ARC": ("ARCADE",),
    "AVE": ("AVENUE", "AV", "AVEN", "AVENU", "AVN", "AVNUE"),
    "BYU": ("BAYOU", "BAYOO"),
    "BCH": ("BEACH",),
    "BND": ("BEND",),
    "BLF": ("BLUFF", "BLUF"),
    "BLFS": ("BLUFFS",),
    "BTM": ("BOTTOM", "BOT", "BOTTM"),
    "BLVD": ("BOULEVARD", "BOUL", "BOULV"),
    "BR": ("BRANCH", "BRNCH"),
    "BRG": ("BRIDGE", "BRDGE"),
    "BRK": ("BROOK",),
    "BRKS": ("BROOKS",),
    "BG": ("BURG",),
    "BGS": ("BURGS",),
    "BYP": ("BYPASS", "BYPA", "BYPAS", "BYPS"),
    "CP": ("CAMP", "CMP"),
    "CYN": ("CANYON", "CANYN", "CNYN"),
    "CPE": ("CAPE",),
    "CSWY": ("CAUSEWAY", "CAUSWA"),
    "CTR": ("CENTER", "CEN", "CENT", "CENTR", "CENTRE", "CNTER", "CNTR"),
    "CTRS": ("CENTERS",),
    "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE"),
    "CIRS": ("CIRCLES",),
    "CLF": ("CLIFF",),
    "CLFS": ("CLIFFS",),
    "CLB": ("CLUB",),
    "CMN": ("COMMON",),
    "CMNS": ("COMMONS",),
    "COR": ("CORNER",),
    "CORS": ("CORNERS",),
    "CRSE": ("COURSE",),
    "CT": ("COURT",),
    "CTS": ("COURTS",),
    "CV": ("COVE",),
    "CVS": ("COVES",),
    "CRK": ("CREEK",),
    "CRES": ("CRESCENT", "CRSENT", "CRSNT"),
    "CRST": ("CREST",),
    "XING": ("CROSSING", "CRSSNG"),
    "XRD": ("CROSSROAD",),
    "XRDS": ("CROSSROADS",),
    "CURV": ("CURVE",),
    "DL": ("DALE",),
    "DM": ("DAM",),
    "DV": ("DIVIDE", "DIV", "DVD"),
    "DR": ("DRIVE", "DRIV", "DRV"),
    "DRS": ("DRIVES",),
    "EST": ("ESTATE",),
    "ESTS": ("ESTATES",),
    "EXPY": ("EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW"),
    "EXT": ("EXTENSION", "EXTN", "EXTNSN"),
    "EXTS": ("EXTENSIONS",),
    "FALL": (),
    "FLS": ("FALLS",),
    "FRY": ("FERRY", "FRRY"),
    "FLD": ("FIELD",),
    "FLDS": ("FIELDS",),
    "FLT": ("FLAT",),
    "FLTS": ("FLATS",),
    "FRD": ("FORD",),
    "FRDS": ("FORDS",),
    "FRST": ("FOREST", "FORESTS"),
    "FRG": ("FORGE", "FORG"),
    "FRGS": ("FORGES",),
    "FRK": ("FORK",),
    "FRKS": ("FORKS",),
    "FT": ("FORT", "FRT"),
    "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY"),
    "GDN": ("GARDEN", "GARDN", "GRDEN", "GRDN"),
    "GDNS": ("GARDENS", "GRDNS"),
    "GTWY": ("GATEWAY", "GATEWY", "GATWAY", "GTWAY"),
    "GLN": ("GLEN",),
    "GLNS": ("GLENS",),
    "GRN": ("GREEN",),
    "GRNS": ("GREENS",),
    "GRV": ("GROVE", "GROV"),
    "GRVS": ("GROVES",),
    "HBR": ("HARBOR", "HARB", "HARBR", "HRBOR"),
    "HBRS": ("HARBORS",),
    "HVN": ("HAVEN",),
    "HTS": ("HEIGHTS", "HT"),
    "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY"),
    "HL": ("HILL",),
    "HLS": ("HILLS",),
    "HOLW": ("HOLLOW", "HLLW", "HOLLOWS", "HOLWS"),
    "INLT": ("INLET",),
    "IS": ("ISLAND", "ISLND"),
    "ISS": ("ISLANDS", "ISLNDS"),
    "ISLE": ("ISLES",),
    "JCT": ("JUNCTION", "JCTION", "JCTN", "JUNCTN", "JUNCTON"),
    "JCTS": ("JUNCTIONS", "JCTNS"),
    "KY": ("KEY",),
    "KYS": ("KEYS",),
    "KNL": ("KNOLL", "KNOL"),
    "KNLS": ("KNOLLS",),
    "LK": ("LAKE",),
    "LKS": ("LAKES",),
    "LAND": (),
    "LNDG": ("LANDING", "LNDNG"),
    "LN": ("LANE",),
    "LGT": ("LIGHT",),
    "LGTS": ("LIGHTS",),
    "LF": ("LOAF",),
    "LCK": ("LOCK",),
    "LCKS": ("LOCKS",),
    "LDG": ("LODGE", "LDGE", "LODG"),
    "LOOP": ("LOOPS",),
    "MALL": (),
    "MNR": ("MANOR",),
    "MNRS": ("MANORS",),
    "MDW": ("MEADOW",),
    "MDWS": ("MEADOWS", "MEDOWS"),
    "MEWS": (),
    "ML": ("MILL",),
    "MLS": ("MILLS",),
    "MSN": ("MISSION", "MISSN", "MSSN"),
    "MTWY": ("MOTORWAY",),
    "MT": ("MOUNT", "MNT"),
    "MTN": ("MOUNTAIN", "MNTAIN", "MNTN", "MOUNTIN", "MTIN"),
    "MTNS": ("MOUNTAINS", "MNTNS"),
    "NCK": ("NECK",),
    "ORCH": ("ORCHARD", "ORCHRD"),
    "OVAL": ("OVL",),
    "OPAS": ("OVERPASS",),
    "PARK": ("PRK", "PARKS"),
    "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY", "PARKWAYS", "PKWYS"),
    "PASS": (),
    "PSGE": ("PASSAGE",),
    "PATH": ("PATHS",),
    "PIKE": ("PIKES",),
    "PNE": ("PINE",),
    "PNES": ("PINES",),
    "PL": ("PLACE",),
    "PLN": ("PLAIN",),
    "PLNS": ("PLAINS",),
    "PLZ": ("PLAZA", "PLZA"),
    "PT": ("POINT",),
    "PTS": ("POINTS",),
    "PRT": ("PORT",),
    "PRTS": ("PORTS",),
    "PR": ("PRAIRIE", "PRR"),
    "RADL": ("RADIAL", "RAD", "RADIEL"),
    "RAMP": (),
    "RNCH": ("RANCH", "RANCHES", "RNCHS"),
    "RPD": ("RAPID",),
    "RPDS": ("RAPIDS",),
    "RST": ("REST",),
    "RDG": ("RIDGE", "RDGE"),
    "RDGS": ("RIDGES",),
    "RIV": ("RIVER", "RVR", "RIVR"),
    "RD": ("ROAD",),
    "RDS": ("ROADS",),
    "RTE": ("ROUTE",),
    "ROW": (),
    "RUE": (),
    "RUN": (),
    "SHL": ("SHOAL",),
    "SHLS": ("SHOALS",),
    "SHR": ("SHORE", "SHOAR"),
    "SHRS": ("SHORES", "SHOARS"),
    "SKWY": ("SKYWAY",),
    "SPG": ("SPRING", "SPNG", "SPRNG"),
    "SPGS": ("SPRINGS", "SPNGS", "SPRNGS"),
    "SPUR": ("SPURS",),
    "SQ": ("SQUARE", "SQR", "SQRE", "SQU"),
    "SQS": ("SQUARES", "SQRS"),
    "STA": ("STATION", "STATN", "STN"),
    "STRA": ("STRAVENUE", "STRAV", "STRAVEN", "STRAVN", "STRVN", "STRVNUE"),
    "STRM": ("STREAM", "STREME"),
    "ST": ("STREET", "STRT", "STR"),
    "STS": ("STREETS",),
    "SMT": ("SUMMIT", "SUMIT", "SUMITT"),
    "TER": ("TERRACE", "TERR"),
    "TRWY": ("THROUGHWAY",),
    "TRCE": ("TRACE", "TRACES"),
    "TRAK": ("TRACK", "TRACKS", "TRK", "TRKS"),
    "TRFY": ("TRAFFICWAY",),
    "TRL": ("TRAIL", "TRAILS", "TRLS"),
    "TRLR": ("TRAILER", "TRLRS"),
    "TUNL": ("TUNNEL", "TUNEL", "TUNLS", "TUNNELS", "TUNNL"),
    "TPKE": ("TURNPIKE", "TRNPK", "TURNPK"),
    "UPAS": ("UNDERPASS",),
    "UN": ("UNION",),
    "UNS": ("UNIONS",),
    "VLY": ("VALLEY", "VALLY", "VLLY"),
    "VLYS": ("VALLEYS",),
    "VIA": ("VIADUCT", "VDCT", "VIADCT"),
    "VW": ("VIEW",),
    "VWS": ("VIEWS",),
    "VLG": ("VILLAGE", "VILL", "VILLAG", "VILLG", "VILLIAGE"),
    "VLGS": ("VILLAGES",),
    "VL": ("VILLE",),
    "VIS": ("VISTA", "VIST", "VST", "VSTA"),
    "WALK": ("WALKS",),
    "WALL": (),
    "WAY": ("WY",),
    "WAYS": (),
    "WL": ("WELL",),
    "WLS": ("WELLS",),
}

#: Any C1 spelling -> USPS standard suffix abbreviation ("AVENUE" -> "AVE", "AVE" -> "AVE").
SUFFIXES: Final[dict[str, str]] = {
    variant: std for std, variants in _SUFFIX_VARIANTS.items() for variant in (std, *variants)
}

# --- directionals -----------------------------------------------------------------------
#: Spelled-out or abbreviated directional -> Pub 28 abbreviation.
DIRECTIONALS: Final[dict[str, str]] = {
    "N": "N", "NORTH": "N",
    "S": "S", "SOUTH": "S",
    "E": "E", "EAST": "E",
    "W": "W", "WEST": "W",
    "NE": "NE", "NORTHEAST": "NE",
    "NW": "NW", "NORTHWEST": "NW",
    "SE": "SE", "SOUTHEAST": "SE",
    "SW": "SW", "SOUTHWEST": "SW",
}  # fmt: skip

# --- street-name and city words spelled several ways ------------------------------------
#: A leading word of a street name that USPS abbreviates (its ZIP+4 file writes ST JAMES PL,
#: MT VERNON ST, FT WASHINGTON AVE). Only before another word: "MOUNT ST" is Mount Street.
NAME_ABBREVIATIONS: Final[dict[str, str]] = {"SAINT": "ST", "MOUNT": "MT", "FORT": "FT"}

#: The same words in a town's name go the other way: the ZIP reference (USPS's preferred last
#: line names) spells out SAINT LOUIS, MOUNT VERNON, FORT WORTH (877 of its 889 such towns).
CITY_WORDS: Final[dict[str, str]] = {abbr: word for word, abbr in NAME_ABBREVIATIONS.items()}

ORDINAL_UNITS: Final[tuple[str, ...]] = (
    "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH",
)  # fmt: skip
_TEENS = ("TENTH", "ELEVENTH", "TWELFTH", "THIRTEENTH", "FOURTEENTH", "FIFTEENTH", "SIXTEENTH",
          "SEVENTEENTH", "EIGHTEENTH", "NINETEENTH")  # fmt: skip
TENS: Final[tuple[str, ...]] = (
    "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY",
)  # fmt: skip
_TENTHS = ("TWENTIETH", "THIRTIETH", "FORTIETH", "FIFTIETH", "SIXTIETH", "SEVENTIETH",
           "EIGHTIETH", "NINETIETH")  # fmt: skip


def _ordinal(n: int) -> str:
    """1 -> '1ST', 12 -> '12TH', 22 -> '22ND'."""
    return f"{n}{'TH' if 11 <= n % 100 <= 13 else {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH')}"


#: An ordinal street-name word, 1st to 99th, -> its numeral ("FIRST" -> "1ST", "TWENTY-FIRST"
#: -> "21ST"; "TWENTY FIRST" is joined with a hyphen before the lookup).
ORDINAL_WORDS: Final[dict[str, str]] = {
    **{w: _ordinal(i) for i, w in enumerate(ORDINAL_UNITS, 1)},
    **{w: _ordinal(i) for i, w in enumerate(_TEENS, 10)},
    **{w: _ordinal(10 * i) for i, w in enumerate(_TENTHS, 2)},
    **{
        f"{tens}-{unit}": _ordinal(10 * t + u)
        for t, tens in enumerate(TENS, 2)
        for u, unit in enumerate(ORDINAL_UNITS, 1)
    },
}

# --- C2: secondary unit designators -----------------------------------------------------
#: Designator spelling -> Pub 28 abbreviation. The common misspellings/short forms seen in
#: collections data (APTMT, FLR, STE.) are included; '#' is handled separately (see address.py).
UNIT_DESIGNATORS: Final[dict[str, str]] = {
    "APARTMENT": "APT", "APT": "APT", "APTMT": "APT", "APTS": "APT",
    "BASEMENT": "BSMT", "BSMT": "BSMT",
    "BUILDING": "BLDG", "BLDG": "BLDG", "BLDNG": "BLDG",
    "DEPARTMENT": "DEPT", "DEPT": "DEPT",
    "FLOOR": "FL", "FL": "FL", "FLR": "FL",
    "FRONT": "FRNT", "FRNT": "FRNT",
    "HANGAR": "HNGR", "HNGR": "HNGR",
    "KEY": "KEY",
    "LOBBY": "LBBY", "LBBY": "LBBY",
    "LOT": "LOT",
    "LOWER": "LOWR", "LOWR": "LOWR",
    "OFFICE": "OFC", "OFC": "OFC",
    "PENTHOUSE": "PH", "PH": "PH",
    "PIER": "PIER",
    "REAR": "REAR",
    "ROOM": "RM", "RM": "RM",
    "SIDE": "SIDE",
    "SLIP": "SLIP",
    "SPACE": "SPC", "SPC": "SPC",
    "STOP": "STOP",
    "SUITE": "STE", "STE": "STE",
    "TRAILER": "TRLR", "TRLR": "TRLR",
    "UNIT": "UNIT",
    "UPPER": "UPPR", "UPPR": "UPPR",
}  # fmt: skip

#: Designators that C2 allows without a secondary number ("REAR", "PH", ...).
UNIT_WITHOUT_NUMBER: Final[frozenset[str]] = frozenset(
    {"BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR"}
)

# --- PO boxes and rural / highway-contract routes ---------------------------------------
#: Spellings of a post office box type ("P O BOX" is what "P.O. BOX" cleans to).
PO_BOX_WORDS: Final[tuple[str, ...]] = (
    "PO BOX", "P O BOX", "POB", "PO", "POST OFFICE BOX", "POST BOX", "BOX", "PO BX", "P O B",
    "POBOX", "PMB",
)  # fmt: skip

#: Route type spelling -> Pub 28 form: rural routes are "RR", highway contract routes "HC".
ROUTE_TYPES: Final[dict[str, str]] = {
    "RR": "RR", "R R": "RR", "RURAL ROUTE": "RR", "RURAL RTE": "RR", "RFD": "RR", "R F D": "RR",
    "RD": "RR", "RT": "RR", "RTE": "RR", "ROUTE": "RR", "RURAL": "RR",
    "HC": "HC", "H C": "HC", "HCR": "HC", "HIGHWAY CONTRACT": "HC", "HWY CONTRACT": "HC",
    "STAR ROUTE": "HC", "STAR RTE": "HC",
}  # fmt: skip

# --- B: states, DC, territories, military "states" ---------------------------------------
#: Two-letter code -> name, for every code USPS accepts in the state position.
STATES: Final[dict[str, str]] = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS",
    "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN", "MN": "MINNESOTA",
    "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA", "NE": "NEBRASKA", "NV": "NEVADA",
    "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY", "NM": "NEW MEXICO", "NY": "NEW YORK",
    "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA", "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON",
    "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA",
    "TN": "TENNESSEE", "TX": "TEXAS", "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA",
    "WA": "WASHINGTON", "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING",
    "AS": "AMERICAN SAMOA", "GU": "GUAM", "MP": "NORTHERN MARIANA ISLANDS", "PR": "PUERTO RICO",
    "VI": "VIRGIN ISLANDS", "FM": "FEDERATED STATES OF MICRONESIA", "MH": "MARSHALL ISLANDS",
    "PW": "PALAU", "AA": "ARMED FORCES AMERICAS", "AE": "ARMED FORCES EUROPE",
    "AP": "ARMED FORCES PACIFIC",
}  # fmt: skip

#: Cleaned state spelling (code, full name, a few common long forms) -> two-letter code.
STATE_CODES: Final[dict[str, str]] = {
    **{code: code for code in STATES},
    **{name: code for code, name in STATES.items()},
    "WASHINGTON DC": "DC", "D C": "DC", "US VIRGIN ISLANDS": "VI", "VIRGIN ISLANDS OF THE US": "VI",
}  # fmt: skip


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first, so "NORTHWEST" wins over "NORTH".

    Used to build the fast-path patterns from these very tables: a word added here is accepted
    by the vectorized path and by the usaddress path alike.
    """
    items = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(items)
