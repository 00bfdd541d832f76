"""The composition root: the one place that builds engines, storage and services from settings."""
from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Iterable, List, Optional

from sqlalchemy.engine import Engine

from bot.disputes.accounts import AccountService
from bot.disputes.clock import Clock, SystemClock
from bot.disputes.services import DisputeService
from bot.settings import Settings
from bot.store.channel_state import SqlChannelState
from bot.store.engine import create_store_engine
from bot.store.handoffs import SqlHandoffs
from bot.store.offered import SqlOfferedButtons
from bot.store.review_inbox import SqlReviewInbox
from bot.review.inbox import ReviewInbox
from bot.store.transcripts import SqlTranscripts, SqlWebSessions
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.evidence_sweep import remove_orphan_evidence
from bot.store.uow import SqlUnitOfWorkFactory
from bot.tokens import BuyerSignIn, BuyerTokens, internal_token


log = logging.getLogger(__name__)


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

    def close(self) -> None:
        self.engine.dispose()

    def remove_orphan_evidence(self) -> List[str]:
        grace = timedelta(hours=self.settings.orphan_evidence_grace_hours)
        # Wall-clock time, not the domain clock: file ages are the file system's.
        return remove_orphan_evidence(self.engine, self.evidence, datetime.now(timezone.utc), grace)


def build_services(settings: Optional[Settings] = None, clock: Optional[Clock] = None) -> Services:
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    engine = create_store_engine(settings.database_url)
    uow_factory = SqlUnitOfWorkFactory(engine)
    review_store = SqlReviewInbox(engine, clock)
    storage = DiskEvidenceStorage(settings.evidence_dir)
    accounts = AccountService(uow_factory, clock, settings.rules)
    buyer_tokens = BuyerTokens(signing_secret(settings), settings.buyer_token_ttl_seconds)
    return Services(
        settings=settings,
        engine=engine,
        disputes=DisputeService(uow_factory, clock, settings.rules, storage),
        accounts=accounts,
        buyer_tokens=buyer_tokens,
        buyer_sign_in=BuyerSignIn(buyer_tokens, lambda buyer_id: accounts.buyer(buyer_id) is not None),
        evidence=storage,
        uow_factory=uow_factory,
        channel_state=SqlChannelState(engine, clock),
        transcripts=SqlTranscripts(engine, clock),
        web_sessions=SqlWebSessions(engine, clock),
        handoffs=SqlHandoffs(engine, clock),
        offered_buttons=SqlOfferedButtons(engine, clock),
        review_store=review_store,
        review=ReviewInbox(review_store, LazyIntents(settings.domain_file)),
    )


def build_review_store(database_url: str) -> SqlReviewInbox:
    """The review inbox alone, for Rasa's process (bot.rasa.review_broker): an engine of its own, built on first
    use by the broker's writer thread."""
    return SqlReviewInbox(create_store_engine(database_url), SystemClock())


class LazyIntents(Iterable[str]):
    """The intents domain.yml declares, read when first asked for (nothing is read while the app is built)."""

    def __init__(self, domain_file: Path) -> None:
        self._path = domain_file
        self._intents: Optional[List[str]] = None

    def __iter__(self):
        if self._intents is None:
            self._intents = domain_intents(self._path)
        return iter(self._intents)


def domain_intents(domain_file: Path) -> List[str]:
    from ruamel.yaml import YAML

    try:
        declared = (YAML(typ="safe").load(domain_file.read_text(encoding="utf-8")) or {}).get("intents") or []
    except OSError as exc:
        raise SystemExit(f"The assistant's domain {domain_file} cannot be read ({exc.strerror}).") from None
    # An intent is a name, or a one-key mapping {name: {use_entities: ...}}.
    return [next(iter(i)) if isinstance(i, dict) else str(i) for i in declared]


def create_missing_databases(settings: Settings) -> List[str]:
    """Creates the PostgreSQL databases that DATABASE_URL and RASA_TRACKER_URL name, when missing, through the
    server's `postgres` database (CREATE DATABASE needs the CREATEDB privilege). SQLite files appear on first
    use, so other URLs are left alone. Returns the names created."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    created: List[str] = []
    for url in dict.fromkeys([settings.database_url, settings.rasa_tracker_url]):
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql" or not parsed.database:
            continue
        name = parsed.database
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise SystemExit(f"Create the database {name!r} yourself: only plain names are created here.")
        # CREATE DATABASE cannot run inside a transaction block.
        admin = create_engine(parsed.set(database="postgres"), future=True, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                    created.append(name)
        finally:
            admin.dispose()
    return created


def prepare_rasa_process(settings: Optional[Settings] = None) -> str:
    """What Rasa's process needs before it serves, called once by the gateway's input channel (bot.rasa.channel)
    when Rasa builds it: the Rasa patches (bot.patches.rasa, unless RASA_PATCHES=0). Returns the token the
    gateway must send."""
    from bot.patches import rasa as rasa_patches
    from bot.tokens import RASA_CHANNEL_TOKEN

    settings = settings or Settings.from_env()
    installed = rasa_patches.install(settings.rasa_patches)
    if installed:
        log.info("Rasa patched: %s", ", ".join(installed))
    return internal_token(signing_secret(settings), RASA_CHANNEL_TOKEN)


def signing_secret(settings: Settings) -> str:
    """The deployment's secret (buyer tokens, and the internal tokens derived from it): BOT_SECRET if set;
    otherwise a random secret generated once into VAR_DIR/secret.key (mode 0600) and read from there after."""
    if settings.bot_secret:
        return settings.bot_secret
    path = settings.secret_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a name of its own, then linked into place: processes (or threads) starting at once
        # all end up reading the one secret that won, never a half-written file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
