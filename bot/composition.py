"""The composition root: the one place that builds engines, storage and services from settings."""
from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, List, Optional

from bot.disputes.accounts import AccountService
from bot.disputes.catalog import CatalogService
from bot.disputes.clock import Clock, SystemClock
from bot.disputes.services import DisputeService
from bot.nlu.item_meaning import EncoderItemMeaning
from bot.review.inbox import ReviewInbox
from bot.services import Services
from bot.settings import Settings
from bot.store.channel_state import SqlChannelState
from bot.store.engine import create_store_engine
from bot.store.evidence_files import DiskEvidenceStorage
from bot.store.handoffs import SqlHandoffs
from bot.store.languages import SqlLanguages
from bot.store.offered import SqlOfferedButtons
from bot.store.outbox import SqlOutbox
from bot.store.review_inbox import SqlReviewInbox
from bot.store.service_tokens import SqlIdempotencyKeys, SqlServiceTokens
from bot.store.transcripts import SqlTranscripts, SqlWebSessions
from bot.store.uow import SqlUnitOfWorkFactory
from bot.tokens import BuyerSignIn, BuyerTokens, internal_token

if TYPE_CHECKING:
    import httpx

    from bot.channels.agent_api import AgentNotifier
    from bot.channels.payloads import OfferedPayloads
    from bot.channels.relay import Relay
    from bot.channels.telegram import TelegramChannel
    from bot.channels.web import WebChannel
    from bot.helpdesk.desk import HelpDesk
    from bot.helpdesk.queue import HandoffQueue
    from bot.rasa.client import RasaClient

log = logging.getLogger(__name__)


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
        outbox=SqlOutbox(engine),
        catalog=CatalogService(uow_factory, clock),
        service_tokens=SqlServiceTokens(engine, clock),
        idempotency_keys=SqlIdempotencyKeys(engine, clock),
        languages=SqlLanguages(engine, clock),
        item_meaning=EncoderItemMeaning(),  # loads its model on first use (the action server, other languages)
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


@dataclass
class Gateway:
    """The gateway's parts, built once by build_gateway in dependency order, so nothing is wired after
    construction: queue -> notifier -> intake -> relay -> channels -> deliveries -> desk."""

    settings: Settings
    services: Services
    http: httpx.AsyncClient  # health probes and the agent webhook
    rasa: RasaClient
    offered: OfferedPayloads
    relay: Relay
    queue: HandoffQueue
    notifier: AgentNotifier
    web: WebChannel
    socketio_app: Any  # the ASGI app of the socket.io server (widget and agent consoles)
    telegram: Optional[TelegramChannel]  # None without TELEGRAM_TOKEN
    helpdesk: HelpDesk
    owns_services: bool  # built here (closed with the gateway) or handed in (tests, the CLI)

    async def close(self) -> None:
        if self.telegram is not None:
            with contextlib.suppress(Exception):
                await self.telegram.stop()
        await self.http.aclose()
        await self.rasa.close()
        if self.owns_services:
            self.services.close()


def build_gateway(settings: Settings, services: Optional[Services] = None) -> Gateway:
    """The gateway's parts, in dependency order (nothing is wired after construction). Called in the gateway's
    running event loop (its HTTP clients belong to it); connects to nothing until a request or job needs it."""
    import httpx

    from bot.channels import agent_api, telegram, web
    from bot.channels.delivery import Deliveries
    from bot.channels.languages import ConversationLanguages
    from bot.channels.payloads import OfferedPayloads
    from bot.channels.relay import Relay
    from bot.helpdesk.desk import HelpDesk
    from bot.helpdesk.intake import HandoffIntake
    from bot.helpdesk.queue import HandoffQueue
    from bot.patches import telegram as telegram_patches
    from bot.rasa.client import RasaClient, rasa_session
    from bot.tokens import RASA_CHANNEL_TOKEN

    owns_services = services is None
    services = services or build_services(settings)
    secret = signing_secret(settings)
    http = httpx.AsyncClient(timeout=httpx.Timeout(3.0))
    rasa = RasaClient(settings.rasa_urls, internal_token(secret, RASA_CHANNEL_TOKEN), rasa_session())
    sio = web.socket_server(settings)
    queue = HandoffQueue(services.handoffs, services.transcripts)
    if settings.agent_webhook_url and not settings.agent_webhook_secret:
        log.warning("AGENT_WEBHOOK_URL is set without AGENT_WEBHOOK_SECRET: the webhook is off")
    if settings.marketplace_webhook_url and not settings.marketplace_webhook_secret:
        log.warning("MARKETPLACE_WEBHOOK_URL is set without MARKETPLACE_WEBHOOK_SECRET: dispute events are not sent")
    notifier = agent_api.AgentNotifier(
        sio, settings.agent_webhook_url if settings.agent_webhook_secret else None, settings.agent_webhook_secret,
        http, queue)
    offered = OfferedPayloads(services.offered_buttons)
    languages = ConversationLanguages(services.languages)
    # The help desk tells buyers things (their place in the queue, an agent joining) in the conversation's language.
    relay = Relay(rasa, offered, services.transcripts, services.handoffs,
                  HandoffIntake(services.handoffs, queue, notifier, languages.current), languages)
    web_channel = web.WebChannel(services, relay, sio)
    telegram_channel = None
    if settings.telegram_token:
        # Every gateway gets a channel: an agent on any gateway may answer a Telegram buyer, and in webhook mode
        # Telegram's calls may reach any gateway. Only the one with the background jobs polls or registers.
        telegram_channel = telegram.TelegramChannel(
            services, relay, secret, send_only=not settings.gateway_background_jobs,
            bot_class=telegram_patches.bot_class(settings.telegram_patches))
    helpdesk = HelpDesk(services, relay, Deliveries([web_channel, telegram_channel]), notifier, queue,
                        languages.current)
    agent_api.register_agent_socket(sio, services.accounts, queue)
    return Gateway(settings=settings, services=services, http=http, rasa=rasa, offered=offered, relay=relay,
                   queue=queue, notifier=notifier, web=web_channel, socketio_app=web_channel.asgi_app(),
                   telegram=telegram_channel, helpdesk=helpdesk, owns_services=owns_services)
