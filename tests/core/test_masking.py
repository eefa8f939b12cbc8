"""Personal data is masked before it reaches logs and reports."""

from __future__ import annotations

import logging

import pytest

from skiptrace.masking import (
    MaskingFilter,
    install_masking,
    mask_email,
    mask_name,
    mask_phone,
    mask_text,
    masked_errors,
)


def test_mask_values() -> None:
    assert mask_name("Robert Smith") == "R***** S****"
    assert mask_phone("(212) 555-0187") == "***-***-0187"
    assert mask_email("robert@example.com") == "r***@example.com"
    assert mask_email(None) == "***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ssn 123-45-6789 seen", "ssn ***-**-6789 seen"),
        ("ssn 123456789 seen", "ssn ***-**-6789 seen"),
        ("call +1 (212) 555-0187 now", "call ***-***-0187 now"),
        ("mail bob.smith@example.com", "mail b***@example.com"),
        ("account 10023 balance 1500", "account 10023 balance 1500"),
        ("addr 623_45_6789 MAIN ST", "addr ***-**-6789 MAIN ST"),
        ("ssn 223/45/6789.", "ssn ***-**-6789."),
        ("ssn=123.45.6789", "ssn=***-**-6789"),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_filter_masks_formatted_message(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("skiptrace.test.masking")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("matched %s at %s", "123-45-6789", "212-555-0187")
    assert "123-45-6789" not in caplog.text
    assert "***-**-6789" in caplog.text and "***-***-0187" in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "matcher m1-4f1234567890ab",  # ten digits inside a hex version hash
        "sha256 0a1b2c3d4e5551234567f9",
        "flow run 6dc71c49-5af8-4938-b3ba-9f3296821f05",
        "hash 1234567890abcdef",
        "account A1234567890",
        "run 20261204T091854Z-0444",
    ],
)
def test_identifiers_and_hashes_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_matcher_version_survives_masking() -> None:
    """The artifact masker runs over text that carries the matcher's version hash."""
    from skiptrace.matchers.settings import matcher_version

    line = f"**matcher** {matcher_version()} · **threshold** 0.9"
    assert mask_text(line) == line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tel:2125550187, next", "tel:***-***-0187, next"),
        ("phones (212)555-0187/212.555.0188", "phones ***-***-0187/***-***-0188"),
    ],
)
def test_phones_set_off_by_punctuation_are_masked(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_url_passwords_are_masked_in_log_text() -> None:
    from skiptrace.masking import mask_text

    text = mask_text("push to postgresql://app:S3cr3t@db.example.com:5432/x failed")
    assert text == "push to postgresql://app:***@db.example.com:5432/x failed"


def test_every_logger_is_masked_once_installed(caplog: pytest.LogCaptureFixture) -> None:
    """A filter on `prefect` or `skiptrace` never saw the records of their children
    (`prefect.flow_runs`, `skiptrace.resolve`): the masking sits where records are made."""
    install_masking()
    install_masking()  # idempotent: one masking layer
    with caplog.at_level(logging.INFO):
        for name in ("skiptrace.flows.child", "skiptrace.resolve", "some.library"):
            logging.getLogger(name).info("row %s phone %s", "123-45-6789", "212-555-0187")
    assert "123-45-6789" not in caplog.text and "212-555-0187" not in caplog.text
    assert caplog.text.count("***-**-6789") == 3


def test_a_logged_traceback_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_masking()
    try:
        raise ValueError("could not convert '123-45-6789' to INTEGER")
    except ValueError:
        with caplog.at_level(logging.ERROR):
            logging.getLogger("skiptrace.task_runs").exception("task failed")
    assert "Traceback" in caplog.text and "ValueError" in caplog.text
    assert "123-45-6789" not in caplog.text and "***-**-6789" in caplog.text


def test_an_exception_leaves_a_task_with_masked_text() -> None:
    """What Prefect stores as a failed state's message is the exception's text."""

    @masked_errors
    def task_body(value: str) -> None:
        try:
            int(value)
        except ValueError as inner:
            raise RuntimeError(f"bad field {value}") from inner

    with pytest.raises(RuntimeError) as err:
        task_body("123-45-6789")
    assert str(err.value) == "bad field ***-**-6789"
    assert "123-45-6789" not in str(err.value.__cause__)  # the cause too
    assert task_body.__name__ == "task_body"  # Prefect names the task after the function


def test_raw_line_mask_hides_eight_digit_ssns_but_field_values_keep_dates() -> None:
    import duckdb

    from skiptrace.masking import mask_ssn_line_sql, mask_ssn_runs_sql

    con = duckdb.connect()
    line = "A1,JOHN,12345678,223/45/6789,19800304,62701"
    got = con.execute(f"SELECT {mask_ssn_line_sql(repr(line))}").fetchall()[0][0]
    assert got == "A1,JOHN,****5678,***/**/6789,****0304,62701"
    field = con.execute(f"SELECT {mask_ssn_runs_sql(repr('19800132'))}").fetchall()[0][0]
    assert field == "19800132"
