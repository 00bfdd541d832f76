"""Scale-out settings: defaults are the single-machine set-up; what Rasa's endpoints.yml gets; clear start-up errors."""
from __future__ import annotations

import pytest

from bot.settings import Settings


def _settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"VAR_DIR": str(tmp_path), "BOT_SECRET": "s" * 32, **env})


def test_defaults_are_one_process_each_on_sqlite_without_redis(tmp_path):
    settings = _settings(tmp_path)
    assert (settings.rasa_workers, settings.action_server_workers, settings.gateway_processes) == (1, 1, 1)
    assert settings.gateway_background_jobs is True
    assert settings.gateway_urls == ["http://127.0.0.1:8000"]
    env = settings.rasa_process_env()
    assert env["RASA_TRACKER_URL"] == f"sqlite:///{tmp_path / 'conversations.db'}"
    assert env["RASA_LOCK_STORE"] == "in_memory"
    assert env["SANIC_WORKERS"] == "1"
    # endpoints.yml names every lock-store key; Rasa refuses an unset ${VAR}, so each one is there, empty.
    assert all(env[k] == "" for k in env if k.startswith("RASA_LOCK_STORE_"))


def test_redis_url_becomes_rasas_redis_lock_store(tmp_path):
    env = _settings(tmp_path, REDIS_URL="redis://:p%40ss@cache.internal:6380/3", RASA_WORKERS="4",
                    RASA_TRACKER_URL="postgresql+psycopg2://bot:pw@db:5432/dispute_assistant").rasa_process_env()
    assert env["RASA_LOCK_STORE"] == "redis"
    assert (env["RASA_LOCK_STORE_HOST"], env["RASA_LOCK_STORE_PORT"], env["RASA_LOCK_STORE_DB"]) == \
        ("cache.internal", "6380", "3")
    assert (env["RASA_LOCK_STORE_USERNAME"], env["RASA_LOCK_STORE_PASSWORD"]) == ("", "p@ss")
    assert env["RASA_LOCK_STORE_SSL"] == ""
    assert env["SANIC_WORKERS"] == "4"
    assert env["RASA_TRACKER_URL"] == "postgresql+psycopg2://bot:pw@db:5432/dispute_assistant"
    tls = _settings(tmp_path, REDIS_URL="rediss://user:pw@cache.internal").rasa_process_env()
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
    for name, value in settings.rasa_process_env().items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(project_root / "endpoints.yml"))
    assert SQLTrackerStore.get_db_url(host=endpoints.tracker_store.url, **{
        k: v for k, v in endpoints.tracker_store.kwargs.items() if k in ("dialect", "port", "db")}) == \
        settings.tracker_url
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
