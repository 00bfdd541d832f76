"""Untrusted input becomes a domain value or a clear InvalidInput, never something half-parsed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.disputes.errors import EvidenceRejected, InvalidInput
from bot.disputes.evidence import Upload, check_dispute_totals, check_upload
from bot.disputes.inputs import (
    clean_description,
    clean_display_name,
    parse_amount,
    parse_order_number,
    parse_problems,
    parse_resolution,
)
from bot.disputes.policy import Rules
from bot.disputes.problems import ProblemCode
from support.samples import JPEG, PDF, PNG


@pytest.mark.parametrize("raw", ["8190 3345 1200 7781", "8190-3345-1200-7781", " 8190334512007781 ", "#8190334512007781"])
def test_order_numbers_as_buyers_paste_them(raw):
    assert parse_order_number(raw) == "8190334512007781"


@pytest.mark.parametrize("raw", ["", "abc", "819033451200778", "81903345120077811", "8190334512OO7781",
                                 "1' OR '1'='1", "8190334512007781; DROP TABLE orders", "٨١٩٠٣٣٤٥١٢٠٠٧٧٨١",
                                 "9" * 10_000_000, None, 8190334512007781.0, ["8190334512007781"]])
def test_bad_order_numbers(raw):
    with pytest.raises(InvalidInput):
        parse_order_number(raw)


@pytest.mark.parametrize("raw,expected", [("12", "12.0"), ("12.50", "12.50"), ("12,5", "12.5"), ("$7.25", "7.25"),
                                          ("7.25 usd", "7.25"), (3, "3.0"), (Decimal("4.10"), "4.10"),
                                          (2.5, "2.5")])
def test_amounts(raw, expected):
    assert parse_amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["-1", "0", "0.00", "1e309", "NaN", "nan", "inf", "-inf", "Infinity", "ten",
                                 "12.345", "1,000.50", "", " ", float("nan"), float("inf"), 1e309, -5, True,
                                 "9" * 10_000_000, "1; DROP TABLE disputes"])
def test_bad_amounts(raw):
    with pytest.raises(InvalidInput):
        parse_amount(raw)


def test_problem_codes():
    assert parse_problems(["damaged", "COLOR_MISMATCH"]) == (ProblemCode.DAMAGED, ProblemCode.COLOR_MISMATCH)
    assert parse_problems("wrong_item") == (ProblemCode.WRONG_ITEM,)
    for bad in (["broken"], ["damaged", "smells"], ["'; DROP TABLE x;--"], [None], ["x" * 10_000]):
        with pytest.raises(InvalidInput):
            parse_problems(bad)


def test_resolutions():
    assert parse_resolution(" Partial_Refund ").value == "partial_refund"
    with pytest.raises(InvalidInput):
        parse_resolution("store credit")


def test_descriptions_are_bounded_and_cleaned():
    assert clean_description("  it broke\x00\x07 on day 2 \n", 2000) == "it broke on day 2"
    assert clean_description("Robert'); DROP TABLE disputes;--", 2000) == "Robert'); DROP TABLE disputes;--"
    with pytest.raises(InvalidInput, match="under 2000 characters"):
        clean_description("x" * (10 * 1024 * 1024), 2000)
    with pytest.raises(InvalidInput):
        clean_description(12, 2000)


def test_display_names_are_never_paths():
    assert clean_display_name("../../etc/passwd") == "passwd"
    assert clean_display_name("C:\\Users\\me\\photo.jpg") == "photo.jpg"
    assert len(clean_display_name("a" * 500 + ".jpg")) == 120


class TestEvidenceChecks:
    rules = Rules(max_evidence_file_bytes=50_000, max_evidence_files_per_dispute=3,
                  max_evidence_bytes_per_dispute=100_000)

    def test_type_comes_from_the_bytes(self):
        assert check_upload(Upload(JPEG, "x.pdf"), self.rules).media_type == "image/jpeg"
        assert check_upload(Upload(PNG, None), self.rules).media_type == "image/png"
        assert check_upload(Upload(PDF, "receipt"), self.rules).media_type == "application/pdf"

    @pytest.mark.parametrize("data", [b"", b"MZ\x90\x00" + b"\x00" * 100, b"<html><script>", b"#!/bin/sh\nrm -rf /",
                                      b"PK\x03\x04" + b"\x00" * 100])
    def test_refused_types(self, data):
        with pytest.raises(EvidenceRejected):
            check_upload(Upload(data, "photo.jpg"), self.rules)

    def test_per_file_limit(self):
        with pytest.raises(EvidenceRejected, match="limit per file"):
            check_upload(Upload(JPEG + b"\x00" * 50_000, "big.jpg"), self.rules)

    def test_per_dispute_limits(self):
        one = check_upload(Upload(JPEG, "a.jpg"), self.rules)
        check_dispute_totals(2, 0, [one], self.rules)
        with pytest.raises(EvidenceRejected, match="at most 3 files"):
            check_dispute_totals(3, 0, [one], self.rules)
        with pytest.raises(EvidenceRejected, match="total at most"):
            check_dispute_totals(1, 99_999, [one], self.rules)
