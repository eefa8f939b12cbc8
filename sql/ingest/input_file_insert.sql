-- One row per loaded file: lineage (sha256 of the bytes as delivered, content_sha256 of the
-- text they carry, delivery time, purpose, reliability) and the reconciliation counts
-- rows_read = rows_loaded + rows_rejected; how the file was decoded and how many fields of
-- loaded rows were NULLed or repaired (field_issues).
INSERT INTO input_files (
    file_no, run_id, source, kind, path, file_name, sha256, content_sha256, size_bytes,
    received_at, loaded_at, permissible_purpose, reliability, record_date_rule, rows_read,
    rows_loaded, rows_rejected, status, encoding, lines_fallback_decoded, lines_control_stripped,
    field_issues
) VALUES (
    $file_no, $run_id, $source, $kind, $path, $file_name, $sha256, $content_sha256, $size_bytes,
    $received_at, $loaded_at, $permissible_purpose, $reliability, $record_date_rule, $rows_read,
    $rows_loaded, $rows_rejected, 'loaded', $encoding, $lines_fallback_decoded,
    $lines_control_stripped, $field_issues
);
