"""The help desk: hand-offs from the bot to people. intake.py is the buyer's side (used by the relay),
desk.py the agent's side, queue.py and views.py what agents see, labels.py the words for codes.

May import: bot.disputes. Channels, the relay and stores come in as constructor arguments, never imports.
"""
