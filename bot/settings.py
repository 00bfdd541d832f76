"""Settings from the environment (see .env.example): one frozen pydantic BaseSettings, read by Settings.from_env.

Reading them opens no connection and writes no file: the secret generated when BOT_SECRET is unset is the
composition root's (bot.composition.signing_secret). A bad value stops the start with one line naming the
environment variable and what it expects (SystemExit, so the CLI shows it without a traceback).
"""
from __future__ import annotations

import ipaddress
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import unquote, urlsplit

from pydantic import BaseSettings, Field, ValidationError, root_validator, validator

from bot.disputes.policy import Rules

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The marketplace rules the environment may set (bot.disputes.policy.Rules), by environment variable.
RULES_ENVIRONMENT = {
    "MIN_PROTECTION_DAYS": "min_protection_days",
    "SELLER_RESPONSE_DAYS": "seller_response_days",
    "REFUND_MIN_BUSINESS_DAYS": "refund_min_business_days",
    "REFUND_MAX_BUSINESS_DAYS": "refund_max_business_days",
    "MAX_EVIDENCE_FILE_BYTES": "max_evidence_file_bytes",
    "MAX_EVIDENCE_FILES": "max_evidence_files_per_dispute",
    "MAX_EVIDENCE_BYTES": "max_evidence_bytes_per_dispute",
}
# Fields no environment variable of their own sets: `rules` comes from RULES_ENVIRONMENT.
_NOT_IN_ENVIRONMENT = frozenset({"rules", "domain_file"})


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
    def parse(cls, url: str) -> RedisAddress:
        """Raises ValueError saying what is wrong, never quoting the URL (it may hold a password)."""
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError("must look like redis://[:password@]host[:port][/db] (or rediss:// for TLS)")
        try:
            port = parts.port or 6379
        except ValueError:
            raise ValueError("has a bad port") from None
        db_text = parts.path.strip("/") or "0"
        if not db_text.isdigit():
            raise ValueError(f"must end with a database number (/0, /1, ...), got /{db_text}")
        return cls(host=parts.hostname, port=port, db=int(db_text), username=unquote(parts.username or ""),
                   password=unquote(parts.password or ""), tls=parts.scheme == "rediss")


def _check_sql_url(url: str) -> str:
    from sqlalchemy.engine import make_url  # parsing only; nothing connects
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise ValueError("must be an SQLAlchemy URL such as postgresql+psycopg2://user:password@host:5432/dbname "
                         "or sqlite:////path/file.db") from None
    return url


def _check_http_url(url: str, port_required: bool = False) -> str:
    url = url.rstrip("/")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or (port_required and not port):
        raise ValueError("must be http(s)://host:port" if port_required else "must be an http(s):// URL")
    return url


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


class Settings(BaseSettings):
    """Each field is read from the environment variable of its name in capitals (rasa_urls from RASA_URL; the
    marketplace rules from RULES_ENVIRONMENT); an unset or blank variable keeps the default."""

    var_dir: Path = PROJECT_ROOT / "var"
    # Both default to a SQLite file under var_dir.
    database_url: str = Field(None, repr=False)
    # The Rasa processes the gateway talks to (RASA_URL: one URL, or several separated by commas); a
    # conversation always goes to the same one (bot.rasa.client), so they need no lock shared between them.
    rasa_urls: tuple[str, ...] = Field(("http://127.0.0.1:5005",), env="RASA_URL")
    action_server_url: str = "http://127.0.0.1:5055"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    sweep_interval_seconds: int = 300  # 0 turns the in-app sweep off
    # Evidence files no dispute or saved draft holds are removed by the sweep once this old: long enough for a
    # buyer to come back to a form, or an agent to look at a photo sent during a hand-off.
    orphan_evidence_grace_hours: int = 72
    buyer_token_ttl_seconds: int = 30 * 24 * 3600
    # The marketplace rules, a bot.disputes.policy.Rules (typed Any so that pydantic leaves the domain's dataclass
    # alone); the environment sets those of RULES_ENVIRONMENT.
    rules: Any = Field(default_factory=Rules)
    # Signs buyer tokens and derives the internal tokens; unset, the composition root generates one into
    # var_dir/secret.key (bot.composition.signing_secret).
    bot_secret: Optional[str] = Field(None, repr=False)
    # Telegram: only the token is needed (long polling); a webhook URL switches to webhook mode.
    telegram_token: Optional[str] = Field(None, repr=False)
    telegram_webhook_url: Optional[str] = None
    telegram_base_url: str = "https://api.telegram.org"
    push_interval_seconds: float = 2.0
    # The help desk's webhook (new hand-offs, buyer messages), signed with HMAC-SHA256 of the secret.
    agent_webhook_url: Optional[str] = None
    agent_webhook_secret: Optional[str] = Field(None, repr=False)
    # The marketplace's webhook for dispute events (docs/integration.md, "Dispute events"), signed with the secret;
    # off without both. An event not delivered this many hours after it happened is marked failed (replayable).
    marketplace_webhook_url: Optional[str] = None
    marketplace_webhook_secret: Optional[str] = Field(None, repr=False)
    marketplace_webhook_retry_hours: int = 48
    # The wait before the first retry, doubled at each failure up to the longest wait (with jitter).
    marketplace_webhook_retry_first_seconds: float = 5.0
    marketplace_webhook_retry_max_seconds: float = 3600.0
    # Shared by several gateway processes: socket.io rooms (which tabs and consoles get what) go through Redis.
    redis_url: Optional[str] = Field(None, repr=False)
    # Buyers the demo page at / may hand out tokens for, to anyone who can reach it: off (empty) unless asked
    # for (`make run` asks for the seeded demo buyers), and only on a loopback bind.
    demo_buyers: tuple[str, ...] = ()
    # Rasa's conversation store (SQLAlchemy URL).
    rasa_tracker_url: str = Field(None, repr=False)
    # Scale-out (docs/deployment.md): Sanic workers of Rasa and of the action server, Rasa processes and gateway
    # processes started by `python -m bot run` on consecutive ports, and whether this gateway runs the background
    # jobs (sweeper, Telegram polling or webhook registration, Telegram news), which must run in one process only.
    rasa_workers: int = 1
    # Default: the number of RASA_URLs when several, otherwise default_rasa_processes().
    rasa_processes: int = Field(None)
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

    class Config:
        allow_mutation = False
        anystr_strip_whitespace = True

        @classmethod
        def customise_sources(cls, init_settings, env_settings, file_secret_settings):
            # Keyword arguments, then the environment read by this module's rules (the names above, comma lists,
            # blank means unset) from from_env's mapping or os.environ; no .env file, no secrets directory.
            return init_settings, _environment_source

    def __init__(__pydantic_self__, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SystemExit(_explain(exc, {**_environment_values(_environment()), **values})) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """The settings `env` gives (the process environment by default), and nothing from elsewhere."""
        token = _ENVIRONMENT.set(env)
        try:
            return cls()
        finally:
            _ENVIRONMENT.reset(token)

    @validator("var_dir", always=True)
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @validator("database_url", "rasa_tracker_url", pre=True, always=True)
    def _sqlite_under_var_dir(cls, value, values, field):
        if value is None and "var_dir" in values:
            name = "disputes.db" if field.name == "database_url" else "conversations.db"
            return f"sqlite:///{values['var_dir'] / name}"
        return value

    @validator("database_url", "rasa_tracker_url")
    def _sql_url(cls, value: str) -> str:
        return _check_sql_url(value)

    @validator("rasa_urls", "demo_buyers", pre=True)
    def _comma_separated(cls, value):
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @validator("rasa_urls")
    def _rasa_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        if not urls:
            raise ValueError("must list at least one URL")
        try:
            return tuple(_check_http_url(url, port_required=True) for url in urls)
        except ValueError:
            raise ValueError("must be http(s)://host:port (several separated by commas)") from None

    @validator("action_server_url", "telegram_base_url", "telegram_webhook_url", "agent_webhook_url",
               "marketplace_webhook_url")
    def _http_url(cls, value: Optional[str]) -> Optional[str]:
        return _check_http_url(value) if value else value

    @validator("gateway_port")
    def _port(cls, value: int) -> int:
        if not 0 < value <= 65535:
            raise ValueError("must be a port number, 1 to 65535")
        return value

    @validator("sweep_interval_seconds", "orphan_evidence_grace_hours")
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @validator("push_interval_seconds", "marketplace_webhook_retry_first_seconds",
               "marketplace_webhook_retry_max_seconds")
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError("must be more than 0")
        return value

    @validator("rasa_processes", pre=True, always=True)
    def _rasa_processes_default(cls, value, values):
        if value is None:
            urls = values.get("rasa_urls") or ()
            return len(urls) if len(urls) > 1 else default_rasa_processes()
        return value

    @validator("buyer_token_ttl_seconds", "rasa_workers", "rasa_processes", "action_server_workers",
               "gateway_processes", "marketplace_webhook_retry_hours")
    def _at_least_one(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be 1 or more")
        return value

    @validator("review_min_confidence", "review_min_margin")
    def _fraction(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError("must be between 0 and 1")
        return value

    @validator("rules", pre=True)
    def _rules(cls, value):
        """A Rules, or the environment's values by Rules field name: whole numbers, 0 or more."""
        if isinstance(value, Rules):
            return value
        numbers: Dict[str, Any] = {}
        for name, rule in RULES_ENVIRONMENT.items():
            if rule in value:
                try:
                    numbers[rule] = int(value[rule])
                except (TypeError, ValueError):
                    raise ValueError(f"Setting {name} must be a whole number, got {value[rule]!r}") from None
                if numbers[rule] < 0:
                    raise ValueError(f"Setting {name} must be 0 or more, got {numbers[rule]}")
        return Rules(**numbers)

    @validator("redis_url")
    def _redis_url(cls, value: Optional[str]) -> Optional[str]:
        if value:
            RedisAddress.parse(value)  # a bad URL stops the start, not the first lock taken
        return value or None

    @root_validator(skip_on_failure=True)
    def _together(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        urls, rasa_processes = values["rasa_urls"], values["rasa_processes"]
        if len(urls) > 1 and rasa_processes != len(urls):
            raise ValueError(f"RASA_PROCESSES={rasa_processes} but RASA_URL lists {len(urls)} URLs; set only one "
                             "of them")
        if urlsplit(urls[0]).port + rasa_processes - 1 > 65535:
            raise ValueError(f"RASA_URL's port with RASA_PROCESSES={rasa_processes} runs past port 65535")
        several = [f"{name}={values[name.lower()]}" for name in ("RASA_WORKERS", "GATEWAY_PROCESSES")
                   if values[name.lower()] > 1]
        if several and not values["redis_url"]:
            # Rasa's in-memory lock store and socket.io's in-process rooms exist once per process: several
            # processes without Redis would interleave one conversation's turns and lose replies.
            raise ValueError(f"{' and '.join(several)} needs REDIS_URL (e.g. redis://127.0.0.1:6379/0): Rasa's "
                             "lock store and the socket.io rooms must be shared between processes. Set REDIS_URL, "
                             "or set RASA_WORKERS and GATEWAY_PROCESSES to 1.")
        gateway_port, gateway_processes = values["gateway_port"], values["gateway_processes"]
        if gateway_port + gateway_processes - 1 > 65535:
            raise ValueError(f"GATEWAY_PORT={gateway_port} with GATEWAY_PROCESSES={gateway_processes} runs past "
                             "port 65535")
        if values["demo_buyers"] and not _is_loopback(values["gateway_host"]):
            raise ValueError(f"DEMO_BUYERS signs anyone who reaches the demo page in as those buyers: it works only "
                             f"with GATEWAY_HOST on loopback (127.0.0.1), not {values['gateway_host']!r}. Unset "
                             "DEMO_BUYERS; the marketplace signs its own buyers' tokens (docs/deployment.md).")
        return values

    @property
    def evidence_dir(self) -> Path:
        return self.var_dir / "evidence"

    @property
    def secret_file(self) -> Path:
        """Where the composition root keeps the generated secret when BOT_SECRET is unset."""
        return self.var_dir / "secret.key"

    @property
    def redis(self) -> Optional[RedisAddress]:
        return RedisAddress.parse(self.redis_url) if self.redis_url else None

    @property
    def rasa_urls_to_start(self) -> tuple[str, ...]:
        """Where `python -m bot run` starts Rasa: rasa_urls, or with one URL and RASA_PROCESSES above 1, that
        many on consecutive ports from it (the gateways it starts are given them all as RASA_URL)."""
        if len(self.rasa_urls) > 1 or self.rasa_processes == 1:
            return self.rasa_urls
        parts = urlsplit(self.rasa_urls[0])
        port = parts.port or 0  # never 0: every RASA_URL has a port (validated)
        return tuple(f"{parts.scheme}://{parts.hostname}:{port + i}" for i in range(self.rasa_processes))

    @property
    def gateway_urls(self) -> List[str]:
        """Where `python -m bot run` starts the gateways: GATEWAY_PORT, GATEWAY_PORT+1, ..."""
        return [f"http://{self.gateway_host}:{self.gateway_port + i}" for i in range(self.gateway_processes)]


# The mapping Settings.from_env reads while it builds the settings; None means os.environ.
_ENVIRONMENT: ContextVar[Optional[Mapping[str, str]]] = ContextVar("settings_environment", default=None)


def _environment() -> Mapping[str, str]:
    env = _ENVIRONMENT.get()
    return os.environ if env is None else env


def _environment_source(_settings: BaseSettings) -> Dict[str, Any]:
    return _environment_values(_environment())


def environment_name(field_name: str) -> str:
    """The environment variable that sets a field of Settings."""
    return Settings.__fields__[field_name].field_info.extra.get("env") or field_name.upper()


def _environment_values(env: Mapping[str, str]) -> Dict[str, Any]:
    """The settings `env` sets, by field name (the rules as one mapping); unset and blank variables left out."""
    def given(name: str) -> bool:
        return bool((env.get(name) or "").strip())

    values: Dict[str, Any] = {name: env[environment_name(name)] for name in Settings.__fields__
                              if name not in _NOT_IN_ENVIRONMENT and given(environment_name(name))}
    rules = {rule: env[name] for name, rule in RULES_ENVIRONMENT.items() if given(name)}
    if rules:
        values["rules"] = rules
    return values


_EXPECTED = {
    "type_error.integer": "must be a whole number",
    "type_error.float": "must be a number",
    "type_error.bool": "must be 1 or 0",
}


def _explain(error: ValidationError, raw: Mapping[str, Any]) -> str:
    """The first error as one line naming the environment variable and what it expects; values of fields kept
    out of the repr (secrets, URLs with passwords) are not quoted."""
    first = error.errors()[0]
    loc, message = first["loc"], first["msg"]
    if loc[0] == "__root__" or message.startswith("Setting "):  # the checks across fields, and the rules
        return message
    if loc[0] not in Settings.__fields__:
        return f"Settings got {loc[0]!r}: {message}"
    field_info = Settings.__fields__[loc[0]].field_info
    name, value = environment_name(loc[0]), raw.get(loc[0])
    got = f", got {value!r}" if value is not None and field_info.repr else ""
    return f"Setting {name} {_EXPECTED.get(first['type'], message)}{got}"
