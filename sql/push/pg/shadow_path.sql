-- Inside a savepoint that is rolled back: unqualified names now create and find tables in this
-- session's temporary schema only, so the migrations can be applied there to empty copies (no
-- privilege beyond TEMPORARY, nothing of the target touched).
SET LOCAL search_path TO pg_temp;
