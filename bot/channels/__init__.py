"""Channels the gateway terminates (REST, web widget over socket.io, Telegram, the agent API, the demo page):
each turns its own wire format into turns for the relay (relay.py) and back, owns its conversation-id format
and delivers messages written outside a turn (delivery.py).

May import: bot.disputes, bot.helpdesk, bot.notifications, bot.rasa.client, bot.services, bot.settings,
bot.tokens, fastapi, socketio, telegram. Never bot.store directly (stores come through bot.services) nor the
gateway.
"""
