"""Names in other scripts and Latin letters without an ASCII decomposition are transliterated,
not dropped: before, ИВАНОВ, 王伟 or محمد standardized to NULL (the debtor could never agree on a
name) and ŁUKASZ lost its first letter. The hand-checked romanizations are rows of
data/name_cases.csv; these tests hold what the matcher needs from them."""

from __future__ import annotations

import duckdb
import pytest

from skiptrace.matchers import names
from skiptrace.matchers.names import standardize_name, standardize_names, to_ascii
from skiptrace.matchers.standardize import build_std_tables
from skiptrace.matchers.versioning import content_version

# One name per script, written as a record in that script would carry it.
SCRIPTS = {
    "chinese": ("伟", "王"),
    "cyrillic": ("АЛЕКСЕЙ", "ИВАНОВ"),
    "arabic": ("فاطمة", "محمد"),
    "greek": ("Νίκος", "Παπαδόπουλος"),
    "hebrew": ("דוד", "כהן"),
    "japanese kana": ("さくら", "やまだ"),
    "korean": ("민수", "김"),
    "devanagari": ("राहुल", "शर्मा"),
    "thai": ("สมชาย", "ใจดี"),
}


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_every_part_and_key_survives(script: str) -> None:
    first, last = SCRIPTS[script]
    p = standardize_name(first, None, last)
    assert p.first_std and p.last_std and p.first_canon
    assert p.first_std.isascii() and p.last_std.isascii()
    # the blocking keys (phonetic passes, and the name-only passes that fall back on *_std)
    assert p.last_phonetic and p.first_phonetic
    # a full-name field in the same script gives a name too
    assert standardize_name(full_name=f"{last}, {first}").last_std == p.last_std


@pytest.mark.parametrize(
    ("native", "latin"),
    [
        (("АЛЕКСЕЙ", "ИВАНОВ"), ("Aleksey", "Ivanov")),
        (("伟", "王"), ("Wei", "Wang")),
        (("ŁUKASZ", "WAŁĘSA"), ("Lukasz", "Walesa")),
        (("Søren", "Østergaard"), ("Soren", "Ostergaard")),
        (("Jürgen", "Straße"), ("Jurgen", "Strasse")),
        (("ＪＯＳＥ", "ＧＡＲＣＩＡ"), ("Jose", "Garcia")),
    ],
)
def test_romanization_meets_the_usual_latin_spelling(
    native: tuple[str, str], latin: tuple[str, str]
) -> None:
    """A record in the original script and one a US vendor romanized agree exactly (where the
    conventions meet: pinyin, the usual Cyrillic scheme, a Latin letter's base letter)."""
    a = standardize_name(native[0], None, native[1])
    b = standardize_name(latin[0], None, latin[1])
    assert (a.first_std, a.last_std) == (b.first_std, b.last_std)
    assert (a.first_phonetic, a.last_phonetic) == (b.first_phonetic, b.last_phonetic)


def test_symbols_are_separators_and_punctuation_keeps_its_meaning() -> None:
    assert to_ascii("SMITH©JONES").split() == ["SMITH", "JONES"]  # not SMITH(C)JONES
    assert "grinning" not in to_ascii("ANNA😀").lower()
    assert standardize_name("JOHN", None, "O’BRIEN").last_std == "OBRIEN"  # no gap
    assert standardize_name("JEAN", None, "D´ARCY").last_std == "DARCY"  # acute as apostrophe
    assert standardize_name("ANA", None, "GARCIA‐LOPEZ").last_std == "GARCIA LOPEZ"  # U+2010


def test_identities_carry_the_romanized_name_and_the_raw_row_keeps_the_script(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Through the cache build: an account and a record written in Cyrillic get the same,
    non-NULL name parts and keys in acct_std and rec_std, and accounts keeps the name as
    delivered (what exports and explain show)."""
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES"
        " (1, 'accounts', 'accounts', 'loaded'), (2, 'header', 'person_records', 'loaded')"
    )
    con.execute(
        "INSERT INTO accounts (file_no, line_no, account_id, first_name, last_name)"
        " VALUES (1, 2, 'A1', 'ТАТЬЯНА', 'СОКОЛОВА')"
    )
    con.execute(
        "INSERT INTO source_records (rec_id, file_no, line_no, source, kind, full_name)"
        " VALUES (20000000002, 2, 2, 'header', 'person_records', 'СОКОЛОВА ТАТЬЯНА И')"
    )
    standardize_names(con)
    build_std_tables(con)
    cols = "first_std, first_canon, last_std, first_phonetic, last_phonetic"
    acct = con.execute(f"SELECT {cols} FROM acct_std").fetchone()
    rec = con.execute(f"SELECT {cols} FROM rec_std").fetchone()
    assert acct == ("TATYANA", "TATYANA", "SOKOLOVA", "TTYN", "SKLF")
    assert rec == acct
    assert con.execute("SELECT first_name, last_name FROM accounts").fetchone() == (
        "ТАТЬЯНА",
        "СОКОЛОВА",
    )


def test_version_follows_the_transliteration_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """anyascii's table decides the cached names: a release that changes it re-standardizes."""
    import skiptrace.matchers.versioning as versioning

    assert "anyascii" in names.NAME_STD_PACKAGES
    args = ("name", names.NAME_STD_SOURCES, names.NAME_STD_PACKAGES)
    before = content_version(*args)
    real = versioning.metadata.version
    monkeypatch.setattr(
        versioning.metadata, "version", lambda p: "999.0" if p == "anyascii" else real(p)
    )
    assert content_version(*args) != before
