"""Conversation logic that is neither Rasa nor domain: how a typed chat turn fills the dispute form (draft.py)
and reads answers such as yes/no, amounts, order numbers (answers.py).

May import: bot.disputes. Never Rasa, HTTP or SQL (actions/ feeds it plain values).
"""
