"""Dispute news pushed to buyers on channels that can write first (the notifier and the store port it reads).

May import: the standard library and anyio only; bot.store implements its port, bot.channels send through it."""
