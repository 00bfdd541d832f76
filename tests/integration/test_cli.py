"""`python -m bot ...` as an operator runs it, against a throw-away var/ directory."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.composition import signing_secret
from bot.settings import Settings
from bot.tokens import ACTION_SERVER_TOKEN, BuyerTokens, internal_token


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("var")


def bot(var_dir, *args, check=True):
    env = {**os.environ, "VAR_DIR": str(var_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("BOT_SECRET", None)
    result = subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                            timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_seed_then_inspect(var_dir):
    assert "Seeded the demo marketplace" in bot(var_dir, "seed").stdout
    assert "nothing changed" in bot(var_dir, "seed").stdout
    assert (var_dir / "disputes.db").exists()
    buyers = json.loads(bot(var_dir, "buyers", "--json").stdout)
    assert {b["id"] for b in buyers} >= {"anna", "ben", "chen"}
    orders = json.loads(bot(var_dir, "orders", "anna", "--json").stdout)
    assert len(orders) >= 9
    assert all(len(o["number"]) == 16 and o["number"].isdigit() for o in orders)
    assert {o["dispute"]["status"] for o in orders if o["dispute"]} >= {"awaiting_seller", "escalated", "resolved"}
    too_late = [o for o in orders if o["protection_days_left"] == 10]
    assert too_late and not too_late[0]["can_open_dispute"] and "at least 15" in too_late[0]["why_not"]


def test_token_is_signed_with_the_generated_secret(var_dir):
    token = bot(var_dir, "token", "ben").stdout.strip()
    secret_file = var_dir / "secret.key"
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    settings = Settings.from_env({"VAR_DIR": str(var_dir)})
    tokens = BuyerTokens(signing_secret(settings), 3600)
    assert tokens.buyer_id(token) == "ben"
    assert tokens.buyer_id(token[:-2] + "xx") is None
    assert BuyerTokens("another-secret", 3600).buyer_id(token) is None


def test_unknown_buyer_is_a_clear_error(var_dir):
    for command in (["orders", "nobody"], ["token", "nobody"], ["link-code", "nobody"]):
        result = bot(var_dir, *command, check=False)
        assert result.returncode == 2 and "nobody" in result.stderr and "Traceback" not in result.stderr


def test_sweep_and_link_code(var_dir):
    assert "Escalated 0 dispute(s)" in bot(var_dir, "sweep").stdout
    code = bot(var_dir, "link-code", "anna").stdout.strip()
    assert len(code) == 8 and code.isalnum()


def test_reset_starts_over(var_dir):
    before = {o["number"]: o["dispute"] for o in json.loads(bot(var_dir, "orders", "anna", "--json").stdout)}
    bot(var_dir, "seed", "--reset")
    after = {o["number"]: o["dispute"] for o in json.loads(bot(var_dir, "orders", "anna", "--json").stdout)}
    assert before.keys() == after.keys()
    # fresh disputes get fresh numbers
    assert {d["number"] for d in before.values() if d}.isdisjoint({d["number"] for d in after.values() if d})


def test_commands_before_set_up_explain_what_to_do(tmp_path):
    result = bot(tmp_path, "buyers", check=False)
    assert result.returncode == 1 and "python -m bot migrate" in result.stderr and "Traceback" not in result.stderr


def test_processes_starting_together_share_one_secret(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        secrets = list(pool.map(_secret_of, [str(tmp_path)] * 8))
    assert len(set(secrets)) == 1 and len(secrets[0]) > 40
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def _secret_of(var_dir: str) -> str:
    return signing_secret(Settings.from_env({"VAR_DIR": var_dir}))


def test_process_env_matches_what_the_runner_gives_rasa(var_dir):
    lines = dict(line.removeprefix("export ").split("=", 1) for line in bot(var_dir, "process-env").stdout.splitlines())
    settings = Settings.from_env({"VAR_DIR": str(var_dir)})
    assert lines["ACTION_SERVER_TOKEN"] == internal_token(signing_secret(settings), ACTION_SERVER_TOKEN)
    assert lines["RASA_TRACKER_URL"] == f"sqlite:///{var_dir / 'conversations.db'}"
    assert lines["RASA_LOCK_STORE"] == "in_memory"
    assert lines["SANIC_WORKERS"] == "1"
    assert lines["ACTION_SERVER_URL"] == "http://127.0.0.1:5055"
