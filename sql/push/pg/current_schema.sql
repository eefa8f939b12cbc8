-- The schema the push's unqualified table names resolve to (the search_path's first).
SELECT current_schema();
