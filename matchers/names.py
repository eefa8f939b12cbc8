"""Person-name standardization: split, clean, suffix, nickname canonical, phonetic keys.

Why this exists: the matcher compares names from an account export (often one field, "SMITH,
JOHN A JR") with vendor and public-record rows (split fields, nicknames, typos). It can only do
that well if both sides are reduced to the same shape first:

* ``first_std`` / ``middle_std`` / ``last_std``: uppercase ASCII, no punctuation; a name in
  another script is transliterated, not dropped (ИВАНОВ -> IVANOV, see ``to_ascii``). Apostrophes
  vanish without a gap (O'BRIEN -> OBRIEN); hyphens and compounds become one space
  (GARCIA-LOPEZ -> GARCIA LOPEZ, DE LA CRUZ stays DE LA CRUZ); a detached Irish/Scottish prefix is
  glued back in surnames (MC DONALD -> MCDONALD, O BRIEN -> OBRIEN).
* ``name_abjad``: the name was romanized from a script that writes no short vowels (Arabic,
  Hebrew, Syriac, Samaritan: محمد -> MHMD), see ``written_without_vowels``. The comparison then
  knows MHMD is a consonant skeleton, not a different name from MOHAMMED (sql/match/compare.sql).
* ``suffix_std``: JR SR (generational) and II III IV V (ordinal) are kept as *different* values,
  because a family may use either convention and the matcher, not this module, decides which
  pairs are compatible. Spellings fold onto one value each (JUNIOR/JR./JNR -> JR, 2ND -> II,
  3RD -> III, 4TH -> IV, 5TH -> V). Professional suffixes (ESQ, MD, PHD, ...) are dropped: they
  do not tell father from son.
* ``first_canon``: the nickname-canonical given name (BOB -> ROBERT, PEGGY -> MARGARET), see
  ``canonical_given_name``.
* ``last_phonetic`` / ``first_phonetic``: Metaphone (jellyfish) of the surname and of the
  canonical given name, spaces removed. Metaphone was chosen over NYSIIS and Soundex on the
  variants the blocking must survive: SMITH/SMYTH, STEVENS/STEPHENS, PHILLIPS/FILLIPS,
  KATHERINE/CATHERINE/KATHRYN, MCDONALD/MACDONALD, WRIGHT/RIGHT, BROWN/BRAUN all share a
  Metaphone key, while jellyfish's NYSIIS splits SMITH (SNAT) from SMYTH (SNYT) and Soundex keeps
  the first letter (K365 vs C365, P412 vs F412) and makes coarser blocks (S530 is SMITH, SMYTH,
  SCHMIDT, SNEED, SHUMATE and SMOOT; Metaphone keeps SM0 for the first two only). The key of the *canonical* first name is used so that nicknames land
  in the same block as their formal name.

Split fields (first/middle/last/suffix) go through a small tokenizer. A full-name field is
parsed by a fast path for the common shapes ("LAST, FIRST M", "FIRST M... LAST", "LAST FIRST
M" with a trailing initial, titles, suffixes, surname particles and joint names, "MR AND MRS
JOHN SMITH" included) and by nameparser only for the irregular rest (Spanish "Y" between
surnames, more than five words), because nameparser 2.6 costs ~0.2-1 ms a name and the fast
path ~10-20 us. Estate wording (ESTATE OF, DECEASED, DEC'D) is removed; a name ending in a
business word (ACME PLUMBING LLC) is not a person and gets no name parts (parser
``business``). A detached O/MAC in a full name is glued only before a patronymic stem
(PATRICK O BRIEN -> OBRIEN, JOHN O SMITH keeps the initial O; see _PATRONYMIC_STEMS). Split
fields that are ingest's SQL split of a full name with one of these shapes are re-read from
the full name (_FULL_NAME_SHAPES). All of it runs once per *distinct* raw tuple; results live
in ``std_name_cache``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import jellyfish
import polars as pl
from anyascii import anyascii
from nameparser import HumanName
from nicknames import NickNamer

from skiptrace import sql
from skiptrace.matchers.standardize import drop_stale_rows, replace_in_cache
from skiptrace.matchers.versioning import content_version

__all__ = [
    "NameParts",
    "canonical_given_name",
    "name_std_version",
    "phonetic_key",
    "standardize_name",
    "standardize_names",
    "to_ascii",
    "written_without_vowels",
]


@dataclass(frozen=True, slots=True)
class NameParts:
    """One standardized name, the columns of ``std_name_cache`` plus how it was parsed."""

    first_std: str | None
    middle_std: str | None
    last_std: str | None
    suffix_std: str | None
    first_canon: str | None
    last_phonetic: str | None
    first_phonetic: str | None
    parser: str  # fields | fast | nameparser | business | empty (explain/tests only)
    name_abjad: bool = False  # romanized from a script without written vowels

    @property
    def middle_initial(self) -> str | None:
        """First letter of the middle name: what most sources actually carry."""
        return self.middle_std[0] if self.middle_std else None


# --- vocabularies -------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """Word lists are kept as prose-like strings so a reviewer can read them at a glance."""
    return frozenset(text.split())


# Generational (JR/SR) and ordinal (II..V) suffixes, each spelling folded to one value.
SUFFIXES: dict[str, str] = {
    "JR": "JR", "JNR": "JR", "JUN": "JR", "JUNIOR": "JR",
    "SR": "SR", "SNR": "SR", "SEN": "SR", "SENIOR": "SR",
    "II": "II", "2ND": "II", "2D": "II",
    "III": "III", "3RD": "III", "3D": "III",
    "IV": "IV", "4TH": "IV",
    "V": "V", "5TH": "V",
}  # fmt: skip
# Dropped: they describe a profession or rank, not which family member this is.
PROFESSIONAL_SUFFIXES = _words(
    "ESQ ESQUIRE MD PHD DDS DMD DVM CPA RN LPN JD MBA PE RET USA USAF USMC USN"
)
# Stripped when leading a name and something else follows.
TITLES = _words(
    "MR MRS MS MISS MX MSTR DR REV FR PASTOR SIR DAME PROF HON JUDGE SGT CPL CPT CAPT LT COL "
    "GEN MAJ ADM"
)
# Surname particles: a name with one of these in the middle goes to nameparser, whose
# particle handling keeps "DE LA CRUZ" together as the last name.
PARTICLES = _words(
    "DE DEL DELA DELLA LA LAS LOS LE DA DAS DOS DI DU VAN VON DER DEN TER TEN ST STE SAN SANTA "
    "BIN IBN AL EL"
)
# Spanish/Portuguese "Y"/"E" between surnames: nameparser's conjunction handling keeps
# "GOMEZ Y GARCIA" together, the fast path would not.
_IRREGULAR = _words("Y E")
# Joint names ("JOHN AND MARY SMITH", "SMITH, JOHN & MARY"): the first person is kept.
_JOINT = re.compile(r"\s(?:AND|&|\+|/)\s|&", re.IGNORECASE)
# Prefixes glued to the next token in a surname (MC DONALD -> MCDONALD, O BRIEN -> OBRIEN).
# MAC and O only in a surname context (a last-name field, the part before the comma): as a
# middle token of a full name they are more often a given name or an initial.
_GLUE_ALWAYS = frozenset({"MC"})
_GLUE_IN_SURNAME = frozenset({"MC", "MAC", "O"})
# In a one-field "FIRST ... O BRIEN" nothing but the surname tells a detached prefix from a
# middle initial (JOHN O SMITH is John O. Smith). A second-to-last O or MAC is therefore glued
# to the last word only when that word is the stem of an Irish/Scottish patronymic that is rare
# as a surname on its own, so the prefix almost certainly belongs to it. Stems that are common
# surnames by themselves (SULLIVAN, REILLY, KELLY, CONNELL, KANE, ARTHUR) are deliberately left out:
# gluing those would turn John O. Sullivan into OSULLIVAN, a wrong surname; not gluing an
# O'Sullivan only leaves today's behaviour.
_PATRONYMIC_STEMS: dict[str, frozenset[str]] = {
    "O": _words(
        "BRIEN BRIAN NEILL NEIL CONNOR CONNER DONNELL MALLEY HARA ROURKE KEEFE LEARY TOOLE "
        "SHAUGHNESSY HALLORAN CALLAGHAN MEARA DOWD LOUGHLIN SHEA DONOGHUE DRISCOLL GRADY"
    ),
    "MAC": _words(
        "DONALD KENZIE LEOD KAY MILLAN GREGOR INTOSH LEAN NEIL NEILL PHERSON INNES LACHLAN "
        "FARLANE DOUGALL DOUGAL KINNON CALLUM ALLISTER AULAY DUFF INTYRE NAUGHTON"
    ),
}
# Estate wording around a debtor's name ("ESTATE OF CARL WHITE", "JOHN SMITH DECEASED",
# "DEC'D"): not part of the name, removed before parsing.
_ESTATE = re.compile(
    r"\b(?:THE\s+)?EST(?:ATE|\.)?\s+OF\b|\bESTATE\b|\bDECEASED\b|\bDEC['’‘`´ʼ]?D\b",
    re.IGNORECASE,
)
# A one-field name ending in one of these is a business, not a person: no name parts. Strong
# words count as the last word of two or more; CO and TRUST (also surnames, e.g. Filipino CO)
# only after two or more words of which none is an initial ("SMITH FAMILY TRUST", not
# "MARIA L CO").
_BUSINESS = _words("LLC INC CORP LTD LLP PLLC INCORPORATED CORPORATION COMPANY")
_BUSINESS_WEAK = _words("CO TRUST")
# Ingest splits a full-name-only field in SQL (sources/names.py, deliberately simple) and keeps
# the full name beside the parts. Where the full name has a shape only _parse_full reads
# (estate wording, a business word at the end, a joint name, a detached O/MAC before a
# patronymic stem, LAST FIRST MI) and the split fields hold exactly its words, the full name
# is parsed instead (standardize_name). Inline flags only: polars (Rust regex) runs the same
# pattern in the batch path.
_FULL_NAME_SHAPES = re.compile(
    r"(?i)"
    + _ESTATE.pattern
    + r"|\b(?:"
    + "|".join(sorted(_BUSINESS | _BUSINESS_WEAK))
    + r")\W*$"
    + r"|\s(?:AND|&|\+|/)\s|&"
    + "".join(
        rf"|\b{p}\s+(?:{'|'.join(sorted(stems))})\b" for p, stems in _PATRONYMIC_STEMS.items()
    )
    + r"|^\W*[^\s,]{2,}\s+[^\s,]{2,}\s+[A-Z]\.?(?:\s+(?:JR|SR|II|III|IV)\.?)?\W*$"
)

_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")
# Removed without a gap before transliteration: the apostrophes, and the Catalan middle dot of
# the ela geminada (COL·LET is COLLET), which anyascii would turn into a hyphen.
_JOINERS = str.maketrans("", "", "’‘´ʼ·")
# Non-ASCII characters; the symbols among them (emoji, currency, math, ©) are no part of a name
# and become a separator, where anyascii would spell them out (":grinning:", "(C)").
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Letters of the scripts that write consonants and long vowels but not short vowels (abjads):
# Hebrew (U+0590-05FF, presentation forms FB1D-FB4F), Arabic (0600-06FF, supplement 0750-077F,
# extensions 0870-08FF, presentation forms FB50-FDFF and FE70-FEFC), Syriac (0700-074F,
# supplement 0860-086F) and Samaritan (0800-083F). Not Thaana or Mandaic: their vowels are
# written (Thaana's as obligatory marks, ދިވެހި -> DHIVEHI), so their romanization is a full
# spelling like any alphabet's. See written_without_vowels.
_ABJAD = re.compile(
    "[\u0590-\u05ff\u0600-\u06ff\u0700-\u074f\u0750-\u077f\u0800-\u083f\u0860-\u086f"
    "\u0870-\u08ff\ufb1d-\ufb4f\ufb50-\ufdff\ufe70-\ufefc]"
)
_NOT_NAME_CHAR = re.compile(r"[^A-Z0-9,\-]+")
_HYPHEN_RUN = re.compile(r" *-[ -]*")
_DIGITS = re.compile(r"[0-9]+")
_NICKNAME_IN_PARENS = re.compile(r"\([^)]*\)|\"[^\"]*\"")


# --- nickname canonical map -----------------------------------------------------------------

# The nicknames package is a flat, unweighted "X has_nickname Y" list with noise in both
# directions (it says BILL has_nickname ROBERT, lists WILLIAM as a nickname of WILMA, MARY as a
# nickname of eleven longer names, ERIN of AARON, COLE of NICHOLETTE). No frequency data ships
# with it, so a purely structural "pick one canonical" rule merges unrelated and cross-gender
# names; that turns into false first-name agreement and so into wrong-party risk (FDCPA
# 1692b/c), which costs more than a missed nickname (the matcher still has Jaro-Winkler and the
# phonetic key for spelling variants). The map is therefore built in three layers:
#   1. _CURATED: hand-checked nickname -> canonical for common US given names;
#   2. _PINNED: names that are their own canonical: every curated canonical, common formal
#      given names the package maps away (MARY, JOHN, MICHAEL, ANDREW, PETER, THOMAS, ...), and
#      gender- or referent-ambiguous short forms we refuse to fold (CHRIS, ALEX, SAM, PAT, AL,
#      TERRY, JESSIE, FRANK, HARRY, ...): folding those would make CHRIS = CHRISTINE evidence;
#   3. the package, for the long tail, only where it is unambiguous: N maps to C when C is the
#      *single* longer name the package lists N as a nickname of (mutual edges dropped as
#      noise), N has no nicknames of its own, C starts with N's first letter, N looks like a
#      diminutive (at most 4 letters, or up to 6 ending in Y/IE/I/EY) and N is not in the
#      reviewed _TAIL_DENY list. Anything else maps to itself: a nickname with several
#      canonicals (AL, TED, BERT...) is deterministically left as is rather than guessed.
# Every result is a fixed point (canonical(canonical(x)) == canonical(x)); a test checks it.
_CURATED: dict[str, str] = {
    # Robert
    "BOB": "ROBERT", "BOBBY": "ROBERT", "ROB": "ROBERT", "ROBBIE": "ROBERT", "ROBBY": "ROBERT",
    # William
    "BILL": "WILLIAM", "BILLY": "WILLIAM", "WILL": "WILLIAM", "WILLY": "WILLIAM",
    "WILLIE": "WILLIAM",
    # Margaret
    "PEGGY": "MARGARET", "PEG": "MARGARET", "MAGGIE": "MARGARET", "MEG": "MARGARET",
    "MARGE": "MARGARET", "MARGIE": "MARGARET",
    # Elizabeth
    "LIZ": "ELIZABETH", "LIZZIE": "ELIZABETH", "LIZZY": "ELIZABETH", "BETH": "ELIZABETH",
    "BETTY": "ELIZABETH", "BETSY": "ELIZABETH", "BETTE": "ELIZABETH", "ELIZA": "ELIZABETH",
    "LIBBY": "ELIZABETH",
    # James
    "JIM": "JAMES", "JIMMY": "JAMES", "JIMMIE": "JAMES",
    # Richard
    "DICK": "RICHARD", "RICK": "RICHARD", "RICKY": "RICHARD", "RICH": "RICHARD",
    "RICHIE": "RICHARD",
    # Thomas
    "TOM": "THOMAS", "TOMMY": "THOMAS",
    # Michael
    "MIKE": "MICHAEL", "MIKEY": "MICHAEL", "MICKEY": "MICHAEL", "MICK": "MICHAEL",
    # David
    "DAVE": "DAVID", "DAVEY": "DAVID", "DAVY": "DAVID",
    # Joseph
    "JOE": "JOSEPH", "JOEY": "JOSEPH",
    # Charles
    "CHUCK": "CHARLES", "CHARLIE": "CHARLES", "CHAS": "CHARLES",
    # Susan
    "SUE": "SUSAN", "SUSIE": "SUSAN", "SUZY": "SUSAN", "SUZIE": "SUSAN",
    # John
    "JACK": "JOHN", "JOHNNY": "JOHN", "JOHNNIE": "JOHN",
    # Anthony, Edward, Daniel, Matthew, Nicholas, Andrew
    "TONY": "ANTHONY", "ED": "EDWARD", "EDDIE": "EDWARD", "EDDY": "EDWARD", "NED": "EDWARD",
    "DAN": "DANIEL", "DANNY": "DANIEL", "MATT": "MATTHEW", "MATTY": "MATTHEW",
    "NICK": "NICHOLAS", "NICKY": "NICHOLAS", "ANDY": "ANDREW", "DREW": "ANDREW",
    # Gregory, Jeffrey, Lawrence, Henry, Kenneth, Ronald, Donald, Gerald, Walter, Peter
    "GREG": "GREGORY", "JEFF": "JEFFREY", "LARRY": "LAWRENCE", "HANK": "HENRY",
    "KEN": "KENNETH", "KENNY": "KENNETH", "RON": "RONALD", "RONNIE": "RONALD",
    "RONNY": "RONALD", "DON": "DONALD", "DONNIE": "DONALD", "DONNY": "DONALD",
    "JERRY": "GERALD", "GERRY": "GERALD", "WALT": "WALTER", "WALLY": "WALTER", "PETE": "PETER",
    # Benjamin, Frederick, Timothy, Raymond, Eugene, Joshua, Zachary, Leonard, Douglas, ...
    "BEN": "BENJAMIN", "BENNY": "BENJAMIN", "FRED": "FREDERICK", "FREDDY": "FREDERICK",
    "FREDDIE": "FREDERICK", "TIM": "TIMOTHY", "TIMMY": "TIMOTHY", "RAY": "RAYMOND",
    "GENE": "EUGENE", "JOSH": "JOSHUA", "ZACH": "ZACHARY", "ZACK": "ZACHARY",
    "LEN": "LEONARD", "LENNY": "LEONARD", "DOUG": "DOUGLAS", "PHIL": "PHILIP",
    "RUSS": "RUSSELL", "BRAD": "BRADLEY", "VINCE": "VINCENT", "VINNY": "VINCENT",
    "JAKE": "JACOB", "GABE": "GABRIEL", "MITCH": "MITCHELL", "HAL": "HAROLD",
    "RANDY": "RANDALL", "STEVE": "STEVEN", "STEVIE": "STEVEN", "THEO": "THEODORE",
    "TEDDY": "THEODORE",
    # Women's names
    "JEN": "JENNIFER", "JENNY": "JENNIFER", "JENNIE": "JENNIFER",
    "PATTY": "PATRICIA", "PATSY": "PATRICIA", "TRISH": "PATRICIA", "TRICIA": "PATRICIA",
    "DEB": "DEBORAH", "DEBBIE": "DEBORAH", "DEBBY": "DEBORAH",
    "BECKY": "REBECCA", "BECCA": "REBECCA", "SALLY": "SARAH", "POLLY": "MARY", "MOLLY": "MARY",
    "KATHY": "KATHERINE", "KATE": "KATHERINE", "KATIE": "KATHERINE", "CATHY": "CATHERINE",
    "ABBY": "ABIGAIL", "ABBIE": "ABIGAIL", "CINDY": "CYNTHIA",
    "VICKY": "VICTORIA", "VICKIE": "VICTORIA", "VICKI": "VICTORIA",
    "JUDY": "JUDITH", "BARB": "BARBARA", "DOT": "DOROTHY", "DOTTIE": "DOROTHY",
    "GINNY": "VIRGINIA", "KIM": "KIMBERLY", "PAM": "PAMELA", "SANDY": "SANDRA",
    "MISSY": "MELISSA", "MANDY": "AMANDA", "ANGIE": "ANGELA", "STEPH": "STEPHANIE",
    "TERRI": "THERESA", "TESS": "THERESA", "JOSIE": "JOSEPHINE", "ANNIE": "ANN",
    "MOLLIE": "MARY", "MICKY": "MICHAEL", "BERNIE": "BERNARD", "HERB": "HERBERT",
    "ARCHIE": "ARCHIBALD", "ARNIE": "ARNOLD", "HOWIE": "HOWARD", "NORM": "NORMAN",
}  # fmt: skip

# Tail mappings that pass the structural rule but are wrong or cross-gender (reviewed by hand).
_TAIL_DENY = _words(
    "EVAN HUGH JR JUNIE JOY MARC NOEL ROSS SAUL DAY ONE GAY BO RY ODE OTE SEE ES EL NOLE GREEN "
    "WOOD WEST HOP HOPP LINK PINK DUTY CHAT CHARM FAL FALL LITTLE TERI TASH WEN FAY COCO CALLIE "
    "LAURIE LORI TRACY TRACI TRACIE CORA MAMIE KENJI KENJ MIKY MATY ROBY JAYE NICKEY RICKIE MASA "
    "YOSHI VIJ DANN KALI GORY TANNY GOVIE"
)
_DIMINUTIVE = re.compile(r"^[A-Z]{1,4}$|^[A-Z]{2,5}(?:Y|IE|I|EY)$")

# Common formal given names the package would map elsewhere (or merge across genders), then
# short forms whose referent is ambiguous (gender or several formal names): not folded.
_PINNED_EXTRA = _words(
    "MARY JOHN MICHAEL ANDREW PETER THOMAS MARIA LINDA JANE JANET ANDREA DANIEL HENRY "
    "CHRISTINE CHRISTINA CHRISTOPHER CHRISTIAN RAYMOND JAMES ROBERT WILLIAM DAVID RICHARD "
    "JOSEPH CHARLES MARK PAUL STEPHEN STEVEN KEVIN BRIAN GEORGE EDWARD JASON RYAN JACOB GARY "
    "ERIC JONATHAN JUSTIN SCOTT BRANDON SAMUEL SAMANTHA ALEXANDER ALEXANDRA PATRICK PATRICIA "
    "DENNIS TYLER AARON JOSE ADAM NATHAN NATHANIEL DOUGLAS KYLE WALTER ETHAN JEREMY HAROLD "
    "KEITH ROGER NOAH CARL SEAN AUSTIN ARTHUR JESSE DYLAN BRYAN JORDAN BRUCE ALBERT GABRIEL "
    "LOGAN ALAN ALLAN ALLEN JUAN WAYNE ROY RALPH EUGENE VINCENT RUSSELL LOUIS LOUISE PHILIP "
    "PHILLIP CARLOS LUIS MIGUEL ALFRED FREDERICK FRANCIS FRANCES THEODORE EDWIN EDMUND HOWARD "
    "LEONARD MARTIN ERNEST VICTOR MARTHA HELEN DIANE DIANA JULIE JULIA JOYCE EVELYN JUDITH "
    "MEGAN CHERYL HANNAH JACQUELINE GLORIA ANN ANNE ANNA TERESA THERESA KATHRYN KATHLEEN SARA "
    "SARAH JANICE JEAN JEANNE ALICE DORIS DOROTHY GRACE DENISE MARILYN BEVERLY DANIELLE MARIE "
    "ROSE ROSEMARY NANCY KAREN LISA DONNA CAROL CAROLYN SHARON LAURA SHIRLEY BRENDA "
    "EMILY EMMA OLIVIA NICOLE AMY ANGELA AMANDA MELISSA STEPHANIE REBECCA VIRGINIA HEATHER "
    "KELLY JOAN JOANNE JESSICA ASHLEY JENNIFER ELIZABETH MARGARET SUSAN SUZANNE DEBORAH DEBRA "
    "BARBARA KIMBERLY CYNTHIA CATHERINE KATHERINE VICTORIA ABIGAIL JOSEPHINE ELEANOR "
    "MARGARITA MARGUERITE ROBERTA GERALDINE HENRIETTA ANTOINETTE "
    "CHRIS KRIS ALEX SAM PAT TERRY JESSIE JESS JAMIE JACKIE FRANK HARRY AL JON LOU MEL MAX NAT "
    "VAL TED FRAN LEE BERT BOBBIE BILLIE TONI NIKKI DANI SASHA JODY JO CASEY"
)


@cache
def _canonical_map() -> dict[str, str]:
    """Uppercase given name -> canonical, for every name the nicknames package knows.

    Built once per process (~2k names, a few ms); see the comment above _CURATED for the rule.
    """
    nn = NickNamer()
    nick_of = {k.upper(): {v.upper() for v in vs} for k, vs in nn.nickname_lookup.items()}
    can_of = {k.upper(): {v.upper() for v in vs} for k, vs in nn.canonical_lookup.items()}
    pinned = _PINNED_EXTRA | frozenset(_CURATED.values())
    clash = pinned & _CURATED.keys()
    if clash:  # a canonical that is curated away would break idempotence
        raise ValueError(f"names pinned and curated at once: {sorted(clash)}")

    def tail_step(name: str) -> str | None:
        if name in nick_of or name in _TAIL_DENY or not _DIMINUTIVE.match(name):
            return None
        cands = [
            c
            for c in can_of.get(name, ())
            if len(c) > len(name) and name not in can_of.get(c, ())  # not a mutual edge
        ]
        if len(cands) != 1 or cands[0][0] != name[0]:
            return None
        return cands[0]

    out: dict[str, str] = {}

    def resolve(name: str) -> str:
        if name in out:
            return out[name]
        if name in _CURATED:
            result = _CURATED[name]
        elif name in pinned:
            result = name
        else:
            nxt = tail_step(name)
            result = name if nxt is None else resolve(nxt)
        out[name] = result
        return result

    for name in sorted(set(nick_of) | set(can_of) | set(_CURATED) | pinned):
        resolve(name)
    return out


@lru_cache(maxsize=65536)
def _canon_token(token: str) -> str:
    """Canonical of one cleaned word; memoized because the same given names recur constantly."""
    return _canonical_map().get(token, token)


def canonical_given_name(name: str) -> str:
    """Nickname -> canonical given name (BOB -> ROBERT, PEGGY -> MARGARET, BILL -> WILLIAM).

    Deterministic: the map is built once by fixed rules (no set iteration order leaks in).
    Input is cleaned like any name part (case, accents, punctuation); a multi-token given name
    is mapped token by token (BOBBY JOE -> ROBERT JOSEPH). Unknown names map to themselves.
    """
    return _canon_tokens(_strip_digits(_clean_tokens(name))) or ""


# --- cleaning ---------------------------------------------------------------------------------


def _clean_tokens(value: str | None) -> list[str]:
    """A fresh list of the cached tokens (callers edit their copy)."""
    return list(_clean_tuple(value)) if value else []


@lru_cache(maxsize=131072)
def _clean_tuple(value: str) -> tuple[str, ...]:
    """Uppercase ASCII tokens of a raw name field.

    Non-ASCII text is transliterated (``to_ascii``): accents fold (MUÑOZ -> MUNOZ, JOSÉ -> JOSE),
    letters without a decomposition too (ŁUKASZ -> LUKASZ, ØSTERGAARD -> OSTERGAARD, STRAẞE ->
    STRASSE), full-width forms become ASCII, and other scripts are romanized (ИВАНОВ -> IVANOV,
    王 -> WANG). Apostrophes are removed without a gap (O'BRIEN -> OBRIEN), periods, commas,
    slashes etc. separate tokens. A hyphen keeps its compound together as one
    token (MARY-ANN, GARCIA-LOPEZ) so the first/middle/last split does not tear it apart; it
    becomes a space only in the output (``_join``). Digits are kept for now so that 2ND/3RD can
    still be recognised as suffixes.
    """
    if not value.isascii():
        value = to_ascii(value)
    value = _NOT_NAME_CHAR.sub(" ", value.upper().translate(_APOSTROPHES)).replace(",", " ")
    if "-" in value:
        value = _HYPHEN_RUN.sub("-", value)
        return tuple(t for t in (t.strip("-") for t in value.split()) if t)
    return tuple(value.split())


def _symbol_to_space(match: re.Match[str]) -> str:
    char = match.group()
    return " " if unicodedata.category(char).startswith("S") else char


def to_ascii(value: str) -> str:
    """ASCII form of a raw name value, the key every comparison and blocking key is built on.

    Why transliterate and not drop what is not ASCII (what this did before: NFKD, then every
    character without an ASCII base removed): a name written in another script lost every
    letter and standardized to NULL, so the debtor could never agree on a name, only on SSN,
    DOB or an address, and Ł, Ø, ß, Æ, Đ, Þ (no decomposition) vanished from Latin names
    (ŁUKASZ -> UKASZ). anyascii (a maintained per-code-point table covering every script)
    romanizes instead: Cyrillic by the usual scheme (ИВАНОВ -> IVANOV, the soft sign an
    apostrophe that is then dropped: ТАТЬЯНА -> TATYANA), Greek, Hebrew and Arabic letter by
    letter (Arabic without its unwritten vowels: محمد -> MHMD), Chinese characters in pinyin
    without tones, one word per name part (王 -> WANG, 秀英 -> XIUYING), kana by syllable, and
    Latin letters to their base (É -> E, Ø -> O, ß -> SS, Æ -> AE). Two records written in the
    same script thus agree exactly, and Metaphone (phonetic_key) and the blocking keys work on
    the result as on any Latin name. A romanization is one convention among several (Arabic
    MHMD is not the MOHAMMED a US vendor writes, kanji get Chinese readings, Hangul the Revised
    Romanization GIM rather than KIM), so a cross-script pair agrees only as far as the
    conventions meet. The original-script value stays in the raw tables (accounts,
    source_records), which exports and explain read; only std_name_cache holds this form.
    """
    value = _NON_ASCII.sub(_symbol_to_space, value.translate(_JOINERS))
    return anyascii(value)


def written_without_vowels(*values: str | None) -> bool:
    """Whether any of the raw name fields is written in an abjad (Arabic, Hebrew, Syriac,
    Samaritan: scripts that write no short vowels), so that its romanization is a consonant
    skeleton (محمد -> MHMD, حسن -> HSN, דוד -> DVD), not a spelling.

    Why the standardizer records it: the romanization of such a name and the Latin spelling a US
    vendor writes for the same person (MOHAMMED, HASSAN, DAVID) differ in every vowel, so a plain
    string comparison reads them as two different names, where before romanization the name
    was missing and counted as no evidence. Knowing which side is a skeleton, the comparison
    compares both sides' consonants (sql/match/compare.sql, ``_name_skeleton``) and takes a
    skeleton that does not agree as no data rather than a disagreement. One flag per name
    tuple: a name mixing such a script with Latin in another field is rare, and its Latin
    part is then compared by skeleton too. Vowel marks, where written (مُحَمَّد -> MUHAMAD),
    change nothing: the skeleton drops vowels on both sides.
    """
    return any(v and not v.isascii() and _ABJAD.search(v) for v in values)


def _strip_digits(tokens: list[str]) -> list[str]:
    """Digits left after suffix detection are noise (JOHN2, SMITH 123)."""
    if not _DIGITS.search("".join(tokens)):
        return list(tokens)
    out = []
    for t in tokens:
        t = _DIGITS.sub("", t).strip("-")
        if t:
            out.append(t)
    return out


def _strip_titles(tokens: list[str]) -> list[str]:
    """Drop leading titles (DR, MRS, ...) while something else remains."""
    i = 0
    while i < len(tokens) - 1 and tokens[i] in TITLES:
        i += 1
    return tokens[i:]


def _pop_suffixes(tokens: list[str], *, allow_v: bool) -> tuple[list[str], str | None]:
    """Remove trailing suffix tokens, returning the first generational/ordinal one found.

    Keeps at least one token. ``allow_v`` is False where a lone V is more likely an initial
    (after a given name: "SMITH, JOHN V").
    """
    suffix: str | None = None
    tokens = list(tokens)
    while len(tokens) >= 2:
        t = tokens[-1]
        if t in SUFFIXES and (t != "V" or allow_v):
            suffix = SUFFIXES[t]
        elif t not in PROFESSIONAL_SUFFIXES:
            break
        tokens.pop()
    return tokens, suffix


def _glue(tokens: list[str], prefixes: frozenset[str]) -> list[str]:
    """Glue detached surname prefixes to the next token (MC DONALD -> MCDONALD)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in prefixes and i + 1 < len(tokens):
            out.append(t + tokens[i + 1])
            i += 2
        else:
            out.append(t)
            i += 1
    return out


def _join(tokens: list[str]) -> str | None:
    """Output form: tokens and hyphenated compounds separated by single spaces."""
    return " ".join(tokens).replace("-", " ") if tokens else None


def _canon_tokens(tokens: list[str]) -> str | None:
    """Canonical given name, word by word (MARY-ANN -> MARY ANN, BOBBY JOE -> ROBERT JOSEPH)."""
    words = [w for t in tokens for w in t.split("-") if w]
    return " ".join(_canon_token(w) for w in words) if words else None


# --- full-name parsing --------------------------------------------------------------------------

_Parsed = tuple[list[str], list[str], list[str], str | None, str]  # first, middle, last, sfx, how


def _is_business(tokens: list[str]) -> bool:
    """A one-field name that ends in a business word (see _BUSINESS)."""
    if len(tokens) < 2:
        return False
    if tokens[-1] in _BUSINESS:
        return True
    return tokens[-1] in _BUSINESS_WEAK and len(tokens) >= 3 and min(map(len, tokens[:-1])) > 1


def _parse_full(full: str) -> _Parsed:
    """Split a one-field name into (first, middle, last) tokens, suffix and parser used.

    Before the shapes: estate wording is removed (ESTATE OF CARL WHITE is CARL WHITE) and a
    business (ACME PLUMBING LLC) gives no name parts at all (parser ``business``), so it can
    neither block nor agree on a person's name.
    """
    full = _ESTATE.sub(" ", _NICKNAME_IN_PARENS.sub(" ", full))
    if _is_business(_clean_tokens(full)):
        return [], [], [], None, "business"
    if "," in full:
        parsed = _parse_comma(full)
        if parsed is not None:
            return parsed
    joint = _JOINT.search(full)
    if joint:
        # "JOHN SMITH AND MARY SMITH" -> the first person; "JOHN AND MARY SMITH" -> JOHN plus
        # the shared surname at the end.
        head, tail = full[: joint.start()], _clean_tokens(full[joint.end() :])
        head_tokens = _clean_tokens(head)
        if head_tokens and all(t in TITLES for t in head_tokens):
            # "MR AND MRS JOHN SMITH": the titles are joint, the person is after them
            return _parse_full(full[joint.end() :])
        if len(_strip_titles(head_tokens)) < 2 and tail:
            head = f"{head} {tail[-1]}"
        return _parse_full(head)
    tokens = _clean_tokens(full)
    tokens = _strip_titles(tokens)
    tokens, suffix = _pop_suffixes(tokens, allow_v=len(tokens) >= 3)
    tokens = _glue(_strip_digits(tokens), _GLUE_ALWAYS)
    if len(tokens) >= 3 and tokens[-1] in _PATRONYMIC_STEMS.get(tokens[-2], ()):
        tokens[-2:] = [tokens[-2] + tokens[-1]]  # PATRICK O BRIEN; JOHN O SMITH stays
    if not tokens:
        return [], [], [], suffix, "empty"
    if len(tokens) == 1:
        # A lone token is taken as the surname: it is the more identifying part and the one
        # blocking keys are built on ("SMITH" in a name field is rarely a given name).
        return [], [], tokens, suffix, "fast"
    if len(tokens) == 2:
        return tokens[:1], [], tokens[1:], suffix, "fast"
    if (
        len(tokens) == 3
        and len(tokens[2]) == 1
        and min(len(tokens[0]), len(tokens[1])) > 1
        and tokens[0] not in PARTICLES
    ):
        # "SMITH JOHN A": a lone initial after two name words is the LAST FIRST MI order of
        # collections exports (FIRST LAST MI is not a shape anyone writes; a trailing V was
        # taken as the suffix above)
        return tokens[1:2], tokens[2:], tokens[:1], suffix, "fast"
    if len(tokens) <= 5 and not _IRREGULAR.intersection(tokens):
        # The first particle after the given name starts the surname: MARIA DE LA CRUZ,
        # LUDWIG VAN BEETHOVEN. Otherwise FIRST MIDDLE... LAST.
        for i in range(1, len(tokens) - 1):
            if tokens[i] in PARTICLES:
                return tokens[:1], tokens[1:i], tokens[i:], suffix, "fast"
        return tokens[:1], tokens[1:-1], tokens[-1:], suffix, "fast"
    return (*_nameparser_split(tokens), suffix, "nameparser")


def _parse_comma(full: str) -> _Parsed | None:
    """'LAST [SUFFIX], FIRST [MIDDLE] [SUFFIX][, SUFFIX]'. None when it is not that shape."""
    raw_parts = full.split(",")
    if len(raw_parts) > 1:  # "SMITH, JOHN & MARY": keep the first given name
        joint = _JOINT.search(raw_parts[1])
        raw_parts[1] = raw_parts[1][: joint.start()] if joint else raw_parts[1]
    parts = [_clean_tokens(p) for p in raw_parts]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return None
    last, given, extra = parts[0], parts[1], parts[2:]
    suffix: str | None = None
    # A part made only of suffixes ("SMITH, JOHN, JR") is the suffix, wherever it stands.
    if all(t in SUFFIXES or t in PROFESSIONAL_SUFFIXES for t in given) and extra:
        extra.insert(0, given)
        given = extra.pop(1)
    for part in extra:
        for t in part:
            if t in SUFFIXES and suffix is None:
                suffix = SUFFIXES[t]
    if all(t in SUFFIXES or t in PROFESSIONAL_SUFFIXES for t in given):
        # "SMITH JOHN, JR": the comma only set off the suffix.
        return None
    last, sfx_last = _pop_suffixes(_strip_titles(last), allow_v=True)
    given = _strip_titles(given)
    given, sfx_given = _pop_suffixes(given, allow_v=len(given) >= 3)
    suffix = suffix or sfx_last or sfx_given
    given = _strip_digits(given)
    last = _glue(_strip_digits(last), _GLUE_IN_SURNAME)
    if not given:
        return [], [], last, suffix, "fast"
    return given[:1], given[1:], last, suffix, "fast"


def _nameparser_split(tokens: list[str]) -> tuple[list[str], list[str], list[str]]:
    """nameparser for the irregular rest (Spanish Y, 6+ words); titles/suffixes are gone."""
    h = HumanName(" ".join(tokens))
    first = h.first.split()
    middle = h.middle.split()
    last = _glue(h.last.split(), _GLUE_IN_SURNAME)
    if not last and middle:  # nameparser leaves last empty for some shapes
        last = middle[-1:]
        middle = middle[:-1]
    return first, middle, last


# --- public API ---------------------------------------------------------------------------------


@lru_cache(maxsize=262144)
def phonetic_key(value: str | None) -> str | None:
    """Metaphone of a standardized name part with spaces removed (DE LA CRUZ = DELACRUZ)."""
    if not value:
        return None
    key = jellyfish.metaphone(value.replace(" ", ""))
    return key or None


def standardize_name(
    first: str | None = None,
    middle: str | None = None,
    last: str | None = None,
    suffix: str | None = None,
    full_name: str | None = None,
) -> NameParts:
    """Standardize one raw name tuple (the same code the cache builder runs per distinct tuple).

    Split fields win when a first or last name is present; the full-name field is parsed only
    when both are empty, or when the only field is a first name holding several words and no
    last name (some exports put the whole name there). A suffix in the suffix field beats one
    found at the end of the last name.
    """
    f_tok = _clean_tokens(_NICKNAME_IN_PARENS.sub(" ", first) if first else None)
    l_tok = _clean_tokens(last)
    how = "fields"
    if not f_tok and not l_tok:
        if not full_name or not full_name.strip():
            f_tok, m_tok, l_tok, sfx, how = [], _clean_tokens(middle), [], None, "empty"
            if m_tok:
                how = "fields"
        else:
            f_tok, m_tok, l_tok, sfx, how = _parse_full(full_name)
    elif full_name and _split_from_full_name(first, middle, last, suffix, full_name):
        f_tok, m_tok, l_tok, sfx, how = _parse_full(full_name)
    elif not l_tok and len(f_tok) >= 2 and len(f_tok[-1]) > 1 and not middle and not full_name:
        f_tok, m_tok, l_tok, sfx, how = _parse_full(first or "")
    else:
        f_tok = _strip_titles(f_tok)
        f_tok, sfx_f = _pop_suffixes(f_tok, allow_v=False)
        m_tok, sfx_m = _pop_suffixes(_clean_tokens(middle), allow_v=False)
        l_tok, sfx_l = _pop_suffixes(l_tok, allow_v=True)
        sfx = sfx_l or sfx_m or sfx_f
        f_tok = _strip_digits(f_tok)
        m_tok = _strip_digits(m_tok)
        l_tok = _glue(_strip_digits(l_tok), _GLUE_IN_SURNAME)
        if not m_tok and len(f_tok) >= 2 and len(f_tok[-1]) == 1:
            m_tok = [f_tok.pop()]  # "JOHN A" in the first-name field
    field_sfx = _suffix_field(suffix)
    if field_sfx is not None:
        sfx = field_sfx
    first_std, last_std = _join(f_tok), _join(l_tok)
    first_canon = _canon_tokens(f_tok)
    return NameParts(
        first_std=first_std,
        middle_std=_join(m_tok),
        last_std=last_std,
        suffix_std=sfx,
        first_canon=first_canon,
        last_phonetic=phonetic_key(last_std),
        first_phonetic=phonetic_key(first_canon),
        parser=how,
        name_abjad=written_without_vowels(first, middle, last, suffix, full_name),
    )


def _split_from_full_name(
    first: str | None, middle: str | None, last: str | None, suffix: str | None, full_name: str
) -> bool:
    """The split fields are the full name's words (ingest's SQL split, see _FULL_NAME_SHAPES)
    and the full name has a shape the full-name parser reads better."""
    if not _FULL_NAME_SHAPES.search(full_name):
        return False
    parts = sorted(t for v in (first, middle, last, suffix) for t in _clean_tokens(v))
    return parts == sorted(_clean_tokens(full_name))


def _suffix_field(value: str | None) -> str | None:
    """First recognised generational/ordinal token of a suffix field (JR., Junior, 3rd)."""
    for t in _clean_tokens(value):
        if t in SUFFIXES:
            return SUFFIXES[t]
    return None


_CACHE_COLUMNS = (
    "name_raw",
    "first_std",
    "middle_std",
    "last_std",
    "suffix_std",
    "first_canon",
    "last_phonetic",
    "first_phonetic",
    "name_abjad",
)
_CACHE_SCHEMA: dict[str, type[pl.DataType]] = {
    c: (pl.Boolean if c == "name_abjad" else pl.String) for c in _CACHE_COLUMNS
}


# --- batch path ---------------------------------------------------------------------------------
#
# Distinct name *tuples* grow with the data (millions at scale), distinct *field values* do not
# (first names, surnames, middles and suffixes repeat). On the split-fields path, which is nearly
# every row, standardize_name is a per-field computation plus a small combination: a trailing
# initial of the first field moves to an empty middle, and the suffix field beats a suffix popped
# from last, middle or first (in that order). The batch path computes the per-field parts once
# per distinct value and combines them with polars; tuples that take another path (full-name
# parsing, a whole name in the first field) go through standardize_name itself. A test holds the
# two paths equal.

_FIRST_SCHEMA = {
    "first_name": pl.String, "_f_empty": pl.Boolean, "_f_whole": pl.Boolean, "_f_sfx": pl.String,
    "_f_move": pl.Boolean, "_f_std": pl.String, "_f_canon": pl.String, "_f_phon": pl.String,
    "_fm_std": pl.String, "_fm_canon": pl.String, "_fm_phon": pl.String, "_fm_mid": pl.String,
}  # fmt: skip
_MIDDLE_SCHEMA = {"middle_name": pl.String, "_m_std": pl.String, "_m_sfx": pl.String}
_LAST_SCHEMA = {
    "last_name": pl.String, "_l_empty": pl.Boolean, "_l_std": pl.String, "_l_phon": pl.String,
    "_l_sfx": pl.String,
}  # fmt: skip
_SUFFIX_SCHEMA = {"suffix": pl.String, "_s_sfx": pl.String}


def _first_field(value: str) -> tuple[object, ...]:
    """standardize_name's split-fields work on the first-name field, with and without moving a
    trailing initial to the middle ("JOHN A")."""
    f0 = _clean_tokens(_NICKNAME_IN_PARENS.sub(" ", value) if value else None)
    f, sfx = _pop_suffixes(_strip_titles(f0), allow_v=False)
    f = _strip_digits(f)
    canon = _canon_tokens(f)
    move = len(f) >= 2 and len(f[-1]) == 1
    fm_std = fm_canon = fm_phon = fm_mid = None
    if move:
        fm_canon = _canon_tokens(f[:-1])
        fm_std, fm_phon, fm_mid = _join(f[:-1]), phonetic_key(fm_canon), _join(f[-1:])
    whole = len(f0) >= 2 and len(f0[-1]) > 1
    return (value, not f0, whole, sfx, move, _join(f), canon, phonetic_key(canon), fm_std,
            fm_canon, fm_phon, fm_mid)  # fmt: skip


def _middle_field(value: str) -> tuple[object, ...]:
    m, sfx = _pop_suffixes(_clean_tokens(value), allow_v=False)
    return value, _join(_strip_digits(m)), sfx


def _last_field(value: str) -> tuple[object, ...]:
    l0 = _clean_tokens(value)
    tokens, sfx = _pop_suffixes(l0, allow_v=True)
    last_std = _join(_glue(_strip_digits(tokens), _GLUE_IN_SURNAME))
    return value, not l0, last_std, phonetic_key(last_std), sfx


def _per_value(
    pending: pl.DataFrame, column: str, fn: object, schema: Mapping[str, type[pl.DataType]]
) -> pl.DataFrame:
    values = pending[column].unique().to_list()
    return pl.DataFrame([fn(v) for v in values], schema=schema, orient="row")  # type: ignore[operator]


def standardize_name_frame(pending: pl.DataFrame) -> pl.DataFrame:
    """std_name_cache rows for distinct raw tuples (name_raw, first_name, middle_name,
    last_name, suffix, full_name; '' for missing, as names_pending.sql gives them): the same
    values as standardize_name per tuple, computed per distinct field value where possible."""
    if pending.height == 0:
        return pl.DataFrame(schema=_CACHE_SCHEMA)
    fields = ("first_name", "middle_name", "last_name", "suffix", "full_name")
    pending = pending.with_columns(pl.col(c).cast(pl.String).fill_null("") for c in fields)
    pending = pending.with_columns(
        pl.any_horizontal(pl.col(c).str.contains(_ABJAD.pattern) for c in fields).alias(
            "name_abjad"
        )
    )
    df = (
        pending.join(_per_value(pending, "first_name", _first_field, _FIRST_SCHEMA),
                     on="first_name", how="left")
        .join(_per_value(pending, "last_name", _last_field, _LAST_SCHEMA),
              on="last_name", how="left")
    )  # fmt: skip
    # Tuples standardize_name does not treat field by field: no first and no last (full-name
    # parse), a whole name in the first field alone, or split fields that may be ingest's split
    # of a full name with a shape only the full-name parser reads (standardize_name decides).
    other = (
        (pl.col("_f_empty") & pl.col("_l_empty"))
        | (
            pl.col("_l_empty")
            & pl.col("_f_whole")
            & (pl.col("middle_name") == "")
            & (pl.col("full_name") == "")
        )
        | pl.col("full_name").str.contains(_FULL_NAME_SHAPES.pattern)
    )
    rest = df.filter(other)
    df = (
        df.filter(~other)
        .join(_per_value(pending, "middle_name", _middle_field, _MIDDLE_SCHEMA),
              on="middle_name", how="left")
        .join(_per_value(pending, "suffix", lambda v: (v, _suffix_field(v)), _SUFFIX_SCHEMA),
              on="suffix", how="left")
    )  # fmt: skip
    move = pl.col("_m_std").is_null() & pl.col("_f_move")
    fields_path = df.select(
        "name_raw",
        pl.when(move).then("_fm_std").otherwise("_f_std").alias("first_std"),
        pl.when(move).then("_fm_mid").otherwise("_m_std").alias("middle_std"),
        pl.col("_l_std").alias("last_std"),
        pl.coalesce("_s_sfx", "_l_sfx", "_m_sfx", "_f_sfx").alias("suffix_std"),
        pl.when(move).then("_fm_canon").otherwise("_f_canon").alias("first_canon"),
        pl.col("_l_phon").alias("last_phonetic"),
        pl.when(move).then("_fm_phon").otherwise("_f_phon").alias("first_phonetic"),
        "name_abjad",
    )
    rows = []
    for key, first, middle, last, suffix, full_name in rest.select("name_raw", *fields).iter_rows():
        p = standardize_name(first, middle, last, suffix, full_name)
        rows.append((key, p.first_std, p.middle_std, p.last_std, p.suffix_std, p.first_canon,
                     p.last_phonetic, p.first_phonetic, p.name_abjad))  # fmt: skip
    parsed = pl.DataFrame(rows, schema=_CACHE_SCHEMA, orient="row")
    return pl.concat([fields_path, parsed])


#: What determines a std_name_cache row: this module (its vocabularies, curated nickname rules
#: and fast paths live here), the SQL that picks the raw tuples, and the packages behind the
#: nickname table (nicknames), the irregular-name parser (nameparser), the phonetic keys
#: (jellyfish) and the transliteration table (anyascii).
NAME_STD_SOURCES: tuple[Path, ...] = (
    Path(__file__).resolve(),
    sql.SQL_DIR / "standardize" / "names_pending.sql",
)
NAME_STD_PACKAGES: tuple[str, ...] = ("anyascii", "nameparser", "nicknames", "jellyfish")


@cache
def name_std_version() -> str:
    """Version of the name standardizer, stamped on every std_name_cache row (see
    matchers.versioning.content_version); cached per process."""
    return content_version("name", NAME_STD_SOURCES, NAME_STD_PACKAGES)


def standardize_names(con: duckdb.DuckDBPyConnection) -> int:
    """Standardize every raw name tuple of the current data that ``std_name_cache`` lacks for
    this standardizer version, replacing the rows other versions wrote.

    Set-based: the pending tuples come from SQL (the cache key is the SQL macro ``name_raw``, so
    the key the build joins on is computed by the same code) and ``standardize_name_frame``
    standardizes them (Python only per distinct field value and for full-name parses). Returns
    how many tuples were (re)standardized.
    """
    version = name_std_version()
    pending = sql.query(con, "standardize/names_pending.sql", version=version)
    if pending.height == 0:
        drop_stale_rows(con, "std_name_cache", version)
        return 0
    # '' and NULL give the same key: standardize once (the first in key order, as before)
    pending = pending.unique(subset="name_raw", keep="first", maintain_order=True)
    frame = standardize_name_frame(pending)
    con.register("_new_std_names", frame)
    try:
        replace_in_cache(con, "std_name_cache", version, "_new_std_names")
    finally:
        con.unregister("_new_std_names")
    return frame.height
