"""What the help desk shows agents, as response models: the agent API returns them (and documents them in its
OpenAPI page), the console and the webhook read the same shapes. Codes come with words (bot.helpdesk.labels);
times are ISO 8601 in UTC, the console shows them in the agent's time zone.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from pydantic import BaseModel


class QueueItem(BaseModel):
    id: int
    channel: str
    language: str = "en"  # the conversation's: the agent may answer in it (their messages are not translated)
    language_label: str = "English"
    buyer_id: Optional[str]
    reason: str
    status: str
    reason_label: str
    status_label: str
    agent: Optional[str]
    requested_at: str
    position: Optional[int]  # place in the queue while waiting, else None
    last_message: str


class BuyerCard(BaseModel):
    id: str
    name: str
    email: str


class OrderLine(BaseModel):
    number: str
    item: str
    status: str
    price: str
    protection_days_left: int
    can_open_dispute: bool
    why_not: str


class SellerOffer(BaseModel):
    resolution: str
    resolution_label: str
    amount: Optional[str]


class EvidenceFile(BaseModel):
    id: Any
    name: str
    media_type: str
    size: int
    url: str


class HistoryEntry(BaseModel):
    at: str
    who: str
    actor: str
    action: str
    action_label: str


class Case(BaseModel):
    number: str
    order: str
    item: str
    status: str
    received: Optional[bool]
    problems: List[str]
    resolution: str
    status_label: str
    problem_labels: List[str]
    resolution_label: str
    seller_offer: Optional[SellerOffer]
    refund_amount: Optional[str]
    description: str
    seller_deadline: str
    evidence: List[EvidenceFile]
    history: List[HistoryEntry]


class FormFile(BaseModel):
    name: Optional[str]
    url: str


class CaseSummary(BaseModel):
    """Everything an agent needs at a glance."""

    id: int
    conversation_id: str
    channel: str
    language: str = "en"
    language_label: str = "English"
    status: str
    reason: str
    agent: Optional[str]
    status_label: str
    reason_label: str
    requested_at: str
    buyer: Optional[BuyerCard]
    orders: List[OrderLine]
    form_so_far: Dict[str, Any]
    form_labels: Dict[str, Any]
    form_evidence: List[FormFile]
    disputes: List[Case]
    transcript: List[Dict[str, Any]]  # the conversation's messages as stored (bot.store.transcripts)
    audit: List[Dict[str, Any]]


class DisputeActed(BaseModel):
    """A dispute an agent filed or changed."""

    number: str
    status: str
    status_label: str
    order: str
