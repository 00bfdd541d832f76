"""The services and stores one process works with (a gateway, the CLI, the action server), built by the
composition root (bot.composition.build_services) and handed to the code that needs them.

May import: bot.disputes, bot.store, bot.review, bot.tokens, bot.settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from sqlalchemy.engine import Engine

from bot.disputes.accounts import AccountService
from bot.disputes.catalog import CatalogService
from bot.disputes.matching import ItemMeaning
from bot.disputes.services import DisputeService
from bot.review.inbox import ReviewInbox
from bot.settings import Settings
from bot.store.channel_state import SqlChannelState
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.evidence_sweep import remove_orphan_evidence
from bot.store.handoffs import SqlHandoffs
from bot.store.languages import SqlLanguages
from bot.store.offered import SqlOfferedButtons
from bot.store.outbox import SqlOutbox
from bot.store.review_inbox import SqlReviewInbox
from bot.store.service_tokens import SqlIdempotencyKeys, SqlServiceTokens
from bot.store.transcripts import SqlTranscripts, SqlWebSessions
from bot.store.uow import SqlUnitOfWorkFactory
from bot.tokens import BuyerSignIn, BuyerTokens


@dataclass
class Services:
    settings: Settings
    engine: Engine
    disputes: DisputeService
    accounts: AccountService
    buyer_tokens: BuyerTokens
    buyer_sign_in: BuyerSignIn  # every channel's answer to "which buyer does this token sign in"
    evidence: DiskEvidenceStorage
    uow_factory: SqlUnitOfWorkFactory
    channel_state: SqlChannelState
    transcripts: SqlTranscripts
    web_sessions: SqlWebSessions
    handoffs: SqlHandoffs
    offered_buttons: SqlOfferedButtons
    review_store: SqlReviewInbox
    review: ReviewInbox  # labels checked against the intents of domain.yml
    outbox: SqlOutbox  # dispute events for the marketplace's webhook (bot.notifications.webhooks)
    catalog: CatalogService  # the marketplace's buyers, sellers and orders coming in (issue 16)
    service_tokens: SqlServiceTokens  # tokens of the marketplace's systems (integration API)
    idempotency_keys: SqlIdempotencyKeys
    languages: SqlLanguages
    # Item titles named in another language (bot.nlu.item_meaning): the action server's order matching uses it.
    item_meaning: Optional[ItemMeaning] = None

    def close(self) -> None:
        self.engine.dispose()

    def remove_orphan_evidence(self) -> List[str]:
        grace = timedelta(hours=self.settings.orphan_evidence_grace_hours)
        # Wall-clock time, not the domain clock: file ages are the file system's.
        return remove_orphan_evidence(self.engine, self.evidence, datetime.now(timezone.utc), grace)

