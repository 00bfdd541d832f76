"""The gateway: the one public HTTP surface (chat channels, agent API and console, demo page, health), served by
uvicorn as `bot.gateway.app:create_app`. bot.composition.build_gateway builds its parts (bot.composition.Gateway);
bot.gateway.app runs them.

May import: bot.channels, bot.helpdesk, bot.notifications, bot.rasa.client, bot.services, bot.settings, bot.store
(health probe only), bot.composition. Nothing but bot.ops imports it.
"""
