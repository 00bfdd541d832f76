"""The systemd units in docs/systemd/, which can replace `python -m bot run`: they pass `systemd-analyze verify`
and run the same commands as the runner (bot/ops/runner.py, _services), so the two cannot drift apart silently."""
from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from typing import Dict, List

import pytest

from bot.ops.runner import _services
from bot.settings import PROJECT_ROOT, Settings

UNITS_DIR = PROJECT_ROOT / "docs" / "systemd"
INSTALL_DIR = "/opt/dispute-assistant"  # where the units expect the checkout (docs/deployment.md)
# The runner's service name -> the unit that runs the same process.
UNIT_OF_SERVICE = {"action server": "dispute-assistant-actions.service", "rasa": "dispute-assistant-rasa@.service",
                   "gateway": "dispute-assistant-gateway@.service"}
# Options the unit leaves out because the process reads the same value from the settings by itself: the
# action server's port comes from ACTION_SERVER_URL (bot/rasa/action_server.py), as the runner's --port does.
OPTIONS_FROM_SETTINGS = {"dispute-assistant-actions.service": {"--port"}}


def _unit(name: str) -> configparser.ConfigParser:
    # strict=False: a unit may repeat a key (EnvironmentFile=); interpolation off: units use % and $ themselves.
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS_DIR / name)
    return parser


def _exec_argv(unit_name: str) -> List[str]:
    """ExecStart's command as argv, with the checkout at PROJECT_ROOT; for Rasa, the command its shell execs
    once the settings are exported."""
    command = _unit(unit_name)["Service"]["ExecStart"].replace(INSTALL_DIR, str(PROJECT_ROOT))
    argv = shlex.split(command)
    if argv[:2] == ["/bin/sh", "-c"]:
        script = argv[2].replace("$$", "$")  # systemd's escape for a literal $
        exports, _, execed = script.partition(" && exec ")
        assert f"{PROJECT_ROOT}/.venv/bin/python -m bot process-env" in exports, script
        argv = shlex.split(execed)
    return argv


def _runner_argv() -> Dict[str, List[str]]:
    settings = Settings.from_env({"VAR_DIR": str(PROJECT_ROOT / "var"), "BOT_SECRET": "s" * 32,
                                  "RASA_PROCESSES": "1", "GATEWAY_PROCESSES": "1"})
    return {s.name: s.command for s in _services(settings)}


def _matches(unit_arg: str, runner_arg: str) -> bool:
    # %i (the instance: a port) and ${NAME} (a setting) stand for what the runner fills in from the settings.
    return unit_arg == runner_arg or unit_arg == "%i" or (unit_arg.startswith("${") and unit_arg.endswith("}"))


@pytest.mark.parametrize("service", sorted(UNIT_OF_SERVICE))
def test_each_unit_runs_what_the_runner_runs(service):
    unit_name = UNIT_OF_SERVICE[service]
    unit_argv = _exec_argv(unit_name)
    runner_argv = _runner_argv()[service]
    assert unit_argv[0] == str(PROJECT_ROOT / ".venv" / "bin" / "python")
    left_out = OPTIONS_FROM_SETTINGS.get(unit_name, set())
    expected = []
    args = iter(runner_argv[1:])
    for arg in args:
        if arg in left_out:
            next(args)  # and its value
        else:
            expected.append(arg)
    unit_args = unit_argv[1:]
    assert len(unit_args) == len(expected) and all(map(_matches, unit_args, expected)), \
        f"{unit_name} runs {unit_args}, the runner {expected}"


def test_units_restart_on_failure_with_hardening_and_secrets_outside():
    for name in sorted(set(UNIT_OF_SERVICE.values())):
        unit = _unit(name)
        service = unit["Service"]
        assert service["Restart"] == "on-failure", name
        assert service["RestartSec"], name
        # systemd gives up after 5 starts in 10 s by default; like the runner, keep trying.
        assert unit["Unit"]["StartLimitIntervalSec"] == "0", name
        assert unit["Unit"]["PartOf"] == "dispute-assistant.target", name
        assert unit["Install"]["WantedBy"] == "dispute-assistant.target", name
        for key, value in {"NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectSystem": "strict",
                           "ReadWritePaths": f"{INSTALL_DIR}/var", "WorkingDirectory": INSTALL_DIR,
                           "User": "dispute-assistant"}.items():
            assert service[key] == value, (name, key)
        assert "/etc/dispute-assistant/dispute-assistant.env" in (UNITS_DIR / name).read_text()
        assert "BOT_SECRET" not in service.get("Environment", ""), name


def test_units_pass_systemd_analyze_verify(tmp_path):
    verify = shutil.which("systemd-analyze")
    if verify is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    # The units expect the checkout in INSTALL_DIR; verify checks that ExecStart's program exists.
    for unit in UNITS_DIR.iterdir():
        if unit.suffix in (".service", ".target"):
            (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALL_DIR, str(PROJECT_ROOT)))
    names = ["dispute-assistant.target", "dispute-assistant-actions.service", "dispute-assistant-rasa@5005.service",
             "dispute-assistant-gateway@8000.service"]
    result = subprocess.run([verify, "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    # Warnings (an unknown key, a typo in a section) do not fail verify: any line naming our units does.
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "dispute-assistant" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr
