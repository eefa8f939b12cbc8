"""Personal data is masked before it reaches logs and reports."""

from __future__ import annotations

import logging

import pytest

from skiptrace.masking import MaskingFilter, mask_email, mask_name, mask_phone, mask_text


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
