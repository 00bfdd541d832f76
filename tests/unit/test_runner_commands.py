"""The gateway command the runner (and the systemd unit) starts keeps the web channel's frame limit."""
from __future__ import annotations

from bot.ops import runner
from bot.channels.web import MAX_FRAME_BYTES
from bot.settings import Settings


def test_the_gateway_refuses_websocket_messages_over_the_chat_frame_limit(tmp_path):
    assert runner.MAX_FRAME_BYTES == MAX_FRAME_BYTES
    [gateway] = [s for s in runner._services(Settings.from_env({"VAR_DIR": str(tmp_path)})) if s.name == "gateway"]
    command = gateway.command
    assert command[command.index("--ws-max-size") + 1] == str(MAX_FRAME_BYTES)
    assert int(command[command.index("--timeout-graceful-shutdown") + 1]) <= 10
