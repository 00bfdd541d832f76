"""The dispute domain: Buyer Protection rules, the dispute state machine, evidence checks and the services the
bot, the help desk and tests call. Storage is a port (ports.py) that bot.store implements.

May import: the standard library only (and nothing else of bot). Knows nothing of Rasa, HTTP or SQL.
"""
