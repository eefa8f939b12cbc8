-- One row per loaded file: lineage (checksum, delivery time, purpose, reliability) and the
-- reconciliation counts rows_read = rows_loaded + rows_rejected.
INSERT INTO input_files (
    file_no, run_id, source, kind, path, file_name, sha256, size_bytes, received_at, loaded_at,
    permissible_purpose, reliability, record_date_rule, rows_read, rows_loaded, rows_rejected,
    status
) VALUES (
    $file_no, $run_id, $source, $kind, $path, $file_name, $sha256, $size_bytes, $received_at,
    $loaded_at, $permissible_purpose, $reliability, $record_date_rule, $rows_read, $rows_loaded,
    $rows_rejected, 'loaded'
);
