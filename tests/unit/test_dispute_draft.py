"""How chat turns fill the dispute form (bot.conversation.draft): pure logic, no Rasa, no store."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.conversation.draft import (
    AMOUNT,
    CONFIRM,
    DESCRIPTION,
    EVIDENCE,
    ORDER,
    PROBLEMS,
    RECEIVED,
    RESOLUTION,
    Turn,
    answers_the_question,
    next_slot,
    required_slots,
    understand,
)
from bot.disputes.model import Order, OrderStatus
from bot.disputes.policy import Rules
from bot.disputes.services import OrderSummary, eligibility

NOW = datetime(2026, 3, 2, tzinfo=timezone.utc)


def summary(number: str, item: str, days: int = 40, price: str = "30.00", age: int = 10) -> OrderSummary:
    order = Order(int(number[-3:]), number, "anna", "s", item, Decimal(price), "USD", OrderStatus.DELIVERED,
                  NOW - timedelta(days=age), protection_ends_at=NOW + timedelta(days=days, hours=1))
    return OrderSummary(order, days, eligibility(order, None, NOW, Rules()))


EARBUDS = summary("1000000000000001", "TWS wireless earbuds, black", age=5)
DRESS = summary("1000000000000002", "Women's summer dress, black, size M", price="18.50", age=20)
KNIVES = summary("1000000000000003", "Kitchen knife set", days=10, age=40)
ORDERS = [EARBUDS, DRESS, KNIVES]


def turn(intent="inform", text="", requested=None, **entities):
    pairs = []
    for name, value in entities.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((name, v))
    return Turn(intent=intent, text=text, entities=pairs, requested_slot=requested)


def test_several_fields_in_one_message():
    out = understand(turn("open_dispute", "the blue dress never came, I want my money back", item="blue dress",
                          problem="not_received", resolution="full_refund"), {}, ORDERS)
    assert out.slots[ORDER] == DRESS.order.number
    assert out.slots[RECEIVED] is False and out.slots[PROBLEMS] == ["not_received"]
    assert out.slots[RESOLUTION] == "full_refund"
    assert next_slot({**out.slots}) == DESCRIPTION


def test_required_fields_follow_the_answers():
    assert required_slots({RECEIVED: False}) == [ORDER, RECEIVED, DESCRIPTION, EVIDENCE, CONFIRM]
    assert AMOUNT in required_slots({RECEIVED: True, RESOLUTION: "partial_refund"})
    assert AMOUNT not in required_slots({RECEIVED: True, RESOLUTION: "another_item"})


def test_order_by_number_item_and_reference():
    assert understand(turn(order_number=DRESS.order.number), {}, ORDERS).slots[ORDER] == DRESS.order.number
    assert understand(turn(text="the earbuds", requested=ORDER), {}, ORDERS).slots[ORDER] == EARBUDS.order.number
    assert understand(turn(text="my last order", order_ref="last"), {}, ORDERS).slots[ORDER] == EARBUDS.order.number


def test_an_order_too_late_is_refused_with_the_reason_and_alternatives():
    out = understand(turn(order_number=KNIVES.order.number, requested=ORDER), {}, ORDERS)
    assert out.slots[ORDER] is None
    assert any("at least 15 days" in m for m in out.messages)
    assert {s.order.number for s in out.order_choices} == {EARBUDS.order.number, DRESS.order.number}


def test_unknown_or_foreign_order_number():
    out = understand(turn(order_number="9999999999999999", requested=ORDER), {}, ORDERS)
    assert ORDER not in out.slots and "can't find order 9999999999999999" in out.messages[0]


def test_an_amount_is_not_taken_for_an_order_number():
    draft = {ORDER: EARBUDS.order.number, RECEIVED: True, PROBLEMS: ["damaged"], RESOLUTION: "partial_refund"}
    out = understand(turn(text="5", requested=AMOUNT, order_number="5"), draft, ORDERS)
    assert out.slots[AMOUNT] == "5.00" and not out.messages


def test_ambiguous_description_offers_choices():
    out = understand(turn(text="the black one", requested=ORDER), {}, ORDERS)
    assert ORDER not in out.slots and len(out.order_choices) == 2


def test_yes_no_for_received():
    assert understand(turn("affirm", "yes", requested=RECEIVED), {ORDER: "x"}, ORDERS).slots[RECEIVED] is True
    no = understand(turn("deny", "no", requested=RECEIVED), {ORDER: "x"}, ORDERS).slots
    assert no[RECEIVED] is False and no[PROBLEMS] == ["not_received"] and no[RESOLUTION] == "full_refund"


@pytest.mark.parametrize("text,received", [("yes it arrived", True), ("got it yesterday", True),
                                           ("it never came", False), ("no", False), ("didn't get anything", False)])
def test_received_answers_typed_as_inform(text, received):
    assert understand(turn("inform", text, requested=RECEIVED), {ORDER: "x"}, ORDERS).slots[RECEIVED] is received


def test_correction_replaces_and_also_adds():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["color_mismatch"]}
    corrected = understand(turn(text="actually it is the wrong size, not colour", problem="size_mismatch",
                                requested=DESCRIPTION), draft, ORDERS)
    assert corrected.slots[PROBLEMS] == ["size_mismatch"]
    added = understand(turn(text="it is also torn", problem="damaged", requested=DESCRIPTION), draft, ORDERS)
    assert added.slots[PROBLEMS] == ["color_mismatch", "damaged"]


def test_not_received_cannot_ask_for_a_partial_refund():
    draft = {ORDER: DRESS.order.number, RECEIVED: False, PROBLEMS: ["not_received"], RESOLUTION: "full_refund"}
    out = understand(turn(text="partial refund", resolution="partial_refund", requested=DESCRIPTION), draft, ORDERS)
    assert RESOLUTION not in out.slots and "full refund" in out.messages[0]


@pytest.mark.parametrize("text,expected", [("12.50", "12.50"), ("$7", "7.00"), ("ten", None), ("-3", None),
                                           ("1e309", None)])
def test_partial_amounts(text, expected):
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"], RESOLUTION: "partial_refund"}
    assert understand(turn(text=text, requested=AMOUNT), draft, ORDERS).slots.get(AMOUNT) == expected


def test_amount_above_the_price_is_refused():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"], RESOLUTION: "partial_refund"}
    out = understand(turn(text="25", requested=AMOUNT), draft, ORDERS)
    assert out.slots[AMOUNT] is None and "18.50" in out.messages[0]


def test_an_amount_while_asked_for_the_resolution_means_partial():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"]}
    out = understand(turn(text="give me 5 back", amount="5", requested=RESOLUTION), draft, ORDERS)
    assert out.slots[RESOLUTION] == "partial_refund" and out.slots[AMOUNT] == "5.00"


def test_description_and_evidence_and_confirmation():
    assert understand(turn(text="Zip broke on day one", requested=DESCRIPTION), {}, ORDERS).slots[DESCRIPTION] == \
        "Zip broke on day one"
    assert understand(turn("deny", "no photos", requested=EVIDENCE), {}, ORDERS).slots[EVIDENCE] is True
    waiting = understand(turn("affirm", "yes", requested=EVIDENCE), {}, ORDERS)
    assert EVIDENCE not in waiting.slots and "send the photos" in waiting.messages[0]
    assert understand(turn("affirm", "yes", requested=CONFIRM), {}, ORDERS).slots[CONFIRM] is True
    declined = understand(turn("deny", "no", requested=CONFIRM), {}, ORDERS)
    assert declined.slots[CONFIRM] is None and "what to change" in declined.messages[0]


def test_any_change_after_the_summary_needs_a_new_yes():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"], RESOLUTION: "full_refund",
             DESCRIPTION: "x", EVIDENCE: True, CONFIRM: True}
    out = understand(turn(text="make it another item", resolution="another_item", requested=CONFIRM), draft, ORDERS)
    assert out.slots[RESOLUTION] == "another_item" and out.slots[CONFIRM] is None


@pytest.mark.parametrize("text", ["no change the amount to 6", "no, make it 6", "the amount should be 6"])
def test_a_no_with_the_new_amount_at_the_summary_changes_it(text):
    """Typed at the summary, the correction is the answer: the buyer must not have to say it twice."""
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"], RESOLUTION: "partial_refund",
             AMOUNT: "4.00", DESCRIPTION: "x", EVIDENCE: True, CONFIRM: None}
    out = understand(turn("deny", text, requested=CONFIRM), draft, ORDERS)
    assert out.slots[AMOUNT] == "6.00" and out.slots.get(CONFIRM) is None and not out.messages


def test_attachments_are_collected():
    t = Turn("inform", "", (), EVIDENCE, attachments=[{"sha256": "a" * 64, "name": "front.jpg"}])
    out = understand(t, {"evidence_files": [{"sha256": "b" * 64, "name": "x.jpg"}]}, ORDERS)
    assert [f["name"] for f in out.slots["evidence_files"]] == ["x.jpg", "front.jpg"]
    assert "front.jpg" in out.messages[0]


def test_unknown_problem_values_are_ignored():
    out = understand(turn(text="it smells", problem="smelly", requested=PROBLEMS), {ORDER: "x", RECEIVED: True}, ORDERS)
    assert PROBLEMS not in out.slots


def test_files_sent_mid_form_are_kept_without_reading_the_turn_as_an_answer():
    files = [{"sha256": "b" * 64, "name": "box.jpg"}]
    out = understand(Turn("send_evidence", "/send_evidence", (), ORDER, attachments=files), {}, ORDERS)
    assert out.slots == {"evidence_files": files}
    assert out.messages == ["Attached: box.jpg."]  # no "which order do you mean?"
    out = understand(Turn("send_evidence", "/send_evidence", (), DESCRIPTION, attachments=files),
                     {ORDER: EARBUDS.order.number, RECEIVED: True}, ORDERS)
    assert DESCRIPTION not in out.slots


def test_saying_files_were_sent_without_a_file_explains_how():
    out = understand(turn("send_evidence", "here are the photos", requested=EVIDENCE), {}, ORDERS)
    assert out.slots == {} and "didn't get a file" in out.messages[0]


FULL_DRAFT = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged", "no_packaging"],
              RESOLUTION: "another_item", DESCRIPTION: "x", EVIDENCE: True}


def test_the_bots_own_words_work_typed_at_the_photo_question():
    for text, intent in (("no photos", "faq_add_photos"), ("skip", "stop"), ("later", "goodbye"),
                         ("i'll send pics later tonight", "inform"), ("gonna send photos later", "send_evidence")):
        t = turn(intent, text, requested=EVIDENCE)
        assert answers_the_question(t), text
        assert understand(t, {}, ORDERS).slots[EVIDENCE] is True
    later = understand(turn("goodbye", "later", requested=EVIDENCE), {}, ORDERS)
    assert "send the photos here any time" in later.messages[0]


def test_a_question_at_the_summary_changes_nothing_and_offers_the_change():
    out = understand(turn("inform", "can i ask for a resend instead of refund?", requested=CONFIRM,
                          resolution="another_item"), {**FULL_DRAFT, RESOLUTION: "full_refund"}, ORDERS)
    assert out.slots == {} and out.offer_resolution == "another_item" and "Yes, you can" in out.messages[0]
    assert not answers_the_question(turn("faq_refund_time", "before i say yes, how long does a refund usually "
                                                            "take?", requested=CONFIRM))


def test_corrections_at_the_summary_change_only_what_is_named():
    out = understand(turn(text="the description should say the zip broke on day one", requested=CONFIRM),
                     {**FULL_DRAFT, CONFIRM: True}, ORDERS)
    assert out.slots == {DESCRIPTION: "the zip broke on day one", CONFIRM: None}
    out = understand(turn(text="forget the replacement, just refund me fully", requested=DESCRIPTION,
                          resolution="another_item"), FULL_DRAFT, ORDERS)
    assert out.slots[RESOLUTION] == "full_refund" and DESCRIPTION not in out.slots


def test_a_description_naming_the_packaging_keeps_both_problems():
    draft = {k: v for k, v in FULL_DRAFT.items() if k != DESCRIPTION}
    draft[PROBLEMS] = ["damaged", "not_working"]
    out = understand(turn(text="packaging looked fine but the case was cracked inside", problem="no_packaging",
                          requested=DESCRIPTION), draft, ORDERS)
    assert PROBLEMS not in out.slots and out.slots[DESCRIPTION].startswith("packaging looked fine")


@pytest.mark.parametrize("text,amount", [("half", "9.25"), ("ugh. 12.40", "12.40"), ("partial refund of $5", "5.00")])
def test_typed_amounts(text, amount):
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"], RESOLUTION: "partial_refund"}
    assert understand(turn(text=text, requested=AMOUNT), draft, ORDERS).slots[AMOUNT] == amount


def test_an_amount_over_the_price_is_refused_when_given_not_at_filing():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"]}
    out = understand(turn(text="partial refund of 100", requested=RESOLUTION), draft, ORDERS)
    assert out.slots[RESOLUTION] == "partial_refund" and out.slots.get(AMOUNT) is None
    assert "18.50" in out.messages[0]


def test_resolutions_in_words_at_the_resolution_question():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["damaged"]}
    for text, wanted in (("another one in black please", "another_item"), ("i want my money back", "full_refund"),
                         ("can i keep it and get some money back?", "partial_refund")):
        t = turn(text=text, requested=RESOLUTION)
        assert answers_the_question(t) and understand(t, draft, ORDERS).slots[RESOLUTION] == wanted


def test_another_order_starts_the_facts_over():
    draft = {ORDER: DRESS.order.number, RECEIVED: True, PROBLEMS: ["size_mismatch"]}
    out = understand(turn(text="sorry wrong order, i meant the earbuds", item="earbuds", problem="wrong_item",
                          requested=RESOLUTION), draft, ORDERS)
    assert out.slots[ORDER] == EARBUDS.order.number and out.slots[PROBLEMS] is None and out.slots[RECEIVED] is None


def test_the_second_one_in_the_list_shown():
    out = understand(turn(text="the second one", requested=ORDER), {}, ORDERS)
    assert out.slots[ORDER] == DRESS.order.number  # the eligible orders, in the order the buttons showed them


def test_a_sentence_at_the_problem_question_with_a_clear_cue():
    t = Turn("open_dispute", "the side seam split open the first time i wore it", (), PROBLEMS,
             problem_cues=["damaged"])
    out = understand(t, {ORDER: DRESS.order.number, RECEIVED: True}, ORDERS)
    assert out.slots[PROBLEMS] == ["damaged"] and "seam split" in out.slots[DESCRIPTION]


def test_the_file_limit_is_checked_when_files_arrive():
    existing = [{"sha256": f"{i:064x}", "name": f"{i}.jpg"} for i in range(9)]
    t = Turn("send_evidence", "", (), EVIDENCE, attachments=[{"sha256": "a" * 64, "name": "ten.jpg"},
                                                              {"sha256": "b" * 64, "name": "eleven.jpg"}])
    out = understand(t, {"evidence_files": existing}, ORDERS, max_files=10)
    assert len(out.slots["evidence_files"]) == 10 and "eleven.jpg" in out.messages[-1]
    assert "ten.jpg" in out.messages[0]


def test_a_statement_naming_a_problem_at_the_description_question_is_the_description_whatever_the_intent():
    from dataclasses import replace
    from bot.nlu.problem_cues import cue_codes
    for text in ("o rastreio ta parado faz mais de um mes e o vendedor nao responde mais",
                 "tracking has been stuck for a month and the seller stopped answering me"):
        said = replace(turn("faq_seller_no_response", text, requested=DESCRIPTION), confidence=0.9,
                       problem_cues=cue_codes(text))
        assert answers_the_question(said), text
    # Without a problem named, a confident side question or request keeps its own answer.
    for intent, text in (("faq_seller_no_response", "what happens if the seller never answers me"),
                         ("request_human", "i want to talk to a person about the tracking being stuck"),
                         ("faq_refund_time", "o vendedor nao responde, quanto tempo demora o reembolso?")):
        said = replace(turn(intent, text, requested=DESCRIPTION), confidence=0.9, problem_cues=cue_codes(text))
        assert not answers_the_question(said), text
