"""Scale-out settings: defaults are the single-machine set-up; what Rasa's endpoints.yml gets; clear start-up errors;
reading settings writes nothing, the composition root writes the generated secret."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.composition import signing_secret
from bot.ops.runner import rasa_process_env
from bot.settings import Settings

SECRET = "s" * 32


def _settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"VAR_DIR": str(tmp_path), "BOT_SECRET": SECRET, **env})


def test_defaults_are_one_process_each_on_sqlite_without_redis(tmp_path):
    settings = _settings(tmp_path)
    assert (settings.rasa_workers, settings.action_server_workers, settings.gateway_processes) == (1, 1, 1)
    assert settings.gateway_background_jobs is True
    assert settings.gateway_urls == ["http://127.0.0.1:8000"]
    env = rasa_process_env(settings, SECRET)
    assert env["RASA_TRACKER_URL"] == f"sqlite:///{tmp_path / 'conversations.db'}"
    assert env["RASA_LOCK_STORE"] == "in_memory"
    assert env["SANIC_WORKERS"] == "1"
    # endpoints.yml names every lock-store key; Rasa refuses an unset ${VAR}, so each one is there, empty.
    assert all(env[k] == "" for k in env if k.startswith("RASA_LOCK_STORE_"))


def test_redis_url_becomes_rasas_redis_lock_store(tmp_path):
    env = rasa_process_env(_settings(tmp_path, REDIS_URL="redis://:p%40ss@cache.internal:6380/3", RASA_WORKERS="4",
                                     RASA_TRACKER_URL="postgresql+psycopg2://bot:pw@db:5432/dispute_assistant"), SECRET)
    assert env["RASA_LOCK_STORE"] == "redis"
    assert (env["RASA_LOCK_STORE_HOST"], env["RASA_LOCK_STORE_PORT"], env["RASA_LOCK_STORE_DB"]) == \
        ("cache.internal", "6380", "3")
    assert (env["RASA_LOCK_STORE_USERNAME"], env["RASA_LOCK_STORE_PASSWORD"]) == ("", "p@ss")
    assert env["RASA_LOCK_STORE_SSL"] == ""
    assert env["SANIC_WORKERS"] == "4"
    assert env["RASA_TRACKER_URL"] == "postgresql+psycopg2://bot:pw@db:5432/dispute_assistant"
    tls = rasa_process_env(_settings(tmp_path, REDIS_URL="rediss://user:pw@cache.internal"), SECRET)
    assert (tls["RASA_LOCK_STORE_PORT"], tls["RASA_LOCK_STORE_DB"], tls["RASA_LOCK_STORE_SSL"]) == ("6379", "0", "true")
    assert tls["RASA_LOCK_STORE_USERNAME"] == "user"


def test_the_redis_password_stays_out_of_the_settings_repr(tmp_path):
    settings = _settings(tmp_path, REDIS_URL="redis://:hunter2-secret@127.0.0.1:6379/0")
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in repr(settings.redis)


def test_several_gateways_get_consecutive_ports_and_only_the_first_runs_background_jobs(tmp_path):
    settings = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0", GATEWAY_PROCESSES="3", GATEWAY_PORT="9000")
    assert settings.gateway_urls == ["http://127.0.0.1:9000", "http://127.0.0.1:9001", "http://127.0.0.1:9002"]
    assert _settings(tmp_path, GATEWAY_BACKGROUND_JOBS="0").gateway_background_jobs is False


@pytest.mark.parametrize("env", [{"RASA_WORKERS": "2"}, {"GATEWAY_PROCESSES": "2"}])
def test_several_rasa_workers_or_gateways_without_redis_stop_the_start(tmp_path, env):
    with pytest.raises(SystemExit, match="needs REDIS_URL"):
        _settings(tmp_path, **env)


def test_several_action_server_workers_need_no_redis(tmp_path):
    assert _settings(tmp_path, ACTION_SERVER_WORKERS="3").action_server_workers == 3


@pytest.mark.parametrize("env, message", [
    ({"RASA_WORKERS": "two"}, "RASA_WORKERS must be a whole number"),
    ({"ACTION_SERVER_WORKERS": "0"}, "ACTION_SERVER_WORKERS must be 1 or more"),
    ({"GATEWAY_PROCESSES": "-1"}, "GATEWAY_PROCESSES must be 1 or more"),
    ({"GATEWAY_BACKGROUND_JOBS": "maybe"}, "GATEWAY_BACKGROUND_JOBS must be 1 or 0"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must look like redis://"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/cache"}, "database number"),
    ({"RASA_TRACKER_URL": "not a url"}, "RASA_TRACKER_URL must be an SQLAlchemy URL"),
    ({"REDIS_URL": "redis://127.0.0.1", "GATEWAY_PROCESSES": "3", "GATEWAY_PORT": "65534"}, "past port 65535"),
])
def test_bad_values_are_named(tmp_path, env, message):
    with pytest.raises(SystemExit, match=message):
        _settings(tmp_path, **env)


@pytest.mark.parametrize("redis_url", [None, "redis://:pw@127.0.0.1:6390/5"])
def test_endpoints_yml_reads_as_rasa_reads_it(tmp_path, monkeypatch, project_root, redis_url):
    """Rasa's own reader on the real endpoints.yml: the tracker URL passes through unchanged (SQLite and
    PostgreSQL alike) and the lock store is Redis exactly when REDIS_URL is set. Nothing connects."""
    from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers

    tracker = "postgresql+psycopg2://postgres@127.0.0.1:5432/dispute_assistant" if redis_url else None
    settings = _settings(tmp_path, **({"REDIS_URL": redis_url, "RASA_WORKERS": "3", "RASA_TRACKER_URL": tracker}
                                      if redis_url else {}))
    for name, value in rasa_process_env(settings, SECRET).items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(project_root / "endpoints.yml"))
    assert SQLTrackerStore.get_db_url(host=endpoints.tracker_store.url, **{
        k: v for k, v in endpoints.tracker_store.kwargs.items() if k in ("dialect", "port", "db")}) == \
        settings.rasa_tracker_url
    lock_store = LockStore.create(endpoints.lock_store)
    if redis_url is None:
        assert isinstance(lock_store, InMemoryLockStore)
        assert number_of_sanic_workers(endpoints.lock_store) == 1
        return
    assert isinstance(lock_store, RedisLockStore)
    connection = lock_store.red.connection_pool.connection_kwargs
    assert (connection["host"], connection["port"], connection["db"], connection["password"]) == \
        ("127.0.0.1", 6390, 5, "pw")
    assert number_of_sanic_workers(endpoints.lock_store) == 3


def test_demo_sign_in_is_off_by_default_and_refused_on_a_public_bind(tmp_path):
    assert Settings.from_env({"VAR_DIR": str(tmp_path)}).demo_buyers == ()
    asked = Settings.from_env({"VAR_DIR": str(tmp_path), "DEMO_BUYERS": "anna, ben"})
    assert asked.demo_buyers == ("anna", "ben")
    for host in ("0.0.0.0", "192.168.1.20", "shop.example.com"):
        with pytest.raises(SystemExit, match="loopback"):
            Settings.from_env({"VAR_DIR": str(tmp_path), "DEMO_BUYERS": "anna", "GATEWAY_HOST": host})
    assert Settings.from_env({"VAR_DIR": str(tmp_path), "GATEWAY_HOST": "0.0.0.0"}).demo_buyers == ()
    assert Settings.from_env({"VAR_DIR": str(tmp_path), "DEMO_BUYERS": "anna", "GATEWAY_HOST": "::1"}).demo_buyers


@pytest.mark.parametrize("env, message", [
    ({"PUSH_INTERVAL_SECONDS": "fast"}, "Setting PUSH_INTERVAL_SECONDS must be a number, got 'fast'"),
    ({"PUSH_INTERVAL_SECONDS": "0"}, "Setting PUSH_INTERVAL_SECONDS must be more than 0"),
    ({"BUYER_TOKEN_TTL_SECONDS": "a month"}, "Setting BUYER_TOKEN_TTL_SECONDS must be a whole number"),
    ({"BUYER_TOKEN_TTL_SECONDS": "0"}, "Setting BUYER_TOKEN_TTL_SECONDS must be 1 or more"),
    ({"SWEEP_INTERVAL_SECONDS": "-5"}, "Setting SWEEP_INTERVAL_SECONDS must be 0 or more"),
    ({"REVIEW_INBOX": "perhaps"}, "Setting REVIEW_INBOX must be 1 or 0, got 'perhaps'"),
    ({"RASA_PROCESSES": "0"}, "Setting RASA_PROCESSES must be 1 or more"),
    ({"REVIEW_MIN_CONFIDENCE": "1.5"}, "Setting REVIEW_MIN_CONFIDENCE must be between 0 and 1, got '1.5'"),
    ({"REVIEW_MIN_MARGIN": "-0.1"}, "Setting REVIEW_MIN_MARGIN must be between 0 and 1"),
    ({"GATEWAY_PORT": "0"}, "Setting GATEWAY_PORT must be a port number, 1 to 65535"),
    ({"GATEWAY_PORT": "http"}, "Setting GATEWAY_PORT must be a whole number"),
    ({"RASA_URL": "ftp://127.0.0.1:5005"}, "Setting RASA_URL must be http(s)://host:port"),
    ({"RASA_URL": "http://127.0.0.1"}, "Setting RASA_URL must be http(s)://host:port"),
    ({"RASA_URL": " , "}, "Setting RASA_URL must list at least one URL"),
    ({"ACTION_SERVER_URL": "127.0.0.1:5055"}, "Setting ACTION_SERVER_URL must be an http(s):// URL"),
    ({"TELEGRAM_WEBHOOK_URL": "bot.example.com/hook"}, "Setting TELEGRAM_WEBHOOK_URL must be an http(s):// URL"),
    ({"TELEGRAM_BASE_URL": "api.telegram.org"}, "Setting TELEGRAM_BASE_URL must be an http(s):// URL"),
    ({"AGENT_WEBHOOK_URL": "mailto:desk@example.com"}, "Setting AGENT_WEBHOOK_URL must be an http(s):// URL"),
    ({"DATABASE_URL": "not a url"}, "Setting DATABASE_URL must be an SQLAlchemy URL"),
    ({"MIN_PROTECTION_DAYS": "two weeks"}, "Setting MIN_PROTECTION_DAYS must be a whole number, got 'two weeks'"),
    ({"MAX_EVIDENCE_FILES": "-1"}, "Setting MAX_EVIDENCE_FILES must be 0 or more"),
    ({"RASA_URL": "http://a:1,http://b:2", "RASA_PROCESSES": "3"}, "RASA_PROCESSES=3 but RASA_URL lists 2 URLs"),
    ({"RASA_URL": "http://127.0.0.1:65535", "RASA_PROCESSES": "2"}, "RASA_URL's port with RASA_PROCESSES=2 runs past"),
    ({"RASA_WORKERS": "2", "GATEWAY_PROCESSES": "2"}, "RASA_WORKERS=2 and GATEWAY_PROCESSES=2 needs REDIS_URL"),
    ({"DEMO_BUYERS": "anna", "GATEWAY_HOST": "0.0.0.0"}, "DEMO_BUYERS signs anyone"),
])
def test_each_kind_of_bad_value_stops_the_start_with_one_line_naming_the_variable(tmp_path, env, message):
    with pytest.raises(SystemExit) as stopped:
        _settings(tmp_path, **env)
    said = str(stopped.value.code)
    assert said.startswith(message) or message in said, said
    assert "\n" not in said and "validation error" not in said  # one line, not pydantic's report


@pytest.mark.parametrize("env", [
    {"REDIS_URL": "http://:hunter2-secret@cache.internal:6379/0"},
    {"DATABASE_URL": "postgresql+psycopg2://bot:hunter2-secret@db:notaport/disputes"},
    {"RASA_TRACKER_URL": "postgresql+psycopg2://bot:hunter2-secret@db:notaport/disputes"},
])
def test_a_bad_url_holding_a_password_is_named_not_quoted(tmp_path, env):
    with pytest.raises(SystemExit, match=next(iter(env))) as stopped:
        _settings(tmp_path, **env)
    assert "hunter2-secret" not in str(stopped.value.code)


def test_blank_means_unset_and_only_the_given_mapping_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_WORKERS", "two")  # from_env(mapping) never looks at the process environment
    monkeypatch.setenv("GATEWAY_PORT", "9100")
    settings = _settings(tmp_path, GATEWAY_PORT="", TELEGRAM_TOKEN="  ", RASA_URL="http://127.0.0.1:7000/")
    assert (settings.rasa_workers, settings.gateway_port, settings.telegram_token) == (1, 8000, None)
    assert settings.rasa_urls == ("http://127.0.0.1:7000",)
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RASA_WORKERS", "1")
    assert Settings.from_env().gateway_port == 9100  # the process environment by default


def test_the_rules_and_the_renamed_fields_read_the_variables_operators_set(tmp_path):
    settings = _settings(tmp_path, MIN_PROTECTION_DAYS="20", MAX_EVIDENCE_FILES="4", BUYER_TOKEN_TTL_SECONDS="60")
    assert (settings.rules.min_protection_days, settings.rules.max_evidence_files_per_dispute) == (20, 4)
    assert settings.rules.seller_response_days == 15  # the others keep the published defaults
    assert (settings.buyer_token_ttl_seconds, settings.bot_secret) == (60, SECRET)


def test_settings_are_frozen_and_may_be_given_as_keywords(tmp_path):
    settings = Settings(var_dir=tmp_path, bot_secret=SECRET, gateway_port=9000)
    assert settings.gateway_port == 9000 and settings.database_url == f"sqlite:///{tmp_path / 'disputes.db'}"
    with pytest.raises(TypeError):
        settings.gateway_port = 1
    with pytest.raises(SystemExit, match="Setting GATEWAY_PORT must be a port number"):
        Settings(var_dir=tmp_path, gateway_port=70000)


def test_reading_settings_writes_nothing(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    settings = Settings.from_env({"VAR_DIR": str(var_dir)})  # no BOT_SECRET: the secret would be generated
    assert settings.bot_secret is None
    for name in ("evidence_dir", "secret_file", "redis", "rasa_urls_to_start", "gateway_urls", "rasa_tracker_url"):
        getattr(settings, name)
    assert list(var_dir.iterdir()) == []


def test_the_composition_root_generates_the_secret_once_readable_only_by_its_owner(tmp_path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path / "var")})
    with ThreadPoolExecutor(4) as pool:  # several at once, before the file exists: one secret wins for all
        secrets = set(pool.map(lambda _: signing_secret(settings), range(8)))
    assert len(secrets) == 1
    first = secrets.pop()
    assert len(first) > 40 and settings.secret_file.read_text().strip() == first
    assert oct(os.stat(settings.secret_file).st_mode & 0o777) == "0o600"
    assert signing_secret(Settings.from_env({"VAR_DIR": str(tmp_path / "var")})) == first  # kept, not renewed
    assert [p.name for p in settings.var_dir.iterdir()] == ["secret.key"]  # no temporary file left behind


def test_bot_secret_wins_and_nothing_is_written(tmp_path):
    assert signing_secret(_settings(tmp_path)) == SECRET
    assert list(tmp_path.iterdir()) == []
