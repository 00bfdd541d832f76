"""Every text the action server sends a buyer goes through the catalogue in the conversation's language.

With the pseudo-catalogue on, a Spanish conversation gets every catalogue text as ⟦English⟧; a word left outside
the brackets (other than the scenario's own values: item names, numbers, the buyer's words) is English written
into an action without `_()`, which a Spanish buyer would read in English. The brackets here go around a text's
own words only, not its `{placeholders}`, so an English value filled into a translated sentence (a status, a
resolution, a reason) shows too. The scenarios run every action class through its main branches on the seeded
store."""
from __future__ import annotations

import contextlib
import re
import string
from typing import Dict, List, Tuple

import pytest
from support.action_runs import run, slots_of, svc, tracker  # noqa: F401 (svc: a fixture)
from support.pseudo_locale import CLOSE, OPEN, PseudoCatalogue, catalogue_module, pseudo_translated, untranslated
from support.samples import image_bytes

import actions.common as common
from actions.conversation import ActionBackToBot, ActionFallback, ActionLastResort, ActionRequestHuman
from actions.dispute_form import (
    ActionAskConfirmFiling,
    ActionAskDisputeOrder,
    ActionAskEvidenceDone,
    ActionAskRefundAmount,
    ActionFileDispute,
    ActionStartDispute,
    ActionStopForm,
    ValidateDisputeForm,
)
from actions.disputes import (
    ActionAttachEvidence,
    ActionCancelDispute,
    ActionConfirmPending,
    ActionDisputeStatus,
    ActionEscalateDispute,
    ActionModifyDispute,
    ActionRefundStatus,
)
from actions.offers import ActionAcceptOffer
from actions.orders import ActionCheckProtection, ActionListOrders
from actions.replies import PROBLEM_WORDS, STATUS_LABELS
from actions.triage import ActionTriage
from bot.disputes.model import DisputeStatus
from bot.disputes.problems import PROBLEM_LABELS
from bot.i18n import DEFAULT, translator

EARBUDS, DRESS, KNIVES, SHOES = "8190334512007781", "8190334512007782", "8190334512007783", "8190334512007787"
CHEN_PAN = "8190334512007793"
BUYERS = ("anna", "ben", "chen")
# Dates ("15 dic 2026") and money ("5,00 US$") are written by the catalogue's formatting, not by the actions.
_DATE = re.compile(r"\b\d{1,2} [^\W\d_]{2,5}\.? \d{4}\b")
_CURRENCY = re.compile(r"US\$|\bUSD\b")

Sent = List[Tuple[str, Dict]]  # (scenario, message)


class WordsOnlyPseudoCatalogue(PseudoCatalogue):
    """"Dispute {number}: {status}." comes back as "⟦Dispute ⟧{number}⟦: ⟧{status}⟦.⟧": what is filled in stays
    outside the brackets unless it went through the catalogue itself."""

    def gettext(self, language: str, message: str) -> str:
        if language == DEFAULT:
            return message
        try:
            parts = list(string.Formatter().parse(message))
        except ValueError:  # not a template (stray braces): the whole text
            return f"{OPEN}{message}{CLOSE}"
        out = []
        for literal, field, spec, conversion in parts:
            escaped = literal.replace("{", "{{").replace("}", "}}")
            out.append(f"{OPEN}{escaped}{CLOSE}" if literal.strip() else escaped)
            if field is not None:
                out.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
        return "".join(out)


@contextlib.contextmanager
def words_only_pseudo():
    with pseudo_translated():
        fake = WordsOnlyPseudoCatalogue()
        catalogue_module.catalogue = lambda: fake  # (pseudo_translated puts the real one back)
        yield fake


class Conversation:
    """Runs actions in one language and keeps every message sent, with the scenario that sent it."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.sent: Sent = []
        self.silent: List[str] = []  # scenarios that sent nothing (a scenario that tests nothing)

    def tracker(self, intent="inform", text="", entities=(), buyer="anna", slots=None, events=None, form=False):
        t = tracker(intent, text, entities, buyer, {"language": self.language, **(slots or {})}, events)
        if form:
            t.active_loop = {"name": "dispute_form"}
        return t

    def run(self, scenario: str, action, t) -> Dict:
        events, messages = run(action, t)
        self.sent += [(scenario, m) for m in messages]
        if not messages:
            self.silent.append(scenario)
        return slots_of(events)


def _with_files(t, services, *names):
    t.latest_message["metadata"]["attachments"] = [
        {"sha256": services.evidence.put(image_bytes(color=(i * 40, 10, 10))), "name": n} for i, n in enumerate(names)]
    return t


def _dispute_on(svc, buyer, order):
    return next(d.dispute.number for d in svc.disputes.list_disputes(buyer) if d.order.number == order)


def _escalated(svc):
    return next(d.dispute.number for d in svc.disputes.list_disputes("anna")
                if d.dispute.status is DisputeStatus.ESCALATED)


def play(svc, c: Conversation, monkeypatch) -> None:  # noqa: C901 - one long script of scenarios
    """The scenarios, in an order that keeps the seeded store usable for the next one."""
    t = c.tracker
    # Who the buyer is, the orders and their protection.
    c.run("not signed in", ActionListOrders(), t(buyer=None))
    c.run("not signed in (form)", ValidateDisputeForm(), t(buyer=None))
    c.run("orders", ActionListOrders(), t())
    c.run("protection, eligible", ActionCheckProtection(), t(entities=[("order_number", EARBUDS)]))
    c.run("protection, too late", ActionCheckProtection(), t(entities=[("item", "knife set")]))
    c.run("protection, all", ActionCheckProtection(), t(text="how long do i have"))
    # Starting a dispute.
    c.run("start, has a dispute", ActionStartDispute(), t("inform", f"order {SHOES} broke",
                                                          [("order_number", SHOES), ("problem", "damaged")]))
    c.run("start, too late", ActionStartDispute(), t("open_dispute", "dispute the knife set", [("item", "knife set")]))
    c.run("start, nothing to continue", ActionStartDispute(), t("continue_dispute", "continue my dispute"))
    # The form: its questions, its answers, the summary, filing.
    c.run("ask order", ActionAskDisputeOrder(), t())
    c.run("ask evidence", ActionAskEvidenceDone(), t())
    c.run("ask evidence, some sent", ActionAskEvidenceDone(), t(slots={"evidence_files": [{"sha256": "a" * 64}]}))
    c.run("ask amount", ActionAskRefundAmount(), t(slots={"dispute_order": EARBUDS}))
    form = {"draft_id": "d1", "dispute_order": EARBUDS, "item_received": True, "problems": ["damaged", "no_packaging"],
            "resolution": "partial_refund", "refund_amount": "5.00", "description": "Left bud is cracked",
            "evidence_done": True, "evidence_files": [{"sha256": svc.evidence.put(image_bytes()), "name": "bud.jpg"}],
            "requested_slot": "confirm_filing"}
    c.run("summary", ActionAskConfirmFiling(), t(slots=form))
    c.run("summary, not received", ActionAskConfirmFiling(), t(slots={
        **form, "item_received": False, "problems": ["not_received"], "resolution": "full_refund",
        "refund_amount": None, "description": None, "evidence_files": []}))
    c.run("form, which order", ValidateDisputeForm(), t("inform", "the earbuds or the dress",
                                                        slots={"requested_slot": "dispute_order"}))
    c.run("form, unknown order", ValidateDisputeForm(), t("inform", "9999999999999999",
                                                          [("order_number", "9999999999999999")],
                                                          slots={"requested_slot": "dispute_order"}))
    c.run("form, too late order", ValidateDisputeForm(), t("inform", "the knife set", [("item", "knife set")],
                                                           slots={"requested_slot": "dispute_order"}))
    c.run("form, unknown problem", ValidateDisputeForm(), t("inform", "it smells like burnt plastic all the time",
                                                            slots={"requested_slot": "problems",
                                                                   "dispute_order": EARBUDS}))
    c.run("form, too much", ValidateDisputeForm(), t("inform", "500", slots={
        "requested_slot": "refund_amount", "dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"],
        "resolution": "partial_refund"}))
    c.run("form, whole price", ValidateDisputeForm(), t("inform", "give me 23.99 back", slots={
        "requested_slot": "refund_amount", "dispute_order": EARBUDS, "item_received": True, "problems": ["damaged"],
        "resolution": "partial_refund"}))
    c.run("form, not received wants another", ValidateDisputeForm(), t("inform", "send me another one", slots={
        "requested_slot": "resolution", "dispute_order": EARBUDS, "item_received": False,
        "problems": ["not_received"]}))
    c.run("form, photos later", ValidateDisputeForm(), t("deny", "i'll send photos later", slots={
        **form, "requested_slot": "evidence_done", "evidence_done": None, "evidence_files": []}))
    c.run("form, photos yes", ValidateDisputeForm(), t("affirm", "yes", slots={
        **form, "requested_slot": "evidence_done", "evidence_done": None, "evidence_files": []}))
    c.run("form, no file came", ValidateDisputeForm(), t("send_evidence", "here are the photos",
                                                         slots={**form, "requested_slot": "evidence_done"}))
    c.run("form, files", ValidateDisputeForm(), _with_files(t("send_evidence", "/send_evidence", slots={
        **form, "requested_slot": "evidence_done", "evidence_files": []}), svc, "a.jpg", "b.jpg"))
    too_many = [{"sha256": f"{i:064x}", "name": f"f{i}.jpg"} for i in range(20)]
    c.run("form, too many files", ValidateDisputeForm(), _with_files(t("send_evidence", "/send_evidence", slots={
        **form, "requested_slot": "evidence_done", "evidence_files": too_many}), svc, "c.jpg"))
    c.run("form, no at summary", ValidateDisputeForm(), t("deny", "no", slots=form))
    c.run("form, question at summary", ValidateDisputeForm(), t("inform", "can i get a full refund instead?",
                                                                slots=form))
    c.run("form, unanswered question", ValidateDisputeForm(), t("inform", "why is the sky blue?",
                                                                slots=form))
    c.run("form, not an answer", ValidateDisputeForm(), t("inform", "/inform", slots={
        "requested_slot": "item_received", "dispute_order": EARBUDS}))

    def down(*args, **kwargs):
        raise ConnectionError("database connection terminated")

    with monkeypatch.context() as patched:
        patched.setattr(svc.disputes, "open_dispute", down)
        c.run("filing fails", ValidateDisputeForm(), t("affirm", "yes", slots=form))
    filed = c.run("filed", ValidateDisputeForm(), t("affirm", "yes", slots=form))
    c.run("filed again", ActionFileDispute(), t(slots={**form, "confirm_filing": True}))
    c.run("filing refused", ValidateDisputeForm(), t("affirm", "yes", slots={**form, "draft_id": "d2"}))
    c.run("stop with an order", ActionStopForm(), t(slots={"dispute_order": DRESS}))
    c.run("stop", ActionStopForm(), t())
    run(ValidateDisputeForm(), t("inform", "i want my money back", slots={  # a draft left to pick up
        "requested_slot": "resolution", "dispute_order": DRESS, "item_received": True,
        "problems": ["color_mismatch"]}))
    c.run("start, picks up a draft", ActionStartDispute(), t("continue_dispute", "continue my dispute"))
    # Status, refund, and what can be done with a dispute.
    earbuds = filed["last_dispute"]
    c.run("status, all", ActionDisputeStatus(), t())
    c.run("status, order without dispute", ActionDisputeStatus(), t(text="status of the dress",
                                                                    entities=[("item", "dress")]))
    c.run("status, too-late order without dispute", ActionDisputeStatus(), t(text="status of the knife set",
                                                                             entities=[("item", "knife set")]))
    c.run("status, none", ActionDisputeStatus(), t(buyer="ben"))
    c.run("refund", ActionRefundStatus(), t())
    c.run("refund, none", ActionRefundStatus(), t(buyer="ben"))
    shoes = _dispute_on(svc, "anna", SHOES)
    c.run("escalate, which", ActionEscalateDispute(), t("escalate_dispute", "escalate my dispute"))
    c.run("escalate, none", ActionEscalateDispute(), t("escalate_dispute", "escalate my dispute", buyer="ben"))
    asked = c.run("escalate, awaiting seller", ActionEscalateDispute(), t(entities=[("dispute_number", shoes)]))
    c.run("escalate, no", ActionConfirmPending(), t("deny", "no", slots=asked))
    c.run("escalate, already", ActionEscalateDispute(), t(entities=[("dispute_number", _escalated(svc))]))
    c.run("cancel, order without dispute", ActionCancelDispute(), t("cancel_dispute", "cancel the dress dispute",
                                                                    [("item", "dress")]))
    asked = c.run("cancel, warning", ActionCancelDispute(), t(entities=[("dispute_number", earbuds)]))
    c.run("cancel, no", ActionConfirmPending(), t("deny", "no", slots=asked))
    c.run("modify, what", ActionModifyDispute(), t("modify_dispute", "change my dispute",
                                                   [("dispute_number", shoes)]))
    asked = c.run("modify, changes", ActionModifyDispute(), t("modify_dispute", "also the sole is coming off, "
                                                              "make it a partial refund of 10",
                                                              [("dispute_number", shoes), ("problem", "damaged")]))
    c.run("modify, description", ActionModifyDispute(), t("inform", "The sole came off after two days",
                                                          slots={"awaiting_changes": True,
                                                                 "pending_action": f"modify:{shoes}"}))
    c.run("modify, saved", ActionConfirmPending(), t("affirm", "yes", slots=asked))
    c.run("nothing pending", ActionConfirmPending(), t("affirm", "yes", slots={"pending_action": "other:"}))
    # Evidence outside the form.
    c.run("evidence, no file", ActionAttachEvidence(), t("send_evidence", "here are the photos"))
    c.run("evidence, which", ActionAttachEvidence(), _with_files(t("send_evidence"), svc, "x.jpg"))
    c.run("evidence, attached", ActionAttachEvidence(), _with_files(t("send_evidence", entities=[
        ("dispute_number", shoes)]), svc, "sole.jpg"))
    c.run("evidence, already there", ActionAttachEvidence(), _with_files(t("send_evidence", entities=[
        ("dispute_number", shoes)]), svc, "sole.jpg"))
    c.run("evidence, no open dispute", ActionAttachEvidence(), _with_files(t("send_evidence", buyer="ben"), svc,
                                                                           "y.jpg"))
    # A seller's offer: accept, not now, no, which one, none.
    c.run("accept, none", ActionAcceptOffer(), t("accept_offer", "i accept the offer"))
    c.run("accept, no offer on it", ActionAcceptOffer(), t("accept_offer", "accept", [("dispute_number", shoes)]))
    svc.disputes.seller_offer("s-sportmax", shoes, "partial_refund", "5", "keep them")
    c.run("status, offered", ActionDisputeStatus(), t(entities=[("dispute_number", shoes)]))
    asked = c.run("accept, asks", ActionAcceptOffer(), t("accept_offer", "ok i'll take the 5 dollars"))
    c.run("accept, not now", ActionConfirmPending(), t("stop", "not now", slots=asked))
    c.run("bare no to a pushed offer", ActionLastResort(), t("deny", "no"))
    svc.disputes.seller_offer("s-soundwave", earbuds, "another_item")
    c.run("accept, which", ActionAcceptOffer(), t("accept_offer", "i accept the offer"))
    asked = c.run("accept, another item", ActionAcceptOffer(), t("accept_offer", "accept",
                                                                 [("dispute_number", earbuds)]))
    c.run("accept, another item, yes", ActionConfirmPending(), t("affirm", "yes", slots=asked))
    c.run("bare yes to a pushed offer", ActionLastResort(), t("affirm", "yes"))
    asked = c.run("accept, partial", ActionAcceptOffer(), t("accept_offer", "accept", [("dispute_number", shoes)]))
    c.run("accept, partial, yes", ActionConfirmPending(), t("affirm", "yes", slots=asked))
    c.run("refund after accepting", ActionRefundStatus(), t(entities=[("dispute_number", shoes)]))
    c.run("status, resolved", ActionDisputeStatus(), t(entities=[("dispute_number", shoes)]))
    # Escalating and cancelling for real (chen's mat dispute).
    mat = next(d.dispute.number for d in svc.disputes.list_disputes("chen") if d.dispute.is_open)
    asked = c.run("escalate, chen", ActionEscalateDispute(), t(entities=[("dispute_number", mat)], buyer="chen"))
    c.run("escalated", ActionConfirmPending(), t("affirm", "yes", slots=asked, buyer="chen"))
    asked = c.run("cancel, chen", ActionCancelDispute(), t(entities=[("dispute_number", mat)], buyer="chen"))
    c.run("cancelled", ActionConfirmPending(), t("affirm", "yes", slots=asked, buyer="chen"))
    c.run("status, cancelled", ActionDisputeStatus(), t(entities=[("dispute_number", mat)], buyer="chen"))
    c.run("refund, cancelled", ActionRefundStatus(), t(entities=[("dispute_number", mat)], buyer="chen"))
    c.run("another buyer's dispute", ActionDisputeStatus(), t(entities=[("dispute_number", shoes)], buyer="ben"))
    svc.disputes.open_dispute("chen", CHEN_PAN, received=True, problems=["damaged"])
    c.run("start, no eligible orders", ActionStartDispute(), t("open_dispute", buyer="chen"))
    # Misunderstandings, triage, a person.
    c.run("fallback", ActionFallback(), t("nlu_fallback", "asdf"))
    history = [{"event": "user", "text": "asdf"}, {"event": "action", "name": "action_fallback"},
               {"event": "rewind"}, {"event": "action", "name": "action_listen"}, {"event": "user", "text": "qwer"}]
    c.run("fallback twice", ActionFallback(), t("nlu_fallback", "qwer", events=history))
    c.run("fallback, in the form", ActionFallback(), t("nlu_fallback", "asdf", form=True, slots={
        "requested_slot": "dispute_order"}))
    c.run("last resort, in the form", ActionLastResort(), t("affirm", "hmm", form=True, slots={
        "requested_slot": "confirm_filing", "dispute_order": DRESS}))
    c.run("last resort, yes or no", ActionLastResort(), t("inform", "hmm", slots={"awaiting_confirmation": True}))
    c.run("last resort", ActionLastResort(), t("inform", "hmm"))
    c.run("last resort, yes to nothing", ActionLastResort(), t("affirm", "yes", buyer="ben"))
    c.run("triage, missed", ActionTriage(), t("inform", "purple monkey"))
    c.run("triage, which dispute", ActionTriage(), t("inform", "purple monkey",
                                                     slots={"pick_for": "escalate_dispute"}))
    c.run("triage, an eligible order", ActionTriage(), t("inform", "the dress", [("item", "dress")]))
    c.run("triage, a late order", ActionTriage(), t("inform", "the knife set", [("item", "knife set")]))
    c.run("a person", ActionRequestHuman(), t("request_human"))
    c.run("back, nothing", ActionBackToBot(), t("back_to_bot"))
    back = t("back_to_bot")
    back.latest_message["metadata"]["handoff"] = {"agent": "Dana", "note": "Filed it for you",
                                                  "disputes": ["123456789012"]}
    c.run("back, with a dispute", ActionBackToBot(), back)
    back = t("back_to_bot", slots={"dispute_order": DRESS})
    back.latest_message["metadata"]["handoff"] = {"agent": "Dana"}
    c.run("back, to the form", ActionBackToBot(), back)
    with monkeypatch.context() as patched:
        patched.setattr(svc.disputes, "list_orders", lambda buyer: 1 / 0)
        c.run("something went wrong", ActionListOrders(), t())


def _shown(message: Dict) -> List[str]:
    return [message.get("text") or ""] + [b["title"] for b in message.get("buttons") or []]


def _dynamic_values(svc) -> List[str]:
    """What the buyer or the store wrote, shown as it is: item names (also cut short on buttons), the Dispute
    Team's notes, file names, the scenarios' own words."""
    values = {"Left bud is cracked", "The sole came off after two days", "Dana", "Filed it for you",
              "bud.jpg", "a.jpg", "b.jpg", "c.jpg", "x.jpg", "y.jpg", "sole.jpg"}
    for buyer in BUYERS:
        for summary in svc.disputes.list_orders(buyer):
            item = summary.order.item
            values |= {item, item[:30], item[:40], item[:60]}
            if not hasattr(summary.eligibility, "template"):
                values.add(summary.eligibility.reason)  # the domain's English, until it carries a template
        for details in svc.disputes.list_disputes(buyer):
            values |= {details.dispute.outcome_note or ""} | {e.display_name for e in details.evidence}
    return sorted((v for v in values if v), key=len, reverse=True)


def _english_left(sent: Sent, allowed: List[str]) -> List[Tuple[str, str, List[str]]]:
    left = []
    for scenario, message in sent:
        for shown in _shown(message):
            words = untranslated(_CURRENCY.sub(" ", _DATE.sub(" ", shown)), allowed)
            if words:
                left.append((scenario, shown, words))
    return left


def test_a_spanish_conversation_gets_every_text_through_the_catalogue(svc, monkeypatch):
    conversation = Conversation("es")
    with words_only_pseudo():
        play(svc, conversation, monkeypatch)
    assert conversation.silent == []  # every scenario really said something
    assert _english_left(conversation.sent, _dynamic_values(svc)) == []
    # Payloads are never translated: the gateway checks them against what the bot offered.
    payloads = [b["payload"] for _, m in conversation.sent for b in m.get("buttons") or []]
    assert payloads and not any(OPEN in p for p in payloads)
    # The two-stage fallback still asks the gateway for a person.
    assert any((m.get("custom") or {}).get("handoff") for _, m in conversation.sent)


def test_english_is_untouched_by_the_catalogue(svc, monkeypatch):
    conversation = Conversation("en")
    with pseudo_translated():
        play(svc, conversation, monkeypatch)
    shown = [text for _, m in conversation.sent for text in _shown(m)]
    assert conversation.silent == [] and not any(OPEN in text for text in shown)
    assert "Your orders:\n• " in "\n".join(shown)


def test_the_language_comes_from_the_slot_then_the_message_then_english(svc):
    assert common.language_of(tracker(slots={"language": "pt"})) == "pt"
    t = tracker()
    t.latest_message["metadata"]["language"] = "ru"
    assert common.language_of(t) == "ru"
    t.slots["language"] = "fr"
    assert common.language_of(t) == "fr"
    assert common.language_of(tracker(slots={"language": "pt-BR"})) == "pt"
    assert common.language_of(tracker(slots={"language": "de"})) == "en"
    assert common.language_of(tracker()) == "en"
    with pseudo_translated():
        _, messages = run(ActionListOrders(), tracker(buyer=None, slots={"language": "ru"}))
    assert messages[0]["text"].startswith(OPEN)


class _Templated(Exception):
    template = "I can't find dispute {number} among your disputes."
    params = {"number": "123"}
    message = "I can't find dispute 123 among your disputes."


class _Plain(Exception):
    message = "Something the domain said."


def test_a_domain_error_shows_its_template_in_the_buyers_language():
    with pseudo_translated():
        assert common.error_text(translator("es"), _Templated()) == "⟦I can't find dispute 123 among your disputes.⟧"
        assert common.error_text(translator("en"), _Templated()) == _Templated.message
        assert common.error_text(translator("es"), _Plain()) == "Something the domain said."


@pytest.mark.parametrize("code", list(PROBLEM_WORDS))
def test_problem_words_are_the_domains_labels_in_lower_case(code):
    assert PROBLEM_WORDS[code] == PROBLEM_LABELS[code].lower()


def test_status_words_are_the_statuses_with_spaces():
    assert {s: STATUS_LABELS[s] for s in DisputeStatus} == {s: s.value.replace("_", " ") for s in DisputeStatus}

