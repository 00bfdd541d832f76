"""Settings from the environment (see .env.example). Reading them opens no connection."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Optional
from urllib.parse import unquote, urlsplit

from bot.disputes.policy import Rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Purposes of the internal tokens (see Settings.internal_token).
RASA_CHANNEL_TOKEN = "rasa-channel"
ACTION_SERVER_TOKEN = "action-server"
TELEGRAM_WEBHOOK_SECRET = "telegram-webhook"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"Setting {name} must be a whole number, got {raw!r}") from None


def _count(env: Mapping[str, str], name: str, default: int = 1) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise SystemExit(f"Setting {name} must be 1 or more, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SystemExit(f"Setting {name} must be 1 or 0, got {raw!r}")


@dataclass(frozen=True)
class RedisAddress:
    """REDIS_URL taken apart, as Rasa's Redis lock store wants it (host, port, db, credentials, TLS)."""

    host: str
    port: int
    db: int
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> "RedisAddress":
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise SystemExit("Setting REDIS_URL must look like redis://[:password@]host[:port][/db] "
                             "(or rediss:// for TLS)")
        try:
            port = parts.port or 6379
        except ValueError:
            raise SystemExit("Setting REDIS_URL has a bad port") from None
        db_text = parts.path.strip("/") or "0"
        if not db_text.isdigit():
            raise SystemExit(f"Setting REDIS_URL must end with a database number (/0, /1, ...), got /{db_text}")
        return cls(host=parts.hostname, port=port, db=int(db_text), username=unquote(parts.username or ""),
                   password=unquote(parts.password or ""), tls=parts.scheme == "rediss")


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"Setting {name} must be a number, got {raw!r}") from None


def _fraction(env: Mapping[str, str], name: str, default: float) -> float:
    value = _float(env, name, default)
    if not 0.0 <= value <= 1.0:
        raise SystemExit(f"Setting {name} must be between 0 and 1, got {value}")
    return value


def _check_sql_url(name: str, url: str) -> None:
    from sqlalchemy.engine import make_url  # parsing only; nothing connects
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise SystemExit(f"Setting {name} must be an SQLAlchemy URL such as "
                         "postgresql+psycopg2://user:password@host:5432/dbname or sqlite:////path/file.db") from None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_rasa_processes() -> int:
    # One per core, at most two: each holds the model (about 0.7 GB), and the gateway, the action server and
    # the databases need CPU too.
    return max(1, min(2, os.cpu_count() or 1))


def _rasa_urls(env: Mapping[str, str]) -> List[str]:
    """RASA_URL: one URL, or several separated by commas."""
    urls = [u.strip().rstrip("/") for u in (env.get("RASA_URL") or Settings.rasa_url).split(",") if u.strip()]
    if not urls:
        raise SystemExit("Setting RASA_URL is empty")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not parts.port:
            raise SystemExit(f"Setting RASA_URL must be http(s)://host:port (several separated by commas), "
                             f"got {url!r}")
    return urls


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    sweep_interval_seconds: int = 300
    # Evidence files no dispute or saved draft holds are removed by the sweep once this old: long enough for a
    # buyer to come back to a form, or an agent to look at a photo sent during a hand-off.
    orphan_evidence_grace_hours: int = 72
    buyer_token_max_age_seconds: int = 30 * 24 * 3600
    rules: Rules = field(default_factory=Rules)
    secret_from_env: Optional[str] = field(default=None, repr=False)
    # Telegram: only the token is needed (long polling); a webhook URL switches to webhook mode.
    telegram_token: Optional[str] = field(default=None, repr=False)
    telegram_webhook_url: Optional[str] = None
    telegram_base_url: str = "https://api.telegram.org"
    push_interval_seconds: float = 2.0
    # The help desk's webhook (new hand-offs, buyer messages), signed with HMAC-SHA256 of the secret.
    agent_webhook_url: Optional[str] = None
    agent_webhook_secret: Optional[str] = field(default=None, repr=False)
    # Shared by several gateway processes: socket.io rooms (which tabs and consoles get what) go through Redis.
    redis_url: Optional[str] = field(default=None, repr=False)
    # Buyers the demo page at / may hand out tokens for, to anyone who can reach it: off (empty) unless asked
    # for (`make run` asks for the seeded demo buyers), and only on a loopback bind.
    demo_buyers: tuple = ()
    # Rasa's conversation store (SQLAlchemy URL); None means a SQLite file under var_dir.
    rasa_tracker_url: Optional[str] = field(default=None, repr=False)
    # Scale-out (docs/deployment.md): Sanic workers of Rasa and of the action server, gateway processes
    # started by `python -m bot run` on consecutive ports, and whether this gateway runs the background jobs
    # (sweeper, Telegram polling or webhook registration, Telegram news), which must run in one process only.
    rasa_workers: int = 1
    # Several Rasa processes (several URLs in RASA_URL; `python -m bot run` starts RASA_PROCESSES of them on
    # consecutive ports and tells the gateways): the gateway sends each conversation always to the same one,
    # so they need no lock shared between them.
    rasa_urls: tuple = ()
    rasa_processes: int = 1
    action_server_workers: int = 1
    gateway_processes: int = 1
    gateway_background_jobs: bool = True
    # The review inbox (docs/adr/0010-review-inbox.md): Rasa records the buyer messages it was unsure about, for
    # an admin to label. A message is unsure under this best-intent confidence, or with the best two intents
    # closer than the margin (besides fallbacks, corrections and hand-offs after a miss).
    review_inbox: bool = True
    review_min_confidence: float = 0.6
    review_min_margin: float = 0.1
    domain_file: Path = PROJECT_ROOT / "domain.yml"
    # Off switches for the changes to third-party internals (bot.patches): Rasa's speed-ups and safe conversation
    # reads, python-telegram-bot's tolerance of unreadable updates. On unless an operator must run them as released.
    rasa_patches: bool = True
    telegram_patches: bool = True

    @property
    def evidence_dir(self) -> Path:
        return self.var_dir / "evidence"

    @property
    def secret_file(self) -> Path:
        return self.var_dir / "secret.key"

    @property
    def tracker_url(self) -> str:
        return self.rasa_tracker_url or f"sqlite:///{self.var_dir / 'conversations.db'}"

    @property
    def redis(self) -> Optional[RedisAddress]:
        return RedisAddress.parse(self.redis_url) if self.redis_url else None

    @property
    def rasa_shards(self) -> List[str]:
        """The Rasa processes' base URLs; a conversation always goes to the same one (bot.rasa.client)."""
        return list(self.rasa_urls) or [self.rasa_url]

    @property
    def local_rasa_urls(self) -> List[str]:
        """Where `python -m bot run` starts Rasa: the listed URLs, or RASA_PROCESSES consecutive ports."""
        if len(self.rasa_shards) > 1 or self.rasa_processes == 1:
            return self.rasa_shards
        parts = urlsplit(self.rasa_url)
        return [f"{parts.scheme}://{parts.hostname}:{parts.port + i}" for i in range(self.rasa_processes)]

    @property
    def gateway_urls(self) -> List[str]:
        """Where `python -m bot run` starts the gateways: GATEWAY_PORT, GATEWAY_PORT+1, ..."""
        return [f"http://{self.gateway_host}:{self.gateway_port + i}" for i in range(self.gateway_processes)]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        var_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var").resolve()
        defaults = Rules()
        rules = Rules(
            min_protection_days=_int(env, "MIN_PROTECTION_DAYS", defaults.min_protection_days),
            seller_response_days=_int(env, "SELLER_RESPONSE_DAYS", defaults.seller_response_days),
            refund_min_business_days=_int(env, "REFUND_MIN_BUSINESS_DAYS", defaults.refund_min_business_days),
            refund_max_business_days=_int(env, "REFUND_MAX_BUSINESS_DAYS", defaults.refund_max_business_days),
            max_evidence_file_bytes=_int(env, "MAX_EVIDENCE_FILE_BYTES", defaults.max_evidence_file_bytes),
            max_evidence_files_per_dispute=_int(env, "MAX_EVIDENCE_FILES", defaults.max_evidence_files_per_dispute),
            max_evidence_bytes_per_dispute=_int(env, "MAX_EVIDENCE_BYTES", defaults.max_evidence_bytes_per_dispute),
        )
        redis_url = (env.get("REDIS_URL") or "").strip() or None
        if redis_url:
            RedisAddress.parse(redis_url)  # a bad URL stops the start, not the first lock taken
        tracker_url = (env.get("RASA_TRACKER_URL") or "").strip() or None
        if tracker_url:
            _check_sql_url("RASA_TRACKER_URL", tracker_url)
        rasa_workers = _count(env, "RASA_WORKERS")
        rasa_urls = _rasa_urls(env)
        rasa_processes = _count(env, "RASA_PROCESSES", len(rasa_urls) if len(rasa_urls) > 1
                                else default_rasa_processes())
        if len(rasa_urls) > 1 and rasa_processes != len(rasa_urls):
            raise SystemExit(f"RASA_PROCESSES={rasa_processes} but RASA_URL lists {len(rasa_urls)} URLs; set only "
                             "one of them")
        if urlsplit(rasa_urls[0]).port + rasa_processes - 1 > 65535:
            raise SystemExit(f"RASA_URL's port with RASA_PROCESSES={rasa_processes} runs past port 65535")
        gateway_processes = _count(env, "GATEWAY_PROCESSES")
        gateway_port = _int(env, "GATEWAY_PORT", cls.gateway_port)
        several = [f"{name}={value}" for name, value in (("RASA_WORKERS", rasa_workers),
                                                           ("GATEWAY_PROCESSES", gateway_processes)) if value > 1]
        if several and not redis_url:
            # Rasa's in-memory lock store and socket.io's in-process rooms exist once per process: several
            # processes without Redis would interleave one conversation's turns and lose replies.
            raise SystemExit(f"{' and '.join(several)} needs REDIS_URL (e.g. redis://127.0.0.1:6379/0): Rasa's "
                             "lock store and the socket.io rooms must be shared between processes. Set REDIS_URL, "
                             "or set RASA_WORKERS and GATEWAY_PROCESSES to 1.")
        if not 0 < gateway_port <= 65536 - gateway_processes:
            raise SystemExit(f"GATEWAY_PORT={gateway_port} with GATEWAY_PROCESSES={gateway_processes} runs past "
                             "port 65535")
        demo_buyers = tuple(b.strip() for b in (env.get("DEMO_BUYERS") or "").split(",") if b.strip())
        gateway_host = env.get("GATEWAY_HOST") or cls.gateway_host
        if demo_buyers and not _is_loopback(gateway_host):
            raise SystemExit(f"DEMO_BUYERS signs anyone who reaches the demo page in as those buyers: it works only "
                             f"with GATEWAY_HOST on loopback (127.0.0.1), not {gateway_host!r}. Unset DEMO_BUYERS; "
                             "the marketplace signs its own buyers' tokens (docs/deployment.md).")
        return cls(
            var_dir=var_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'disputes.db'}",
            rasa_url=rasa_urls[0],
            rasa_urls=tuple(rasa_urls),
            rasa_processes=rasa_processes,
            action_server_url=(env.get("ACTION_SERVER_URL") or cls.action_server_url).rstrip("/"),
            gateway_host=gateway_host,
            gateway_port=gateway_port,
            sweep_interval_seconds=_int(env, "SWEEP_INTERVAL_SECONDS", cls.sweep_interval_seconds),
            orphan_evidence_grace_hours=_int(env, "ORPHAN_EVIDENCE_GRACE_HOURS", cls.orphan_evidence_grace_hours),
            buyer_token_max_age_seconds=_int(env, "BUYER_TOKEN_TTL_SECONDS", cls.buyer_token_max_age_seconds),
            rules=rules,
            secret_from_env=env.get("BOT_SECRET") or None,
            telegram_token=(env.get("TELEGRAM_TOKEN") or "").strip() or None,
            telegram_webhook_url=(env.get("TELEGRAM_WEBHOOK_URL") or "").strip() or None,
            telegram_base_url=(env.get("TELEGRAM_BASE_URL") or cls.telegram_base_url).rstrip("/"),
            push_interval_seconds=_float(env, "PUSH_INTERVAL_SECONDS", cls.push_interval_seconds),
            agent_webhook_url=(env.get("AGENT_WEBHOOK_URL") or "").strip() or None,
            agent_webhook_secret=(env.get("AGENT_WEBHOOK_SECRET") or "").strip() or None,
            redis_url=redis_url,
            demo_buyers=demo_buyers,
            rasa_tracker_url=tracker_url,
            rasa_workers=rasa_workers,
            action_server_workers=_count(env, "ACTION_SERVER_WORKERS"),
            gateway_processes=gateway_processes,
            gateway_background_jobs=_flag(env, "GATEWAY_BACKGROUND_JOBS", True),
            review_inbox=_flag(env, "REVIEW_INBOX", cls.review_inbox),
            review_min_confidence=_fraction(env, "REVIEW_MIN_CONFIDENCE", cls.review_min_confidence),
            review_min_margin=_fraction(env, "REVIEW_MIN_MARGIN", cls.review_min_margin),
            rasa_patches=_flag(env, "RASA_PATCHES", True),
            telegram_patches=_flag(env, "TELEGRAM_PATCHES", True),
        )

    def signing_secret(self) -> str:
        """BOT_SECRET if set; otherwise a random secret generated once into var/secret.key (mode 0600)."""
        if self.secret_from_env:
            return self.secret_from_env
        path = self.secret_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under another name, then linked into place: two processes starting at once
            # both end up reading the one secret that won, never a half-written file.
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return path.read_text().strip()

    def internal_token(self, purpose: str) -> str:
        """A token for one internal hop (gateway -> Rasa, Rasa -> action server), derived from the secret so
        every process of one deployment agrees on it without another setting."""
        return hmac.new(self.signing_secret().encode(), f"internal:{purpose}".encode(), hashlib.sha256).hexdigest()

    def rasa_process_env(self) -> dict:
        """What endpoints.yml expects in Rasa's environment: where the actions are, their token, the
        conversation store, the lock store, the review inbox's event broker; and Rasa's number of Sanic workers."""
        redis = self.redis
        # endpoints.yml names every key whatever the type, and Rasa refuses an unset ${VAR}: with the in-memory
        # lock store they are empty (and ignored). Empty password and username mean no AUTH (redis-py sends
        # AUTH only when one is non-empty); an empty use_ssl is false.
        return {
            "ACTION_SERVER_URL": self.action_server_url,
            "ACTION_SERVER_TOKEN": self.internal_token(ACTION_SERVER_TOKEN),
            "RASA_TRACKER_URL": self.tracker_url,
            "RASA_LOCK_STORE": "redis" if redis else "in_memory",
            "RASA_LOCK_STORE_HOST": redis.host if redis else "",
            "RASA_LOCK_STORE_PORT": str(redis.port) if redis else "",
            "RASA_LOCK_STORE_DB": str(redis.db) if redis else "",
            "RASA_LOCK_STORE_USERNAME": redis.username if redis else "",
            "RASA_LOCK_STORE_PASSWORD": redis.password if redis else "",
            "RASA_LOCK_STORE_SSL": "true" if redis and redis.tls else "",
            "SANIC_WORKERS": str(self.rasa_workers),
            # The review inbox's event broker writes to the dispute store; an empty URL turns it off.
            "REVIEW_INBOX_URL": self.database_url if self.review_inbox else "",
            "REVIEW_MIN_CONFIDENCE": str(self.review_min_confidence),
            "REVIEW_MIN_MARGIN": str(self.review_min_margin),
        }
