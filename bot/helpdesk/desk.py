"""The help desk's use cases: queue a conversation for a person, show agents the case, let them reply and act
on the dispute through the same services as the bot, and hand the conversation back to the bot.

While a conversation is handed off, the gateway's relay does not pass the buyer's messages to Rasa at all:
the bot stays silent however long the gap (Rasa's session expiry, which would un-pause a paused tracker, never
comes into it). Channels deliver what agents write; `notify` tells agent consoles and the outgoing webhook.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence

import anyio

from bot.disputes.errors import NotAllowed
from bot.disputes.model import Agent, AgentRole, DisputeStatus
from bot.helpdesk.labels import (action_label, form_labels, handoff_reason_label, handoff_status_label,
                                  problem_labels, resolution_label, status_label)
from bot.helpdesk.model import Handoff, HandoffReason, HandoffStatus, NotYourHandoff

log = logging.getLogger(__name__)

BACK_TO_BOT = "/back_to_bot"
Deliver = Callable[[Handoff, List[Dict[str, Any]]], Awaitable[None]]
Notify = Callable[[str, Dict[str, Any]], Awaitable[None]]


def _run(fn, *args, **kwargs):
    return anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))


class HelpDesk:
    def __init__(self, services, relay, deliver: Deliver, notify: Notify) -> None:
        self._services = services
        self._store = services.handoffs
        self._relay = relay
        self._deliver = deliver
        self._notify = notify

    # ---- the buyer's side ------------------------------------------------------------------------

    async def request(self, conversation_id: str, channel: str, buyer_id: Optional[str], reason: str,
                      draft: Dict[str, Any]) -> Dict[str, Any]:
        """Queues the conversation (once) and returns the message that tells the buyer their place."""
        try:
            why = HandoffReason(reason)
        except ValueError:
            why = HandoffReason.ASKED
        handoff, new = await _run(self._store.open, conversation_id, channel, buyer_id, why, draft)
        position = await _run(self._store.position, handoff)
        if new:
            log.info("hand-off %s queued (%s, %s)", handoff.id, channel, why.value)
            await self._notify("handoff.created", await self._queue_item(handoff, position))
        place = "next in line" if position == 1 else f"number {position} in the queue"
        return {"text": f"A person from our help desk will answer here. You are {place}; you can keep writing "
                        "and they will see it.",
                "buttons": [{"title": "Back to the assistant", "payload": BACK_TO_BOT}], "image": None}

    async def buyer_wrote(self, handoff: Handoff, stored: Dict[str, Any]) -> None:
        await self._notify("buyer.message", {"handoff_id": handoff.id, "conversation_id": handoff.conversation_id,
                                             "message": stored})

    async def buyer_left(self, handoff: Handoff) -> None:
        """The buyer tapped 'Back to the assistant' while waiting or talking to an agent (the relay then hands
        the turn to the bot)."""
        released = await _run(self._store.release, handoff.id, "The buyer went back to the assistant.")
        await self._notify("handoff.released", {"handoff_id": released.id, "by": "buyer"})
        if released.agent_id:
            await self._notify("buyer.message", {"handoff_id": handoff.id, "message": {
                "sender": "bot", "text": "(The buyer went back to the assistant.)"}})

    # ---- the agent's side ------------------------------------------------------------------------

    async def queue(self) -> List[Dict[str, Any]]:
        # The store lists waiting hand-offs first, in queue order: a waiting one's place is its index + 1.
        return [await self._queue_item(h, i + 1 if h.status is HandoffStatus.QUEUED else None)
                for i, h in enumerate(await _run(self._store.queue))]

    async def _queue_item(self, handoff: Handoff, position: Optional[int]) -> Dict[str, Any]:
        last = await _run(self._services.transcripts.messages, handoff.conversation_id, 0, 1)
        return {"id": handoff.id, "channel": handoff.channel, "buyer_id": handoff.buyer_id,
                "reason": handoff.reason.value, "status": handoff.status.value,
                "reason_label": handoff_reason_label(handoff.reason),
                "status_label": handoff_status_label(handoff.status),
                "agent": handoff.agent_name, "requested_at": handoff.requested_at.isoformat(),
                "position": position,
                "last_message": (last[0].get("text") or "")[:200] if last else ""}

    async def summary(self, handoff_id: int) -> Dict[str, Any]:
        """Everything an agent needs at a glance: buyer, orders and protection days, the half-filled form,
        disputes with history and evidence, and the transcript."""
        handoff = await _run(self._store.get, handoff_id)
        disputes = self._services.disputes
        buyer = None
        orders: List[Dict[str, Any]] = []
        cases: List[Dict[str, Any]] = []
        if handoff.buyer_id:
            found = await _run(self._services.accounts.buyer, handoff.buyer_id)
            buyer = {"id": handoff.buyer_id, "name": found.name if found else handoff.buyer_id,
                     "email": found.email if found else ""}
            for s in await _run(disputes.list_orders, handoff.buyer_id):
                orders.append({"number": s.order.number, "item": s.order.item, "status": s.order.status.value,
                               "price": f"{s.order.price:.2f} {s.order.currency}",
                               "protection_days_left": s.protection_days_left,
                               "can_open_dispute": s.eligibility.can_open, "why_not": s.eligibility.reason})
            for d in await _run(disputes.list_disputes, handoff.buyer_id):
                full = await _run(disputes.dispute_status, handoff.buyer_id, d.dispute.number)
                claim, offer = full.dispute.claim, full.dispute.seller_offer
                cases.append({
                    "number": full.dispute.number, "order": full.order.number, "item": full.order.item,
                    "status": full.dispute.status.value, "received": claim.received,
                    "problems": [p.value for p in claim.problems], "resolution": claim.resolution.value,
                    "status_label": status_label(full.dispute.status),
                    "problem_labels": problem_labels(claim.problems),
                    "resolution_label": resolution_label(claim.resolution),
                    "seller_offer": None if offer is None else {
                        "resolution": offer.resolution.value, "resolution_label": resolution_label(offer.resolution),
                        "amount": None if offer.amount is None else f"{offer.amount:.2f}"},
                    "refund_amount": None if claim.refund_amount is None else f"{claim.refund_amount:.2f}",
                    "description": claim.description,
                    "seller_deadline": full.dispute.seller_deadline.isoformat(),
                    "evidence": [{"id": e.id, "name": e.display_name, "media_type": e.media_type, "size": e.size,
                                  "url": f"/api/agent/conversations/{handoff.id}/evidence/{e.sha256}"}
                                 for e in full.evidence],
                    "history": [{"at": ev.at.isoformat(), "who": ev.actor.name or ev.actor.kind.value,
                                 "actor": ev.actor.kind.value, "action": ev.action,
                                 "action_label": action_label(ev.action)} for ev in full.history],
                })
        transcript = await _run(self._services.transcripts.messages, handoff.conversation_id, 0, 500)
        for message in transcript:  # files the buyer sent while waiting or talking to the agent
            for attachment in message.get("attachments") or []:
                if attachment.get("sha256"):
                    attachment["url"] = f"/api/agent/conversations/{handoff.id}/evidence/{attachment['sha256']}"
        draft = dict(handoff.draft)
        form = {k: v for k, v in draft.items() if v not in (None, "", [])}
        draft_files = [{"name": f.get("name"), "url": f"/api/agent/conversations/{handoff.id}/evidence/{f['sha256']}"}
                       for f in draft.pop("evidence_files", None) or [] if isinstance(f, dict) and f.get("sha256")]
        return {
            "id": handoff.id, "conversation_id": handoff.conversation_id, "channel": handoff.channel,
            "status": handoff.status.value, "reason": handoff.reason.value, "agent": handoff.agent_name,
            "status_label": handoff_status_label(handoff.status), "reason_label": handoff_reason_label(handoff.reason),
            "requested_at": handoff.requested_at.isoformat(), "buyer": buyer, "orders": orders,
            "form_so_far": form, "form_labels": form_labels(form), "form_evidence": draft_files,
            "disputes": cases,
            "transcript": transcript,
            "audit": await _run(self._store.audit_log, handoff.id, 100),
        }

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
        await self._say_to_buyer(handoff, f"{agent.name} from our help desk has joined the conversation.",
                                 sender="bot")
        return handoff

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
        body = {"text": text, "buttons": [], "image": None}
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
        metadata: Dict[str, Any] = {"channel": handoff.channel,
                                    "handoff": {"agent": agent_name, "note": handoff.release_note,
                                                "disputes": list(dispute_numbers)}}
        if handoff.buyer_id:
            metadata["buyer_id"] = handoff.buyer_id
        try:
            exchange = await self._relay.turn(handoff.conversation_id, text, metadata, from_channel=True,
                                              shown="(back to the assistant)")
            await self._deliver(handoff, exchange.replies)
        except Exception:
            log.exception("the bot could not resume hand-off %s", handoff.id)

    # ---- acting on disputes, as the agent ----------------------------------------------------------

    async def file_dispute(self, agent: Agent, handoff_id: int, fields: Dict[str, Any]) -> Dict[str, Any]:
        handoff = await self._held(agent, handoff_id)
        buyer = self._buyer(handoff)
        details = await _run(self._services.disputes.open_dispute, buyer, fields.get("order_number"),
                             received=fields.get("received"), problems=fields.get("problems") or (),
                             resolution=fields.get("resolution") or "full_refund",
                             refund_amount=fields.get("refund_amount"), description=fields.get("description") or "",
                             submission_key=f"handoff:{handoff.id}:{fields.get('order_number')}",
                             actor=agent.as_actor())
        return await self._acted(agent, handoff, "file_dispute", details)

    async def modify_dispute(self, agent: Agent, handoff_id: int, number: str, changes: Dict[str, Any]):
        handoff = await self._held(agent, handoff_id)
        allowed = {k: v for k, v in changes.items()
                   if k in ("problems", "resolution", "refund_amount", "description") and v is not None}
        details = await _run(self._services.disputes.modify_dispute, self._buyer(handoff), number,
                             actor=agent.as_actor(), **allowed)
        return await self._acted(agent, handoff, "modify_dispute", details)

    async def escalate_dispute(self, agent: Agent, handoff_id: int, number: str):
        handoff = await self._held(agent, handoff_id)
        details = await _run(self._services.disputes.escalate_dispute, self._buyer(handoff), number,
                             actor=agent.as_actor())
        return await self._acted(agent, handoff, "escalate_dispute", details)

    async def decide_dispute(self, agent: Agent, handoff_id: int, number: str, in_buyers_favour: bool,
                             refund_amount: Any = None, note: str = ""):
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

    async def _acted(self, agent: Agent, handoff: Handoff, action: str, details) -> Dict[str, Any]:
        number = details.dispute.number
        await _run(self._store.audit, agent, action, handoff.id, number, {"status": details.dispute.status.value})
        status = details.dispute.status
        words = {"file_dispute": f"I filed dispute {number} for you.",
                 "modify_dispute": f"I updated dispute {number}.",
                 "escalate_dispute": f"I escalated dispute {number} to the Dispute Team.",
                 "decide_dispute": f"The Dispute Team decided dispute {number}: "
                                   + ("in your favour." if status is DisputeStatus.RESOLVED else "closed.")}
        await self._say_to_buyer(handoff, words[action], sender="agent", agent_name=agent.name)
        return {"number": number, "status": status.value, "status_label": status_label(status),
                "order": details.order.number}
