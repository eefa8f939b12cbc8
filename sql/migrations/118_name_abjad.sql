-- name_abjad: the name was romanized from a script that writes no short vowels (Arabic, Hebrew,
-- Syriac, Samaritan), so its standardized form is a consonant skeleton (محمد -> MHMD), not a
-- spelling (matchers/names.py, written_without_vowels).
--
-- Why: since names in other scripts are romanized instead of dropped, such a name read as a
-- different name from the Latin spelling a vendor or court writes for the same person
-- (MOHAMMED): records that had linked on SSN and address with "no name" were rejected, two
-- bankruptcy records among them. The comparison needs to know which side is a skeleton to
-- compare the consonants of both (sql/match/compare.sql). Stored with the standardized name in
-- the cache and carried into the identities the matcher reads; NULL on rows written before
-- this column, which the new name standardizer version rewrites on its first run (and the
-- identities are rebuilt with it, matchers.standardize.identity_build_key).
ALTER TABLE std_name_cache ADD COLUMN IF NOT EXISTS name_abjad BOOLEAN;
ALTER TABLE acct_std ADD COLUMN IF NOT EXISTS name_abjad BOOLEAN;
ALTER TABLE rec_std ADD COLUMN IF NOT EXISTS name_abjad BOOLEAN;
