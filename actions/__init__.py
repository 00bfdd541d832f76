"""rasa-sdk glue: read slots and channel metadata, call bot.disputes services, emit events.

rasa-sdk registers every Action subclass in the modules imported here.
"""
from . import conversation, dispute_form, disputes, offers, orders, triage  # noqa: F401
