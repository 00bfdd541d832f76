"""Plain words for the codes the agent console shows (bot/helpdesk/labels.py): every code the domain defines has
its own label, and a code without one still reads as words."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.disputes.model import DisputeStatus, Resolution
from bot.disputes.problems import ProblemCode
from bot.helpdesk import labels
from bot.helpdesk.model import HandoffReason, HandoffStatus

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT.parent / "shared" / "DESIGN.md"


def _keys(table):
    return {getattr(k, "value", k) for k in table}


KINDS = [("status", DisputeStatus, labels.STATUS_LABELS, labels.status_label),
         ("problem", ProblemCode, labels.PROBLEM_LABELS, labels.problem_label),
         ("resolution", Resolution, labels.RESOLUTION_LABELS, labels.resolution_label),
         ("handoff-status", HandoffStatus, labels.HANDOFF_STATUS_LABELS, labels.handoff_status_label),
         ("handoff-reason", HandoffReason, labels.HANDOFF_REASON_LABELS, labels.handoff_reason_label)]


@pytest.mark.parametrize("code, table, label", [pytest.param(code, table, label, id=f"{kind}-{code.value}")
                                                for kind, codes, table, label in KINDS for code in codes])
def test_every_code_the_domain_defines_has_its_own_label(code, table, label):
    assert code.value in _keys(table), f"{code.value} has no label of its own"
    for given in (code, code.value):  # the enum or its text, as the API and the store hold it
        words = label(given)
        assert words.strip() and words != code.value and "_" not in words


def test_labels_are_told_apart():
    for table in (labels.STATUS_LABELS, labels.RESOLUTION_LABELS, labels.PROBLEM_LABELS, labels.ACTION_LABELS):
        assert len(set(table.values())) == len(table)


def test_the_words_agents_read():
    assert labels.status_label("awaiting_seller") == "Waiting for the seller"
    assert labels.status_label(DisputeStatus.CLOSED_FOR_SELLER) == "Closed in the seller's favour"
    assert labels.resolution_label("partial_refund") == "Partial refund"
    assert labels.problem_label("color_mismatch") == "Color not as described"  # the domain's, as in the review view
    assert labels.problem_labels(["not_received"]) == ["Item not received"]
    assert labels.action_label("seller_accepted") == "Seller accepted the request"


def test_every_dispute_history_action_has_a_label():
    source = (ROOT / "bot" / "disputes" / "services.py").read_text()
    actions = set(re.findall(r"self\._event\([^\"]*?\"([a-z_]+)\"", source, flags=re.S))
    assert {"opened", "escalated", "seller_accepted", "refund_issued"} <= actions  # the scan finds them
    assert actions <= _keys(labels.ACTION_LABELS), actions - _keys(labels.ACTION_LABELS)


def test_the_design_documents_problem_codes_all_have_labels():
    if not DESIGN.exists():
        pytest.skip(f"{DESIGN} is not beside this checkout")
    listed = re.search(r"Problem codes used everywhere[^:]*:(.*?)\.\n", DESIGN.read_text(), flags=re.S).group(1)
    codes = {c.strip() for c in listed.replace("\n", " ").split(",")}
    assert "counterfeit" in codes and len(codes) == 14
    assert codes == _keys(labels.PROBLEM_LABELS)


@pytest.mark.parametrize("label", [labels.status_label, labels.problem_label, labels.resolution_label,
                                   labels.action_label, labels.handoff_status_label, labels.handoff_reason_label])
def test_an_unknown_code_reads_as_words(label):
    assert label("refund_on_hold") == "Refund on hold"
    assert label("  odd__code ") == "Odd code"
    assert label("x") == "X"
    assert label(None) == "" and label("") == ""


def test_form_labels_word_the_coded_fields_only():
    form = {"dispute_order": "8190334512007781", "item_received": True, "problems": ["damaged", "size_mismatch"],
            "resolution": "another_item", "asking": "resolution"}
    assert labels.form_labels(form) == {"problems": ["Damaged", "Size not as described"],
                                        "resolution": "Another item sent"}
    assert labels.form_labels({}) == {}
