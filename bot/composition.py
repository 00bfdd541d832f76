"""The composition root: the one place that builds engines, storage and services from settings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy.engine import Engine

from bot.disputes.accounts import AccountService
from bot.disputes.clock import Clock, SystemClock
from bot.disputes.services import DisputeService
from bot.settings import Settings
from bot.store.channel_state import SqlChannelState
from bot.store.engine import create_store_engine
from bot.store.handoffs import SqlHandoffs
from bot.store.offered import SqlOfferedButtons
from bot.store.transcripts import SqlTranscripts, SqlWebSessions
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.uow import SqlUnitOfWorkFactory
from bot.tokens import BuyerTokens


@dataclass
class Services:
    settings: Settings
    engine: Engine
    disputes: DisputeService
    accounts: AccountService
    buyer_tokens: BuyerTokens
    evidence: DiskEvidenceStorage
    uow_factory: SqlUnitOfWorkFactory
    channel_state: SqlChannelState
    transcripts: SqlTranscripts
    web_sessions: SqlWebSessions
    handoffs: SqlHandoffs
    offered_buttons: SqlOfferedButtons

    def close(self) -> None:
        self.engine.dispose()


def build_services(settings: Optional[Settings] = None, clock: Optional[Clock] = None) -> Services:
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    engine = create_store_engine(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(engine)
    storage = DiskEvidenceStorage(settings.evidence_dir)
    return Services(
        settings=settings,
        engine=engine,
        disputes=DisputeService(uow_factory, clock, settings.rules, storage),
        accounts=AccountService(uow_factory, clock, settings.rules),
        buyer_tokens=BuyerTokens(settings.signing_secret(), settings.buyer_token_max_age_seconds),
        evidence=storage,
        uow_factory=uow_factory,
        channel_state=SqlChannelState(engine, clock),
        transcripts=SqlTranscripts(engine, clock),
        web_sessions=SqlWebSessions(engine, clock),
        handoffs=SqlHandoffs(engine, clock),
        offered_buttons=SqlOfferedButtons(engine, clock),
    )
