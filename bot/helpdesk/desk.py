"""The help desk's agent side: show agents the queue and the case, let them claim, reply and act on the dispute
through the same services as the bot, and hand the conversation back to the bot.

The buyer's side (queueing, messages while waiting) is bot.helpdesk.intake, which the relay uses; this desk uses
the relay only to let the bot take over again, so nothing here needs wiring after it is built. Channels deliver
what agents write (`deliver`); `notify` tells agent consoles and the outgoing webhook.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import anyio

from bot.disputes.errors import NotAllowed
from bot.disputes.model import Agent, AgentRole, DisputeStatus
from bot.helpdesk.intake import BACK_TO_BOT, LanguageOf, Notify, english, language_of
from bot.helpdesk.labels import (
    action_label,
    form_labels,
    handoff_reason_label,
    handoff_status_label,
    language_label,
    problem_labels,
    resolution_label,
    status_label,
)
from bot.helpdesk.model import Handoff, HandoffStatus, NotYourHandoff
from bot.helpdesk.queue import HandoffQueue
from bot.helpdesk.views import (
    BuyerCard,
    Case,
    CaseSummary,
    DisputeActed,
    EvidenceFile,
    FormFile,
    HistoryEntry,
    OrderLine,
    QueueItem,
    SellerOffer,
)
from bot.i18n import DEFAULT, N_, Translator, supported, translator

log = logging.getLogger(__name__)

Deliver = Callable[[Handoff, List[Dict[str, Any]]], Awaitable[None]]

# What the buyer is told, in the conversation's language. The agent's own words are never translated.
JOINED = N_("{agent} from our help desk has joined the conversation.")
BACK_SHOWN = N_("(back to the assistant)")
ACTED = {"file_dispute": N_("I filed dispute {number} for you."),
         "modify_dispute": N_("I updated dispute {number}."),
         "escalate_dispute": N_("I escalated dispute {number} to the Dispute Team.")}
DECIDED_FOR_BUYER = N_("The Dispute Team decided dispute {number}: in your favour.")
DECIDED_CLOSED = N_("The Dispute Team decided dispute {number}: closed.")


def _run(fn, *args, **kwargs):
    return anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))


class HelpDesk:
    def __init__(self, services: Any, relay: Any, deliver: Deliver, notify: Notify, queue: HandoffQueue,
                 language: LanguageOf = english) -> None:
        self._language = language
        self._services = services
        self._store = services.handoffs
        self._relay = relay  # bot.channels.relay.Relay: the bot taking over again is a turn like any other
        self._deliver = deliver
        self._notify = notify
        self._queue = queue

    # ---- the agent's side ------------------------------------------------------------------------

    async def queue(self) -> List[QueueItem]:
        return await self._queue.items()

    async def summary(self, handoff_id: int) -> CaseSummary:
        """Everything an agent needs at a glance: buyer, orders and protection days, the half-filled form,
        disputes with history and evidence, and the transcript."""
        handoff = await _run(self._store.get, handoff_id)
        disputes = self._services.disputes
        buyer = None
        orders: List[OrderLine] = []
        cases: List[Case] = []
        if handoff.buyer_id:
            found = await _run(self._services.accounts.buyer, handoff.buyer_id)
            buyer = BuyerCard(id=handoff.buyer_id, name=found.name if found else handoff.buyer_id,
                              email=found.email if found else "")
            for s in await _run(disputes.list_orders, handoff.buyer_id):
                orders.append(OrderLine(number=s.order.number, item=s.order.item, status=s.order.status.value,
                                        price=f"{s.order.price:.2f} {s.order.currency}",
                                        protection_days_left=s.protection_days_left,
                                        can_open_dispute=s.eligibility.can_open, why_not=s.eligibility.reason))
            for d in await _run(disputes.list_disputes, handoff.buyer_id):
                full = await _run(disputes.dispute_status, handoff.buyer_id, d.dispute.number)
                claim, offer = full.dispute.claim, full.dispute.seller_offer
                cases.append(Case(
                    number=full.dispute.number, order=full.order.number, item=full.order.item,
                    status=full.dispute.status.value, received=claim.received,
                    problems=[p.value for p in claim.problems], resolution=claim.resolution.value,
                    status_label=status_label(full.dispute.status), problem_labels=problem_labels(claim.problems),
                    resolution_label=resolution_label(claim.resolution),
                    seller_offer=None if offer is None else SellerOffer(
                        resolution=offer.resolution.value, resolution_label=resolution_label(offer.resolution),
                        amount=None if offer.amount is None else f"{offer.amount:.2f}"),
                    refund_amount=None if claim.refund_amount is None else f"{claim.refund_amount:.2f}",
                    description=claim.description,
                    seller_deadline=full.dispute.seller_deadline.isoformat(),
                    evidence=[EvidenceFile(id=e.id, name=e.display_name, media_type=e.media_type, size=e.size,
                                           url=f"/api/agent/conversations/{handoff.id}/evidence/{e.sha256}")
                              for e in full.evidence],
                    history=[HistoryEntry(at=ev.at.isoformat(), who=ev.actor.name or ev.actor.kind.value,
                                          actor=ev.actor.kind.value, action=ev.action,
                                          action_label=action_label(ev.action)) for ev in full.history],
                ))
        transcript = await _run(self._services.transcripts.messages, handoff.conversation_id, 0, 500)
        for message in transcript:  # files the buyer sent while waiting or talking to the agent
            for attachment in message.get("attachments") or []:
                if attachment.get("sha256"):
                    attachment["url"] = f"/api/agent/conversations/{handoff.id}/evidence/{attachment['sha256']}"
        draft = dict(handoff.draft)
        form = {k: v for k, v in draft.items() if v not in (None, "", [])}
        draft_files = [FormFile(name=f.get("name"), url=f"/api/agent/conversations/{handoff.id}/evidence/{f['sha256']}")
                       for f in draft.pop("evidence_files", None) or [] if isinstance(f, dict) and f.get("sha256")]
        return CaseSummary(
            id=handoff.id, conversation_id=handoff.conversation_id, channel=handoff.channel,
            language=supported(handoff.language) or DEFAULT, language_label=language_label(handoff.language),
            status=handoff.status.value, reason=handoff.reason.value, agent=handoff.agent_name,
            status_label=handoff_status_label(handoff.status), reason_label=handoff_reason_label(handoff.reason),
            requested_at=handoff.requested_at.isoformat() if handoff.requested_at else "", buyer=buyer,
            orders=orders, form_so_far=form, form_labels=form_labels(form), form_evidence=draft_files,
            disputes=cases, transcript=transcript, audit=await _run(self._store.audit_log, handoff.id, 100))

    async def case_has_file(self, handoff_id: int, sha256: str) -> bool:
        """Agents may fetch only the files of the case they look at: the form's, the transcript's, the buyer's
        disputes'."""
        handoff = await _run(self._store.get, handoff_id)
        if any(isinstance(f, dict) and f.get("sha256") == sha256 for f in handoff.draft.get("evidence_files") or []):
            return True
        transcript = await _run(self._services.transcripts.messages, handoff.conversation_id, 0, 500)
        if any(a.get("sha256") == sha256 for m in transcript for a in m.get("attachments") or []):
            return True
        if not handoff.buyer_id:
            return False
        disputes = await _run(self._services.disputes.list_disputes, handoff.buyer_id)
        return any(e.sha256 == sha256 for d in disputes for e in d.evidence)

    async def claim(self, agent: Agent, handoff_id: int) -> Handoff:
        handoff = await _run(self._store.claim, handoff_id, agent)
        await _run(self._store.audit, agent, "claim", handoff.id)
        await self._notify("handoff.claimed", {"handoff_id": handoff.id, "agent": agent.name})
        _ = await self._buyers_language(handoff)
        await self._say_to_buyer(handoff, _(JOINED, agent=agent.name), sender="bot")
        return handoff

    async def _buyers_language(self, handoff: Handoff) -> Translator:
        return translator(await language_of(self._language, handoff.conversation_id, handoff.buyer_id))

    async def _held(self, agent: Agent, handoff_id: int) -> Handoff:
        handoff = await _run(self._store.get, handoff_id)
        if handoff.status is not HandoffStatus.CLAIMED or handoff.agent_id != agent.id:
            raise NotYourHandoff()
        return handoff

    async def reply(self, agent: Agent, handoff_id: int, text: str) -> Dict[str, Any]:
        handoff = await self._held(agent, handoff_id)
        stored = await self._say_to_buyer(handoff, text, sender="agent", agent_name=agent.name)
        await _run(self._store.audit, agent, "reply", handoff.id, None, {"chars": len(text)})
        return stored

    async def _say_to_buyer(self, handoff: Handoff, text: str, sender: str,
                            agent_name: Optional[str] = None) -> Dict[str, Any]:
        body: Dict[str, Any] = {"text": text, "buttons": [], "image": None}
        if agent_name:
            body["agent_name"] = agent_name
        [stored] = await _run(self._services.transcripts.append, handoff.conversation_id, sender, [body])
        try:
            await self._deliver(handoff, [stored])
        except Exception:  # the buyer reads it in the transcript on their next visit; the agent is not blocked
            log.exception("delivery to %s failed (hand-off %s)", handoff.channel, handoff.id)
        return stored

    async def release(self, agent: Agent, handoff_id: int, note: str = "") -> Handoff:
        handoff = await _run(self._store.get, handoff_id)
        if handoff.agent_id != agent.id and agent.role is not AgentRole.ADMIN:
            raise NotYourHandoff()
        note = (note or "").strip()[:1000]
        released = await _run(self._store.release, handoff_id, note)
        await _run(self._store.audit, agent, "release", handoff.id, None, {"note": note})
        numbers = [a["dispute_number"] for a in await _run(self._store.audit_log, handoff.id, 100)
                   if a["dispute_number"]]
        await self._notify("handoff.released", {"handoff_id": released.id, "by": agent.name})
        await self._resume(released, agent.name, list(dict.fromkeys(numbers)))
        return released

    async def _resume(self, handoff: Handoff, agent_name: Optional[str], dispute_numbers: Sequence[str]) -> None:
        """The bot takes over again, told what happened (note, disputes the agent filed or changed)."""
        entities = {"dispute_number": dispute_numbers[0]} if dispute_numbers else {}
        text = BACK_TO_BOT + (json.dumps(entities, separators=(",", ":")) if entities else "")
        exchange = await self._relay.turn(
            handoff.conversation_id, text, channel=handoff.channel, buyer_id=handoff.buyer_id, from_channel=True,
            shown=(await self._buyers_language(handoff))(BACK_SHOWN),
            handoff={"agent": agent_name, "note": handoff.release_note, "disputes": list(dispute_numbers)})
        try:
            await self._deliver(handoff, exchange.replies)
        except Exception:
            log.exception("the bot's answer after hand-off %s could not be delivered", handoff.id)

    # ---- acting on disputes, as the agent ----------------------------------------------------------

    async def file_dispute(self, agent: Agent, handoff_id: int, fields: Dict[str, Any]) -> DisputeActed:
        handoff = await self._held(agent, handoff_id)
        buyer = self._buyer(handoff)
        details = await _run(self._services.disputes.open_dispute, buyer, fields.get("order_number"),
                             received=fields.get("received"), problems=fields.get("problems") or (),
                             resolution=fields.get("resolution") or "full_refund",
                             refund_amount=fields.get("refund_amount"), description=fields.get("description") or "",
                             submission_key=f"handoff:{handoff.id}:{fields.get('order_number')}",
                             actor=agent.as_actor())
        return await self._acted(agent, handoff, "file_dispute", details)

    async def modify_dispute(self, agent: Agent, handoff_id: int, number: str,
                             changes: Dict[str, Any]) -> DisputeActed:
        handoff = await self._held(agent, handoff_id)
        allowed = {k: v for k, v in changes.items()
                   if k in ("problems", "resolution", "refund_amount", "description") and v is not None}
        details = await _run(self._services.disputes.modify_dispute, self._buyer(handoff), number,
                             actor=agent.as_actor(), **allowed)
        return await self._acted(agent, handoff, "modify_dispute", details)

    async def escalate_dispute(self, agent: Agent, handoff_id: int, number: str) -> DisputeActed:
        handoff = await self._held(agent, handoff_id)
        details = await _run(self._services.disputes.escalate_dispute, self._buyer(handoff), number,
                             actor=agent.as_actor())
        return await self._acted(agent, handoff, "escalate_dispute", details)

    async def decide_dispute(self, agent: Agent, handoff_id: int, number: str, in_buyers_favour: bool,
                             refund_amount: Any = None, note: str = "") -> DisputeActed:
        handoff = await self._held(agent, handoff_id)
        owned = [d for d in await _run(self._services.disputes.list_disputes, self._buyer(handoff))
                 if d.dispute.number == number]
        if not owned:
            raise NotAllowed("That dispute is not this buyer's.")
        details = await _run(self._services.disputes.decide, agent, number, in_buyers_favour=in_buyers_favour,
                             refund_amount=refund_amount, note=note)
        return await self._acted(agent, handoff, "decide_dispute", details)

    @staticmethod
    def _buyer(handoff: Handoff) -> str:
        if not handoff.buyer_id:
            raise NotAllowed("This visitor is not signed in, so there is no account to act on.")
        return handoff.buyer_id

    async def _acted(self, agent: Agent, handoff: Handoff, action: str, details: Any) -> DisputeActed:
        number = details.dispute.number
        await _run(self._store.audit, agent, action, handoff.id, number, {"status": details.dispute.status.value})
        status = details.dispute.status
        if action == "decide_dispute":
            template = DECIDED_FOR_BUYER if status is DisputeStatus.RESOLVED else DECIDED_CLOSED
        else:
            template = ACTED[action]
        # Written for the agent by the desk (not the agent's own words), so in the buyer's language.
        _ = await self._buyers_language(handoff)
        await self._say_to_buyer(handoff, _(template, number=number), sender="agent", agent_name=agent.name)
        return DisputeActed(number=number, status=status.value, status_label=status_label(status),
                            order=details.order.number)
