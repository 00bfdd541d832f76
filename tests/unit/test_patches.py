"""The patches to third-party internals are fenced: version guard, off switch, a way back."""
from __future__ import annotations

import logging

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
from rasa.utils.endpoints import EndpointConfig
from telegram.ext import ExtBot

from bot.patches import rasa as rasa_patches
from bot.patches import telegram as telegram_patches

PATCHED = [(RemoteAction, "_validate_action_result"), (Event, "resolve_by_type"), (EndpointConfig, "session"),
           (Agent, "_create_tracker_store"), (DaskGraphRunner, "run")]


def _now():
    return [owner.__dict__[name] for owner, name in PATCHED]


def test_install_replaces_and_uninstall_restores_rasas_originals():
    released = _now()
    assert rasa_patches.install() == sorted(name for _, name in PATCHED)
    assert all(now is not before for now, before in zip(_now(), released))
    assert rasa_patches.install() == sorted(name for _, name in PATCHED)  # twice is once
    rasa_patches.uninstall()
    assert all(now is before for now, before in zip(_now(), released))


def test_switched_off_nothing_changes(caplog):
    released = _now()
    with caplog.at_level(logging.INFO, logger=rasa_patches.__name__):
        assert rasa_patches.install(enabled=False) == []
    assert _now() == released and "RASA_PATCHES=0" in caplog.text


def test_an_unknown_rasa_version_is_left_unpatched(monkeypatch, caplog):
    import rasa

    released = _now()
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with caplog.at_level(logging.WARNING, logger=rasa_patches.__name__):
        assert rasa_patches.install() == []
    assert _now() == released and "3.7.0" in caplog.text


@pytest.mark.parametrize("enabled, version, expected", [
    (True, "22.8", telegram_patches.TolerantBot), (True, "21.1", telegram_patches.TolerantBot),
    (False, "22.8", ExtBot), (True, "23.0", ExtBot)])
def test_the_telegram_bot_class_is_fenced(enabled, version, expected):
    assert telegram_patches.bot_class(enabled, version) is expected


def test_the_rasa_process_is_prepared_by_the_composition_root(tmp_path):
    from bot.composition import prepare_rasa_process
    from bot.settings import Settings

    token = prepare_rasa_process(Settings.from_env({"VAR_DIR": str(tmp_path), "RASA_PATCHES": "0"}))
    assert token and rasa_patches.installed() == []
    assert prepare_rasa_process(Settings.from_env({"VAR_DIR": str(tmp_path)})) == token
    assert rasa_patches.installed() == sorted(name for _, name in PATCHED)


def test_building_the_channel_patches_nothing():
    from bot.rasa.channel import GatewayInput

    released = _now()
    GatewayInput("secret")
    assert _now() == released
