"""The database schema (SQLAlchemy Core). Alembic migrations under migrations/ are the source of truth for
deployed databases; tests check that the migrated schema matches these tables."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no time zones), always hands back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - defensive for hand-edited SQLite files
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


# Money is kept in minor units (cents) as integers: exact on every backend (SQLite has no decimal type).
# All currencies used so far have two decimals; see docs/adr/0001-dispute-core.md.
Money = BigInteger

buyers = Table(
    "buyers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("email", String(200), nullable=False, default=""),
    # The language the buyer last chatted in (bot.i18n): the next conversation and dispute news start in it.
    Column("language", String(8)),
)

conversation_languages = Table(
    "conversation_languages",
    metadata,
    # Each conversation's language and how sure of it we are (sticky: bot.i18n.detection.choose), and the
    # unsupported language the buyer was told about, so that note is given once.
    Column("conversation_id", String(200), primary_key=True),
    Column("language", String(8), nullable=False),
    Column("settled", Boolean, nullable=False, default=False),
    Column("asked", Boolean, nullable=False, default=False),
    Column("candidate", String(8)),
    Column("unsupported_noted", String(8)),
    Column("updated_at", UTCDateTime, nullable=False),
)

sellers = Table(
    "sellers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(120), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(16), nullable=False, unique=True),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seller_id", String(64), ForeignKey("sellers.id"), nullable=False),
    Column("item", String(300), nullable=False),
    Column("price_minor", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(32), nullable=False),
    Column("ordered_at", UTCDateTime, nullable=False),
    Column("shipped_at", UTCDateTime),
    Column("delivered_at", UTCDateTime),
    Column("protection_ends_at", UTCDateTime),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(12), nullable=False, unique=True),
    # One dispute per order, ever: a cancelled dispute cannot be reopened. This key is also what
    # makes two simultaneous openings on one order end with a single dispute.
    Column("order_id", Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seller_id", String(64), ForeignKey("sellers.id"), nullable=False),
    Column("received", Boolean, nullable=False),
    Column("problems", JSON, nullable=False),
    Column("resolution", String(32), nullable=False),
    Column("refund_amount_minor", Money),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("seller_deadline", UTCDateTime, nullable=False),
    Column("escalated_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("offer_resolution", String(32)),
    Column("offer_amount_minor", Money),
    Column("seller_note", Text, nullable=False, default=""),
    Column("outcome_note", Text, nullable=False, default=""),
    Column("submission_key", String(128)),
    Column("version", Integer, nullable=False, default=1),
    UniqueConstraint("buyer_id", "submission_key", name="uq_disputes_buyer_submission"),
    Index("ix_disputes_status_deadline", "status", "seller_deadline"),
)

dispute_events = Table(
    "dispute_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dispute_id", Integer, ForeignKey("disputes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("actor_name", String(120), nullable=False, default=""),
    Column("action", String(40), nullable=False),
    Column("detail", JSON, nullable=False),
)

evidence_files = Table(
    "evidence_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dispute_id", Integer, ForeignKey("disputes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("display_name", String(120), nullable=False),
    Column("uploaded_by", String(16), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("dispute_id", "sha256", name="uq_evidence_files_dispute_sha"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dispute_id", Integer, ForeignKey("disputes.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("amount_minor", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(64), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("expected_from", Date, nullable=False),
    Column("expected_by", Date, nullable=False),
)

channel_identities = Table(
    "channel_identities",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("external_id", String(128), primary_key=True),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("linked_at", UTCDateTime, nullable=False),
)

link_codes = Table(
    "link_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
)

# Channel state kept by the gateway (not part of the dispute domain).

channel_updates = Table(
    "channel_updates",
    metadata,
    # A channel's own update ids (Telegram's update_id): a row means "already handled", across restarts.
    Column("channel", String(32), primary_key=True),
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", UTCDateTime, nullable=False, index=True),
)

push_cursors = Table(
    "push_cursors",
    metadata,
    # The last dispute event each channel's notifier has looked at.
    Column("channel", String(32), primary_key=True),
    Column("last_event_id", Integer, nullable=False),
)

push_deliveries = Table(
    "push_deliveries",
    metadata,
    # One row per event and recipient: several gateways never send the same news twice.
    Column("event_id", Integer, ForeignKey("dispute_events.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("external_id", String(128), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_push_deliveries_status", "status", "channel"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    # A web chat session id (kept by the browser) belongs to the buyer who first used it; a guest's (no buyer)
    # to whoever holds the secret issued with it, kept here only as its SHA-256 (hex).
    Column("session_id", String(64), primary_key=True),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("secret_hash", String(64)),
    # Set at every session_request: dispute news goes to the buyer's recently used sessions (bot.notifications).
    Column("last_seen_at", UTCDateTime),
    Index("ix_web_sessions_buyer_seen", "buyer_id", "last_seen_at"),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    # The transcript of every conversation the gateway relays (any channel): shown again after a reload,
    # replayed after a reconnect, and read by help-desk agents.
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(200), nullable=False),
    Column("sender", String(8), nullable=False),  # buyer | bot | agent
    Column("body", JSON, nullable=False),  # {"text", "buttons", "image", "agent_name"}
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_chat_messages_conversation", "conversation_id", "id"),
)

handoffs = Table(
    "handoffs",
    metadata,
    # A conversation handed to the help desk: queued, then claimed by an agent, then released to the bot.
    Column("id", Integer, primary_key=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE")),
    Column("reason", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # queued | claimed | released
    Column("draft", JSON, nullable=False),  # what the bot had collected when it handed over
    Column("agent_id", Integer, ForeignKey("agents.id")),
    Column("agent_name", String(80)),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("released_at", UTCDateTime),
    Column("release_note", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_handoffs_status_requested", "status", "requested_at"),
)

agent_audit = Table(
    "agent_audit",
    metadata,
    # Every action a help-desk agent takes, with the agent's name as it was then.
    Column("id", Integer, primary_key=True),
    Column("agent_id", Integer, ForeignKey("agents.id"), nullable=False),
    Column("agent_name", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("handoff_id", Integer, ForeignKey("handoffs.id", ondelete="SET NULL")),
    Column("dispute_number", String(12)),
    Column("detail", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False, index=True),
)

offered_buttons = Table(
    "offered_buttons",
    metadata,
    # Buttons the bot offered in a conversation: only these may reach Rasa as `/intent{...}` payloads. Kept in
    # the database so a tap still works after a gateway restart (or on another gateway).
    Column("conversation_id", String(200), primary_key=True),
    Column("payload_key", String(24), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("title", String(200), nullable=False, default=""),
    Column("offered_at", UTCDateTime, nullable=False, index=True),
)

dispute_drafts = Table(
    "dispute_drafts",
    metadata,
    # A dispute form the buyer started and has not filed, one per buyer and order: kept when they stop or just
    # leave, so "continue my dispute" picks it up on any channel, any later day.
    Column("buyer_id", String(64), ForeignKey("buyers.id"), primary_key=True),
    Column("order_number", String(16), primary_key=True),
    Column("fields", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

review_items = Table(
    "review_items",
    metadata,
    # Buyer messages the bot was unsure about (bot.review), waiting for an admin's label, then exported into the
    # NLU training data. One pending row per text: repeats of it count up instead of adding rows.
    Column("id", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("text_key", String(64), nullable=False, index=True),  # SHA-256 of the normalised text
    # The text_key while pending, NULL after review: the unique key lets one pending row exist per text, even
    # with several Rasa processes recording at once (NULLs never collide).
    Column("pending_key", String(64), unique=True),
    Column("conversation_id", String(200), nullable=False),
    Column("buyer_id", String(64), ForeignKey("buyers.id", ondelete="CASCADE")),
    Column("reasons", JSON, nullable=False),
    Column("intent", String(64)),
    Column("confidence", Float),
    Column("alternatives", JSON, nullable=False),  # [{"intent", "confidence"}]
    Column("problems", JSON, nullable=False),  # [{"code", "confidence", "found"}]
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("repeats", Integer, nullable=False, default=1),
    Column("status", String(16), nullable=False),  # pending | labelled | discarded | exported
    Column("label_intent", String(64)),
    Column("label_problems", JSON, nullable=False),
    Column("reviewed_by", String(80)),
    Column("reviewed_at", UTCDateTime),
    Column("exported_at", UTCDateTime),
    Index("ix_review_items_status_seen", "status", "last_seen_at"),
)

# ---- the marketplace side (docs/integration.md) ---------------------------------------------------------------

outbox_events = Table(
    "outbox_events",
    metadata,
    # Dispute events for the marketplace's webhook, written in the same transaction as the change they report and
    # delivered by the outbox worker: in order per dispute, retried with backoff, each once per event_id.
    Column("id", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),  # a UUID; the receiver de-duplicates on it
    Column("dispute_id", Integer, ForeignKey("disputes.id", ondelete="CASCADE"), nullable=False),
    Column("event_type", String(40), nullable=False),  # dispute.opened, dispute.modified, ...
    Column("payload", JSON, nullable=False),  # the body's `data`, as it was when the change happened
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Column("failed_at", UTCDateTime),  # gave up (retried past the retry window); an operator may replay it
    Column("last_error", String(500), nullable=False, default=""),
    Column("replayed_at", UTCDateTime),  # the last time an operator sent a failed event again
    Index("ix_outbox_events_pending", "delivered_at", "failed_at", "next_attempt_at"),
    Index("ix_outbox_events_dispute", "dispute_id", "id"),
)

service_tokens = Table(
    "service_tokens",
    metadata,
    # Tokens of the marketplace's systems for the integration API, apart from buyer and agent tokens: only a
    # SHA-256 of each token is kept; scopes say what it may do (orders:write, disputes:write, ...).
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # One row per (service token, Idempotency-Key): the request's hash and, once answered, the answer given, so a
    # repeat with the same body gets that answer again and one with another body is refused.
    Column("id", Integer, primary_key=True),
    Column("token_id", Integer, ForeignKey("service_tokens.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer),  # NULL while the first request is being answered
    Column("response", JSON),
    Column("created_at", UTCDateTime, nullable=False),
    # The request working on the key (a random id) and since when: a claim older than the lease whose change was
    # never committed is abandoned (its process died), and the next request with the key takes it over.
    Column("claim_id", String(32)),
    Column("claimed_at", UTCDateTime),
    # Set in the same transaction as the change the key made, so a change is made once whatever dies after.
    Column("committed_at", UTCDateTime),
    UniqueConstraint("token_id", "key", name="uq_idempotency_keys_token_key"),
)
