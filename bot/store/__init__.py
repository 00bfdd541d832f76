"""Storage on SQLAlchemy: the dispute store behind bot.disputes' ports (unit of work, repositories), and the
stores of the gateway (transcripts, web sessions, hand-offs, offered buttons, channel state, review inbox),
migrations, seed data and evidence files on disk.

May import: bot.disputes, bot.helpdesk.model, bot.review, bot.notifications (the ports it implements),
sqlalchemy, alembic. Never channels, Rasa or the gateway.
"""
