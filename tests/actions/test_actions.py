"""Actions run as rasa-sdk runs them (Tracker in, events and messages out) on a real SQLite store."""
from __future__ import annotations

from support.action_runs import run, slots_of, svc, texts, tracker  # noqa: F401 (svc: a fixture)

from actions.conversation import ActionBackToBot, ActionFallback, ActionRequestHuman
from actions.dispute_form import ActionAskConfirmFiling, ActionFileDispute, ActionStartDispute, ValidateDisputeForm
from actions.disputes import (
    ActionAnswerFaqOrConfirm,
    ActionAttachEvidence,
    ActionCancelDispute,
    ActionConfirmPending,
    ActionDisputeStatus,
    ActionEscalateDispute,
    ActionModifyDispute,
    ActionRefundStatus,
)
from actions.orders import ActionCheckProtection, ActionListOrders
from bot.disputes.model import DisputeStatus

EARBUDS, DRESS, KNIVES = "8190334512007781", "8190334512007782", "8190334512007783"
SHOES = "8190334512007787"  # anna's dispute awaiting the seller


def test_unknown_buyer_is_told_how_to_sign_in(svc):
    for action in (ActionListOrders(), ActionStartDispute(), ActionDisputeStatus(), ActionRefundStatus()):
        events, messages = run(action, tracker(buyer=None))
        # action_start_dispute says the form must not start, so its rule branches to listening
        expected = [{"event": "slot", "timestamp": None, "name": "can_start_dispute", "value": False}] \
            if isinstance(action, ActionStartDispute) else []
        assert events == expected and "need to know who you are" in texts(messages)


def test_the_buyer_comes_from_metadata_not_from_slots_or_text(svc):
    t = tracker(text="I am ben, show ben's orders", buyer="anna", slots={"buyer_id": "ben"})
    _, messages = run(ActionListOrders(), t)
    assert EARBUDS in texts(messages) and "8190334512007790" not in texts(messages)  # ben's keyboard


def test_list_orders_shows_days_left(svc):
    _, messages = run(ActionListOrders(), tracker(buyer="anna"))
    text = texts(messages)
    assert "40 days of Buyer Protection left" in text and "10 days of Buyer Protection left (too few" in text
    assert "not shipped yet" in text and "Buyer Protection ended" in text


def test_check_protection_for_a_named_item(svc):
    _, messages = run(ActionCheckProtection(), tracker(entities=[("item", "knife set")]))
    assert "Only 10 days" in texts(messages) and "at least 15" in texts(messages)
    _, messages = run(ActionCheckProtection(), tracker(entities=[("order_number", EARBUDS)]))
    assert "40 days" in texts(messages)


def test_form_turns_and_filing(svc):
    events, _ = run(ActionStartDispute(), tracker("open_dispute"))
    slots = slots_of(events)
    assert slots["can_start_dispute"] is True and slots["draft_id"]
    t = tracker("open_dispute", "my earbuds arrived broken", [("item", "earbuds"), ("problem", "damaged")],
                slots={"draft_id": slots["draft_id"]})
    events, _ = run(ValidateDisputeForm(), t)
    draft = {**slots, **slots_of(events)}
    assert draft["dispute_order"] == EARBUDS and draft["problems"] == ["damaged"]
    assert draft["requested_slot"] == "resolution"
    for text, intent, entities in [("full refund", "inform", [("resolution", "full_refund")]),
                                   ("Left bud is cracked", "inform", []), ("no photos", "deny", [])]:
        events, _ = run(ValidateDisputeForm(), tracker(intent, text, entities, slots=draft))
        draft.update(slots_of(events))
    assert draft["requested_slot"] == "confirm_filing"
    _, summary = run(ActionAskConfirmFiling(), tracker(slots=draft))
    assert "Left bud is cracked" in texts(summary) and "full refund" in texts(summary)
    confirmed = dict(draft)
    # the final yes files while the form is still open (a failure would keep the form on this step)
    events, messages = run(ValidateDisputeForm(), tracker("affirm", "yes", slots=draft))
    draft.update(slots_of(events))
    number = draft["last_dispute"]
    assert draft["requested_slot"] is None and draft["confirm_filing"] is None
    assert f"dispute {number} is open" in texts(messages)
    stored = svc.disputes.dispute_status("anna", number).dispute
    assert stored.status is DisputeStatus.AWAITING_SELLER and stored.claim.description == "Left bud is cracked"
    # after the form, action_file_dispute has nothing left to file
    assert run(ActionFileDispute(), tracker(slots=draft)) == ([], [])
    # a repeated final "yes" (retry, double tap) on the confirmed draft files nothing new
    events, messages = run(ActionFileDispute(), tracker(slots={**confirmed, "confirm_filing": True}))
    assert slots_of(events)["last_dispute"] == number and f"dispute {number} is open" in texts(messages)
    assert len([d for d in svc.disputes.list_disputes("anna") if d.order.number == EARBUDS]) == 1


def test_a_filing_that_fails_keeps_the_confirmed_draft_and_the_next_yes_files_once(svc, monkeypatch):
    draft = {"draft_id": "d1", "dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"],
             "resolution": "full_refund", "description": "cracked", "evidence_done": True,
             "requested_slot": "confirm_filing"}
    real = svc.disputes.open_dispute

    def down(*args, **kwargs):
        raise ConnectionError("database connection terminated")

    monkeypatch.setattr(svc.disputes, "open_dispute", down)
    events, messages = run(ValidateDisputeForm(), tracker("affirm", "yes file it", slots=draft))
    kept = slots_of(events)
    assert kept["requested_slot"] == "confirm_filing" and kept["confirm_filing"] is None
    assert "dispute_order" not in kept or kept["dispute_order"] == EARBUDS  # nothing of the draft is dropped
    assert "Nothing is lost" in texts(messages)
    assert not [d for d in svc.disputes.list_disputes("anna") if d.order.number == EARBUDS]
    monkeypatch.setattr(svc.disputes, "open_dispute", real)
    for _ in range(2):  # the retry, and a duplicated retry
        events, messages = run(ValidateDisputeForm(), tracker("affirm", "yes", slots={**draft, **kept}))
        assert "is open" in texts(messages)
    assert len([d for d in svc.disputes.list_disputes("anna") if d.order.number == EARBUDS]) == 1


def test_a_rule_violation_at_filing_is_said_and_the_draft_stays(svc):
    svc.disputes.open_dispute("anna", EARBUDS, received=True, problems=["damaged"])  # filed elsewhere meanwhile
    draft = {"draft_id": "d2", "dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"],
             "resolution": "full_refund", "description": "", "evidence_done": True,
             "requested_slot": "confirm_filing"}
    events, messages = run(ValidateDisputeForm(), tracker("affirm", "yes", slots=draft))
    assert slots_of(events)["requested_slot"] == "confirm_filing"
    assert "already has an open dispute" in texts(messages) and "Nothing is lost" in texts(messages)


def test_form_steps_aside_for_questions(svc):
    events, messages = run(ValidateDisputeForm(), tracker("faq_refund_time", "how long does a refund take",
                                                          slots={"requested_slot": "resolution"}))
    # Only the current step comes back: Rasa sees nothing filled, lets a rule answer, and the form then asks
    # the resolution again.
    assert slots_of(events) == {"requested_slot": "resolution"} and messages == []


def test_no_eligible_orders(svc):
    events, messages = run(ActionStartDispute(), tracker("open_dispute", buyer="chen"))
    assert slots_of(events)["can_start_dispute"] is True  # chen's frying pan is eligible
    svc.disputes.open_dispute("chen", "8190334512007793", received=True, problems=["damaged"])
    events, messages = run(ActionStartDispute(), tracker("open_dispute", buyer="chen"))
    assert slots_of(events) == {"can_start_dispute": False} and "None of your orders" in texts(messages)


def shoes_dispute(svc):
    return next(d.dispute.number for d in svc.disputes.list_disputes("anna") if d.order.number == SHOES)


def test_status_and_refund(svc):
    _, messages = run(ActionDisputeStatus(), tracker())
    assert "awaiting seller" in texts(messages) and "escalated" in texts(messages)
    _, messages = run(ActionRefundStatus(), tracker())
    assert "Refund of 29.00 USD" in texts(messages) and "business days" in texts(messages)


def test_escalate_needs_a_yes(svc):
    number = shoes_dispute(svc)
    events, messages = run(ActionEscalateDispute(), tracker(entities=[("dispute_number", number)]))
    assert "days" in texts(messages) and slots_of(events)["pending_action"] == f"escalate:{number}"
    pending = slots_of(events)
    run(ActionConfirmPending(), tracker("deny", slots=pending))
    assert svc.disputes.dispute_status("anna", number).dispute.status is DisputeStatus.AWAITING_SELLER
    run(ActionConfirmPending(), tracker("affirm", slots=pending))
    assert svc.disputes.dispute_status("anna", number).dispute.status is DisputeStatus.ESCALATED


def test_cancel_warns_then_cancels_on_yes(svc):
    number = shoes_dispute(svc)
    events, messages = run(ActionCancelDispute(), tracker(entities=[("dispute_number", number)]))
    assert "no longer help" in texts(messages)
    run(ActionConfirmPending(), tracker("affirm", slots=slots_of(events)))
    assert svc.disputes.dispute_status("anna", number).dispute.status is DisputeStatus.CANCELLED


def test_a_yes_read_as_the_cancel_faq_answers_the_pending_cancel(svc):
    number = shoes_dispute(svc)
    events, _ = run(ActionCancelDispute(), tracker(entities=[("dispute_number", number)]))
    pending = slots_of(events)
    # A real question about cancelling keeps the cancel pending and gets the FAQ's answer.
    events, messages = run(ActionAnswerFaqOrConfirm(), tracker("faq_cancel_order", "how do i cancel an order",
                                                               slots=pending))
    assert events == [] and messages[0]["response"] == "utter_faq_cancel_order"
    assert svc.disputes.dispute_status("anna", number).dispute.status is DisputeStatus.AWAITING_SELLER
    events, messages = run(ActionAnswerFaqOrConfirm(), tracker("faq_cancel_order", "sim, pode cancelar",
                                                               slots=pending))
    assert svc.disputes.dispute_status("anna", number).dispute.status is DisputeStatus.CANCELLED
    assert slots_of(events)["awaiting_confirmation"] is None and "cancelled" in texts(messages)


def test_this_dispute_is_the_one_the_conversation_was_just_about(svc):
    number = shoes_dispute(svc)
    for text in ("cancel this dispute", "quero cancelar essa disputa", "отмени этот спор"):
        events, messages = run(ActionCancelDispute(), tracker("cancel_dispute", text, slots={"last_dispute": number}))
        assert slots_of(events)["pending_action"] == f"cancel:{number}", text
    # Without a dispute just talked about, or without "this", the buyer is asked which one.
    for slots, text in (({}, "cancel this dispute"), ({"last_dispute": number}, "cancel a dispute")):
        events, messages = run(ActionCancelDispute(), tracker("cancel_dispute", text, slots=slots))
        assert "Which dispute?" in texts(messages), text


def test_modify_adds_a_problem_after_a_yes(svc):
    number = shoes_dispute(svc)
    events, messages = run(ActionModifyDispute(), tracker(
        "modify_dispute", "also the sole is coming off", [("dispute_number", number), ("problem", "damaged")]))
    assert "size not as described, damaged" in texts(messages)
    run(ActionConfirmPending(), tracker("affirm", slots=slots_of(events)))
    problems = [p.value for p in svc.disputes.dispute_status("anna", number).dispute.claim.problems]
    assert problems == ["size_mismatch", "damaged"]


def test_modify_ignores_entity_values_the_domain_does_not_know(svc):
    """An extractor tagged "20 back" as a resolution and the classifier read "instead of" as a wrong item: the
    change is the amount, and the action neither fails nor replaces the problems."""
    number = shoes_dispute(svc)
    events, messages = run(ActionModifyDispute(), tracker(
        "modify_dispute", "i want 20 back instead of 15",
        [("dispute_number", number), ("resolution", "20 back"), ("problem", "shoe_trouble")]))
    assert "went wrong" not in texts(messages) and "Save this change?" in texts(messages)
    run(ActionConfirmPending(), tracker("affirm", slots=slots_of(events)))
    claim = svc.disputes.dispute_status("anna", number).dispute.claim
    assert str(claim.refund_amount) == "20.00" and [p.value for p in claim.problems] == ["size_mismatch"]


def test_another_buyers_dispute_number_is_not_found(svc):
    number = shoes_dispute(svc)
    for action in (ActionDisputeStatus(), ActionEscalateDispute(), ActionCancelDispute(), ActionModifyDispute()):
        events, messages = run(action, tracker(entities=[("dispute_number", number)], buyer="ben"))
        assert "can't find dispute" in texts(messages)
    assert svc.disputes.dispute_status("anna", number).dispute.status is DisputeStatus.AWAITING_SELLER


def test_a_failure_is_an_apology_not_silence(svc, monkeypatch):
    monkeypatch.setattr(svc.disputes, "list_orders", lambda buyer: 1 / 0)
    events, messages = run(ActionListOrders(), tracker())
    assert events == [] and "something went wrong" in texts(messages).lower()


def test_fallback_twice_hands_over_to_a_person(svc):
    events, messages = run(ActionFallback(), tracker("nlu_fallback", "asdf"))
    assert "another way" in texts(messages) and events[0]["event"] == "rewind"
    history = [{"event": "user", "text": "asdf"}, {"event": "action", "name": "action_fallback"},
               {"event": "rewind"}, {"event": "action", "name": "action_listen"}, {"event": "user", "text": "qwer"}]
    _, messages = run(ActionFallback(), tracker("nlu_fallback", "qwer", events=history))
    [request] = [m["custom"]["handoff"] for m in messages if m.get("custom")]
    assert request["reason"] == "fallback" and "help desk" in texts(messages)


def test_asking_for_a_person_passes_the_half_filled_form(svc):
    t = tracker("request_human", slots={"dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"],
                                        "requested_slot": "resolution"})
    t.active_loop = {"name": "dispute_form"}
    events, messages = run(ActionRequestHuman(), t)
    [request] = [m["custom"]["handoff"] for m in messages if m.get("custom")]
    assert request["draft"] == {"dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"],
                                "asking": "resolution"}
    assert request["reason"] == "escalated"  # anna has an escalated dispute (the charger)


def test_back_from_the_help_desk_knows_the_dispute_the_agent_filed(svc):
    t = tracker("back_to_bot", slots={"dispute_order": EARBUDS})
    t.latest_message["metadata"]["handoff"] = {"agent": "Dana", "note": "Filed it for you", "disputes": ["123456789012"]}
    events, messages = run(ActionBackToBot(), t)
    assert "Dana" in texts(messages) and "Filed it for you" in texts(messages) and "123456789012" in texts(messages)
    assert slots_of(events)["last_dispute"] == "123456789012" and slots_of(events)["dispute_order"] is None


def _with_files(t, services, *names):
    """The tracker of a turn on which a channel stored files and sent /send_evidence."""
    from support.samples import image_bytes

    files = [{"sha256": services.evidence.put(image_bytes(color=(i * 40, 10, 10))), "name": n}
             for i, n in enumerate(names)]
    t.latest_message["metadata"]["attachments"] = files
    return t


def test_files_outside_the_form_go_to_the_only_open_dispute(svc):
    events, messages = run(ActionAttachEvidence(), _with_files(tracker("send_evidence", buyer="chen"), svc,
                                                                "mat.jpg"))
    number = slots_of(events)["last_dispute"]
    assert f"Attached to dispute {number}: mat.jpg" in texts(messages)
    assert [e.display_name for e in svc.disputes.dispute_status("chen", number).evidence][-1] == "mat.jpg"
    assert slots_of(events)["pending_evidence"] is None


def test_files_wait_while_the_buyer_picks_one_of_several_disputes(svc):
    events, messages = run(ActionAttachEvidence(), _with_files(tracker("send_evidence"), svc, "a.jpg", "b.jpg"))
    pending = slots_of(events)["pending_evidence"]
    assert [f["name"] for f in pending] == ["a.jpg", "b.jpg"]
    buttons = [b for m in messages for b in m.get("buttons") or []]
    assert "Which dispute" in texts(messages) and all(b["payload"].startswith("/send_evidence{") for b in buttons)
    shoes = next(d for d in svc.disputes.list_disputes("anna") if d.order.number == SHOES).dispute.number
    t = tracker("send_evidence", entities=[("dispute_number", shoes)], slots={"pending_evidence": pending})
    events, messages = run(ActionAttachEvidence(), t)
    assert f"Attached to dispute {shoes}: a.jpg, b.jpg" in texts(messages)
    assert slots_of(events)["pending_evidence"] is None


def test_files_go_to_the_dispute_being_changed(svc):
    shoes = next(d for d in svc.disputes.list_disputes("anna") if d.order.number == SHOES).dispute.number
    t = _with_files(tracker("send_evidence", slots={"awaiting_changes": True, "pending_action": f"modify:{shoes}"}),
                    svc, "sole.jpg")
    _, messages = run(ActionAttachEvidence(), t)
    assert f"Attached to dispute {shoes}: sole.jpg" in texts(messages)


def test_files_without_an_open_dispute_and_typed_claims_without_files(svc):
    events, messages = run(ActionAttachEvidence(), _with_files(tracker("send_evidence", buyer="ben"), svc, "x.jpg"))
    assert "open a dispute" in texts(messages) and slots_of(events)["pending_evidence"] is None
    _, messages = run(ActionAttachEvidence(), tracker("send_evidence", text="here are the photos"))
    assert "didn't get a file" in texts(messages)


def test_the_forms_fixed_questions_offer_only_valid_codes():
    """The fixed questions live in domain.yml: their buttons must carry real problem codes and resolutions."""
    import json
    from pathlib import Path

    import yaml

    from bot.disputes.model import Resolution
    from bot.disputes.problems import ProblemCode

    from rasa.core.nlg.interpolator import interpolate

    responses = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())["responses"]
    for name, entity, valid in (("utter_ask_problems", "problem", {p.value for p in ProblemCode}),
                                ("utter_ask_resolution", "resolution", {r.value for r in Resolution})):
        # What the buyer's channel receives: the payloads after Rasa filled the response as a template.
        payloads = [b["payload"] for b in interpolate(responses[name][0], {})["buttons"]]
        values = [json.loads(p[len("/inform"):])[entity] for p in payloads]
        assert all(p.startswith("/inform{") for p in payloads) and set(values) <= valid and values, name
    assert [b["payload"] for b in responses["utter_ask_item_received"][0]["buttons"]] == ["/affirm", "/deny"]


def test_no_response_makes_rasa_log_a_missing_slot(monkeypatch):
    """Rasa fills every response as a template; a brace that is not a slot placeholder made it log
    "The specified slot name does not exist" on every form question (operators read it as a failure)."""
    from pathlib import Path

    import yaml
    from rasa.core.nlg import interpolator

    logged = []

    class Recorder:
        def exception(self, event, **details):
            logged.append((event, details.get("placeholder_key")))

    monkeypatch.setattr(interpolator, "structlogger", Recorder())
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    slots = {name: "x" for name in domain.get("slots") or {}}
    for name, variations in domain["responses"].items():
        for variation in variations:
            interpolator.interpolate(dict(variation), slots)
    assert logged == []


def _form_events(message_intent, message_text, answered_by):
    """Tracker events of a form that asked the description, then a message a rule answered."""
    return [
        {"event": "active_loop", "name": "dispute_form"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": message_text, "parse_data": {"intent": {"name": message_intent}}},
        {"event": "action", "name": answered_by},
        {"event": "action", "name": "dispute_form"},
    ]


def test_the_form_resumes_at_its_step_after_an_interruption_without_reading_it_again(svc):
    slots = {"requested_slot": "description", "dispute_order": EARBUDS, "item_received": True,
             "problems": ["damaged"], "resolution": "full_refund"}
    t = tracker("faq_refund_time", "how long does a refund take", slots=slots,
                events=_form_events("faq_refund_time", "how long does a refund take", "utter_faq_refund_time"))
    t.active_loop = {"name": "dispute_form"}
    events, messages = run(ValidateDisputeForm(), t)
    # the step is named again (Rasa asks it) and the question was not taken as the description
    assert slots_of(events) == {"requested_slot": "description"} and messages == []


def test_a_typed_answer_to_the_step_wins_over_the_intent(svc):
    slots = {"requested_slot": "evidence_done", "dispute_order": EARBUDS, "item_received": True,
             "problems": ["damaged"], "resolution": "full_refund", "description": "cracked"}
    events, _ = run(ValidateDisputeForm(), tracker("faq_add_photos", "no photos", slots=slots))
    assert slots_of(events)["evidence_done"] is True and slots_of(events)["requested_slot"] == "confirm_filing"


def test_a_stopped_form_is_kept_and_picked_up_on_another_channel(svc):
    slots = {"requested_slot": "resolution", "dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"]}
    run(ValidateDisputeForm(), tracker("inform", "i want my money back", slots=slots, sender="web-tab"))
    events, messages = run(ActionStartDispute(), tracker("continue_dispute", "continue my dispute",
                                                         sender="telegram-chat"))
    resumed = slots_of(events)
    assert resumed["dispute_order"] == EARBUDS and resumed["problems"] == ["damaged"]
    assert resumed["resolution"] == "full_refund"
    assert "pick up your dispute about the TWS wireless earbuds" in texts(messages)


def test_an_order_that_already_has_a_dispute_gets_its_status_not_a_new_form(svc):
    events, messages = run(ActionStartDispute(), tracker("inform", f"order {SHOES} broke after 2 days",
                                                         entities=[("order_number", SHOES), ("problem", "damaged")]))
    assert slots_of(events)["can_start_dispute"] is False
    assert "already has a dispute" in texts(messages) and "awaiting seller" in texts(messages)


def test_an_order_too_late_is_named_with_the_reason_and_what_to_do(svc):
    events, messages = run(ActionStartDispute(), tracker("open_dispute", "dispute for the knife set",
                                                         entities=[("item", "knife set")]))
    assert slots_of(events)["can_start_dispute"] is False
    assert "Only 10 days" in texts(messages) and "at least 15" in texts(messages)
    assert "Contact seller" in texts(messages)


def test_the_last_resort_answer_is_never_empty(svc):
    from actions.conversation import ActionLastResort

    events, messages = run(ActionLastResort(), tracker("affirm", "ok yes file it"))
    assert messages and any(m.get("buttons") for m in messages)
    in_form = tracker("affirm", "hmm", slots={"requested_slot": "resolution"})
    in_form.active_loop = {"name": "dispute_form"}
    _, messages = run(ActionLastResort(), in_form)
    assert "still on your dispute" in texts(messages)
    assert any(m.get("response") == "utter_ask_resolution" for m in messages)


def test_which_dispute_answered_by_the_item(svc):
    from actions.triage import ActionTriage

    _, messages = run(ActionEscalateDispute(), tracker("escalate_dispute", "escalate my dispute"))
    assert "Which dispute?" in texts(messages)
    events, messages = run(ActionTriage(), tracker("inform", "the shoes obviously", entities=[("item", "shoes")],
                                                   slots={"pick_for": "escalate_dispute"}))
    assert slots_of(events)["awaiting_confirmation"] is True and "Escalate dispute" in texts(messages)
    assert slots_of(events)["pending_action"] == f"escalate:{shoes_dispute(svc)}"


def test_a_follow_up_question_asks_the_previous_question_about_another_order(svc):
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": "how many days left on my earbuds"},
              {"event": "action", "name": "action_check_protection"},
              {"event": "action", "name": "action_listen"},
              {"event": "user", "text": "and the dress?"}]
    t = tracker("open_dispute", "and the dress?", entities=[("item", "dress")], events=events)
    events, messages = run(ActionStartDispute(), t)
    assert slots_of(events)["can_start_dispute"] is False and "16 days of Buyer Protection" in texts(messages)


def test_a_choice_after_an_answered_question_takes_the_facts_of_the_message_before(svc):
    from actions.triage import ActionTriage

    before = {"intent": {"name": "faq_refund_time"}, "text": "my dress faded after one wash. how long does a "
              "refund take?", "entities": [{"entity": "item", "value": "dress"},
                                          {"entity": "problem", "value": "rusted_faded"}]}
    events = [{"event": "user", "text": before["text"], "parse_data": before},
              {"event": "action", "name": "utter_faq_refund_time"}, {"event": "action", "name": "action_listen"},
              {"event": "user", "text": "full refund then"}]
    events, _ = run(ActionTriage(), tracker("inform", "full refund then", events=events))
    started = slots_of(events)
    assert started["can_start_dispute"] is True and started["dispute_order"] == DRESS
    assert started["problems"] == ["rusted_faded"]
